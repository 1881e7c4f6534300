#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Conformance adapter for tracewire-js: JSON-lines requests on stdin, one response line each on stdout.
'use strict';

const readline = require('node:readline');
const tw = require('./tracewire.js');
const textops = require('./textops.js');
const proc = require('./processing.js');
const gw = require('./gateway.js');

const IMPLEMENTATION = 'tracewire-js';
const VERSION = '0.2.0';

// Vector JSON (conformance/README.md "Values in JSON") <-> library values.
//
// A request that does not follow the vector format (a value of the wrong
// type, hex that is not lowercase or has the wrong size, UUID text that is
// not UUID text, an unknown `kind`) is answered with {"error": "bad-input"},
// which is no class of spec §4.6.1: the adapter does not turn such input into
// a status code of the library (conformance/README.md, "Values the format
// never carries").

class BadInput extends Error {}

function badInput(detail) {
  throw new BadInput(detail);
}

function isObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Lowercase hex of an even length (or of exactly `size` bytes): bytes. */
function bytesFromJson(x, what, size) {
  if (typeof x !== 'string' || !/^([0-9a-f]{2})*$/.test(x)) badInput(what + ' must be lowercase hex');
  if (size !== undefined && x.length !== 2 * size) badInput(what + ' must be ' + size + ' bytes');
  return tw.parseHex(x);
}

function stringFromJson(x, what) {
  if (typeof x !== 'string') badInput(what + ' must be a string');
  return x;
}

function intFromJson(x, what, min, max) {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    badInput(what + ' must be an integer from ' + min + ' to ' + max);
  }
  return x;
}

function boolFromJson(x, what) {
  if (typeof x !== 'boolean') badInput(what + ' must be true or false');
  return x;
}

function stringListFromJson(x, what) {
  if (!Array.isArray(x) || !x.every((k) => typeof k === 'string')) badInput(what + ' must be an array of strings');
  return x;
}

function uuidFromJson(x, what) {
  if (typeof x !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(x)) {
    badInput(what + ' must be lowercase UUID text');
  }
  return tw.parseUuid(x);
}

/** Header JSON object of a vector `input` to header values (absent = empty). */
function valuesFromJson(h, what) {
  const name = what || 'header';
  if (!isObject(h)) badInput(name + ' must be an object');
  const known = ['trace_id', 'span_id', 'trace_flags', 'correlation_id', 'tracestate', 'baggage', 'unknown'];
  for (const k of Object.keys(h)) if (!known.includes(k)) badInput('unexpected ' + name + ' key ' + k);
  const E = new Uint8Array(0);
  const v = { traceId: E, spanId: E, traceFlags: 0, correlationId: E, tracestate: '', baggage: '', unknown: [] };
  if (h.trace_id !== undefined) v.traceId = bytesFromJson(h.trace_id, 'trace_id', 16);
  if (h.span_id !== undefined) v.spanId = bytesFromJson(h.span_id, 'span_id', 8);
  if (h.trace_flags !== undefined) v.traceFlags = intFromJson(h.trace_flags, 'trace_flags', 0, 255);
  if (h.correlation_id !== undefined) v.correlationId = uuidFromJson(h.correlation_id, 'correlation_id');
  if (h.tracestate !== undefined) v.tracestate = stringFromJson(h.tracestate, 'tracestate');
  if (h.baggage !== undefined) v.baggage = stringFromJson(h.baggage, 'baggage');
  if (h.unknown !== undefined) {
    if (!Array.isArray(h.unknown)) badInput('unknown must be an array');
    v.unknown = h.unknown.map((u, i) => bytesFromJson(u, 'unknown[' + i + ']'));
  }
  return v;
}

/** A `context` object ({trace_id, span_id, trace_flags}) to values. */
function contextFromJson(c) {
  if (!isObject(c)) badInput('context must be an object');
  return {
    traceId: bytesFromJson(c.trace_id, 'trace_id', 16),
    spanId: bytesFromJson(c.span_id, 'span_id', 8),
    traceFlags: intFromJson(c.trace_flags, 'trace_flags', 0, 255),
  };
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Text values: strings as they are, bytes as UTF-8 (valid text is ASCII). */
function textToJson(t) {
  return typeof t === 'string' ? t : utf8Decoder.decode(t);
}

/** Header values to vector JSON: only present keys. */
function headerToJson(h) {
  const out = {};
  if (h.traceId && h.traceId.length !== 0) {
    out.trace_id = tw.formatHex(h.traceId);
    out.span_id = tw.formatHex(h.spanId);
    out.trace_flags = h.traceFlags || 0;
  }
  if (h.correlationId && h.correlationId.length !== 0) out.correlation_id = tw.formatUuid(h.correlationId);
  if (h.tracestate && h.tracestate.length !== 0) out.tracestate = textToJson(h.tracestate);
  if (h.baggage && h.baggage.length !== 0) out.baggage = textToJson(h.baggage);
  if (h.unknown && h.unknown.length !== 0) out.unknown = h.unknown.map((u) => tw.formatHex(u.bytes || u));
  return out;
}

function contextToJson(c) {
  return c === null ? null : { trace_id: tw.formatHex(c.traceId), span_id: tw.formatHex(c.spanId), trace_flags: c.traceFlags };
}

function discardedToJson(r, out) {
  const discarded = [];
  if (r.discardedTracestate) discarded.push('tracestate');
  if (r.discardedBaggage) discarded.push('baggage');
  if (discarded.length !== 0) out.discarded = discarded;
  return out;
}

function decodeResultToJson(r, out) {
  out.header = headerToJson(r.header);
  out.canonical = r.canonical;
  return discardedToJson(r, out);
}

function textFromJson(input) {
  return stringFromJson(input.text, 'text');
}

/** Field lines: an array of [name, value] string pairs. */
function fieldsFromJson(x) {
  if (!Array.isArray(x) || !x.every((f) => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string')) {
    badInput('headers must be an array of [name, value] string pairs');
  }
  return x;
}

/** The runner's random source (conformance/README.md): fails for good once short. */
function randomFromHex(hex) {
  const bytes = bytesFromJson(hex, 'random_hex');
  let pos = 0;
  let failed = false;
  return (n) => {
    if (failed || bytes.length - pos < n) {
      failed = true;
      return null;
    }
    const r = bytes.subarray(pos, pos + n);
    pos += n;
    return r;
  };
}

const OPS = {
  // ---- chapters 4 and 5
  'header.decode': (input) => decodeResultToJson(tw.decodeHeader(bytesFromJson(input.message_hex, 'message_hex')), {}),

  'header.encode': (input) => ({ message_hex: tw.formatHex(tw.encodeHeader(valuesFromJson(input.header))) }),

  'block.decode': (input) => {
    const r = tw.decodeBlock(bytesFromJson(input.block_hex, 'block_hex'));
    return decodeResultToJson(r, { consumed: r.consumed });
  },

  'block.encode': (input) => ({ block_hex: tw.formatHex(tw.encodeBlock(valuesFromJson(input.header))) }),

  'block.measure': (input) => {
    const m = tw.measureBlock(bytesFromJson(input.block_hex, 'block_hex'));
    return { length: m.length, version: m.version, message_offset: m.messageOffset, message_length: m.messageLength };
  },

  'tracestate.validate': (input) => {
    tw.validateTracestate(textFromJson(input));
    return { valid: true };
  },

  'baggage.validate': (input) => {
    tw.validateBaggage(textFromJson(input));
    return { valid: true };
  },

  'uuid.parse': (input) => ({ uuid_hex: tw.formatHex(tw.parseUuid(stringFromJson(input.text, 'text'))) }),

  'uuid.format': (input) => ({ text: tw.formatUuid(bytesFromJson(input.uuid_hex, 'uuid_hex', 16)) }),

  'id.generate': (input) => {
    // random_hex is always given (conformance/README.md): a missing one is
    // outside the format, as is a unix_ms that is not an integer from 0 to
    // 2^53 - 1. The library's own TW_E_NO_RANDOM is covered by test.js.
    if (input.random_hex === undefined) badInput('random_hex is required');
    const random = randomFromHex(input.random_hex);
    let id;
    switch (input.kind) {
      case 'trace_id':
        id = tw.generateTraceId(random);
        break;
      case 'span_id':
        id = tw.generateSpanId(random);
        break;
      case 'uuid4':
        id = tw.generateUuid4(random);
        break;
      case 'uuid7':
        id = tw.generateUuid7(intFromJson(input.unix_ms, 'unix_ms', 0, Number.MAX_SAFE_INTEGER), random);
        break;
      default:
        badInput('unknown kind ' + String(input.kind));
    }
    return { id_hex: tw.formatHex(id) };
  },

  // ---- chapter 10
  'relay.set_span_id': (input) => ({
    message_hex: tw.formatHex(proc.setSpanId(bytesFromJson(input.message_hex, 'message_hex'), bytesFromJson(input.span_id, 'span_id', 8))),
  }),

  'relay.edit': (input) => {
    const edit = {};
    if (input.span_id !== undefined) edit.spanId = bytesFromJson(input.span_id, 'span_id', 8);
    if (input.flags_set !== undefined) edit.flagsSet = intFromJson(input.flags_set, 'flags_set', 0, 255);
    if (input.flags_clear !== undefined) edit.flagsClear = intFromJson(input.flags_clear, 'flags_clear', 0, 255);
    if (input.tracestate_put !== undefined) {
      const p = input.tracestate_put;
      if (!isObject(p)) badInput('tracestate_put must be an object');
      edit.tracestatePut = { key: stringFromJson(p.key, 'tracestate_put.key'), value: stringFromJson(p.value, 'tracestate_put.value') };
    }
    return { message_hex: tw.formatHex(proc.editHeader(bytesFromJson(input.message_hex, 'message_hex'), edit)) };
  },

  'budget.encode': (input) => {
    const r = proc.encodeWithinBudget(valuesFromJson(input.header), intFromJson(input.budget, 'budget', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    return { message_hex: tw.formatHex(r.message), dropped: r.dropped };
  },

  'trust.restart': (input) => {
    const allow = input.baggage_allow === undefined ? null : stringListFromJson(input.baggage_allow, 'baggage_allow');
    const r = proc.trustRestart(valuesFromJson(input.header), boolFromJson(input.sampled, 'sampled'), randomFromHex(input.random_hex), allow);
    const out = { header: headerToJson(r.header) };
    if (r.link !== null) out.link = contextToJson(r.link);
    return out;
  },

  'response.classify': (input) => {
    const r = proc.classifyResponse(valuesFromJson(input.request, 'request'), valuesFromJson(input.response, 'response'));
    return { relation: r.relation, sampled_upgrade: r.sampledUpgrade };
  },

  // ---- chapter 11: text lists
  'tracestate.members': (input) => ({ members: textops.tracestateMembers(textFromJson(input)).map((m) => [m.key, m.value]) }),

  'tracestate.get': (input) => ({ value: textops.tracestateGet(textFromJson(input), stringFromJson(input.key, 'key')) }),

  'tracestate.put': (input) => ({
    text: textops.tracestatePut(textFromJson(input), stringFromJson(input.key, 'key'), stringFromJson(input.value, 'value')),
  }),

  'tracestate.truncate': (input) => ({
    text: textops.tracestateTruncate(textFromJson(input), intFromJson(input.budget, 'budget', 0, Number.MAX_SAFE_INTEGER)),
  }),

  'tracestate.filter': (input) => ({ text: textops.tracestateFilter(textFromJson(input), stringListFromJson(input.allow, 'allow')) }),

  'baggage.members': (input) => ({ members: textops.baggageMembers(textFromJson(input)) }),

  'baggage.sanitize': (input) => textops.baggageSanitize(textFromJson(input)),

  'baggage.encode': (input) => {
    if (!Array.isArray(input.members)) badInput('members must be an array');
    const members = input.members.map((m, i) => {
      if (!isObject(m)) badInput('members[' + i + '] must be an object');
      const out = { key: stringFromJson(m.key, 'key'), value: stringFromJson(m.value, 'value') };
      if (m.properties !== undefined) out.properties = stringFromJson(m.properties, 'properties');
      return out;
    });
    return { text: textops.baggageEncode(members) };
  },

  'baggage.filter': (input) => ({ text: textops.baggageFilter(textFromJson(input), stringListFromJson(input.allow, 'allow')) }),

  // ---- chapter 11: formats
  'traceparent.parse': (input) => {
    const r = gw.parseTraceparent(textFromJson(input));
    return { trace_id: tw.formatHex(r.traceId), span_id: tw.formatHex(r.spanId), trace_flags: r.traceFlags, version: r.version };
  },

  'traceparent.format': (input) => ({ text: gw.formatTraceparent(contextFromJson(input)) }),

  'b3.extract': (input) => {
    const r = gw.b3Extract(fieldsFromJson(input.headers));
    return { context: contextToJson(r.context), sampling: r.sampling };
  },

  'b3.inject': (input) => {
    const form = input.form === undefined ? 'single' : input.form;
    if (form !== 'single' && form !== 'multi') badInput('form must be single or multi');
    const debug = input.debug === undefined ? false : boolFromJson(input.debug, 'debug');
    return { headers: gw.b3Inject(contextFromJson(input.context), debug, form) };
  },

  'jaeger.extract': (input) => {
    const r = gw.jaegerExtract(fieldsFromJson(input.headers));
    return { context: contextToJson(r.context), debug: r.debug, baggage: r.baggage };
  },

  'jaeger.inject': (input) => {
    const debug = input.debug === undefined ? false : boolFromJson(input.debug, 'debug');
    const baggage = input.baggage === undefined ? null : stringFromJson(input.baggage, 'baggage');
    return { headers: gw.jaegerInject(contextFromJson(input.context), debug, baggage) };
  },

  'grpc_trace_bin.parse': (input) => {
    let bytes;
    if (input.base64 !== undefined) bytes = gw.decodeBase64(stringFromJson(input.base64, 'base64'));
    else bytes = bytesFromJson(input.hex, 'hex');
    return { context: contextToJson(gw.parseGrpcTraceBin(bytes)) };
  },

  'grpc_trace_bin.format': (input) => {
    const bytes = gw.formatGrpcTraceBin(contextFromJson(input.context));
    return { hex: tw.formatHex(bytes), base64: gw.encodeBase64(bytes) };
  },

  'json.parse': (input) => {
    const r = gw.parseJsonForm(textFromJson(input));
    return discardedToJson(r, { header: headerToJson(r.header) });
  },

  'json.format': (input) => ({ text: gw.formatJsonForm(valuesFromJson(input.header)) }),

  'sampling.ot.parse': (input) => gw.parseOt(stringFromJson(input.tracestate, 'tracestate')),

  'sampling.ot.set_th': (input) => ({
    tracestate: gw.setOtThreshold(stringFromJson(input.tracestate, 'tracestate'), stringFromJson(input.threshold, 'threshold')),
  }),

  'sampling.decide': (input) => {
    const threshold = input.threshold === undefined ? null : stringFromJson(input.threshold, 'threshold');
    return gw.decideSampling(bytesFromJson(input.trace_id, 'trace_id', 16), intFromJson(input.trace_flags, 'trace_flags', 0, 255),
      stringFromJson(input.tracestate, 'tracestate'), threshold);
  },

  'gateway.extract': (input) => {
    const newSpanId = input.new_span_id === undefined ? null : bytesFromJson(input.new_span_id, 'new_span_id', 8);
    const r = gw.gatewayExtract(fieldsFromJson(input.headers));
    return {
      context: r.header === null ? null : headerToJson(r.header),
      source: r.source,
      downstream: gw.gatewayInject(r.header, newSpanId),
      rejected: r.rejected,
    };
  },
};

function handle(req) {
  if (!isObject(req)) return { id: null, output: { error: 'bad-input', message: 'a request is a JSON object' } };
  const id = req.id === undefined ? null : req.id;
  if (req.op === 'hello') {
    return { id, output: { implementation: IMPLEMENTATION, version: VERSION, ops: Object.keys(OPS) } };
  }
  const op = OPS[req.op];
  if (!op) return { id, output: { error: 'unsupported' } };
  const input = req.input === undefined ? {} : req.input;
  try {
    if (!isObject(input)) badInput('input must be an object');
    return { id, output: op(input) };
  } catch (e) {
    if (e instanceof tw.TracewireError) return { id, output: { error: e.errorClass, code: e.code } };
    if (e instanceof BadInput) return { id, output: { error: 'bad-input', message: e.message } };
    // A bug in this adapter or library: say so instead of dying mid-run.
    return { id, output: { error: 'internal', message: String(e && e.stack ? e.stack : e) } };
  }
}

function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: null, output: { error: 'bad-input', message: 'not JSON' } }) + '\n');
      return;
    }
    process.stdout.write(JSON.stringify(handle(req)) + '\n');
  });
}

if (require.main === module) main();

module.exports = { handle };
