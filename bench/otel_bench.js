// SPDX-License-Identifier: Apache-2.0
// otel_bench.js - times the OpenTelemetry JS propagators on the benchmark's own inputs (ns only).
//
// Usage: node bench/otel_bench.js INPUTS.json [--rounds R] [--samples S] [--batch-us U]
// INPUTS.json is the "inputs" object the C harness prints (bench --info), so
// both sides read the same traceparent, tracestate and baggage. Prints one
// JSON document: per row, the median ns of each interleaved round.
'use strict';

const fs = require('fs');
const path = require('path');
const api = require('@opentelemetry/api');
const core = require('@opentelemetry/core');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
}

const inputs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const rounds = arg('--rounds', 31);
const samples = arg('--samples', 9);
const batchUs = arg('--batch-us', 50);

const getter = api.defaultTextMapGetter;
const setter = api.defaultTextMapSetter;
const tc = new core.W3CTraceContextPropagator();
const bg = new core.W3CBaggagePropagator();
const parentOnly = { traceparent: inputs.traceparent };
const parentAndState = { traceparent: inputs.traceparent, tracestate: inputs.tracestate };
const baggageCarrier = { baggage: inputs.baggage };
const spanContext = api.trace.getSpanContext(tc.extract(api.ROOT_CONTEXT, parentOnly, getter));
const injectCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext);
const parsedState = new core.TraceState(inputs.tracestate);
const putState = parsedState.set('congo', 'ucfJifl5GOE').serialize();
const out = {};
let sink = 0;

// Each row: the operation key of the C table, and one call.
const rows = [
  ['traceparent-parse', 'W3CTraceContextPropagator.extract(traceparent)',
    () => api.trace.getSpanContext(tc.extract(api.ROOT_CONTEXT, parentOnly, getter)).traceFlags],
  // OpenTelemetry JS 2.x parses tracestate lazily, on first use: the get()
  // makes it parse, as a receiver that reads its own member would.
  ['traceparent-tracestate-parse', 'W3CTraceContextPropagator.extract(traceparent, tracestate) + traceState.get',
    () => api.trace.getSpanContext(tc.extract(api.ROOT_CONTEXT, parentAndState, getter)).traceState.get('congo').length],
  ['traceparent-format', 'W3CTraceContextPropagator.inject',
    () => { tc.inject(injectCtx, out, setter); return out.traceparent.length; }],
  ['tracestate-validate', 'new TraceState(text).get(key)',
    () => new core.TraceState(inputs.tracestate).get('congo').length],
  ['tracestate-put', 'new TraceState(text).set(key, value).serialize()',
    () => new core.TraceState(inputs.tracestate).set('congo', 'ucfJifl5GOE').serialize().length],
  ['baggage-validate', 'W3CBaggagePropagator.extract(baggage)',
    () => api.propagation.getBaggage(bg.extract(api.ROOT_CONTEXT, baggageCarrier, getter)).getAllEntries().length],
];

// Sanity: each call must see the inputs as valid (same values as the C side).
if (spanContext === undefined || spanContext.traceId !== inputs.traceparent.slice(3, 35)) {
  throw new Error('otel_bench: OpenTelemetry did not accept the traceparent');
}
if (parsedState.serialize() !== inputs.tracestate) {
  throw new Error('otel_bench: OpenTelemetry changed the tracestate: ' + parsedState.serialize());
}
if (!putState.startsWith('congo=ucfJifl5GOE,rojo=')) throw new Error('otel_bench: unexpected put result ' + putState);
if (rows[5][2]() !== 3) throw new Error('otel_bench: baggage did not give 3 members');

function batchNs(fn, m) {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < m; k++) sink ^= fn();
  return Number(process.hrtime.bigint() - t0) / m;
}

// A package's version, from the package.json above its resolved entry point
// (the api package does not export its package.json).
function version(name) {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) ||
         JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

function median(v) {
  const s = v.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// Warm up (the JIT), then size each batch to last at least batchUs.
const perBatch = rows.map(([, , fn]) => {
  for (let k = 0; k < 20000; k++) sink ^= fn();
  let m = 8;
  // the shortest of three tries, so that one GC pause does not stop the doubling
  while (m < (1 << 24) && Math.min(batchNs(fn, m), batchNs(fn, m), batchNs(fn, m)) * m < batchUs * 1e3) m *= 2;
  return m;
});

const roundMedians = rows.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < rows.length; j++) {
    const row = (j + r) % rows.length;
    const s = [];
    for (let k = 0; k < samples; k++) s.push(batchNs(rows[row][2], perBatch[row]));
    roundMedians[row].push(median(s));
  }
}

process.stdout.write(JSON.stringify({
  node: process.version,
  packages: {
    '@opentelemetry/api': version('@opentelemetry/api'),
    '@opentelemetry/core': version('@opentelemetry/core'),
  },
  rounds, samples, batch_us: batchUs, sink: sink & 1,
  rows: rows.map(([op, call], j) => ({
    op, impl: 'otel-js', call, calls_per_batch: perBatch[j],
    round_medians_ns: roundMedians[j].map((x) => Math.round(x * 1000) / 1000),
  })),
}) + '\n');
