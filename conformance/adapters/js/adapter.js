#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Conformance adapter for tracewire-js: JSON-lines requests on stdin, one response line each on stdout.
'use strict';

const readline = require('node:readline');
const tw = require('./tracewire.js');

const IMPLEMENTATION = 'tracewire-js';
const VERSION = '0.1.0';

// Vector header JSON (conformance/README.md "Values in JSON") <-> library values.

function usage(detail) {
  throw new tw.TracewireError('TW_E_ARG', detail);
}

/** Hex of any even length: the runner's byte strings (`message_hex`, ...). */
function bytesFromJson(x, what) {
  if (typeof x !== 'string') usage(what + ' must be a hex string');
  return tw.parseHex(x);
}

/** Header JSON object of a vector `input` to encoder values. */
function valuesFromJson(h) {
  if (h === null || typeof h !== 'object' || Array.isArray(h)) usage('header must be an object');
  const known = ['trace_id', 'span_id', 'trace_flags', 'correlation_id', 'tracestate', 'baggage', 'unknown'];
  for (const k of Object.keys(h)) if (!known.includes(k)) usage('unexpected header key ' + k);
  const v = {};
  if (h.trace_id !== undefined) v.traceId = bytesFromJson(h.trace_id, 'trace_id');
  if (h.span_id !== undefined) v.spanId = bytesFromJson(h.span_id, 'span_id');
  if (h.trace_flags !== undefined) {
    if (typeof h.trace_flags !== 'number' || !Number.isInteger(h.trace_flags)) usage('trace_flags must be an integer');
    v.traceFlags = h.trace_flags;
  }
  if (h.correlation_id !== undefined) v.correlationId = tw.parseUuid(h.correlation_id);
  if (h.tracestate !== undefined) {
    if (typeof h.tracestate !== 'string') usage('tracestate must be a string');
    v.tracestate = h.tracestate;
  }
  if (h.baggage !== undefined) {
    if (typeof h.baggage !== 'string') usage('baggage must be a string');
    v.baggage = h.baggage;
  }
  if (h.unknown !== undefined) {
    if (!Array.isArray(h.unknown)) usage('unknown must be an array');
    v.unknown = h.unknown.map((u, i) => bytesFromJson(u, 'unknown[' + i + ']'));
  }
  return v;
}

/** Decoded header to vector JSON: only present keys. */
function headerToJson(h) {
  const out = {};
  if (h.traceId.length !== 0) {
    out.trace_id = tw.formatHex(h.traceId);
    out.span_id = tw.formatHex(h.spanId);
    out.trace_flags = h.traceFlags;
  }
  if (h.correlationId.length !== 0) out.correlation_id = tw.formatUuid(h.correlationId);
  // Kept texts passed the W3C grammars, so they are ASCII.
  if (h.tracestate.length !== 0) out.tracestate = Buffer.from(h.tracestate).toString('latin1');
  if (h.baggage.length !== 0) out.baggage = Buffer.from(h.baggage).toString('latin1');
  if (h.unknown.length !== 0) out.unknown = h.unknown.map((u) => tw.formatHex(u.bytes));
  return out;
}

function decodeResultToJson(r, out) {
  out.header = headerToJson(r.header);
  out.canonical = r.canonical;
  const discarded = [];
  if (r.discardedTracestate) discarded.push('tracestate');
  if (r.discardedBaggage) discarded.push('baggage');
  if (discarded.length !== 0) out.discarded = discarded;
  return out;
}

function textFromJson(input) {
  if (typeof input.text !== 'string') usage('text must be a string');
  return input.text;
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

  'uuid.parse': (input) => ({ uuid_hex: tw.formatHex(tw.parseUuid(input.text)) }),

  'uuid.format': (input) => ({ text: tw.formatUuid(tw.parseHex(input.uuid_hex, 16)) }),

  'id.generate': (input) => {
    // A missing random_hex is "no random source given" (TW_E_NO_RANDOM):
    // null disables the library's built-in source.
    const random = input.random_hex === undefined ? null : randomFromHex(input.random_hex);
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
        id = tw.generateUuid7(input.unix_ms, random);
        break;
      default:
        usage('unknown kind ' + String(input.kind));
    }
    return { id_hex: tw.formatHex(id) };
  },
};

function handle(req) {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { id: null, output: { error: 'usage', code: 'TW_E_ARG' } };
  }
  const id = req.id === undefined ? null : req.id;
  if (req.op === 'hello') {
    return { id, output: { implementation: IMPLEMENTATION, version: VERSION, ops: Object.keys(OPS) } };
  }
  const op = OPS[req.op];
  if (!op) return { id, output: { error: 'unsupported' } };
  const input = req.input === undefined ? {} : req.input;
  try {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) usage('input must be an object');
    return { id, output: op(input) };
  } catch (e) {
    if (e instanceof tw.TracewireError) return { id, output: { error: e.errorClass, code: e.code } };
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
      process.stdout.write(JSON.stringify({ id: null, output: { error: 'usage', code: 'TW_E_ARG' } }) + '\n');
      return;
    }
    process.stdout.write(JSON.stringify(handle(req)) + '\n');
  });
}

if (require.main === module) main();

module.exports = { handle };
