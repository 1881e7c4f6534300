#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// otel_compare.js - runs the OpenTelemetry JS propagators on the gateway vectors, checks every difference against DISAGREEMENTS.md, and checks text -> header -> text round trips through the C adapter.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');
const b3pkg = require('@opentelemetry/propagator-b3');
const { JaegerPropagator } = require('@opentelemetry/propagator-jaeger');
// The B3 debug state lives under a context key that the package does not export by name.
const { B3_DEBUG_FLAG_KEY } = require('@opentelemetry/propagator-b3/build/src/common');

const { trace, propagation, ROOT_CONTEXT, isSpanContextValid } = api;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = {
    adapter: path.join(ROOT, 'build', 'tracewire'),
    vectors: path.join(ROOT, 'conformance', 'vectors'),
    disagreements: path.join(__dirname, 'DISAGREEMENTS.md'),
    verbose: false,
    list: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--adapter') o.adapter = argv[++i];
    else if (a === '--vectors') o.vectors = argv[++i];
    else if (a === '--disagreements') o.disagreements = argv[++i];
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--list') o.list = true;
    else if (a === '--no-adapter') o.adapter = null;
    else {
      process.stderr.write('usage: otel_compare.js [--adapter PATH | --no-adapter] [--vectors DIR] ' +
        '[--disagreements FILE] [--list] [--verbose]\n');
      process.exit(2);
    }
  }
  return o;
}

// ------------------------------------------------------------------ carriers

/** Field lines -> the carrier an OpenTelemetry getter reads: lower-case names, a repeated name as an array. */
function carrierOf(lines) {
  const c = {};
  for (const [name, value] of lines) {
    const k = name.toLowerCase();
    if (k in c) c[k] = [].concat(c[k], value);
    else c[k] = value;
  }
  return c;
}

const getter = {
  get: (c, k) => c[k.toLowerCase()],
  keys: (c) => Object.keys(c),
};
const setter = { set: (pairs, k, v) => pairs.push([k, v]) };

// ------------------------------------------------------------------ helpers

function canon(x) {
  if (Array.isArray(x)) return x.map(canon);
  if (x && typeof x === 'object') {
    const o = {};
    for (const k of Object.keys(x).sort()) o[k] = canon(x[k]);
    return o;
  }
  return x;
}
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const show = (x) => (x === undefined ? 'nothing' : JSON.stringify(x));
const trimOws = (s) => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** Members of a tracestate text taken from a vector's expectation (always valid). */
function tracestateMembers(text) {
  const out = [];
  for (const piece of text.split(',')) {
    const m = trimOws(piece);
    if (m === '') continue;
    const i = m.indexOf('=');
    out.push([m.slice(0, i), m.slice(i + 1)]);
  }
  return out;
}

/** Value of a baggage member as tracewire reads it: %XX to octets, then UTF-8 with U+FFFD replacement. */
function decodeBaggageValue(raw) {
  const bytes = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
}

/** Members of a baggage text taken from a vector's expectation (always valid). */
function baggageMembers(text) {
  const out = [];
  if (text === null || text === undefined) return out;
  for (const piece of text.split(',')) {
    const m = trimOws(piece);
    if (m === '') continue;
    const semi = m.indexOf(';');
    const kv = semi < 0 ? m : m.slice(0, semi);
    const eq = kv.indexOf('=');
    out.push({
      key: trimOws(kv.slice(0, eq)),
      value: decodeBaggageValue(trimOws(kv.slice(eq + 1))),
      properties: semi < 0 ? '' : trimOws(m.slice(semi + 1)),
    });
  }
  return out;
}

function otelBaggageMembers(ctx) {
  const b = propagation.getBaggage(ctx);
  if (!b) return [];
  return b.getAllEntries().map(([key, e]) => ({
    key,
    value: e.value,
    properties: e.metadata ? trimOws(e.metadata.toString()) : '',
  }));
}

function otelContext(ctx) {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !isSpanContextValid(sc)) return null;
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags };
}

function spanContextOf(c) {
  return { traceId: c.trace_id, spanId: c.span_id, traceFlags: c.trace_flags, isRemote: false };
}

function baggageFrom(members) {
  const entries = {};
  for (const m of members) {
    const e = { value: m.value };
    if (m.properties) e.metadata = api.baggageEntryMetadataFromString(m.properties);
    entries[m.key] = e;
  }
  return propagation.createBaggage(entries);
}

// ------------------------------------------------------------------ comparisons
// Each returns { verdict: 'agree' | 'disagree' | 'skip', otel: what OpenTelemetry did, why?: skip reason }.

const w3c = new core.W3CTraceContextPropagator();
const w3cBaggage = new core.W3CBaggagePropagator();

function verdict(ok, otel) {
  return { verdict: ok ? 'agree' : 'disagree', otel };
}

const COMPARE = {
  'traceparent.parse'(inp, exp) {
    const ctx = otelContext(w3c.extract(ROOT_CONTEXT, { traceparent: inp.text }, getter));
    if (exp.error) return verdict(ctx === null, ctx);
    return verdict(ctx !== null && ctx.trace_id === exp.trace_id && ctx.span_id === exp.span_id &&
      ctx.trace_flags === exp.trace_flags, ctx);
  },

  'traceparent.format'(inp, exp) {
    const pairs = [];
    w3c.inject(trace.setSpanContext(ROOT_CONTEXT, spanContextOf(inp)), pairs, setter);
    const tp = pairs.find(([k]) => k === 'traceparent');
    const text = tp ? tp[1] : null;
    if (exp.error) return verdict(text === null, text);
    return verdict(text === exp.text, text);
  },

  'tracestate.members'(inp, exp) {
    const s = new core.TraceState(inp.text).serialize();
    const members = s === '' ? [] : tracestateMembers(s);
    if (exp.error) return verdict(members.length === 0, members);
    return verdict(same(members, exp.members), members);
  },

  'tracestate.get'(inp, exp) {
    const v = new core.TraceState(inp.text).get(inp.key);
    if (exp.error) return verdict(v === undefined, v);
    return verdict((v === undefined ? null : v) === exp.value, v);
  },

  'tracestate.put'(inp, exp) {
    const before = new core.TraceState(inp.text);
    const after = before.set(inp.key, inp.value);
    if (exp.error) return verdict(after === before, after === before ? 'refused' : after.serialize());
    return verdict(after.serialize() === exp.text, after.serialize());
  },

  'baggage.members'(inp, exp) {
    const members = otelBaggageMembers(w3cBaggage.extract(ROOT_CONTEXT, { baggage: inp.text }, getter));
    if (exp.error) return verdict(members.length === 0, members);
    return verdict(same(members, exp.members), members);
  },

  'baggage.sanitize'(inp, exp) {
    // What survives extract and inject, compared as decoded members.
    const ctx = w3cBaggage.extract(ROOT_CONTEXT, { baggage: inp.text }, getter);
    const pairs = [];
    w3cBaggage.inject(ctx, pairs, setter);
    const text = pairs.length ? pairs[0][1] : '';
    const members = otelBaggageMembers(w3cBaggage.extract(ROOT_CONTEXT, { baggage: text }, getter));
    return verdict(same(members, baggageMembers(exp.text)), members);
  },

  'baggage.encode'(inp, exp) {
    const keys = inp.members.map((m) => m.key);
    if (new Set(keys).size !== keys.length) {
      return { verdict: 'skip', why: 'OpenTelemetry baggage cannot hold a key twice' };
    }
    const pairs = [];
    if (inp.members.length) {
      w3cBaggage.inject(propagation.setBaggage(ROOT_CONTEXT, baggageFrom(inp.members)), pairs, setter);
    }
    const text = pairs.length ? pairs[0][1] : null;
    if (exp.error) return verdict(text === null, text);
    return verdict((text === null ? '' : text) === exp.text, text);
  },

  'b3.extract'(inp, exp) {
    const ctx = new b3pkg.B3Propagator().extract(ROOT_CONTEXT, carrierOf(inp.headers), getter);
    const c = otelContext(ctx);
    const debug = ctx.getValue(B3_DEBUG_FLAG_KEY);
    const seen = c === null ? null : Object.assign({}, c, { debug: debug !== undefined });
    if (exp.error) return verdict(c === null, seen);
    const ok = same(c, exp.context) && (c === null || (exp.sampling === 'debug') === (debug !== undefined));
    return verdict(ok, seen);
  },

  'b3.inject'(inp, exp) {
    const multi = inp.form === 'multi';
    let ctx = trace.setSpanContext(ROOT_CONTEXT, spanContextOf(inp.context));
    // The single-header extractor stores 'd', the multi-header one '1'; each injector reads its own.
    if (inp.debug) ctx = ctx.setValue(B3_DEBUG_FLAG_KEY, multi ? '1' : 'd');
    const prop = new b3pkg.B3Propagator({
      injectEncoding: multi ? b3pkg.B3InjectEncoding.MULTI_HEADER : b3pkg.B3InjectEncoding.SINGLE_HEADER,
    });
    const pairs = [];
    prop.inject(ctx, pairs, setter);
    return verdict(same(pairs, exp.headers), pairs);
  },

  'jaeger.extract'(inp, exp) {
    const ctx = new JaegerPropagator().extract(ROOT_CONTEXT, carrierOf(inp.headers), getter);
    const c = otelContext(ctx);
    const bag = otelBaggageMembers(ctx).map(({ key, value }) => ({ key, value }));
    if (exp.error) return verdict(c === null, c);
    const want = baggageMembers(exp.baggage).map(({ key, value }) => ({ key, value }));
    return verdict(same(c, exp.context) && same(bag, want), { context: c, baggage: bag });
  },

  'jaeger.inject'(inp, exp) {
    if (inp.debug) return { verdict: 'skip', why: 'OpenTelemetry JS cannot inject the Jaeger debug flag' };
    let ctx = trace.setSpanContext(ROOT_CONTEXT, spanContextOf(inp.context));
    if (inp.baggage) {
      const members = baggageMembers(inp.baggage).map(({ key, value }) => ({ key, value, properties: '' }));
      ctx = propagation.setBaggage(ctx, baggageFrom(members));
    }
    const pairs = [];
    new JaegerPropagator().inject(ctx, pairs, setter);
    return verdict(same(pairs, exp.headers), pairs);
  },

  'gateway.extract'(inp, exp) {
    const names = inp.headers.map(([n]) => n.toLowerCase());
    const foreign = names.find((n) => n === 'b3' || n.startsWith('x-b3-') || n === 'uber-trace-id' ||
      n.startsWith('uberctx-') || n === 'grpc-trace-bin' || n === 'tracewire-correlation-id');
    if (foreign || (exp.source !== null && exp.source !== 'traceparent')) {
      return { verdict: 'skip', why: 'uses ' + (foreign || exp.source) + ' (compared in its own file)' };
    }
    const carrier = carrierOf(inp.headers);
    let ctx = w3c.extract(ROOT_CONTEXT, carrier, getter);
    ctx = w3cBaggage.extract(ctx, carrier, getter);
    const sc = trace.getSpanContext(ctx);
    const valid = sc !== undefined && isSpanContextValid(sc);
    const bag = otelBaggageMembers(ctx);

    // What OpenTelemetry extracted, in the shape of the vector's context.
    let got = null;
    if (valid || bag.length) {
      got = {};
      if (valid) {
        Object.assign(got, { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags });
        const ts = sc.traceState ? sc.traceState.serialize() : '';
        if (ts) got.tracestate = tracestateMembers(ts);
      }
      if (bag.length) got.baggage = bag;
    }
    let want = null;
    if (exp.context) {
      want = {};
      for (const k of ['trace_id', 'span_id', 'trace_flags']) if (k in exp.context) want[k] = exp.context[k];
      if (exp.context.tracestate) want.tracestate = tracestateMembers(exp.context.tracestate);
      if (exp.context.baggage) want.baggage = baggageMembers(exp.context.baggage);
    }

    // What a participating OpenTelemetry service sends on.
    let out = ROOT_CONTEXT;
    if (valid) {
      out = trace.setSpanContext(out, Object.assign({}, sc, { spanId: inp.new_span_id || sc.spanId, isRemote: false }));
    }
    const b = propagation.getBaggage(ctx);
    if (b) out = propagation.setBaggage(out, b);
    const pairs = [];
    w3c.inject(out, pairs, setter);
    w3cBaggage.inject(out, pairs, setter);
    const norm = (list) => list.map(([k, v]) => {
      if (k === 'tracestate') return [k, tracestateMembers(v)];
      if (k === 'baggage') return [k, baggageMembers(v)];
      return [k, v];
    });
    const ok = same(got, want) && same(norm(pairs), norm(exp.downstream));
    return verdict(ok, { context: got, downstream: pairs });
  },
};

const NO_EQUIVALENT = {
  'tracestate.truncate': 'OpenTelemetry JS has no truncation call',
  'grpc_trace_bin.parse': 'no grpc-trace-bin propagator in the pinned packages',
  'grpc_trace_bin.format': 'no grpc-trace-bin propagator in the pinned packages',
  'json.parse': 'no JSON log-correlation reader',
  'json.format': 'no JSON log-correlation writer',
  'sampling.ot.parse': 'no consistent-probability sampler in the pinned packages',
  'sampling.ot.set_th': 'no consistent-probability sampler in the pinned packages',
  'sampling.decide': 'no consistent-probability sampler in the pinned packages',
};

// ------------------------------------------------------------------ DISAGREEMENTS.md

/** Vector names listed in the first column of the tables, written as `name`. */
function listedDisagreements(file) {
  const names = new Map();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const m = /^\|\s*`([a-z0-9_]+)`\s*\|/.exec(line);
    if (m) {
      if (names.has(m[1])) throw new Error(file + ':' + (i + 1) + ': ' + m[1] + ' is listed twice');
      names.set(m[1], i + 1);
    }
  });
  return names;
}

// ------------------------------------------------------------------ the C adapter

/** Runs one batch of requests through `tracewire adapter`; returns outputs by id. */
function adapterBatch(adapter, requests) {
  if (!requests.length) return new Map();
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const res = spawnSync(adapter, ['adapter'], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    throw new Error('adapter ' + adapter + ' failed: ' + (res.error ? res.error.message : 'exit ' + res.status + ' ' + res.stderr));
  }
  const out = new Map();
  for (const line of res.stdout.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    out.set(r.id, r.output);
  }
  return out;
}

const unsupported = (o) => o && o.error === 'unsupported';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';

/**
 * Canonical text -> header bytes -> text must give the same octets.
 * traceparent: parse, header.encode, header.decode, format. tracestate and
 * baggage: the text in a header, encode, decode, compare.
 */
function roundTrips(adapter, cases, report) {
  const chains = [];
  for (const c of cases) {
    const e = c.expect;
    if (e.error) continue;
    if (c.op === 'traceparent.parse' && e.version === 0 &&
        c.input.text === '00-' + e.trace_id + '-' + e.span_id + '-' + e.trace_flags.toString(16).padStart(2, '0')) {
      chains.push({ name: c.name, kind: 'traceparent', text: c.input.text });
    }
    if (c.op === 'traceparent.format') chains.push({ name: c.name, kind: 'traceparent', text: e.text });
    const ts = c.op === 'tracestate.members' ? c.input.text :
      (c.op === 'tracestate.put' || c.op === 'tracestate.truncate') ? e.text : null;
    if (ts) chains.push({ name: c.name, kind: 'tracestate', text: ts });
    const bg = c.op === 'baggage.members' ? c.input.text :
      (c.op === 'baggage.sanitize' || c.op === 'baggage.encode') ? e.text : null;
    if (bg) chains.push({ name: c.name, kind: 'baggage', text: bg });
  }

  // Step 1: traceparent text -> fields (the header for the other two kinds is built directly).
  const step1 = adapterBatch(adapter, chains.map((ch, i) => ch.kind === 'traceparent'
    ? { id: String(i), op: 'traceparent.parse', input: { text: ch.text } } : null).filter(Boolean));
  const headers = chains.map((ch, i) => {
    if (ch.kind === 'tracestate') return { trace_id: TID, span_id: SID, trace_flags: 1, tracestate: ch.text };
    if (ch.kind === 'baggage') return { baggage: ch.text };
    const o = step1.get(String(i));
    if (!o || o.error) return o || { error: 'no answer' };
    return { trace_id: o.trace_id, span_id: o.span_id, trace_flags: o.trace_flags };
  });
  const step2 = adapterBatch(adapter, headers.map((h, i) => (h.error ? null
    : { id: String(i), op: 'header.encode', input: { header: h } })).filter(Boolean));
  const step3 = adapterBatch(adapter, chains.map((ch, i) => {
    const o = step2.get(String(i));
    return o && o.message_hex !== undefined ? { id: String(i), op: 'header.decode', input: { message_hex: o.message_hex } } : null;
  }).filter(Boolean));
  const step4 = adapterBatch(adapter, chains.map((ch, i) => {
    const o = step3.get(String(i));
    if (ch.kind !== 'traceparent' || !o || !o.header) return null;
    const h = o.header;
    return { id: String(i), op: 'traceparent.format', input: { trace_id: h.trace_id, span_id: h.span_id, trace_flags: h.trace_flags } };
  }).filter(Boolean));

  const skipped = new Map();
  chains.forEach((ch, i) => {
    const id = String(i);
    const label = 'round trip ' + ch.kind + ' of ' + ch.name;
    const answers = [step1.get(id), headers[i], step2.get(id), step3.get(id), step4.get(id)];
    const miss = answers.find(unsupported);
    if (miss) {
      const op = ch.kind === 'traceparent' && unsupported(answers[0]) ? 'traceparent.parse'
        : unsupported(answers[2]) ? 'header.encode' : unsupported(answers[3]) ? 'header.decode' : 'traceparent.format';
      skipped.set(op, (skipped.get(op) || 0) + 1);
      return;
    }
    let back;
    if (ch.kind === 'traceparent') back = step4.get(id) && step4.get(id).text;
    else back = step3.get(id) && step3.get(id).header && step3.get(id).header[ch.kind];
    if (back === ch.text) {
      report.pass();
    } else {
      report.fail(label + ': ' + JSON.stringify(ch.text).slice(0, 120) + ' came back as ' +
        JSON.stringify(back === undefined ? answers.find((a) => a && a.error) || null : back).slice(0, 120));
    }
  });
  for (const [op, n] of skipped) {
    process.stdout.write('note: ' + n + ' round trips skipped: the adapter does not offer ' + op + ' yet\n');
  }
  return chains.length;
}

// ------------------------------------------------------------------ main

function main() {
  const opt = parseArgs(process.argv);
  let passed = 0;
  let failed = 0;
  const report = {
    pass() { passed++; },
    fail(msg) { failed++; process.stdout.write('FAIL ' + msg + '\n'); },
  };

  const files = fs.readdirSync(opt.vectors).filter((f) => f.endsWith('.json')).sort();
  const cases = [];
  for (const f of files) {
    const doc = JSON.parse(fs.readFileSync(path.join(opt.vectors, f), 'utf8'));
    for (const c of doc.cases) cases.push(Object.assign({ file: f }, c));
  }

  const listed = listedDisagreements(opt.disagreements);
  const seen = new Set();
  const observed = [];
  let agree = 0;
  let disagreeListed = 0;
  const skips = new Map();

  for (const c of cases) {
    const fn = COMPARE[c.op];
    if (!fn) {
      if (NO_EQUIVALENT[c.op]) skips.set(NO_EQUIVALENT[c.op], (skips.get(NO_EQUIVALENT[c.op]) || 0) + 1);
      continue;
    }
    let r;
    try {
      r = fn(c.input, c.expect);
    } catch (e) {
      r = { verdict: 'disagree', otel: 'threw ' + e.message };
    }
    if (r.verdict === 'skip') {
      skips.set(r.why, (skips.get(r.why) || 0) + 1);
      continue;
    }
    seen.add(c.name);
    if (r.verdict === 'agree') {
      if (listed.has(c.name)) {
        report.fail(c.name + ': listed in ' + path.basename(opt.disagreements) + ' (line ' + listed.get(c.name) +
          ') but OpenTelemetry now agrees; remove the row');
      } else {
        agree++;
        report.pass();
        if (opt.verbose) process.stdout.write('agree ' + c.name + '\n');
      }
    } else {
      observed.push({ name: c.name, otel: r.otel, file: c.file });
      if (listed.has(c.name)) {
        disagreeListed++;
        report.pass();
        if (opt.verbose) process.stdout.write('listed ' + c.name + ': OpenTelemetry gave ' + show(r.otel).slice(0, 200) + '\n');
      } else {
        report.fail(c.name + ' (' + c.file + '): OpenTelemetry gave ' + show(r.otel).slice(0, 300) +
          ', the vector expects ' + show(c.expect).slice(0, 300) + '; not listed in ' + path.basename(opt.disagreements));
      }
    }
  }
  for (const [name, line] of listed) {
    if (!seen.has(name)) {
      report.fail(name + ': listed in ' + path.basename(opt.disagreements) + ' (line ' + line +
        ') but no vector of that name was compared');
    }
  }
  if (opt.list) {
    for (const o of observed) process.stdout.write('| `' + o.name + '` | ' + show(o.otel).slice(0, 160) + ' |\n');
  }
  for (const [why, n] of skips) process.stdout.write('note: ' + n + ' vectors not compared: ' + why + '\n');
  process.stdout.write('OpenTelemetry JS: ' + agree + ' agree, ' + disagreeListed + ' listed disagreements\n');

  if (opt.adapter) {
    if (!fs.existsSync(opt.adapter)) {
      report.fail('adapter ' + opt.adapter + ' not found (make ' + path.relative(ROOT, opt.adapter) + ')');
    } else {
      const before = passed + failed;
      const n = roundTrips(opt.adapter, cases, report);
      process.stdout.write('round trips: ' + (passed + failed - before) + ' of ' + n + ' checked through ' +
        path.relative(ROOT, opt.adapter) + '\n');
    }
  }
  process.stdout.write(passed + ' passed, ' + failed + ' failed\n');
  process.exit(failed ? 1 : 0);
}

main();
