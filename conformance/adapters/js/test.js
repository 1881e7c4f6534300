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
};
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
  let seed = 0x2545f491;
  const rnd = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const seeds = [minimal, tw.formatHex(every), minimal + '3801b800014a03616263da01027477', '221001932c07a9c47d3b9e2f5d6c7b8a9f01'];
  let ok = true;
  let decoded = 0;
  for (let i = 0; i < 20000 && ok; i++) {
    const b = Array.from(hex(seeds[rnd(seeds.length)]));
    const edits = 1 + rnd(3);
    for (let e = 0; e < edits; e++) {
      const at = rnd(b.length + 1);
      switch (rnd(3)) {
        case 0: b[Math.min(at, b.length - 1)] = rnd(256); break;
        case 1: b.splice(at, 0, rnd(256)); break;
        default: b.splice(at, 1);
      }
    }
    const msg = Uint8Array.from(b);
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

console.log(passed + ' passed, ' + failed + ' failed');
process.exitCode = failed === 0 ? 0 : 1;
