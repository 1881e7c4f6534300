// SPDX-License-Identifier: Apache-2.0
// tracewire-js gateway mappings: traceparent, B3, Jaeger, grpc-trace-bin, the JSON form, ot sampling, extract and inject (spec chapter 11).
'use strict';

const tw = require('./tracewire.js');
const text = require('./textops.js');

const { fail, EMPTY, allZero, isBytes, scanTracestate } = tw.internal;

const { SAMPLED, RANDOM } = tw.FLAGS;
const TS_MAX_LEN = tw.LIMITS.TRACESTATE_MAX_LEN;
const BG_MAX_LEN = tw.LIMITS.BAGGAGE_MAX_LEN;
const DEBUG_MEMBER = { key: 'tw', value: 'log:debug' };
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// Octet strings: field values are handled as JS strings of one character per
// octet (0 to 255). A JS string given by a caller is taken as its UTF-8
// encoding; a Uint8Array as its octets.
// ---------------------------------------------------------------------------

function octets(x, what) {
  if (typeof x === 'string') {
    let ascii = true;
    for (let i = 0; i < x.length; i++) {
      if (x.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return x;
    return tw.internal.octetsToString(utf8Encoder.encode(x));
  }
  if (isBytes(x)) return tw.internal.octetsToString(x);
  return fail('TW_E_ARG', what + ' must be a string or a Uint8Array');
}

function octetBytes(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** §11.4.2: every SP and HTAB removed at both ends; nothing else. */
function trimOws(s) {
  let a = 0;
  let e = s.length;
  while (a < e && (s[a] === ' ' || s[a] === '\t')) a++;
  while (e > a && (s[e - 1] === ' ' || s[e - 1] === '\t')) e--;
  return s.slice(a, e);
}

/** §11.4.1: names compared without regard to ASCII case (A-Z only). */
function lowerAscii(s) {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function isLowerHex(s) {
  return /^[0-9a-f]*$/.test(s);
}

function isHexAnyCase(s) {
  return /^[0-9a-fA-F]*$/.test(s);
}

/** Hex text of either case (even length) to bytes. */
function hexBytes(s) {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function hex2(n) {
  return (n < 16 ? '0' : '') + n.toString(16);
}

/**
 * Normalises field lines ([[name, value], ...]) as §11.4.1 and §11.4.2 say:
 * lower-case names, values as octet strings without SP/HTAB at the ends.
 */
function normaliseFields(fields) {
  if (!Array.isArray(fields)) fail('TW_E_ARG', 'fields must be an array of [name, value] pairs');
  return fields.map((f, i) => {
    if (!Array.isArray(f) || f.length !== 2) fail('TW_E_ARG', 'field ' + i + ' must be [name, value]');
    return { name: lowerAscii(octets(f[0], 'field name')), value: trimOws(octets(f[1], 'field value')) };
  });
}

function linesOf(fields, name) {
  return fields.filter((f) => f.name === name).map((f) => f.value);
}

function checkContextValues(c) {
  if (c === null || typeof c !== 'object') fail('TW_E_ARG', 'context must be an object');
  if (!isBytes(c.traceId) || c.traceId.length !== 16) fail('TW_E_ARG', 'trace-id must be 16 bytes');
  if (!isBytes(c.spanId) || c.spanId.length !== 8) fail('TW_E_ARG', 'span-id must be 8 bytes');
  const flags = c.traceFlags === undefined ? 0 : c.traceFlags;
  if (!Number.isInteger(flags) || flags < 0 || flags > 255) fail('TW_E_ARG', 'flags must be 0 to 255');
  return flags;
}

// ---------------------------------------------------------------------------
// §11.1 traceparent
// ---------------------------------------------------------------------------

/**
 * §11.1.2 traceparent.parse: {traceId, spanId, traceFlags, version}; every
 * failure is TW_E_TRACEPARENT.
 */
function parseTraceparent(value) {
  const s = trimOws(octets(value, 'traceparent'));
  const bad = (why) => fail('TW_E_TRACEPARENT', why);
  if (s.length < 55) bad('shorter than 55 octets');
  const version = s.slice(0, 2);
  if (!/^[0-9a-f]{2}$/.test(version) || version === 'ff' || s[2] !== '-') bad('version');
  if (version === '00') {
    if (s.length !== 55) bad('version 00 is exactly 55 octets');
  } else if (s.length !== 55 && s[55] !== '-') {
    bad('a higher version continues with "-"');
  }
  const traceId = s.slice(3, 35);
  const spanId = s.slice(36, 52);
  const flags = s.slice(53, 55);
  if (!/^[0-9a-f]{32}$/.test(traceId) || s[35] !== '-') bad('trace-id');
  if (!/^[0-9a-f]{16}$/.test(spanId) || s[52] !== '-') bad('parent-id');
  if (!/^[0-9a-f]{2}$/.test(flags)) bad('trace-flags');
  const t = hexBytes(traceId);
  const p = hexBytes(spanId);
  if (allZero(t)) bad('all-zero trace-id');
  if (allZero(p)) bad('all-zero parent-id');
  return { traceId: t, spanId: p, traceFlags: parseInt(flags, 16), version: parseInt(version, 16) };
}

/** §11.1.3 traceparent.format: version 00, lower-case hex, two flag digits. */
function formatTraceparent(c) {
  const flags = checkContextValues(c);
  if (allZero(c.traceId) || allZero(c.spanId)) fail('TW_E_ZERO_ID', 'no traceparent for an all-zero id');
  return '00-' + tw.formatHex(c.traceId) + '-' + tw.formatHex(c.spanId) + '-' + hex2(flags);
}

// ---------------------------------------------------------------------------
// §11.2.1 tracestate field lines
// ---------------------------------------------------------------------------

/**
 * Builds the header's tracestate from tracestate field lines (§11.2.1):
 * an octet string, '' for absent.
 */
function tracestateFromLines(lines) {
  const kept = lines.map(trimOws).filter((l) => l.length !== 0);
  if (kept.length === 0) return '';
  const joined = kept.join(',');
  const b = octetBytes(joined);
  if (scanTracestate(b, false, null) !== undefined) return ''; // step 3: dropped whole
  if (b.length > TS_MAX_LEN) return text.tracestateTruncate(b, TS_MAX_LEN); // step 4
  return joined; // step 5: exactly as received
}

// ---------------------------------------------------------------------------
// §11.3.1 baggage field lines
// ---------------------------------------------------------------------------

function baggageFromLines(lines) {
  const kept = lines.map(trimOws).filter((l) => l.length !== 0);
  if (kept.length === 0) return { text: '', dropped: 0 };
  return text.baggageSanitize(octetBytes(kept.join(',')));
}

// ---------------------------------------------------------------------------
// §11.4.4 correlation-id field
// ---------------------------------------------------------------------------

function correlationIdFromLines(lines) {
  if (lines.length !== 1) return null;
  let id;
  try {
    id = tw.parseUuid(lines[0]);
  } catch (e) {
    if (e instanceof tw.TracewireError) return null;
    throw e;
  }
  return allZero(id) ? null : id;
}

// ---------------------------------------------------------------------------
// §11.5 B3
// ---------------------------------------------------------------------------

function b3TraceId(s) {
  if ((s.length !== 16 && s.length !== 32) || !isHexAnyCase(s)) return null;
  const b = hexBytes(s.length === 16 ? '0'.repeat(16) + s : s);
  return allZero(b) ? null : b;
}

function b3SpanId(s) {
  if (s.length !== 16 || !isHexAnyCase(s)) return null;
  const b = hexBytes(s);
  return allZero(b) ? null : b;
}

const B3_STATES = { 0: 'deny', 1: 'accept', d: 'debug' };

function b3Single(v) {
  const bad = () => fail('TW_E_B3', 'b3 value does not match b3-single');
  if (Object.prototype.hasOwnProperty.call(B3_STATES, v)) return { context: null, sampling: B3_STATES[v] };
  const parts = v.split('-');
  if (parts.length < 2 || parts.length > 4) bad();
  const traceId = b3TraceId(parts[0]);
  const spanId = b3SpanId(parts[1]);
  if (traceId === null || spanId === null) bad();
  let sampling = 'defer';
  let rest = parts.slice(2);
  if (rest.length !== 0 && Object.prototype.hasOwnProperty.call(B3_STATES, rest[0])) {
    sampling = B3_STATES[rest[0]];
    rest = rest.slice(1);
  }
  if (rest.length > 1) bad();
  if (rest.length === 1 && (rest[0].length !== 16 || !isHexAnyCase(rest[0]))) bad(); // parent-id: checked, not used
  return { context: { traceId, spanId }, sampling };
}

function b3Multi(fields) {
  const first = (name) => {
    const l = linesOf(fields, name);
    return l.length === 0 ? null : l[0];
  };
  const tid = first('x-b3-traceid');
  const sid = first('x-b3-spanid');
  const sampledText = first('x-b3-sampled');
  const flagsText = first('x-b3-flags');
  let context = null;
  if ((tid === null) !== (sid === null)) fail('TW_E_B3', 'X-B3-TraceId and X-B3-SpanId go together');
  if (tid !== null) {
    const traceId = b3TraceId(tid);
    const spanId = b3SpanId(sid);
    if (traceId === null || spanId === null) fail('TW_E_B3', 'X-B3 ids');
    context = { traceId, spanId };
  }
  let sampling = 'defer';
  if (sampledText !== null) {
    const l = lowerAscii(sampledText);
    if (sampledText === '1' || l === 'true') sampling = 'accept';
    else if (sampledText === '0' || l === 'false') sampling = 'deny';
    else fail('TW_E_B3', 'X-B3-Sampled');
  }
  if (flagsText === '1') sampling = 'debug';
  return { context, sampling };
}

/**
 * §11.5.1, §11.5.2 b3.extract from field lines: {context: {traceId, spanId,
 * traceFlags} or null, sampling: 'accept'|'deny'|'debug'|'defer'}.
 */
function b3Extract(fieldLines) {
  const fields = normaliseFields(fieldLines);
  const single = linesOf(fields, 'b3');
  const r = single.length !== 0 ? b3Single(single[0]) : b3Multi(fields);
  if (r.context !== null) r.context.traceFlags = r.sampling === 'accept' || r.sampling === 'debug' ? SAMPLED : 0;
  return r;
}

/**
 * §11.5.4 b3.inject: field lines for a context; form 'single' (default) or
 * 'multi'. `debug` says whether the header has the hint of §10.8.3. B3 debug
 * implies accept, so it is written only when the sampled flag is set as well;
 * a hint on a trace that is not sampled is written as deny (§10.8.3 rule 7).
 */
function b3Inject(c, debug, form) {
  const flags = checkContextValues(c);
  const tid = tw.formatHex(c.traceId);
  const sid = tw.formatHex(c.spanId);
  const sampled = (flags & SAMPLED) !== 0;
  const state = !sampled ? 'deny' : debug ? 'debug' : 'accept';
  if (form === undefined || form === null || form === 'single') {
    return [['b3', tid + '-' + sid + '-' + { deny: '0', accept: '1', debug: 'd' }[state]]];
  }
  if (form !== 'multi') fail('TW_E_ARG', 'form is single or multi');
  const out = [['x-b3-traceid', tid], ['x-b3-spanid', sid]];
  out.push(state === 'debug' ? ['x-b3-flags', '1'] : ['x-b3-sampled', state === 'accept' ? '1' : '0']);
  return out;
}

/** True when a tracestate carries the debug hint: a `tw` member whose `log` entry is debug or trace (§10.8.3). */
function debugHint(tracestate) {
  let value;
  try {
    value = text.tracestateGet(tracestate, 'tw');
  } catch (e) {
    if (e instanceof tw.TracewireError) return false;
    throw e;
  }
  if (value === null) return false;
  const entries = value.split(';');
  let log = null;
  for (const entry of entries) {
    const m = /^([a-z][a-z0-9]*):([a-z0-9._-]+)$/.exec(entry);
    if (!m) return false;
    if (m[1] === 'log') {
      if (log !== null) return false;
      log = m[2];
    }
  }
  return log === 'debug' || log === 'trace';
}

// ---------------------------------------------------------------------------
// §11.6 Jaeger
// ---------------------------------------------------------------------------

/** "%" and two hex digits is an octet; null when a "%" lacks them. */
function strictPercentDecode(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.length || !isHexAnyCase(s.slice(i + 1, i + 3))) return null;
    out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
    i += 2;
  }
  return out;
}

/** §11.6.1: {traceId, spanId, traceFlags, debug} from an uber-trace-id value, or TW_E_JAEGER. */
function parseUberTraceId(value) {
  const bad = (why) => fail('TW_E_JAEGER', why);
  const d = strictPercentDecode(value);
  if (d === null) bad('bad percent escape');
  const parts = d.split(':');
  if (parts.length !== 4) bad('not four fields');
  const [t, s, p, f] = parts;
  if (t.length < 1 || t.length > 32 || !isHexAnyCase(t)) bad('trace-id');
  if (s.length < 1 || s.length > 16 || !isHexAnyCase(s)) bad('span-id');
  if (p.length < 1 || p.length > 16 || !isHexAnyCase(p)) bad('parent-id');
  if (f.length < 1 || f.length > 2 || !isHexAnyCase(f)) bad('flags');
  const pad = (x, n) => '0'.repeat(n - x.length) + x;
  const traceId = hexBytes(pad(t, 32));
  const spanId = hexBytes(pad(s, 16));
  if (allZero(traceId)) bad('all-zero trace-id');
  if (allZero(spanId)) bad('all-zero span-id');
  const jflags = parseInt(f, 16);
  const debug = (jflags & 0x02) !== 0;
  const sampled = (jflags & 0x01) !== 0 || debug;
  return { traceId, spanId, traceFlags: sampled ? SAMPLED : 0, debug };
}

/** §11.6.2 value decoding: form-decoded, or taken as it is when a "%" lacks two hex digits. */
function formDecode(s) {
  if (strictPercentDecode(s) === null) return s;
  return strictPercentDecode(s.replace(/\+/g, ' '));
}

/**
 * §11.6.2: baggage text (octet string) from uberctx- field lines, or null
 * when they give no member (none present, or every one ignored by step 1).
 */
function baggageFromUberctx(fields) {
  const members = [];
  for (const f of fields) {
    if (!f.name.startsWith('uberctx-')) continue;
    const key = f.name.slice('uberctx-'.length);
    if (key.length === 0) continue;
    if (!text.baggageKeyValid(key)) continue; // not a token: cannot be a baggage member
    members.push(key + '=' + text.baggageEncodeValue(octetBytes(formDecode(f.value))));
  }
  const t = text.limitBaggageMembers(members).text;
  return t.length === 0 ? null : t;
}

/**
 * §11.6 jaeger.extract from field lines: {context, debug, baggage}. It reads
 * the Jaeger fields whatever else the message holds (§11.6.2, last
 * paragraph): a baggage field line does not keep the uberctx- fields out
 * here; that choice is step 4 of the gateway procedure (gatewayExtract).
 */
function jaegerExtract(fieldLines) {
  const fields = normaliseFields(fieldLines);
  const lines = linesOf(fields, 'uber-trace-id');
  let context = null;
  let debug = false;
  if (lines.length !== 0) {
    const r = parseUberTraceId(lines[0]);
    context = { traceId: r.traceId, spanId: r.spanId, traceFlags: r.traceFlags };
    debug = r.debug;
  }
  return { context, debug, baggage: baggageFromUberctx(fields) };
}

const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/** §11.6.3 jaeger.inject: uber-trace-id and one uberctx- line per baggage member. */
function jaegerInject(c, debug, baggage) {
  const out = [];
  if (c !== null && c !== undefined) {
    const flags = checkContextValues(c);
    // Only the sampled bit crosses; Jaeger's debug bit implies sampled, so a
    // hint on a trace that is not sampled is not written (§11.6.3).
    const sampled = (flags & SAMPLED) !== 0;
    const jflags = !sampled ? '00' : debug ? '03' : '01';
    out.push(['uber-trace-id', tw.formatHex(c.traceId) + ':' + tw.formatHex(c.spanId) + ':0:' + jflags]);
  }
  const b = baggage === undefined || baggage === null ? EMPTY : tw.internal.textBytes(baggage, 'baggage');
  if (b.length !== 0) {
    for (const m of text.baggageParts(b)) {
      let v = '';
      for (const o of text.percentDecode(m.rawValue)) {
        const ch = String.fromCharCode(o);
        v += UNRESERVED.test(ch) ? ch : '%' + (o < 16 ? '0' : '') + o.toString(16).toUpperCase();
      }
      out.push(['uberctx-' + lowerAscii(m.key), v]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// §11.7 grpc-trace-bin
// ---------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** §11.7.3: strict standard base64, padded or not, zero unused bits; else TW_E_BASE64. */
function decodeBase64(s) {
  const bad = (why) => fail('TW_E_BASE64', why);
  let data = s;
  let pad = 0;
  while (data.endsWith('=')) {
    data = data.slice(0, -1);
    pad++;
  }
  if (pad > 2) bad('too much padding');
  const rem = data.length % 4;
  if (rem === 1) bad('length of 4n+1');
  if (pad !== 0 && (rem === 0 || rem + pad !== 4)) bad('padding does not complete the last group');
  const out = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < data.length; i++) {
    const v = B64.indexOf(data[i]);
    if (v < 0) bad('not in the base64 alphabet');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) bad('unused bits are not zero');
  return Uint8Array.from(out);
}

/** Unpadded standard base64 (§11.7.4). */
function encodeBase64(bytes) {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      s += B64[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) s += B64[(acc << (6 - bits)) & 63];
  return s;
}

/** §11.7.2 grpc_trace_bin.parse on octets: {traceId, spanId, traceFlags}. */
function parseGrpcTraceBin(bytes) {
  const bad = (why) => fail('TW_E_GRPC_TRACE_BIN', why);
  if (!isBytes(bytes)) fail('TW_E_ARG', 'grpc-trace-bin must be a Uint8Array');
  if (bytes.length < 1 || bytes[0] !== 0x00) bad('version is not 0');
  const layout = [[0, 16], [1, 8], [2, 1]];
  const values = [];
  let pos = 1;
  for (const [id, size] of layout) {
    if (pos >= bytes.length || bytes[pos] !== id) break; // reading stops; the rest is not read
    if (bytes.length - pos - 1 < size) bad('field runs past the end');
    values[id] = bytes.subarray(pos + 1, pos + 1 + size);
    pos += 1 + size;
  }
  if (!values[0] || !values[1]) bad('trace-id and span-id are required');
  if (allZero(values[0]) || allZero(values[1])) bad('all-zero id');
  const options = values[2] ? values[2][0] : 0;
  return { traceId: Uint8Array.from(values[0]), spanId: Uint8Array.from(values[1]), traceFlags: options & SAMPLED };
}

/** §11.7.4 grpc_trace_bin.format: the 29 octets. */
function formatGrpcTraceBin(c) {
  const flags = checkContextValues(c);
  const out = new Uint8Array(29);
  out[0] = 0;
  out[1] = 0;
  out.set(c.traceId, 2);
  out[18] = 1;
  out.set(c.spanId, 19);
  out[27] = 2;
  out[28] = flags & SAMPLED;
  return out;
}

// ---------------------------------------------------------------------------
// §11.8 The JSON form
// ---------------------------------------------------------------------------

const JSON_MAX_DEPTH = 32;

/**
 * A strict RFC 8259 reader over octets, nesting at most 32 deep. Returns
 * the members of the outer object as [name, value] in order; values are
 * {type: 'string'|'number'|'true'|'false'|'null'|'object'|'array', string}.
 */
function readJsonObject(b) {
  let pos = 0;
  const bad = (why) => fail('TW_E_JSON', why + ' at offset ' + pos);
  const ws = () => {
    while (pos < b.length && (b[pos] === 0x20 || b[pos] === 0x09 || b[pos] === 0x0a || b[pos] === 0x0d)) pos++;
  };
  const utf8Length = (c) => (c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0);
  // The code unit of the \uXXXX escape at `at`, or null when it is not one.
  const uEscape = (at) => {
    const h = String.fromCharCode.apply(null, b.subarray(at + 2, at + 6));
    return h.length === 4 && isHexAnyCase(h) ? parseInt(h, 16) : null;
  };
  const readString = () => {
    pos++; // opening quote
    let s = '';
    for (;;) {
      if (pos >= b.length) bad('unterminated string');
      const c = b[pos];
      if (c === 0x22) {
        pos++;
        return s;
      }
      if (c < 0x20) bad('unescaped control character');
      if (c === 0x5c) {
        const e = b[pos + 1];
        const simple = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
        if (e !== undefined && Object.prototype.hasOwnProperty.call(simple, e)) {
          s += simple[e];
          pos += 2;
          continue;
        }
        if (e !== 0x75) bad('invalid escape');
        const u = uEscape(pos);
        if (u === null) bad('invalid \\u escape');
        // §11.8.1 stage 1: a surrogate escape is valid only as a high half
        // immediately followed by an escape of the low half. A lone half, or
        // a pair in the wrong order, is TW_E_JSON in any string of the text.
        if (u >= 0xdc00 && u <= 0xdfff) bad('lone low surrogate escape');
        if (u >= 0xd800 && u <= 0xdbff) {
          const low = b[pos + 6] === 0x5c && b[pos + 7] === 0x75 ? uEscape(pos + 6) : null;
          if (low === null || low < 0xdc00 || low > 0xdfff) bad('lone high surrogate escape');
          s += String.fromCharCode(u, low);
          pos += 12;
          continue;
        }
        s += String.fromCharCode(u);
        pos += 6;
        continue;
      }
      if (c < 0x80) {
        s += String.fromCharCode(c);
        pos++;
        continue;
      }
      // One well-formed UTF-8 sequence (no overlong form, surrogate or value above U+10FFFF).
      const n = utf8Length(c);
      if (n === 0 || pos + n > b.length) bad('invalid UTF-8');
      let lo = 0x80;
      let hi = 0xbf;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
      else if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
      let cp = c & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
      for (let k = 1; k < n; k++) {
        const d = b[pos + k];
        if (d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) bad('invalid UTF-8');
        cp = cp * 64 + (d & 0x3f);
      }
      s += String.fromCodePoint(cp);
      pos += n;
    }
  };
  const readNumber = () => {
    const start = pos;
    const digits = () => {
      const s0 = pos;
      while (pos < b.length && b[pos] >= 0x30 && b[pos] <= 0x39) pos++;
      return pos - s0;
    };
    if (b[pos] === 0x2d) pos++;
    if (b[pos] === 0x30) pos++;
    else if (digits() === 0) bad('invalid number');
    if (b[pos] === 0x2e) {
      pos++;
      if (digits() === 0) bad('invalid number');
    }
    if (b[pos] === 0x65 || b[pos] === 0x45) {
      pos++;
      if (b[pos] === 0x2b || b[pos] === 0x2d) pos++;
      if (digits() === 0) bad('invalid number');
    }
    return String.fromCharCode.apply(null, b.subarray(start, pos));
  };
  const literal = (word) => {
    for (let i = 0; i < word.length; i++) if (b[pos + i] !== word.charCodeAt(i)) bad('invalid literal');
    pos += word.length;
  };
  // Reads one value at depth `depth` (the depth of the value's own container
  // if it is one). `members`, when given, collects the members of an object.
  const readValue = (depth, members) => {
    ws();
    if (pos >= b.length) bad('value expected');
    const c = b[pos];
    if (c === 0x7b || c === 0x5b) {
      if (depth > JSON_MAX_DEPTH) bad('nesting deeper than 32');
      const isObject = c === 0x7b;
      const close = isObject ? 0x7d : 0x5d;
      pos++;
      ws();
      if (b[pos] === close) {
        pos++;
        return { type: isObject ? 'object' : 'array' };
      }
      for (;;) {
        if (isObject) {
          ws();
          if (b[pos] !== 0x22) bad('member name expected');
          const name = readString();
          ws();
          if (b[pos] !== 0x3a) bad('":" expected');
          pos++;
          const v = readValue(depth + 1, null);
          if (members) members.push([name, v]);
        } else {
          readValue(depth + 1, null);
        }
        ws();
        if (b[pos] === 0x2c) {
          pos++;
          continue;
        }
        if (b[pos] === close) {
          pos++;
          return { type: isObject ? 'object' : 'array' };
        }
        bad('"," or end of container expected');
      }
    }
    if (c === 0x22) return { type: 'string', string: readString() };
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return { type: 'number', string: readNumber() };
    for (const word of ['true', 'false', 'null']) {
      if (c === word.charCodeAt(0)) {
        literal(word);
        return { type: word };
      }
    }
    return bad('value expected');
  };
  ws();
  if (b[pos] !== 0x7b) bad('not a JSON object');
  const members = [];
  readValue(1, members);
  ws();
  if (pos !== b.length) bad('text after the object');
  return members;
}

const JSON_KEYS = ['trace_id', 'span_id', 'trace_flags', 'correlation_id', 'tracestate', 'baggage'];

/**
 * §11.8.1 json.parse: {header, discardedTracestate, discardedBaggage}, the
 * header as decodeHeader gives it (without unknown fields).
 */
function parseJsonForm(input) {
  const b = tw.internal.textBytes(input, 'JSON text');
  const members = readJsonObject(b); // stage 1
  // Stage 2.
  const seen = new Set();
  const v = { traceId: EMPTY, spanId: EMPTY, traceFlags: 0, correlationId: EMPTY, tracestate: EMPTY, baggage: EMPTY };
  for (const [name, value] of members) {
    if (!JSON_KEYS.includes(name)) continue;
    if (seen.has(name)) fail('TW_E_JSON_FIELD', name + ' appears twice');
    seen.add(name);
    if (value.type === 'null' || (value.type === 'string' && value.string === '')) continue;
    if (value.type !== 'string') fail('TW_E_JSON_FIELD', name + ' is not a string');
    const s = value.string;
    switch (name) {
      case 'trace_id':
        if (!/^[0-9a-f]{32}$/.test(s)) fail('TW_E_JSON_FIELD', 'trace_id');
        v.traceId = hexBytes(s);
        break;
      case 'span_id':
        if (!/^[0-9a-f]{16}$/.test(s)) fail('TW_E_JSON_FIELD', 'span_id');
        v.spanId = hexBytes(s);
        break;
      case 'trace_flags':
        if (!/^[0-9a-f]{2}$/.test(s)) fail('TW_E_JSON_FIELD', 'trace_flags');
        v.traceFlags = parseInt(s, 16);
        break;
      case 'correlation_id':
        try {
          v.correlationId = tw.parseUuid(s);
        } catch (e) {
          if (e instanceof tw.TracewireError) fail('TW_E_JSON_FIELD', 'correlation_id');
          throw e;
        }
        break;
      case 'tracestate':
        v.tracestate = utf8Encoder.encode(s);
        if (v.tracestate.length > TS_MAX_LEN) fail('TW_E_TOO_LONG', 'tracestate over 4096 octets');
        break;
      default:
        v.baggage = utf8Encoder.encode(s);
        if (v.baggage.length > BG_MAX_LEN) fail('TW_E_TOO_LONG', 'baggage over 8192 octets');
    }
  }
  // Stage 3: the final-value rules of §4.4.5, then §4.5.
  if ((v.traceId.length !== 0) !== (v.spanId.length !== 0)) fail('TW_E_CONTEXT', 'trace_id without span_id or the reverse');
  if (v.traceId.length === 0 && (v.traceFlags !== 0 || v.tracestate.length !== 0)) {
    fail('TW_E_CONTEXT', 'flags or tracestate without trace context');
  }
  if (v.traceId.length !== 0 && allZero(v.traceId)) fail('TW_E_ZERO_ID', 'trace_id');
  if (v.spanId.length !== 0 && allZero(v.spanId)) fail('TW_E_ZERO_ID', 'span_id');
  if (v.correlationId.length !== 0 && allZero(v.correlationId)) fail('TW_E_ZERO_ID', 'correlation_id');
  let discardedTracestate = false;
  let discardedBaggage = false;
  if (v.tracestate.length !== 0 && scanTracestate(v.tracestate, false, null) !== undefined) {
    v.tracestate = EMPTY;
    discardedTracestate = true;
  }
  if (v.baggage.length !== 0 && tw.baggageStatus(v.baggage) !== undefined) {
    v.baggage = EMPTY;
    discardedBaggage = true;
  }
  v.unknown = [];
  return { header: v, discardedTracestate, discardedBaggage };
}

/** RFC 8259 escaping and no more (§11.8.2). */
function jsonString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) out += '\\u00' + hex2(c);
    else out += s[i];
  }
  return out + '"';
}

/**
 * §11.8.2 json.format: header values to the JSON form. The header is first
 * checked as an encoder checks it (§4.3.2 checks 2 to 8, in their order;
 * check 1 is this interface's own usage check), and a header that fails
 * gives that check's status and no text. Check 9 (the encoded size) is not
 * one of them. Unknown fields are checked by check 8 but never written.
 */
function formatJsonForm(h) {
  if (h === null || typeof h !== 'object') fail('TW_E_ARG', 'header must be an object');
  const { v } = tw.internal.checkValues(h);
  const parts = [];
  if (v.traceId.length !== 0) {
    parts.push('"trace_id":' + jsonString(tw.formatHex(v.traceId)));
    parts.push('"span_id":' + jsonString(tw.formatHex(v.spanId)));
    parts.push('"trace_flags":' + jsonString(hex2(v.traceFlags)));
  }
  if (v.correlationId.length !== 0) parts.push('"correlation_id":' + jsonString(tw.formatUuid(v.correlationId)));
  // Text that passed checks 6 and 7 is ASCII, so its octets are its characters.
  if (v.tracestate.length !== 0) parts.push('"tracestate":' + jsonString(tw.internal.octetsToString(v.tracestate)));
  if (v.baggage.length !== 0) parts.push('"baggage":' + jsonString(tw.internal.octetsToString(v.baggage)));
  return '{' + parts.join(',') + '}';
}

// ---------------------------------------------------------------------------
// §11.9 Consistent probability sampling
// ---------------------------------------------------------------------------

/**
 * The entries of an ot value as [[key, val], ...], or null when the value
 * breaks the grammar of §11.9.1 or repeats a key.
 */
function otEntries(value) {
  const entries = [];
  const keys = new Set();
  for (const entry of value.split(';')) {
    const m = /^([a-z][a-z0-9]*):([A-Za-z0-9._-]*)$/.exec(entry);
    if (!m || keys.has(m[1])) return null;
    keys.add(m[1]);
    entries.push([m[1], m[2]]);
  }
  return entries;
}

/** The ot member's value of a valid tracestate, or null. */
function otValue(tracestate) {
  try {
    return text.tracestateGet(tracestate, 'ot');
  } catch (e) {
    if (e instanceof tw.TracewireError) return null; // an invalid list gives nothing
    throw e;
  }
}

/** §11.9.2 sampling.ot.parse: {th, threshold, rv}, each a string or null. */
function parseOt(tracestate) {
  const none = { th: null, threshold: null, rv: null };
  const value = otValue(tracestate);
  if (value === null) return none;
  const entries = otEntries(value);
  if (entries === null) return none;
  const r = { th: null, threshold: null, rv: null };
  for (const [k, val] of entries) {
    if (k === 'th' && /^[0-9a-f]{1,14}$/.test(val)) {
      r.th = val;
      r.threshold = val + '0'.repeat(14 - val.length);
    }
    if (k === 'rv' && /^[0-9a-f]{14}$/.test(val)) r.rv = val;
  }
  return r;
}

function checkThreshold(t) {
  if (typeof t !== 'string' || !/^[0-9a-f]{14}$/.test(t)) fail('TW_E_ARG', 'a threshold is 14 lower-case hex digits');
}

/** §11.9.4 sampling.ot.set_th: the tracestate with the threshold `threshold` (14 hex digits) recorded. */
function setOtThreshold(tracestate, threshold) {
  checkThreshold(threshold);
  const th = threshold.replace(/0+$/, '') || '0';
  const old = otValue(tracestate);
  const entries = old === null ? null : otEntries(old);
  let value = 'th:' + th;
  if (entries !== null) for (const [k, val] of entries) if (k !== 'th') value += ';' + k + ':' + val;
  return text.tracestatePut(tracestate, 'ot', value);
}

/**
 * §11.9.3 sampling.decide: {r, sampled}; r is 14 hex digits or null, sampled
 * true/false or null when R or T is unknown. `threshold` (14 hex digits) is
 * the one the peer applies, or null to use th.
 */
function decideSampling(traceId, traceFlags, tracestate, threshold) {
  const ot = parseOt(tracestate);
  let r = ot.rv;
  if (r === null && (traceFlags & RANDOM) !== 0) {
    if (!isBytes(traceId) || traceId.length !== 16) fail('TW_E_ARG', 'trace-id must be 16 bytes');
    r = tw.formatHex(traceId.subarray(9, 16));
  }
  let t = ot.threshold;
  if (threshold !== undefined && threshold !== null) {
    checkThreshold(threshold);
    t = threshold;
  }
  const sampled = r === null || t === null ? null : r >= t; // same-length lower-case hex compares as numbers
  return { r, sampled };
}

// ---------------------------------------------------------------------------
// §11.10 The gateway procedure
// ---------------------------------------------------------------------------

/**
 * §11.10.1 gateway.extract from field lines. Returns {header, source,
 * rejected}: header is decoded-header values or null when nothing was
 * extracted, source 'traceparent'|'b3'|'jaeger'|'grpc-trace-bin'|null,
 * rejected a list of {field, code} for fields treated as absent (§11.4.5).
 */
function gatewayExtract(fieldLines) {
  const fields = normaliseFields(fieldLines);
  const rejected = [];
  const h = { traceId: EMPTY, spanId: EMPTY, traceFlags: 0, correlationId: EMPTY, tracestate: EMPTY, baggage: EMPTY, unknown: [] };
  let source = null;
  const attempt = (field, f) => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof tw.TracewireError)) throw e;
      rejected.push({ field, code: e.code });
      return null;
    }
  };
  const useContext = (c, debug, from) => {
    h.traceId = c.traceId;
    h.spanId = c.spanId;
    h.traceFlags = c.traceFlags;
    if (debug) h.tracestate = octetBytes(text.tracestatePut('', DEBUG_MEMBER.key, DEBUG_MEMBER.value));
    source = from;
  };
  // Step 2: traceparent, and with it tracestate.
  const tp = linesOf(fields, 'traceparent');
  if (tp.length > 1) rejected.push({ field: 'traceparent', code: 'TW_E_TRACEPARENT' });
  if (tp.length === 1) {
    const c = attempt('traceparent', () => parseTraceparent(tp[0]));
    if (c !== null) {
      useContext(c, false, 'traceparent');
      h.tracestate = octetBytes(tracestateFromLines(linesOf(fields, 'tracestate')));
    }
  }
  // Step 3: the other formats, in order, only without a traceparent context.
  if (source === null) {
    const b3 = attempt('b3', () => b3Extract(fieldLines));
    if (b3 !== null && b3.context !== null) useContext(b3.context, b3.sampling === 'debug', 'b3');
  }
  if (source === null) {
    const lines = linesOf(fields, 'uber-trace-id');
    if (lines.length !== 0) {
      const j = attempt('uber-trace-id', () => parseUberTraceId(lines[0]));
      if (j !== null) useContext(j, j.debug, 'jaeger');
    }
  }
  if (source === null) {
    const lines = linesOf(fields, 'grpc-trace-bin');
    if (lines.length > 1 || (lines.length === 1 && lines[0].includes(','))) {
      rejected.push({ field: 'grpc-trace-bin', code: 'TW_E_GRPC_TRACE_BIN' });
    } else if (lines.length === 1) {
      const g = attempt('grpc-trace-bin', () => parseGrpcTraceBin(decodeBase64(lines[0])));
      if (g !== null) useContext(g, false, 'grpc-trace-bin');
    }
  }
  // Step 4: baggage, or else uberctx-.
  const bl = linesOf(fields, 'baggage');
  if (bl.length !== 0) {
    const r = baggageFromLines(bl);
    if (r.dropped !== 0) rejected.push({ field: 'baggage', code: 'TW_E_BAGGAGE', dropped: r.dropped });
    h.baggage = octetBytes(r.text);
  } else {
    const u = baggageFromUberctx(fields);
    if (u !== null) h.baggage = octetBytes(u);
  }
  // Step 5: correlation-id.
  const cl = linesOf(fields, 'tracewire-correlation-id');
  if (cl.length !== 0) {
    const id = correlationIdFromLines(cl);
    if (id === null) rejected.push({ field: 'tracewire-correlation-id', code: 'TW_E_UUID_TEXT' });
    else h.correlationId = id;
  }
  // Step 6.
  const empty = h.traceId.length === 0 && h.baggage.length === 0 && h.correlationId.length === 0;
  return { header: empty ? null : h, source, rejected };
}

/**
 * §11.10.3 inject into a text carrier: traceparent, tracestate, baggage and
 * tracewire-correlation-id, each only when the header has it. With
 * `newSpanId` the gateway participates (§11.10.2) and writes its own span-id.
 */
function gatewayInject(h, newSpanId) {
  const out = [];
  if (h === null || h === undefined) return out;
  if (h.traceId && h.traceId.length !== 0) {
    const spanId = newSpanId === undefined || newSpanId === null ? h.spanId : newSpanId;
    out.push(['traceparent', formatTraceparent({ traceId: h.traceId, spanId, traceFlags: h.traceFlags || 0 })]);
    if (h.tracestate && h.tracestate.length !== 0) out.push(['tracestate', tw.internal.octetsToString(h.tracestate)]);
  }
  if (h.baggage && h.baggage.length !== 0) out.push(['baggage', tw.internal.octetsToString(h.baggage)]);
  if (h.correlationId && h.correlationId.length !== 0) out.push(['tracewire-correlation-id', tw.formatUuid(h.correlationId)]);
  return out;
}

module.exports = {
  parseTraceparent,
  formatTraceparent,
  tracestateFromLines,
  b3Extract,
  b3Inject,
  debugHint,
  jaegerExtract,
  jaegerInject,
  parseUberTraceId,
  decodeBase64,
  encodeBase64,
  parseGrpcTraceBin,
  formatGrpcTraceBin,
  parseJsonForm,
  formatJsonForm,
  parseOt,
  setOtThreshold,
  decideSampling,
  gatewayExtract,
  gatewayInject,
};
