#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Self-test of tracewire-js for what the vectors cannot reach: spec examples, interface errors, draws, mutation.
'use strict';

const tw = require('./tracewire.js');

let passed = 0;
let failed = 0;

function check(name, cond, detail) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.log('FAIL ' + name + (detail === undefined ? '' : ': ' + detail));
  }
}

/** Runs f and returns the status name it throws, or 'ok'. */
function statusOf(f) {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof tw.TracewireError) return e.code;
    throw e;
  }
}

function expectStatus(name, f, code) {
  const got = statusOf(f);
  check(name, got === code, 'expected ' + code + ', got ' + got);
}

const hex = (s) => tw.parseHex(s.replace(/\s+/g, ''));

// A deterministic xorshift32 generator: rnd(n) is in 0 .. n-1, the same on every run.
function xorshift(seed) {
  return (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
}

// One of the seed messages (hex), with 1 to maxEdits random byte edits: overwrite, insert or delete.
function mutated(rnd, seeds, maxEdits) {
  const b = Array.from(hex(seeds[rnd(seeds.length)]));
  for (let e = 0, n = 1 + rnd(maxEdits); e < n; e++) {
    const at = rnd(b.length + 1);
    switch (rnd(3)) {
      case 0: b[Math.min(at, b.length - 1)] = rnd(256); break;
      case 1: b.splice(at, 0, rnd(256)); break;
      default: b.splice(at, 1);
    }
  }
  return Uint8Array.from(b);
}
const T = hex('4bf92f3577b34da6a3ce929d0e0e4736');
const S = hex('00f067aa0ba902b7');
const C = tw.parseUuid('017f22e2-79b0-755a-bf00-123456789abc');

// --- Status table (§4.6): every code's class follows from its number range.
const classes = {
  TW_OK: 'ok', TW_E_TRUNCATED: 'truncated', TW_E_VARINT: 'malformed', TW_E_FIELD_NUMBER: 'malformed',
  TW_E_WIRE_TYPE: 'malformed', TW_E_OVERRUN: 'malformed', TW_E_BLOCK_LENGTH: 'malformed', TW_E_HEX: 'malformed',
  TW_E_UUID_TEXT: 'malformed', TW_E_ID_LENGTH: 'invalid', TW_E_ZERO_ID: 'invalid', TW_E_FLAGS: 'invalid',
  TW_E_CONTEXT: 'invalid', TW_E_TRACESTATE: 'invalid', TW_E_BAGGAGE: 'invalid', TW_E_UNKNOWN_FIELD: 'invalid',
  TW_E_TOO_LONG: 'limit', TW_E_TOO_MANY_UNKNOWN: 'limit', TW_E_TOO_MANY_MEMBERS: 'limit', TW_E_VERSION: 'version',
  TW_E_ARG: 'usage', TW_E_BUFFER: 'usage', TW_E_RANDOM: 'usage', TW_E_NO_RANDOM: 'usage',
  // §11.13
  TW_E_BASE64: 'malformed', TW_E_JSON: 'malformed', TW_E_TRACEPARENT: 'invalid', TW_E_B3: 'invalid',
  TW_E_JAEGER: 'invalid', TW_E_GRPC_TRACE_BIN: 'invalid', TW_E_JSON_FIELD: 'invalid',
};
const numbers = { TW_E_BASE64: -23, TW_E_JSON: -24, TW_E_TRACEPARENT: -39, TW_E_B3: -40, TW_E_JAEGER: -41, TW_E_GRPC_TRACE_BIN: -42, TW_E_JSON_FIELD: -43 };
for (const [name, n] of Object.entries(numbers)) check('§11.13 number of ' + name, tw.STATUS[name] === n);
for (const [name, cls] of Object.entries(classes)) {
  check('class of ' + name, tw.statusClass(tw.STATUS[name]) === cls);
  check('name of ' + name, tw.statusName(tw.STATUS[name]) === name);
}
check('status table complete', Object.keys(tw.STATUS).length === Object.keys(classes).length);

// --- §4.3.3 and §4.3.4 examples.
const minimal = '0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b71801';
check('§4.3.3 minimal header', tw.formatHex(tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 1 })) === minimal);
const every = hex(`0a 10 4b f9 2f 35 77 b3 4d a6 a3 ce 92 9d 0e 0e 47 36
  12 08 00 f0 67 aa 0b a9 02 b7 18 01
  22 10 01 7f 22 e2 79 b0 75 5a bf 00 12 34 56 78 9a bc
  2a 0d 76 65 6e 64 6f 72 3d 6f 70 61 71 75 65
  32 10 74 61 73 6b 2e 6b 69 6e 64 3d 72 65 6e 64 65 72`);
const everyValues = { traceId: T, spanId: S, traceFlags: 1, correlationId: C, tracestate: 'vendor=opaque', baggage: 'task.kind=render' };
check('§4.3.4 every field (81 bytes)', every.length === 81 && tw.formatHex(tw.encodeHeader(everyValues)) === tw.formatHex(every));
check('measureHeader agrees', tw.measureHeader(everyValues) === 81);
{
  const r = tw.decodeHeader(every);
  check('§4.3.4 decodes canonical', r.canonical && !r.discardedTracestate && !r.discardedBaggage);
  check('§4.3.4 correlation-id text', tw.formatUuid(r.header.correlationId) === '017f22e2-79b0-755a-bf00-123456789abc');
}
check('flags 0 gives 28 bytes', tw.encodeHeader({ traceId: T, spanId: S }).length === 28);
check('flags 0x80 gives 31 bytes', tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 0x80 }).length === 31);
{
  // A1.2: the fast path must not call a 30-byte "18 00" header canonical.
  const b = hex(minimal);
  b[29] = 0;
  const r = tw.decodeHeader(b);
  check('explicit zero flags in 30 bytes is not canonical', !r.canonical && r.header.traceFlags === 0);
}

// --- Encoder checks that the vectors do not reach (§4.3.2).
expectStatus('encode: short trace-id', () => tw.encodeHeader({ traceId: T.subarray(1), spanId: S }), 'TW_E_ID_LENGTH');
expectStatus('encode: long span-id', () => tw.encodeHeader({ traceId: T, spanId: hex('00f067aa0ba902b701') }), 'TW_E_ID_LENGTH');
expectStatus('encode: 15-byte correlation-id', () => tw.encodeHeader({ correlationId: C.subarray(1) }), 'TW_E_ID_LENGTH');
expectStatus('encode: flags 256', () => tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 256 }), 'TW_E_FLAGS');
expectStatus('encode: flags 2^40', () => tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 2 ** 40 }), 'TW_E_FLAGS');
expectStatus('encode: id length before flags', () => tw.encodeHeader({ traceId: T.subarray(1), spanId: S, traceFlags: 256 }), 'TW_E_ID_LENGTH');
expectStatus('encode: flags before context', () => tw.encodeHeader({ traceFlags: 256 }), 'TW_E_FLAGS');
expectStatus('encode: negative flags', () => tw.encodeHeader({ traceId: T, spanId: S, traceFlags: -1 }), 'TW_E_ARG');
expectStatus('encode: fractional flags', () => tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 1.5 }), 'TW_E_ARG');
expectStatus('encode: id as string', () => tw.encodeHeader({ traceId: 'x', spanId: S }), 'TW_E_ARG');
expectStatus('encode: nine unknown fields', () => tw.encodeHeader({ unknown: Array(9).fill(hex('3801')) }), 'TW_E_TOO_MANY_UNKNOWN');
expectStatus('encode: count before well-formedness', () => tw.encodeHeader({ unknown: [hex('1801')].concat(Array(8).fill(hex('3801'))) }), 'TW_E_TOO_MANY_UNKNOWN');
expectStatus('encode: unknown with wire type 7', () => tw.encodeHeader({ unknown: [hex('3f00')] }), 'TW_E_UNKNOWN_FIELD');
expectStatus('encode: unknown with tag of 2^32', () => tw.encodeHeader({ unknown: [hex('808080801000')] }), 'TW_E_UNKNOWN_FIELD');
{
  const big = new Uint8Array(4 + 16387);
  big.set([0x3a, 0x83, 0x80, 0x01]); // field 7, LEN, 16387 bytes
  expectStatus('encode: one well-formed unknown field over 16384 bytes', () => tw.encodeHeader({ unknown: [big] }), 'TW_E_TOO_LONG');
}
expectStatus('encode: output space too small', () => tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 1 }, new Uint8Array(29)), 'TW_E_BUFFER');
{
  const out = new Uint8Array(40);
  const n = tw.encodeHeader({ traceId: T, spanId: S, traceFlags: 1 }, out, 10);
  check('encode into a buffer at an offset', n === 30 && tw.formatHex(out.subarray(10, 40)) === minimal);
}
check('tracestate of only OWS is present and valid', tw.encodeHeader({ traceId: T, spanId: S, tracestate: ' ' }).length === 31);
expectStatus('tracestate of only OWS needs context', () => tw.encodeHeader({ tracestate: ' ' }), 'TW_E_CONTEXT');

// --- Decoder: unknown fields as byte ranges (§4.2.7 rule 2), re-emitted verbatim.
{
  const msg = hex('3801' + minimal + 'b80001' + '4a03616263');
  const r = tw.decodeHeader(msg);
  const u = r.header.unknown;
  check('unknown fields kept in order', u.length === 3 && tw.formatHex(u[0].bytes) === '3801' &&
    tw.formatHex(u[1].bytes) === 'b80001' && tw.formatHex(u[2].bytes) === '4a03616263');
  check('unknown byte ranges', u[0].offset === 0 && u[0].length === 2 && u[1].offset === 32 && u[2].offset === 35);
  check('unknown before known is not canonical', r.canonical === false);
  const again = tw.encodeHeader(Object.assign({}, r.header));
  check('re-encode puts unknown fields last, verbatim', tw.formatHex(again) === minimal + '3801b800014a03616263');
  check('re-encoded form is canonical', tw.decodeHeader(again).canonical === true);
}

// --- §5.2.2 block examples.
const blockMin = '011e' + minimal;
check('§5.2.2 minimal block', tw.formatHex(tw.encodeBlock({ traceId: T, spanId: S, traceFlags: 1 })) === blockMin);
check('§5.2.2 empty block', tw.formatHex(tw.encodeBlock({})) === '0100');
check('§5.2.2 every-field block', tw.formatHex(tw.encodeBlock(everyValues)) === '0151' + tw.formatHex(every));
check('§5.2.2 01 00 consumes 2', tw.decodeBlock(hex('0100')).consumed === 2);
check('§5.2.2 01 51 + 81 bytes consumes 83', tw.decodeBlock(hex('0151' + tw.formatHex(every))).consumed === 83);
expectStatus('§5.2.2 01', () => tw.decodeBlock(hex('01')), 'TW_E_TRUNCATED');
expectStatus('§5.2.2 01 1e 0a 10 4b', () => tw.decodeBlock(hex('011e0a104b')), 'TW_E_TRUNCATED');
expectStatus('§5.2.2 01 81 00', () => tw.decodeBlock(hex('018100')), 'TW_E_BLOCK_LENGTH');
expectStatus('§5.2.2 01 81 80 01', () => tw.decodeBlock(hex('01818001')), 'TW_E_TOO_LONG');
expectStatus('§5.2.2 02 03 aa bb cc', () => tw.decodeBlock(hex('0203aabbcc')), 'TW_E_VERSION');
{
  let e1;
  try { tw.decodeBlock(hex('0203aabbcc' + '6869')); } catch (e) { e1 = e; }
  check('version failure carries the skip length', e1 && e1.code === 'TW_E_VERSION' && e1.blockLength === 5);
  let e2;
  try { tw.decodeBlock(hex('01020801')); } catch (e) { e2 = e; }
  check('message failure carries the skip length', e2 && e2.code === 'TW_E_WIRE_TYPE' && e2.blockLength === 4);
}
check('§5.2.2 version 2 block measures 5 bytes', tw.measureBlock(hex('0203aabbcc')).length === 5);
expectStatus('non-minimal ninth length byte', () => tw.measureBlock(hex('01808080808080808000')), 'TW_E_BLOCK_LENGTH');
{
  // Every proper prefix of a valid block is truncated, whatever its version (§5.2.3).
  const blocks = [blockMin, '0100', '0203aabbcc', 'ff00', '0151' + tw.formatHex(every)];
  let ok = true;
  for (const b of blocks) {
    const bytes = hex(b);
    for (let k = 0; k < bytes.length; k++) {
      if (statusOf(() => tw.measureBlock(bytes.subarray(0, k))) !== 'TW_E_TRUNCATED') ok = false;
    }
  }
  check('proper prefixes are truncated', ok);
}

// --- §4.2.5 and §4.2.6 examples.
const tsExamples = [
  ['vendora=p8Lq2x,vendorb=00f067aa0ba902b7', 'ok'], ['tenant1@vendor=x,0pfx=y', 'ok'], ['a=1 , ,b=2', 'ok'],
  ['a=1, ', 'ok'], ['a=1 ', 'TW_E_TRACESTATE'], [' a=1', 'TW_E_TRACESTATE'], ['a=1,a=2', 'TW_E_TRACESTATE'],
  ['A=1', 'TW_E_TRACESTATE'], ['a=', 'TW_E_TRACESTATE'],
];
for (const [text, want] of tsExamples) expectStatus('§4.2.5 example ' + JSON.stringify(text), () => tw.validateTracestate(text), want);
const bgExamples = [
  ['userId=alice,isProduction=false', 'ok'], ['k = v ;p1 ;p2=x', 'ok'], [' a=%20b ', 'ok'], ['a=1,,b=2', 'TW_E_BAGGAGE'],
  ['a=b;', 'TW_E_BAGGAGE'], ['=v', 'TW_E_BAGGAGE'], ['a="b"', 'TW_E_BAGGAGE'],
];
for (const [text, want] of bgExamples) expectStatus('§4.2.6 example ' + JSON.stringify(text), () => tw.validateBaggage(text), want);
expectStatus('tracestate bytes are checked as bytes', () => tw.validateTracestate(hex('726f6a6f3dff')), 'TW_E_TRACESTATE');

// --- §4.8 text forms.
expectStatus('hex: upper case', () => tw.parseHex('4BF92F3577B34DA6A3CE929D0E0E4736', 16), 'TW_E_HEX');
expectStatus('hex: wrong length', () => tw.parseHex('00f067aa0ba902', 8), 'TW_E_HEX');
expectStatus('hex: odd length', () => tw.parseHex('0'), 'TW_E_HEX');
expectStatus('hex: not a digit', () => tw.parseHex('0g', 1), 'TW_E_HEX');
check('hex: all-zero accepted as text', tw.formatHex(tw.parseHex('0000000000000000', 8)) === '0000000000000000');
check('uuid: round trip', tw.formatUuid(tw.parseUuid('F47AC10B-58CC-4372-A567-0E02B2C3D479')) === 'f47ac10b-58cc-4372-a567-0e02b2c3d479');
expectStatus('uuid: non-ASCII', () => tw.parseUuid('f47ac10b-58cc-4372-a567-0e02b2c3d47\u00e9'), 'TW_E_UUID_TEXT');

// --- §4.7 generation: exact draws (§4.7.1) and the §4.7.6 examples.
function source(hexBytes, log) {
  const bytes = hex(hexBytes);
  let pos = 0;
  return (n) => {
    log.push(n);
    if (bytes.length - pos < n) return null;
    const r = bytes.subarray(pos, pos + n);
    pos += n;
    return r;
  };
}
{
  const log = [];
  const id = tw.generateTraceId(source('00'.repeat(16) + '4bf92f3577b34da6a3ce929d0e0e4736', log));
  check('§4.7.6 trace-id after a zero draw', tw.formatHex(id) === '4bf92f3577b34da6a3ce929d0e0e4736' && log.join() === '16,16');
}
{
  const log = [];
  expectStatus('§4.7.6 four zero draws', () => tw.generateTraceId(source('00'.repeat(16 * 5), log)), 'TW_E_RANDOM');
  check('four zero draws stop after 4 draws', log.join() === '16,16,16,16');
}
{
  const log = [];
  check('§4.7.6 span-id', tw.formatHex(tw.generateSpanId(source('00f067aa0ba902b7', log))) === '00f067aa0ba902b7' && log.join() === '8');
}
check('§4.7.6 UUIDv4', tw.formatUuid(tw.generateUuid4(source('00112233445566778899aabbccddeeff', []))) === '00112233-4455-4677-8899-aabbccddeeff');
check('§4.7.6 UUIDv4 all ones', tw.formatUuid(tw.generateUuid4(source('ff'.repeat(16), []))) === 'ffffffff-ffff-4fff-bfff-ffffffffffff');
{
  const log = [];
  const id = tw.generateUuid7(0x017f22e279b0, source('a55aff00123456789abc', log));
  check('§4.7.6 UUIDv7', tw.formatUuid(id) === '017f22e2-79b0-755a-bf00-123456789abc' && log.join() === '10');
}
check('§4.7.6 UUIDv7 zero time', tw.formatUuid(tw.generateUuid7(0, source('ff'.repeat(10), []))) === '00000000-0000-7fff-bfff-ffffffffffff');
check('UUIDv7 BigInt time', tw.formatHex(tw.generateUuid7(281474976710655n, source('ff'.repeat(10), []))) === 'ffffffffffff7fffbfffffffffffffff');
{
  const log = [];
  expectStatus('§4.7.6 UUIDv7 at 2^48', () => tw.generateUuid7(2 ** 48, source('ff'.repeat(10), log)), 'TW_E_ARG');
  check('no draw for a bad timestamp', log.length === 0);
}
expectStatus('UUIDv7 negative time', () => tw.generateUuid7(-1, source('ff'.repeat(10), [])), 'TW_E_ARG');
expectStatus('UUIDv7 time before random source', () => tw.generateUuid7(2 ** 48, null), 'TW_E_ARG');
expectStatus('no random source', () => tw.generateSpanId(null), 'TW_E_NO_RANDOM');
expectStatus('random source that throws', () => tw.generateUuid4(() => { throw new Error('x'); }), 'TW_E_RANDOM');
expectStatus('random source with short result', () => tw.generateUuid4(() => new Uint8Array(15)), 'TW_E_RANDOM');
check('built-in random source', tw.generateTraceId().length === 16 && tw.generateUuid7(Date.now()).length === 16);

// --- Mutation: decode never fails with anything but a status, and canonical <=> re-encoding gives the input.
{
  const rnd = xorshift(0x2545f491);
  const seeds = [minimal, tw.formatHex(every), minimal + '3801b800014a03616263da01027477', '221001932c07a9c47d3b9e2f5d6c7b8a9f01'];
  let ok = true;
  let decoded = 0;
  for (let i = 0; i < 20000 && ok; i++) {
    const msg = mutated(rnd, seeds, 3);
    let r;
    try {
      r = tw.decodeHeader(msg);
    } catch (e) {
      if (!(e instanceof tw.TracewireError)) {
        ok = false;
        console.log('non-status failure on ' + tw.formatHex(msg) + ': ' + e.stack);
      }
      continue;
    }
    decoded++;
    const again = tw.encodeHeader(Object.assign({}, r.header));
    if ((tw.formatHex(again) === tw.formatHex(msg)) !== r.canonical) {
      ok = false;
      console.log('canonical mismatch on ' + tw.formatHex(msg));
    }
    const r2 = tw.decodeHeader(again);
    if (!r2.canonical || tw.formatHex(tw.encodeHeader(Object.assign({}, r2.header))) !== tw.formatHex(again)) {
      ok = false;
      console.log('re-encoding is not stable on ' + tw.formatHex(msg));
    }
  }
  check('mutation: statuses only, canonical <=> round trip (' + decoded + ' decoded)', ok);
}

// ===========================================================================
// Chapters 10 and 11: what the vectors do not reach.
// ===========================================================================
const textops = require('./textops.js');
const proc = require('./processing.js');
const gw = require('./gateway.js');
const S2 = hex('b7ad6b7169203331');

// --- §10.4.1: set_span_id.
{
  const out = proc.setSpanId(hex(minimal), S2);
  check('§10.4.1 note: minimal header changes bytes 20..27 only', tw.formatHex(out) === minimal.slice(0, 40) + 'b7ad6b7169203331' + minimal.slice(56));
  const big = new Uint8Array(16385);
  big.set(hex(minimal));
  expectStatus('set_span_id: over 16384 bytes', () => proc.setSpanId(big, S2), 'TW_E_TOO_LONG');
  // Structure rules only: a ninth unknown field and an over-long earlier span_id are not its business.
  const nine = minimal + '3801'.repeat(9);
  check('set_span_id: nine unknown fields are structure-valid', tw.formatHex(proc.setSpanId(hex(nine), S2)).slice(40, 56) === 'b7ad6b7169203331');
  expectStatus('set_span_id: last span_id of 9 bytes', () => proc.setSpanId(hex(minimal + '1209' + '00'.repeat(9)), S2), 'TW_E_CONTEXT');
  expectStatus('set_span_id: empty last span_id', () => proc.setSpanId(hex(minimal + '1200'), S2), 'TW_E_CONTEXT');
  expectStatus('set_span_id: 7-byte new span-id', () => proc.setSpanId(hex(minimal), S2.subarray(1)), 'TW_E_ARG');
}

// --- §10.4.2: edit.
{
  expectStatus('edit: mask 0x100', () => proc.editHeader(hex(minimal), { spanId: S2, flagsSet: 0x100 }), 'TW_E_ARG');
  // Several trace_flags occurrences copied (flags not named): the tracestate goes after the last one.
  const m = hex('0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b7' + '1801' + '3801' + '1803');
  const out = proc.editHeader(m, { tracestatePut: { key: 'k', value: 'v' } });
  check('edit: tracestate after the last trace_flags of the output', tw.formatHex(out).endsWith('180138011803' + '2a036b3d76'));
  // An empty occurrence is an occurrence: replaced where it is.
  const e0 = hex('2a00' + minimal);
  check('edit: empty tracestate occurrence replaced in place', tw.formatHex(proc.editHeader(e0, { tracestatePut: { key: 'k', value: 'v' } })).startsWith('2a036b3d76'));
  // An output over 16384 bytes.
  const near = new Uint8Array(16384);
  near.set(hex(minimal));
  // A single unknown field filling the message to exactly 16384 bytes.
  const payload = 16384 - 30 - 1 - 2;
  near[30] = 0x3a;
  near[31] = 0x80 | (payload & 0x7f);
  near[32] = payload >> 7;
  check('edit: a 16384-byte header decodes', tw.decodeHeader(near).header.unknown.length === 1);
  expectStatus('edit: output over 16384 bytes', () => proc.editHeader(near, { tracestatePut: { key: 'k', value: 'v' } }), 'TW_E_TOO_LONG');
  check('edit: span-id alone stays within 16384', proc.editHeader(near, { spanId: S2 }).length === 16384);
  // Property: a canonical message stays canonical and decodes to the edited values.
  let ok = true;
  const texts = ['', 'a=1', 'vendora=x,tw=log:trace', 'k=old'];
  for (const flags of [0, 1, 2, 3, 0x81]) {
    for (const ts of texts) {
      for (const corr of [false, true]) {
        const values = { traceId: T, spanId: S, traceFlags: flags, tracestate: ts, baggage: 'b=1', unknown: [hex('3801')] };
        if (corr) values.correlationId = C;
        const msg = tw.encodeHeader(values);
        for (const edit of [{ spanId: S2 }, { spanId: S2, flagsSet: 1 }, { spanId: S2, flagsClear: 1 }, { tracestatePut: { key: 'k', value: 'v' } },
          { spanId: S2, flagsClear: 1, tracestatePut: { key: 'tw', value: 'log:debug' } }]) {
          const r = tw.decodeHeader(proc.editHeader(msg, edit));
          const h = r.header;
          const wantFlags = ((flags | (edit.flagsSet || 0)) & ~(edit.flagsClear || 0));
          const wantTs = edit.tracestatePut ? textops.tracestatePut(ts, edit.tracestatePut.key, edit.tracestatePut.value) : ts;
          if (!r.canonical || h.traceFlags !== wantFlags || Buffer.from(h.tracestate).toString() !== wantTs ||
            tw.formatHex(h.spanId) !== tw.formatHex(edit.spanId || S) || h.unknown.length !== 1) {
            ok = false;
            console.log('edit property failed: ' + tw.formatHex(msg) + ' ' + JSON.stringify(edit));
          }
        }
      }
    }
  }
  check('edit: canonical in, canonical out, edited values', ok);
  check('edit: names nothing, returns a copy', tw.formatHex(proc.editHeader(m, {})) === tw.formatHex(m));
}

// --- §10.4: mutated messages that decode: both operations give what decoding promises.
{
  const rnd = xorshift(0x1234567);
  const seeds = [minimal, tw.formatHex(every), '3801' + minimal + '1803' + '2a03613d31' + '4a00', minimal + '2a03413d31' + '3208613d312c2c623d32'];
  let ok = true;
  let tried = 0;
  for (let i = 0; i < 20000 && ok; i++) {
    const msg = mutated(rnd, seeds, 2);
    let d;
    try {
      d = tw.decodeHeader(msg);
    } catch (e) {
      continue;
    }
    if (d.header.traceId.length === 0) continue;
    tried++;
    const set = proc.setSpanId(msg, S2);
    const ds = tw.decodeHeader(set);
    if (set.length !== msg.length || tw.formatHex(ds.header.spanId) !== tw.formatHex(S2) || ds.canonical !== d.canonical) ok = false;
    const ed = tw.decodeHeader(proc.editHeader(msg, { spanId: S2, flagsClear: 1, tracestatePut: { key: 'k', value: 'v' } }));
    const wantTs = textops.tracestatePut(d.header.tracestate, 'k', 'v');
    if (tw.formatHex(ed.header.spanId) !== tw.formatHex(S2) || ed.header.traceFlags !== (d.header.traceFlags & ~1) ||
      Buffer.from(ed.header.tracestate).toString() !== wantTs || ed.header.unknown.length !== d.header.unknown.length ||
      tw.formatHex(ed.header.baggage) !== tw.formatHex(d.header.baggage) || tw.formatHex(ed.header.traceId) !== tw.formatHex(d.header.traceId)) {
      ok = false;
    }
    if (!ok) console.log('relay mutation failed on ' + tw.formatHex(msg));
  }
  check('relay ops on mutated messages (' + tried + ' with context)', ok && tried > 1000);
}

// --- §10.6: budget.
{
  const values = { traceId: T, spanId: S, traceFlags: 1, correlationId: C, tracestate: 'a=1,big=' + 'x'.repeat(130) + ',b=2', baggage: 'k=v;p, z=1', unknown: [hex('3801'), hex('4a02beef')] };
  let ok = true;
  for (let b = -5; b <= 260; b++) {
    const r = proc.encodeWithinBudget(values, b);
    if (r.message.length > Math.max(b, 0)) ok = false;
    const again = tw.decodeHeader(r.message);
    if (!again.canonical) ok = false;
  }
  check('budget: every result fits and is canonical', ok);
  check('budget: above 16384 means 16384', proc.encodeWithinBudget(values, 1e9).dropped.length === 0);
  const blank = proc.encodeWithinBudget({ traceId: T, spanId: S, traceFlags: 1, tracestate: ' , ' }, 30);
  check('budget: a tracestate without members vanishes by normalising, unreported', blank.message.length === 30 && blank.dropped.length === 0);
  expectStatus('budget: invalid baggage refused', () => proc.encodeWithinBudget({ baggage: 'a=1,,b=2' }, 100), 'TW_E_BAGGAGE');
}

// --- §10.7.2: restart.
{
  const src = source('0af7651916cd43dd8448eb211c80319c' + 'e457b5a2e4d86bd1', []);
  expectStatus('restart: invalid baggage with an allow-list', () => proc.trustRestart({ traceId: T, spanId: S, baggage: 'a=1,,b=2' }, false, src, ['a']), 'TW_E_BAGGAGE');
  const r = proc.trustRestart({ correlationId: C }, true, source('11'.repeat(24), []), null);
  check('restart: no context, no link; flags 03', r.link === null && r.header.traceFlags === 3);
  expectStatus('restart: no random source', () => proc.trustRestart({}, false, null, null), 'TW_E_NO_RANDOM');
}

// --- §10.10: classify.
check('classify: response null is none', proc.classifyResponse({ traceId: T, traceFlags: 0 }, null).relation === 'none');
check('classify: request null counts as not sampled', proc.classifyResponse(null, { traceId: T, spanId: S, traceFlags: 1 }).sampledUpgrade === true);

// --- §11.1: traceparent round trip over every flags value.
{
  let ok = true;
  for (let f = 0; f < 256; f++) {
    const t = gw.formatTraceparent({ traceId: T, spanId: S, traceFlags: f });
    const r = gw.parseTraceparent(t);
    if (t.length !== 55 || r.traceFlags !== f || r.version !== 0) ok = false;
  }
  check('§11.1.3 every flags value round-trips as two digits', ok);
  expectStatus('traceparent: version 00 with future tail', () => gw.parseTraceparent('00-' + tw.formatHex(T) + '-' + tw.formatHex(S) + '-01-x'), 'TW_E_TRACEPARENT');
}

// --- §11.2: tracestate operations.
{
  const m513 = 'k'.repeat(256) + '=' + 'v'.repeat(256);
  check('§11.2.4 a 513-octet member is dropped whole for 512', textops.tracestateTruncate(m513, 512) === '');
  check('§11.2.4 and kept for 513', textops.tracestateTruncate(m513, 513) === m513);
  // put: the new member is never dropped, the others fit 4096 - len - 1.
  const eight = [];
  for (let i = 0; i < 7; i++) eight.push('m' + i + 'k'.repeat(254) + '=' + 'v'.repeat(256));
  const r = textops.tracestatePut(eight.join(','), 'z' + 'k'.repeat(255), 'n'.repeat(256));
  check('§11.2.3 put result within 4096', r.length <= 4096 && r.startsWith('z') && tw.tracestateStatus(Buffer.from(r)) === undefined);
  check('get: missing key is null', textops.tracestateGet('a=1', 'b') === null);
  expectStatus('get: invalid list reported before an invalid key', () => textops.tracestateGet('A=1', 'ROJO'), 'TW_E_TRACESTATE');
  check('put: a leading space belongs to the value', textops.tracestatePut('a=1', 'k', ' v') === 'k= v,a=1');
}

// --- §11.3: baggage.
{
  const v = (t) => textops.baggageMembers(t)[0].value;
  check('§11.3.2 %FF gives one U+FFFD', v('k=%FF') === '\ufffd');
  check('§11.3.2 %E2%82 gives one U+FFFD', v('k=%E2%82') === '\ufffd');
  check('§11.3.2 %C0%AF gives two', v('k=%C0%AF') === '\ufffd\ufffd');
  check('§11.3.2 %ED%A0%80 gives three', v('k=%ED%A0%80') === '\ufffd\ufffd\ufffd');
  check('§11.3.2 a leading U+FEFF is kept', v('k=%EF%BB%BFx') === '\ufeffx');
  check('§11.3.2 at most three octets per raw octet', Buffer.from(v('k=' + '%FF'.repeat(100))).length <= 300 * 3);
  // encode then members gives the value back, for every octet value.
  let ok = true;
  for (let c = 1; c < 0x80; c++) {
    const value = 'a' + String.fromCharCode(c) + 'b';
    const t = textops.baggageEncode([{ key: 'k', value }]);
    if (tw.baggageStatus(Buffer.from(t)) !== undefined || v(t) !== value) ok = false;
  }
  check('§11.3.3 encode and decode are inverse for every ASCII character', ok);
  check('§11.3.3 non-ASCII round trip', v(textops.baggageEncode([{ key: 'k', value: 'é€😀' }])) === 'é€😀');
  check('sanitize: text of only OWS pieces', JSON.stringify(textops.baggageSanitize(' , ')) === '{"text":"","dropped":0}');
  expectStatus('members: the empty text is not valid baggage', () => textops.baggageMembers(''), 'TW_E_BAGGAGE');
  check('properties: trailing OWS after a key-only property', textops.propertiesValid('p1 ;p2=x'));
  check('properties: leading OWS refused', !textops.propertiesValid(' p1'));
}

// --- §11.7: base64 of every length round-trips; the padded form decodes too.
{
  let ok = true;
  for (let n = 0; n < 40; n++) {
    const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
    const t = gw.encodeBase64(b);
    const padded = t + '='.repeat((4 - (t.length % 4)) % 4);
    if (tw.formatHex(gw.decodeBase64(t)) !== tw.formatHex(b) || tw.formatHex(gw.decodeBase64(padded)) !== tw.formatHex(b)) ok = false;
    if (t !== Buffer.from(b).toString('base64').replace(/=+$/, '')) ok = false;
  }
  check('§11.7.3 base64 round trip, padded and not', ok);
  expectStatus('base64: padding after a complete group', () => gw.decodeBase64('AAAA='), 'TW_E_BASE64');
  expectStatus('base64: a lone "="', () => gw.decodeBase64('='), 'TW_E_BASE64');
  expectStatus('grpc-trace-bin: empty base64 is empty input', () => gw.parseGrpcTraceBin(gw.decodeBase64('')), 'TW_E_GRPC_TRACE_BIN');
}

// --- §11.8: the JSON form.
{
  const h = { traceId: T, spanId: S, traceFlags: 0x81, correlationId: C, tracestate: 'v=a"b\\c', baggage: 'k=v' };
  const t = gw.formatJsonForm(h);
  const r = gw.parseJsonForm(t);
  check('§11.8 format then parse', tw.formatHex(r.header.traceId) === tw.formatHex(T) && r.header.traceFlags === 0x81 &&
    Buffer.from(r.header.tracestate).toString() === 'v=a"b\\c' && r.discardedTracestate === false);
  check('§11.8.2 empty header is {}', gw.formatJsonForm({}) === '{}');
  // §11.8.2: checks 2 to 8 of §4.3.2 come first, in their order; no text for a header that fails one.
  expectStatus('§11.8.2 a control character in tracestate is refused, not escaped',
    () => gw.formatJsonForm({ traceId: T, spanId: S, tracestate: 'a\u001fb' }), 'TW_E_TRACESTATE');
  expectStatus('§11.8.2 non-ASCII baggage', () => gw.formatJsonForm({ baggage: 'k=\u00e9' }), 'TW_E_BAGGAGE');
  expectStatus('§11.8.2 check 2 (id length)', () => gw.formatJsonForm({ traceId: T.subarray(0, 8), spanId: S }), 'TW_E_ID_LENGTH');
  expectStatus('§11.8.2 check 3 (flags)', () => gw.formatJsonForm({ traceId: T, spanId: S, traceFlags: 256 }), 'TW_E_FLAGS');
  expectStatus('§11.8.2 check 4 before check 6', () => gw.formatJsonForm({ tracestate: 'a\u00e9' }), 'TW_E_CONTEXT');
  expectStatus('§11.8.2 check 5 (zero id)', () => gw.formatJsonForm({ correlationId: new Uint8Array(16) }), 'TW_E_ZERO_ID');
  expectStatus('§11.8.2 check 6 before check 7', () => gw.formatJsonForm({ traceId: T, spanId: S, tracestate: 'A=1', baggage: 'k' }), 'TW_E_TRACESTATE');
  expectStatus('§11.8.2 check 8 (a bad unknown field, though never written)',
    () => gw.formatJsonForm({ traceId: T, spanId: S, unknown: [hex('0801')] }), 'TW_E_UNKNOWN_FIELD');
  check('§11.8.2 a valid unknown field is not written',
    gw.formatJsonForm({ traceId: T, spanId: S, unknown: [hex('3801')] }) === '{"trace_id":"' + tw.formatHex(T) + '","span_id":"' + tw.formatHex(S) + '","trace_flags":"00"}');
  // §11.8.1 stage 1: surrogate escapes.
  const withNote = (note) => '{"note":"' + note + '","trace_id":"' + tw.formatHex(T) + '","span_id":"' + tw.formatHex(S) + '"}';
  check('json: a surrogate pair escape is one character', statusOf(() => gw.parseJsonForm(withNote('\\ud83d\\ude00'))) === 'ok');
  check('json: upper-case surrogate pair escape', statusOf(() => gw.parseJsonForm(withNote('x\\uD83D\\uDE00y'))) === 'ok');
  expectStatus('json: lone low surrogate', () => gw.parseJsonForm(withNote('\\udc00')), 'TW_E_JSON');
  expectStatus('json: lone high surrogate at the end of a string', () => gw.parseJsonForm(withNote('\\ud800')), 'TW_E_JSON');
  expectStatus('json: high surrogate before a character', () => gw.parseJsonForm(withNote('\\ud800a')), 'TW_E_JSON');
  expectStatus('json: high surrogate before another escape', () => gw.parseJsonForm(withNote('\\ud800\\n')), 'TW_E_JSON');
  expectStatus('json: two high surrogates', () => gw.parseJsonForm(withNote('\\ud800\\ud800')), 'TW_E_JSON');
  expectStatus('json: pair in the wrong order', () => gw.parseJsonForm(withNote('\\ude00\\ud83d')), 'TW_E_JSON');
  expectStatus('json: lone surrogate in a member name', () => gw.parseJsonForm('{"\\ud800":1}'), 'TW_E_JSON');
  expectStatus('json: lone surrogate in a nested array', () => gw.parseJsonForm('{"a":[["\\udfff"]]}'), 'TW_E_JSON');
  expectStatus('json: lone surrogate in tracestate', () => gw.parseJsonForm(withNote('x').replace('"note"', '"tracestate"').replace('"x"', '"a=\\ud800"')), 'TW_E_JSON');
  check('json: escaped surrogate pair in baggage counts as 4 octets and is dropped by the grammar', (() => {
    const r = gw.parseJsonForm('{"baggage":"k=\\ud83d\\ude00"}');
    return r.discardedBaggage === true && r.header.baggage.length === 0;
  })());
  expectStatus('json: repeated key after null', () => gw.parseJsonForm('{"span_id":null,"span_id":null}'), 'TW_E_JSON_FIELD');
  expectStatus('json: invalid UTF-8 in a string', () => gw.parseJsonForm(hex('7b2261223a22ff227d')), 'TW_E_JSON');
  expectStatus('json: overlong UTF-8', () => gw.parseJsonForm(hex('7b2261223a22c0af227d')), 'TW_E_JSON');
  expectStatus('json: byte order mark', () => gw.parseJsonForm(hex('efbbbf7b7d')), 'TW_E_JSON');
  expectStatus('json: tracestate over 4096 octets', () => gw.parseJsonForm('{"tracestate":"' + 'a'.repeat(4097) + '"}'), 'TW_E_TOO_LONG');
  // Mutation: the reader never fails with anything but a status.
  const rnd = xorshift(12345);
  const base = Buffer.from('{"a":[1,-2.5e3,{"b":null}],"trace_id":"' + tw.formatHex(T) + '","span_id":"' + tw.formatHex(S) + '","s":"\\u00e9\\n"}');
  let fine = true;
  for (let i = 0; i < 5000; i++) {
    const b = Array.from(base);
    b[rnd(b.length)] = rnd(256);
    try {
      gw.parseJsonForm(Uint8Array.from(b));
    } catch (e) {
      if (!(e instanceof tw.TracewireError)) {
        fine = false;
        console.log('json: non-status failure: ' + e.stack);
        break;
      }
    }
  }
  check('json: mutations fail only with statuses', fine);
}

// --- §11.9: thresholds.
check('§11.9.2 th:8 is 50 %', gw.parseOt('ot=th:8').threshold === '80000000000000');
check('§11.9.4 0x00800000000000 is written 008', gw.setOtThreshold('', '00800000000000') === 'ot=th:008');
expectStatus('§11.9.4 a value over 256 characters', () => gw.setOtThreshold('ot=th:8;x:' + 'a'.repeat(246), 'ffffffffffffff'), 'TW_E_TRACESTATE');
// --- §10.8.3 rule 7, §11.5.4, §11.6.3: debug is written only with the sampled flag.
{
  const ctx = (f) => ({ traceId: T, spanId: S, traceFlags: f });
  const single = (f, d) => gw.b3Inject(ctx(f), d, 'single')[0][1].slice(-1);
  const multi = (f, d) => JSON.stringify(gw.b3Inject(ctx(f), d, 'multi')[2]);
  const jflags = (f, d) => gw.jaegerInject(ctx(f), d, null)[0][1].slice(-2);
  check('§11.5.4 single: hint and sampled is d', single(0x01, true) === 'd');
  check('§11.5.4 single: hint without sampled is 0', single(0x00, true) === '0');
  check('§11.5.4 single: random flag alone with hint is 0', single(0x02, true) === '0');
  check('§11.5.4 single: sampled without hint is 1', single(0x03, false) === '1');
  check('§11.5.4 multi: hint and sampled is x-b3-flags', multi(0x01, true) === '["x-b3-flags","1"]');
  check('§11.5.4 multi: hint without sampled is x-b3-sampled 0', multi(0x80, true) === '["x-b3-sampled","0"]');
  check('§11.6.3 hint and sampled is 03', jflags(0x01, true) === '03');
  check('§11.6.3 hint without sampled is 00', jflags(0x02, true) === '00');
  check('§11.6.3 sampled and random without hint is 01', jflags(0x03, false) === '01');
}

// --- §11.6.2: jaeger.extract reads uberctx- whatever else is there; the gateway chooses.
{
  const both = [['baggage', 'x=1'], ['uberctx-ok', '3']];
  check('§11.6.2 jaeger.extract reads uberctx- next to baggage', gw.jaegerExtract(both).baggage === 'ok=3');
  check('§11.6.2 jaeger.extract reads uberctx- next to an empty baggage line', gw.jaegerExtract([['baggage', ''], ['uberctx-ok', '3']]).baggage === 'ok=3');
  check('§11.10.1 step 4: the gateway takes the baggage field', Buffer.from(gw.gatewayExtract(both).header.baggage).toString() === 'x=1');
  check('§11.10.1 step 4: an empty baggage line keeps uberctx- out',
    gw.gatewayExtract([['baggage', ''], ['uberctx-ok', '3']]).header === null);
  check('§11.6.2 only ignored uberctx- fields give no baggage',
    gw.jaegerExtract([['uberctx-', '1'], ['uberctx-a b', '2']]).baggage === null);
}

check('§10.8.3 tw=log:debug is a hint', gw.debugHint('tw=log:debug') && gw.debugHint('a=1,tw=x:1;log:trace'));
check('§10.8.3 a repeated log entry is no hint', !gw.debugHint('tw=log:debug;log:debug') && !gw.debugHint('tw=log:info'));

// --- §11.10.4: the example, byte for byte.
{
  const r = gw.gatewayExtract([
    ['TRACEPARENT', 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-future'],
    ['tracestate', 'vendor=x'],
    ['tracestate', ''],
    ['baggage', 'user=alice, bad="x"'],
    ['Tracewire-Correlation-Id', '017F22E2-79B0-755A-BF00-123456789ABC'],
  ]);
  const out = gw.gatewayInject(r.header, S2);
  check('§11.10.4 example', JSON.stringify(out) === JSON.stringify([
    ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-ff'],
    ['tracestate', 'vendor=x'],
    ['baggage', 'user=alice'],
    ['tracewire-correlation-id', '017f22e2-79b0-755a-bf00-123456789abc'],
  ]));
  const j = gw.gatewayExtract([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'], ['uberctx-k', 'v']]);
  check('§11.10.1 uberctx baggage with a traceparent context', j.source === 'traceparent' && Buffer.from(j.header.baggage).toString() === 'k=v');
}

console.log(passed + ' passed, ' + failed + ' failed');
process.exitCode = failed === 0 ? 0 : 1;
