// SPDX-License-Identifier: Apache-2.0
// tracewire v1 in JavaScript: header codec, prefix block, W3C text checks,
// UUID/hex text and identifier generation, written from spec/ alone.
'use strict';

// ---------------------------------------------------------------------------
// Status codes and classes (spec §4.6)
// ---------------------------------------------------------------------------

/** Status code numbers of spec §4.6.2, by name. */
const STATUS = Object.freeze({
  TW_OK: 0,
  TW_E_TRUNCATED: -1,
  TW_E_VARINT: -16,
  TW_E_FIELD_NUMBER: -17,
  TW_E_WIRE_TYPE: -18,
  TW_E_OVERRUN: -19,
  TW_E_BLOCK_LENGTH: -20,
  TW_E_HEX: -21,
  TW_E_UUID_TEXT: -22,
  TW_E_BASE64: -23, // §11.13
  TW_E_JSON: -24, // §11.13
  TW_E_ID_LENGTH: -32,
  TW_E_ZERO_ID: -33,
  TW_E_FLAGS: -34,
  TW_E_CONTEXT: -35,
  TW_E_TRACESTATE: -36,
  TW_E_BAGGAGE: -37,
  TW_E_UNKNOWN_FIELD: -38,
  TW_E_TRACEPARENT: -39, // §11.13
  TW_E_B3: -40, // §11.13
  TW_E_JAEGER: -41, // §11.13
  TW_E_GRPC_TRACE_BIN: -42, // §11.13
  TW_E_JSON_FIELD: -43, // §11.13
  TW_E_TOO_LONG: -48,
  TW_E_TOO_MANY_UNKNOWN: -49,
  TW_E_TOO_MANY_MEMBERS: -50,
  TW_E_VERSION: -64,
  TW_E_ARG: -80,
  TW_E_BUFFER: -81,
  TW_E_RANDOM: -82,
  TW_E_NO_RANDOM: -83,
});

const STATUS_NAME = new Map(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** The class of a status number, by the number ranges of spec §4.6.1. */
function statusClass(status) {
  if (status === 0) return 'ok';
  if (status === -1) return 'truncated';
  if (status <= -16 && status >= -31) return 'malformed';
  if (status <= -32 && status >= -47) return 'invalid';
  if (status <= -48 && status >= -63) return 'limit';
  if (status === -64) return 'version';
  if (status <= -80 && status >= -95) return 'usage';
  return undefined;
}

/** The error every operation throws on failure: one status of §4.6.2. */
class TracewireError extends Error {
  constructor(codeName, detail) {
    const status = STATUS[codeName];
    if (status === undefined) throw new TypeError('unknown status ' + codeName);
    super(detail ? codeName + ': ' + detail : codeName);
    this.name = 'TracewireError';
    this.code = codeName; // e.g. 'TW_E_OVERRUN'
    this.status = status; // e.g. -19
    this.errorClass = statusClass(status); // e.g. 'malformed'
  }
}

function fail(codeName, detail) {
  throw new TracewireError(codeName, detail);
}

// ---------------------------------------------------------------------------
// Limits (spec chapter 6)
// ---------------------------------------------------------------------------

const LIMITS = Object.freeze({
  TRACE_ID_LEN: 16,
  SPAN_ID_LEN: 8,
  CORRELATION_ID_LEN: 16,
  TRACESTATE_MAX_LEN: 4096,
  TRACESTATE_MAX_MEMBERS: 32,
  BAGGAGE_MAX_LEN: 8192,
  BAGGAGE_MAX_MEMBERS: 64,
  UNKNOWN_MAX_FIELDS: 8,
  HEADER_MAX_LEN: 16384,
  BLOCK_LENGTH_MAX_LEN: 9,
  BLOCK_MAX_LEN: 16388,
  VARINT_MAX_LEN: 10,
  TRACE_FLAGS_MAX: 255,
  HEADER_MINIMAL_LEN: 30,
});

const WIRE_VERSION = 1;
const TWO_POW_32 = 4294967296;
const TWO_POW_48 = 281474976710656;

// Field numbers and their own wire types (spec §4.2).
const F_TRACE_ID = 1;
const F_SPAN_ID = 2;
const F_TRACE_FLAGS = 3;
const F_CORRELATION_ID = 4;
const F_TRACESTATE = 5;
const F_BAGGAGE = 6;
const KNOWN_WIRE_TYPE = [undefined, 2, 2, 0, 2, 2, 2];

// The trace-flags bits tracewire gives meaning to (W3C Trace Context level 2).
const FLAGS = Object.freeze({ SAMPLED: 0x01, RANDOM: 0x02 });

// ---------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();

function isBytes(x) {
  return x instanceof Uint8Array;
}

/** Text values may be given as strings (UTF-8 encoded) or as bytes. */
function textBytes(x, what) {
  if (x === undefined || x === null) return EMPTY;
  if (typeof x === 'string') return utf8Encoder.encode(x);
  if (isBytes(x)) return x;
  return fail('TW_E_ARG', what + ' must be a string or a Uint8Array');
}

function idBytes(x, what) {
  if (x === undefined || x === null) return EMPTY;
  if (isBytes(x)) return x;
  return fail('TW_E_ARG', what + ' must be a Uint8Array');
}

function allZero(b) {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes to ASCII/latin-1 text, one character per octet. */
function octetsToString(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
  }
  return s;
}

// ---------------------------------------------------------------------------
// Protobuf varints (spec §2.4, §4.4.3 step 1)
// ---------------------------------------------------------------------------

/**
 * Reads one protobuf varint at `pos`, not past `end`.
 * Returns [value, next]. The value is a Number; it is exact up to 2^53 and
 * monotonic above, which is enough because every value of 2^32 or more is
 * either refused (tags, flags) or compared with a small bound (lengths).
 */
function readVarint(buf, pos, end) {
  let value = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (pos + i >= end) fail('TW_E_OVERRUN', 'varint runs past the end of the message');
    const byte = buf[pos + i];
    if (i === 9 && byte !== 0x00 && byte !== 0x01) {
      fail('TW_E_VARINT', 'tenth varint byte is neither 0x00 nor 0x01');
    }
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, pos + i + 1];
    scale *= 128;
  }
}

/** Size in bytes of the minimal varint of a non-negative safe integer. */
function varintSize(v) {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out, pos, v) {
  while (v >= 128) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/**
 * Reads one whole field at `pos` (spec §4.4.3 steps 1 to 4).
 * Returns {fieldNumber, wireType, start, payloadStart, payloadEnd, value, end}
 * where `value` is the varint value for wire type 0.
 */
function readField(buf, pos, end) {
  const start = pos;
  // Step 1: tag.
  const [tag, afterTag] = readVarint(buf, pos, end);
  // Step 2: field number.
  if (tag >= TWO_POW_32) fail('TW_E_FIELD_NUMBER', 'tag of 2^32 or more');
  const fieldNumber = Math.floor(tag / 8);
  const wireType = tag % 8;
  if (fieldNumber === 0) fail('TW_E_FIELD_NUMBER', 'field number 0');
  // Step 3: wire type.
  if (wireType === 3 || wireType === 4 || wireType === 6 || wireType === 7) {
    fail('TW_E_WIRE_TYPE', 'wire type ' + wireType);
  }
  if (fieldNumber <= 6 && KNOWN_WIRE_TYPE[fieldNumber] !== wireType) {
    fail('TW_E_WIRE_TYPE', 'field ' + fieldNumber + ' with wire type ' + wireType);
  }
  // Step 4: payload.
  let payloadStart = afterTag;
  let payloadEnd;
  let value = 0;
  switch (wireType) {
    case 0: {
      const r = readVarint(buf, afterTag, end);
      value = r[0];
      payloadEnd = r[1];
      break;
    }
    case 1:
      if (end - afterTag < 8) fail('TW_E_OVERRUN', 'I64 payload runs past the end');
      payloadEnd = afterTag + 8;
      break;
    case 5:
      if (end - afterTag < 4) fail('TW_E_OVERRUN', 'I32 payload runs past the end');
      payloadEnd = afterTag + 4;
      break;
    case 2: {
      const [len, afterLen] = readVarint(buf, afterTag, end);
      if (len > end - afterLen) fail('TW_E_OVERRUN', 'LEN payload runs past the end');
      payloadStart = afterLen;
      payloadEnd = afterLen + len;
      break;
    }
    default:
      fail('TW_E_WIRE_TYPE');
  }
  return { fieldNumber, wireType, start, payloadStart, payloadEnd, value, end: payloadEnd };
}

// ---------------------------------------------------------------------------
// W3C text grammars (spec §4.2.5, §4.2.6)
// ---------------------------------------------------------------------------

const COMMA = 0x2c;
const EQUALS = 0x3d;
const SEMICOLON = 0x3b;

function isOws(c) {
  return c === 0x20 || c === 0x09;
}

/** Splits at every comma: [start, end) pairs, blank flag for SP/HTAB-only pieces. */
function splitPieces(b) {
  const pieces = [];
  let start = 0;
  for (let i = 0; i <= b.length; i++) {
    if (i === b.length || b[i] === COMMA) {
      let blank = true;
      for (let j = start; j < i; j++) {
        if (!isOws(b[j])) {
          blank = false;
          break;
        }
      }
      pieces.push({ start, end: i, blank });
      start = i + 1;
    }
  }
  return pieces;
}

function countNonBlank(pieces) {
  let n = 0;
  for (const p of pieces) if (!p.blank) n++;
  return n;
}

function isLcalphaOrDigit(c) {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

function isTracestateKeyChar(c) {
  // lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
  return isLcalphaOrDigit(c) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f || c === 0x40;
}

function isTracestateNblkChr(c) {
  // %x21-2B / %x2D-3C / %x3E-7E
  return (c >= 0x21 && c <= 0x2b) || (c >= 0x2d && c <= 0x3c) || (c >= 0x3e && c <= 0x7e);
}

function isTracestateChr(c) {
  return c === 0x20 || isTracestateNblkChr(c);
}

/**
 * Scans a tracestate text (bytes) in the order of §4.2.5. Check 1 (length)
 * runs only when `checkLength` is true: the list operations of §11.2.3 and
 * §11.2.4 take lists longer than 4096 octets. Returns the status name of the
 * first failing check, or undefined when valid; when `members` is an array,
 * each non-empty list-member is pushed to it as {key, value, start, end}
 * (strings, and the member's byte range without the OWS around it).
 */
function scanTracestate(b, checkLength, members) {
  // Check 1: octet length.
  if (checkLength && b.length > LIMITS.TRACESTATE_MAX_LEN) return 'TW_E_TOO_LONG';
  // Check 2: non-empty list-members.
  const pieces = splitPieces(b);
  if (countNonBlank(pieces) > LIMITS.TRACESTATE_MAX_MEMBERS) return 'TW_E_TOO_MANY_MEMBERS';
  // Check 3: grammar and duplicate keys.
  // tracestate = list-member *( OWS "," OWS list-member ), so a piece is
  //   only piece:   list-member
  //   first piece:  list-member OWS
  //   middle piece: OWS list-member OWS
  //   last piece:   OWS list-member
  // and a list-member is key "=" value, or OWS (a blank piece).
  const last = pieces.length - 1;
  const keys = new Set();
  for (let i = 0; i <= last; i++) {
    const p = pieces[i];
    if (p.blank) continue;
    let s = p.start;
    let e = p.end;
    if (i > 0) while (s < e && isOws(b[s])) s++;
    if (i < last) while (e > s && isOws(b[e - 1])) e--;
    // key = ( lcalpha / DIGIT ) 0*255( keychar )
    if (s >= e || !isLcalphaOrDigit(b[s])) return 'TW_E_TRACESTATE';
    let k = s + 1;
    while (k < e && isTracestateKeyChar(b[k])) k++;
    if (k - s > 256) return 'TW_E_TRACESTATE';
    if (k >= e || b[k] !== EQUALS) return 'TW_E_TRACESTATE';
    // value = 0*255( chr ) nblk-chr
    const vs = k + 1;
    const vlen = e - vs;
    if (vlen < 1 || vlen > 256) return 'TW_E_TRACESTATE';
    for (let j = vs; j < e - 1; j++) if (!isTracestateChr(b[j])) return 'TW_E_TRACESTATE';
    if (!isTracestateNblkChr(b[e - 1])) return 'TW_E_TRACESTATE';
    const key = octetsToString(b.subarray(s, k));
    if (keys.has(key)) return 'TW_E_TRACESTATE';
    keys.add(key);
    if (members) members.push({ key, value: octetsToString(b.subarray(vs, e)), start: s, end: e });
  }
  return undefined;
}

/**
 * Checks a tracestate text (bytes) in the order of §4.2.5 and returns
 * undefined when valid, or the status name of the first failing check.
 */
function tracestateStatus(b) {
  return scanTracestate(b, true, null);
}

function isTchar(c) {
  // "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
  // / "`" / "|" / "~" / DIGIT / ALPHA
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  switch (c) {
    case 0x21: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x2a:
    case 0x2b: case 0x2d: case 0x2e: case 0x5e: case 0x5f: case 0x60: case 0x7c:
    case 0x7e:
      return true;
    default:
      return false;
  }
}

function isBaggageOctet(c) {
  // %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
  return c === 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
    (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

/** Matches one baggage list-member with its surrounding OWS, on b[s..e). */
function baggageMemberValid(b, s, e) {
  while (s < e && isOws(b[s])) s++;
  while (e > s && isOws(b[e - 1])) e--;
  let i = s;
  const skipOws = () => {
    while (i < e && isOws(b[i])) i++;
  };
  const key = () => {
    const k = i;
    while (i < e && isTchar(b[i])) i++;
    return i > k;
  };
  const value = () => {
    while (i < e && isBaggageOctet(b[i])) i++;
  };
  // list-member = key OWS "=" OWS value *( OWS ";" OWS property )
  if (!key()) return false;
  skipOws();
  if (i >= e || b[i] !== EQUALS) return false;
  i++;
  skipOws();
  value();
  for (;;) {
    skipOws();
    if (i >= e) return true;
    if (b[i] !== SEMICOLON) return false;
    i++;
    skipOws();
    // property = ( key OWS "=" OWS value ) / ( key OWS )
    if (!key()) return false;
    skipOws();
    if (i < e && b[i] === EQUALS) {
      i++;
      skipOws();
      value();
    }
  }
}

/**
 * Checks a baggage text (bytes) in the order of §4.2.6 and returns
 * undefined when valid, or the status name of the first failing check.
 */
function baggageStatus(b) {
  if (b.length > LIMITS.BAGGAGE_MAX_LEN) return 'TW_E_TOO_LONG';
  const pieces = splitPieces(b);
  if (countNonBlank(pieces) > LIMITS.BAGGAGE_MAX_MEMBERS) return 'TW_E_TOO_MANY_MEMBERS';
  // baggage = OWS list-member *( OWS "," OWS list-member ) OWS: every piece
  // is OWS list-member OWS, and empty list-members are not allowed.
  for (const p of pieces) {
    if (p.blank) return 'TW_E_BAGGAGE';
    if (!baggageMemberValid(b, p.start, p.end)) return 'TW_E_BAGGAGE';
  }
  return undefined;
}

/** Validates tracestate text (string or bytes); throws the first failure. */
function validateTracestate(text) {
  const st = tracestateStatus(textBytes(text, 'tracestate'));
  if (st) fail(st, 'tracestate');
  return true;
}

/** Validates baggage text (string or bytes); throws the first failure. */
function validateBaggage(text) {
  const st = baggageStatus(textBytes(text, 'baggage'));
  if (st) fail(st, 'baggage');
  return true;
}

// ---------------------------------------------------------------------------
// Encoding (spec §4.3)
// ---------------------------------------------------------------------------

/**
 * Checks one unknown field given to an encoder (spec §4.2.7 rule 4): exactly
 * one whole field, well-formed by §4.4.3, numbered above 6.
 */
function unknownFieldWellFormed(u) {
  if (u.length === 0) return false;
  try {
    const f = readField(u, 0, u.length);
    return f.end === u.length && f.fieldNumber > 6;
  } catch (e) {
    if (e instanceof TracewireError) return false;
    throw e;
  }
}

// The value rules the encoder (§4.3 checks 2 to 5) and the decoder (§4.4.5)
// share, in the order both apply them: id lengths, flags, presence, zero ids.
function checkIdsAndFlags(traceId, spanId, correlationId, flags, tracestate) {
  if (traceId.length !== 0 && traceId.length !== LIMITS.TRACE_ID_LEN) fail('TW_E_ID_LENGTH', 'trace-id');
  if (spanId.length !== 0 && spanId.length !== LIMITS.SPAN_ID_LEN) fail('TW_E_ID_LENGTH', 'span-id');
  if (correlationId.length !== 0 && correlationId.length !== LIMITS.CORRELATION_ID_LEN) {
    fail('TW_E_ID_LENGTH', 'correlation-id');
  }
  if (flags > LIMITS.TRACE_FLAGS_MAX) fail('TW_E_FLAGS', 'trace-flags above 255');
  if ((traceId.length !== 0) !== (spanId.length !== 0)) fail('TW_E_CONTEXT', 'trace-id without span-id or the reverse');
  if (traceId.length === 0 && (flags !== 0 || tracestate.length !== 0)) {
    fail('TW_E_CONTEXT', 'flags or tracestate without trace context');
  }
  if (traceId.length !== 0 && allZero(traceId)) fail('TW_E_ZERO_ID', 'trace-id');
  if (spanId.length !== 0 && allZero(spanId)) fail('TW_E_ZERO_ID', 'span-id');
  if (correlationId.length !== 0 && allZero(correlationId)) fail('TW_E_ZERO_ID', 'correlation-id');
}

/**
 * Normalises and checks header values in the order of §4.3.2 (checks 1 to 8),
 * then returns the normalised values and the encoded size (check 9 is left
 * to the caller).
 */
function checkValues(values) {
  // Check 1: usage.
  if (values === null || typeof values !== 'object') fail('TW_E_ARG', 'values must be an object');
  const traceId = idBytes(values.traceId, 'traceId');
  const spanId = idBytes(values.spanId, 'spanId');
  const correlationId = idBytes(values.correlationId, 'correlationId');
  let flags = values.traceFlags === undefined || values.traceFlags === null ? 0 : values.traceFlags;
  if (typeof flags === 'bigint') {
    if (flags < 0n) fail('TW_E_ARG', 'traceFlags is negative');
    flags = flags > 0xffffffffn ? TWO_POW_32 : Number(flags);
  }
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0) {
    fail('TW_E_ARG', 'traceFlags must be a non-negative integer');
  }
  const tracestate = textBytes(values.tracestate, 'tracestate');
  const baggage = textBytes(values.baggage, 'baggage');
  const unknown = values.unknown === undefined || values.unknown === null ? [] : values.unknown;
  if (!Array.isArray(unknown)) fail('TW_E_ARG', 'unknown must be an array');
  const unknownBytes = unknown.map((u, i) => {
    if (isBytes(u)) return u;
    if (u && isBytes(u.bytes)) return u.bytes; // a decoded unknown-field record
    return fail('TW_E_ARG', 'unknown[' + i + '] must be a Uint8Array');
  });
  // Checks 2 to 5: id lengths, flags, presence, zero ids.
  checkIdsAndFlags(traceId, spanId, correlationId, flags, tracestate);
  // Check 6: tracestate.
  if (tracestate.length !== 0) {
    const st = tracestateStatus(tracestate);
    if (st) fail(st, 'tracestate');
  }
  // Check 7: baggage.
  if (baggage.length !== 0) {
    const st = baggageStatus(baggage);
    if (st) fail(st, 'baggage');
  }
  // Check 8: unknown fields, count first, then each in order.
  if (unknownBytes.length > LIMITS.UNKNOWN_MAX_FIELDS) fail('TW_E_TOO_MANY_UNKNOWN');
  for (let i = 0; i < unknownBytes.length; i++) {
    if (!unknownFieldWellFormed(unknownBytes[i])) fail('TW_E_UNKNOWN_FIELD', 'unknown[' + i + ']');
  }
  const v = { traceId, spanId, traceFlags: flags, correlationId, tracestate, baggage, unknown: unknownBytes };
  return { v, size: encodedSize(v) };
}

function lenFieldSize(len) {
  return len === 0 ? 0 : 1 + varintSize(len) + len;
}

function encodedSize(v) {
  let n = lenFieldSize(v.traceId.length) + lenFieldSize(v.spanId.length) +
    (v.traceFlags === 0 ? 0 : 1 + varintSize(v.traceFlags)) +
    lenFieldSize(v.correlationId.length) + lenFieldSize(v.tracestate.length) +
    lenFieldSize(v.baggage.length);
  for (const u of v.unknown) n += u.length;
  return n;
}

function writeLenField(out, pos, tag, bytes) {
  if (bytes.length === 0) return pos;
  out[pos++] = tag;
  pos = writeVarint(out, pos, bytes.length);
  out.set(bytes, pos);
  return pos + bytes.length;
}

function writeMessage(out, pos, v) {
  pos = writeLenField(out, pos, 0x0a, v.traceId);
  pos = writeLenField(out, pos, 0x12, v.spanId);
  if (v.traceFlags !== 0) {
    out[pos++] = 0x18;
    pos = writeVarint(out, pos, v.traceFlags);
  }
  pos = writeLenField(out, pos, 0x22, v.correlationId);
  pos = writeLenField(out, pos, 0x2a, v.tracestate);
  pos = writeLenField(out, pos, 0x32, v.baggage);
  for (const u of v.unknown) {
    out.set(u, pos);
    pos += u.length;
  }
  return pos;
}

/**
 * Measures the canonical encoding of `values` without writing it
 * (§4.3.2 checks 1 to 9; check 10 does not apply).
 */
function measureHeader(values) {
  const { size } = checkValues(values);
  if (size > LIMITS.HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'header over 16384 bytes');
  return size;
}

/**
 * Encodes header values in canonical form (spec §4.3). `values` has the
 * optional keys traceId, spanId, correlationId (Uint8Array), traceFlags
 * (integer), tracestate, baggage (string or Uint8Array) and unknown (array of
 * Uint8Array, each one whole field). Throws TracewireError on failure.
 * With `out` (a Uint8Array) the header is written at `offset` and the number
 * of bytes written is returned; otherwise a new Uint8Array is returned.
 */
function encodeHeader(values, out, offset) {
  const { v, size } = checkValues(values);
  if (size > LIMITS.HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'header over 16384 bytes');
  if (out === undefined) {
    const buf = new Uint8Array(size);
    writeMessage(buf, 0, v);
    return buf;
  }
  if (!isBytes(out)) fail('TW_E_ARG', 'out must be a Uint8Array');
  const at = offset === undefined ? 0 : offset;
  if (!Number.isInteger(at) || at < 0 || at > out.length) fail('TW_E_ARG', 'bad offset');
  if (out.length - at < size) fail('TW_E_BUFFER', 'output space too small');
  writeMessage(out, at, v);
  return size;
}

// ---------------------------------------------------------------------------
// Decoding (spec §4.4, §4.5)
// ---------------------------------------------------------------------------

function emptyResult() {
  return {
    header: {
      traceId: EMPTY,
      spanId: EMPTY,
      traceFlags: 0,
      correlationId: EMPTY,
      tracestate: EMPTY,
      baggage: EMPTY,
      unknown: [],
    },
    canonical: true,
    discardedTracestate: false,
    discardedBaggage: false,
  };
}

/** The fast path of Figure 1 / §A1.2: the 30-byte canonical minimal header. */
function decodeMinimal(buf) {
  if (buf.length !== LIMITS.HEADER_MINIMAL_LEN) return null;
  if (buf[0] !== 0x0a || buf[1] !== 0x10 || buf[18] !== 0x12 || buf[19] !== 0x08 || buf[28] !== 0x18) {
    return null;
  }
  const flags = buf[29];
  if (flags === 0 || flags >= 0x80) return null;
  const traceId = buf.subarray(2, 18);
  const spanId = buf.subarray(20, 28);
  if (allZero(traceId) || allZero(spanId)) return null; // the full rules report it
  const r = emptyResult();
  r.header.traceId = traceId;
  r.header.spanId = spanId;
  r.header.traceFlags = flags;
  return r;
}

/**
 * Decodes one complete message (spec §4.4). `buf` is a Uint8Array holding
 * exactly the message. Returns
 *   { header: {traceId, spanId, traceFlags, correlationId, tracestate,
 *              baggage, unknown: [{offset, length, bytes}]},
 *     canonical, discardedTracestate, discardedBaggage }
 * Absent ids and texts are empty Uint8Arrays; all byte values are views
 * into `buf` (unknown fields are byte ranges of the input).
 * Throws TracewireError on failure.
 */
function decodeHeader(buf) {
  if (!isBytes(buf)) fail('TW_E_ARG', 'input must be a Uint8Array');
  const n = buf.length;
  // §4.4.3: the length limit before any field.
  if (n > LIMITS.HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'message over 16384 bytes');
  const fast = decodeMinimal(buf);
  if (fast) return fast;

  let traceId = EMPTY;
  let spanId = EMPTY;
  let flags = 0;
  let correlationId = EMPTY;
  let tracestate = EMPTY;
  let baggage = EMPTY;
  const unknown = [];

  let pos = 0;
  while (pos < n) {
    const f = readField(buf, pos, n);
    pos = f.end;
    const payload = buf.subarray(f.payloadStart, f.payloadEnd);
    // §4.4.4 per-occurrence rules.
    switch (f.fieldNumber) {
      case F_TRACE_ID:
        if (payload.length > LIMITS.TRACE_ID_LEN) fail('TW_E_ID_LENGTH', 'trace-id occurrence over 16 bytes');
        traceId = payload;
        break;
      case F_SPAN_ID:
        if (payload.length > LIMITS.SPAN_ID_LEN) fail('TW_E_ID_LENGTH', 'span-id occurrence over 8 bytes');
        spanId = payload;
        break;
      case F_TRACE_FLAGS:
        if (f.value >= TWO_POW_32) fail('TW_E_FLAGS', 'trace-flags occurrence of 2^32 or more');
        flags = f.value;
        break;
      case F_CORRELATION_ID:
        if (payload.length > LIMITS.CORRELATION_ID_LEN) {
          fail('TW_E_ID_LENGTH', 'correlation-id occurrence over 16 bytes');
        }
        correlationId = payload;
        break;
      case F_TRACESTATE:
        if (payload.length > LIMITS.TRACESTATE_MAX_LEN) fail('TW_E_TOO_LONG', 'tracestate occurrence over 4096 octets');
        tracestate = payload;
        break;
      case F_BAGGAGE:
        if (payload.length > LIMITS.BAGGAGE_MAX_LEN) fail('TW_E_TOO_LONG', 'baggage occurrence over 8192 octets');
        baggage = payload;
        break;
      default:
        if (unknown.length >= LIMITS.UNKNOWN_MAX_FIELDS) fail('TW_E_TOO_MANY_UNKNOWN', 'ninth unknown field');
        unknown.push({ offset: f.start, length: f.end - f.start, bytes: buf.subarray(f.start, f.end) });
    }
  }

  // §4.4.5 final-value rules, in order: the encoder's checks 2 to 5.
  checkIdsAndFlags(traceId, spanId, correlationId, flags, tracestate);

  // Rule 5 and §4.5: drop an invalid tracestate or baggage (checks 2 and 3;
  // check 1 cannot fail here, the occurrence rule already bounded it).
  let discardedTracestate = false;
  let discardedBaggage = false;
  if (tracestate.length !== 0 && tracestateStatus(tracestate) !== undefined) {
    tracestate = EMPTY;
    discardedTracestate = true;
  }
  if (baggage.length !== 0 && baggageStatus(baggage) !== undefined) {
    baggage = EMPTY;
    discardedBaggage = true;
  }

  const header = { traceId, spanId, traceFlags: flags, correlationId, tracestate, baggage, unknown };
  // §4.3.1: canonical iff encoding the decoded values gives the input back.
  const v = { traceId, spanId, traceFlags: flags, correlationId, tracestate, baggage, unknown: unknown.map((u) => u.bytes) };
  let canonical = false;
  if (encodedSize(v) === n) {
    const again = new Uint8Array(n);
    writeMessage(again, 0, v);
    canonical = bytesEqual(again, buf);
  }
  return { header, canonical, discardedTracestate, discardedBaggage };
}

// ---------------------------------------------------------------------------
// The prefix block (spec §5.2)
// ---------------------------------------------------------------------------

/**
 * Block steps 1 to 4 of §5.2.3 (the "measure" operation). Returns
 * {length, version, messageOffset, messageLength} or throws.
 */
function measureBlock(buf) {
  if (!isBytes(buf)) fail('TW_E_ARG', 'input must be a Uint8Array');
  const n = buf.length;
  // Step 1.
  if (n === 0) fail('TW_E_TRUNCATED', 'no version byte');
  // Step 2: the unsigned-varint length at offset 1.
  let value = 0;
  let scale = 1;
  let size = 0;
  for (;;) {
    if (size === LIMITS.BLOCK_LENGTH_MAX_LEN) {
      // Nine bytes present, all with the continuation bit set.
      fail('TW_E_BLOCK_LENGTH', 'block length longer than 9 bytes');
    }
    const at = 1 + size;
    if (at >= n) fail('TW_E_TRUNCATED', 'input ends inside the block length');
    const byte = buf[at];
    size++;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (byte === 0x00 && size > 1) fail('TW_E_BLOCK_LENGTH', 'block length not minimal');
      break;
    }
    scale *= 128;
  }
  // Step 3.
  if (value > LIMITS.HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'block length above 16384');
  // Step 4.
  const length = 1 + size + value;
  if (n < length) fail('TW_E_TRUNCATED', 'input ends inside the message');
  return { length, version: buf[0], messageOffset: 1 + size, messageLength: value };
}

/**
 * Decodes a prefix block (§5.2.3), possibly followed by application bytes.
 * Returns the decodeHeader result plus `consumed` (bytes of the block).
 * A failure after valid framing (TW_E_VERSION, or any failure of the
 * message) carries `blockLength`, the bytes to skip (§5.2.4).
 */
function decodeBlock(buf) {
  const m = measureBlock(buf);
  let r;
  try {
    // Step 5.
    if (m.version !== WIRE_VERSION) fail('TW_E_VERSION', 'block version ' + m.version);
    // Step 6.
    r = decodeHeader(buf.subarray(m.messageOffset, m.messageOffset + m.messageLength));
  } catch (e) {
    // The framing is valid (§5.2.4): tell the receiver how many bytes to skip.
    if (e instanceof TracewireError) e.blockLength = m.length;
    throw e;
  }
  // Step 7.
  r.consumed = m.length;
  return r;
}

function uvarintSize(v) {
  return varintSize(v);
}

/** Encodes header values as a version 1 prefix block (§5.2.1). */
function encodeBlock(values) {
  const msg = encodeHeader(values);
  const lenSize = uvarintSize(msg.length);
  const out = new Uint8Array(1 + lenSize + msg.length);
  out[0] = WIRE_VERSION;
  const pos = writeVarint(out, 1, msg.length);
  out.set(msg, pos);
  return out;
}

// ---------------------------------------------------------------------------
// Text forms (spec §4.8)
// ---------------------------------------------------------------------------

const HEX = '0123456789abcdef';

function hexNibble(c, allowUpper) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (allowUpper && c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Bytes to lowercase hex, byte 0 first (§4.8.1). */
function formatHex(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/**
 * Lowercase hex text to bytes (§4.8.1). With `size`, the text must be
 * exactly 2*size digits; without it, any even number of digits.
 */
function parseHex(text, size) {
  if (typeof text !== 'string') fail('TW_E_ARG', 'hex text must be a string');
  if (size !== undefined && text.length !== 2 * size) fail('TW_E_HEX', 'wrong number of hex digits');
  if (text.length % 2 !== 0) fail('TW_E_HEX', 'odd number of hex digits');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(text.charCodeAt(2 * i), false);
    const lo = hexNibble(text.charCodeAt(2 * i + 1), false);
    if (hi < 0 || lo < 0) fail('TW_E_HEX', 'not a lowercase hex digit');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** 36-character 8-4-4-4-12 UUID text to 16 bytes (§4.8.2). */
function parseUuid(text) {
  if (typeof text !== 'string') fail('TW_E_ARG', 'UUID text must be a string');
  if (text.length !== 36) fail('TW_E_UUID_TEXT', 'UUID text is not 36 characters');
  const out = new Uint8Array(16);
  let j = 0;
  for (let i = 0; i < 36;) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (text.charCodeAt(i) !== 0x2d) fail('TW_E_UUID_TEXT', 'no hyphen at offset ' + i);
      i++;
      continue;
    }
    const hi = hexNibble(text.charCodeAt(i), true);
    const lo = hexNibble(text.charCodeAt(i + 1), true);
    if (hi < 0 || lo < 0) fail('TW_E_UUID_TEXT', 'not a hex digit');
    out[j++] = (hi << 4) | lo;
    i += 2;
  }
  return out;
}

/** 16 bytes to lowercase 8-4-4-4-12 UUID text (§4.8.2). */
function formatUuid(bytes) {
  if (!isBytes(bytes) || bytes.length !== 16) fail('TW_E_ARG', 'a UUID is 16 bytes');
  const h = formatHex(bytes);
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

// ---------------------------------------------------------------------------
// Identifier generation (spec §4.7)
// ---------------------------------------------------------------------------

/**
 * The built-in random source: the platform CSPRNG (Web Crypto), or
 * undefined where there is none.
 */
const builtinRandom = (() => {
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') return (n) => c.getRandomValues(new Uint8Array(n));
  try {
    // Node 18 without the global Web Crypto object.
    const nodeCrypto = require('node:crypto');
    return (n) => nodeCrypto.randomFillSync(new Uint8Array(n));
  } catch (e) {
    return undefined;
  }
})();

/**
 * Resolves the random source (§4.7.5 step 2). `random` is a function asked
 * for n bytes that returns a Uint8Array of exactly n bytes on success, and
 * anything else (or throws) on failure. `undefined` selects the built-in
 * source; `null` means "no source given" and never falls back.
 */
function resolveRandom(random) {
  if (typeof random === 'function') return random;
  if (random === undefined && builtinRandom) return builtinRandom;
  if (random === undefined || random === null) fail('TW_E_NO_RANDOM', 'no random source');
  return fail('TW_E_ARG', 'random source must be a function');
}

/** One draw of exactly n bytes (§4.7.1); a failed draw is TW_E_RANDOM. */
function draw(random, n) {
  let r;
  try {
    r = random(n);
  } catch (e) {
    fail('TW_E_RANDOM', 'random source threw');
  }
  if (!isBytes(r) || r.length !== n) fail('TW_E_RANDOM', 'random source failed');
  return Uint8Array.from(r);
}

function generateNonZero(random, n) {
  const src = resolveRandom(random);
  for (let i = 0; i < 4; i++) {
    const r = draw(src, n);
    if (!allZero(r)) return r;
  }
  return fail('TW_E_RANDOM', 'four all-zero draws');
}

/** A new trace-id (§4.7.2): 16 bytes, not all zero. */
function generateTraceId(random) {
  return generateNonZero(random, LIMITS.TRACE_ID_LEN);
}

/** A new span-id (§4.7.2): 8 bytes, not all zero. */
function generateSpanId(random) {
  return generateNonZero(random, LIMITS.SPAN_ID_LEN);
}

/** A version 4 correlation-id (§4.7.3). */
function generateUuid4(random) {
  const src = resolveRandom(random);
  const out = draw(src, 16);
  out[6] = 0x40 | (out[6] & 0x0f);
  out[8] = 0x80 | (out[8] & 0x3f);
  return out;
}

/**
 * A version 7 correlation-id (§4.7.4) for `unixMs` milliseconds since the
 * Unix epoch (a Number or BigInt, 0 to 2^48 - 1), supplied by the caller.
 */
function generateUuid7(unixMs, random) {
  // §4.7.5 step 1: usage errors, including unix_ms, before anything else.
  let ms;
  if (typeof unixMs === 'bigint') {
    if (unixMs < 0n || unixMs >= BigInt(TWO_POW_48)) fail('TW_E_ARG', 'unix_ms out of range');
    ms = Number(unixMs);
  } else if (typeof unixMs === 'number' && Number.isInteger(unixMs)) {
    if (unixMs < 0 || unixMs >= TWO_POW_48) fail('TW_E_ARG', 'unix_ms out of range');
    ms = unixMs;
  } else {
    fail('TW_E_ARG', 'unix_ms must be an integer');
  }
  const src = resolveRandom(random);
  const r = draw(src, 10);
  const out = new Uint8Array(16);
  // 48-bit timestamp, most significant byte first (§2.3).
  for (let i = 5; i >= 0; i--) {
    out[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  out.set(r, 6);
  out[6] = 0x70 | (r[0] & 0x0f);
  out[8] = 0x80 | (r[2] & 0x3f);
  return out;
}

module.exports = {
  STATUS,
  LIMITS,
  WIRE_VERSION,
  FLAGS,
  TracewireError,
  statusClass,
  statusName: (status) => STATUS_NAME.get(status),
  decodeHeader,
  encodeHeader,
  measureHeader,
  decodeBlock,
  encodeBlock,
  measureBlock,
  validateTracestate,
  validateBaggage,
  tracestateStatus,
  baggageStatus,
  parseHex,
  formatHex,
  parseUuid,
  formatUuid,
  generateTraceId,
  generateSpanId,
  generateUuid4,
  generateUuid7,
  builtinRandom,
  // Internals shared with the chapter 10 and 11 modules (processing.js, textops.js, gateway.js).
  internal: {
    F_SPAN_ID,
    F_TRACE_FLAGS,
    F_CORRELATION_ID,
    F_TRACESTATE,
    fail,
    EMPTY,
    allZero,
    bytesEqual,
    octetsToString,
    textBytes,
    isBytes,
    isOws,
    isTchar,
    isBaggageOctet,
    isLcalphaOrDigit,
    isTracestateKeyChar,
    isTracestateChr,
    isTracestateNblkChr,
    splitPieces,
    scanTracestate,
    baggageMemberValid,
    readField,
    varintSize,
    writeVarint,
    checkValues,
    encodedSize,
    writeMessage,
  },
};
