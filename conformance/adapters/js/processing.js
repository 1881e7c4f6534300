// SPDX-License-Identifier: Apache-2.0
// tracewire-js processing model: relay edits on encoded bytes, frame budget, trust-boundary restart, response classification (spec chapter 10).
'use strict';

const tw = require('./tracewire.js');
const text = require('./textops.js');

const { fail, EMPTY, allZero, isBytes, readField, varintSize, writeVarint, checkValues, encodedSize, writeMessage } = tw.internal;

const HEADER_MAX_LEN = tw.LIMITS.HEADER_MAX_LEN;
const { SAMPLED, RANDOM } = tw.FLAGS;
const { F_SPAN_ID, F_TRACE_FLAGS, F_CORRELATION_ID, F_TRACESTATE } = tw.internal;

function latin1Bytes(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function concat(chunks) {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Every field of a message, read with the structure rules of §4.4.3 (no occurrence or final-value rules). */
function readFields(msg) {
  if (msg.length > HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'message over 16384 bytes');
  const fields = [];
  let pos = 0;
  while (pos < msg.length) {
    const f = readField(msg, pos, msg.length);
    fields.push(f);
    pos = f.end;
  }
  return fields;
}

function checkSpanId(n, what) {
  if (!isBytes(n) || n.length !== tw.LIMITS.SPAN_ID_LEN) fail('TW_E_ARG', what + ' must be 8 bytes');
}

// ---------------------------------------------------------------------------
// §10.4.1 Rewriting the span-id in place
// ---------------------------------------------------------------------------

/**
 * Returns a copy of the message `msg` with the payload of its last span_id
 * occurrence replaced by `newSpanId` (§10.4.1). Nothing else changes.
 */
function setSpanId(msg, newSpanId) {
  if (!isBytes(msg)) fail('TW_E_ARG', 'message must be a Uint8Array');
  checkSpanId(newSpanId, 'new span-id');
  // Step 1.
  if (allZero(newSpanId)) fail('TW_E_ZERO_ID', 'new span-id is all zero');
  // Step 2.
  let last = null;
  for (const f of readFields(msg)) if (f.fieldNumber === F_SPAN_ID) last = f;
  // Step 3.
  if (last === null || last.payloadEnd - last.payloadStart !== tw.LIMITS.SPAN_ID_LEN) {
    fail('TW_E_CONTEXT', 'no 8-byte span_id occurrence to rewrite');
  }
  // Step 4.
  const out = Uint8Array.from(msg);
  out.set(newSpanId, last.payloadStart);
  return out;
}

// ---------------------------------------------------------------------------
// §10.4.2 Editing a header
// ---------------------------------------------------------------------------

function lenField(tag, bytes) {
  const out = new Uint8Array(1 + varintSize(bytes.length) + bytes.length);
  out[0] = tag;
  const pos = writeVarint(out, 1, bytes.length);
  out.set(bytes, pos);
  return out;
}

function flagsField(flags) {
  const out = new Uint8Array(1 + varintSize(flags));
  out[0] = 0x18;
  writeVarint(out, 1, flags);
  return out;
}

/**
 * Edits the message `msg` (§10.4.2). `edit` has the optional keys
 * `spanId` (8 bytes), `flagsSet` and `flagsClear` (integers, only the
 * sampled bit allowed) and `tracestatePut` ({key, value} strings).
 * Returns the new message bytes.
 */
function editHeader(msg, edit) {
  if (!isBytes(msg)) fail('TW_E_ARG', 'message must be a Uint8Array');
  const e = edit || {};
  const spanId = e.spanId === undefined || e.spanId === null ? null : e.spanId;
  if (spanId !== null) checkSpanId(spanId, 'new span-id');
  const set = e.flagsSet === undefined ? 0 : e.flagsSet;
  const clear = e.flagsClear === undefined ? 0 : e.flagsClear;
  for (const m of [set, clear]) {
    if (!Number.isInteger(m) || m < 0 || m > 0xff) fail('TW_E_ARG', 'flag masks are integers from 0 to 255');
  }
  const put = e.tracestatePut === undefined || e.tracestatePut === null ? null : e.tracestatePut;
  // Check 1: usage.
  if (((set | clear) & ~SAMPLED) !== 0) fail('TW_E_ARG', 'a relay changes only the sampled flag');
  if (((set | clear) & SAMPLED) !== 0 && spanId === null) fail('TW_E_ARG', 'a sampled change needs a new span-id');
  // Check 2.
  if (spanId !== null && allZero(spanId)) fail('TW_E_ZERO_ID', 'new span-id is all zero');
  // Check 3.
  if (put !== null && (!text.tracestateKeyValid(put.key) || !text.tracestateValueValid(put.value))) {
    fail('TW_E_TRACESTATE', 'member to put');
  }
  // Check 4.
  const decoded = tw.decodeHeader(msg);
  const h = decoded.header;
  const named = new Set();
  if (spanId !== null) named.add(F_SPAN_ID);
  if (set !== 0 || clear !== 0) named.add(F_TRACE_FLAGS);
  if (put !== null) named.add(F_TRACESTATE);
  // Check 5.
  if (named.size !== 0 && h.traceId.length === 0) fail('TW_E_CONTEXT', 'the header carries no trace context');
  if (named.size === 0) return Uint8Array.from(msg);

  // New values of the named fields, as canonical encodings (null: default, not written).
  const encoded = new Map();
  if (named.has(F_SPAN_ID)) encoded.set(F_SPAN_ID, lenField(0x12, spanId));
  if (named.has(F_TRACE_FLAGS)) {
    const flags = ((h.traceFlags | set) & ~clear) >>> 0;
    encoded.set(F_TRACE_FLAGS, flags === 0 ? null : flagsField(flags));
  }
  if (named.has(F_TRACESTATE)) {
    const ts = text.tracestatePut(h.tracestate, put.key, put.value);
    encoded.set(F_TRACESTATE, lenField(0x2a, latin1Bytes(ts)));
  }

  // Output, occurrence by occurrence (§10.4.2 output rules 1 and 2).
  const fields = readFields(msg);
  const lastIndex = new Map();
  fields.forEach((f, i) => lastIndex.set(f.fieldNumber, i));
  const chunks = [];
  let spanAt = -1; // chunk index of the last span_id occurrence in the output
  let flagsAt = -1; // chunk index of the last trace_flags field in the output
  let corrAt = -1; // chunk index of the last correlation_id occurrence
  fields.forEach((f, i) => {
    const fn = f.fieldNumber;
    if (named.has(fn)) {
      if (i !== lastIndex.get(fn)) return; // earlier occurrences of a named field are left out
      const enc = encoded.get(fn);
      if (enc === null) return; // default value: left out too
      chunks.push(enc);
    } else {
      chunks.push(msg.subarray(f.start, f.end));
    }
    const at = chunks.length - 1;
    if (fn === F_SPAN_ID && i === lastIndex.get(fn)) spanAt = at;
    if (fn === F_TRACE_FLAGS) flagsAt = at;
    if (fn === F_CORRELATION_ID && i === lastIndex.get(fn)) corrAt = at;
  });

  // Output rule 3: named fields without any occurrence are inserted.
  const insertAfter = (at, chunk) => {
    chunks.splice(at + 1, 0, chunk);
    if (spanAt > at) spanAt++;
    if (flagsAt > at) flagsAt++;
    if (corrAt > at) corrAt++;
    return at + 1;
  };
  if (named.has(F_TRACE_FLAGS) && !lastIndex.has(F_TRACE_FLAGS) && encoded.get(F_TRACE_FLAGS) !== null) {
    flagsAt = insertAfter(spanAt, encoded.get(F_TRACE_FLAGS));
  }
  if (named.has(F_TRACESTATE) && !lastIndex.has(F_TRACESTATE)) {
    const at = corrAt >= 0 ? corrAt : flagsAt >= 0 ? flagsAt : spanAt;
    insertAfter(at, encoded.get(F_TRACESTATE));
  }

  const out = concat(chunks);
  // Output rule 4.
  if (out.length > HEADER_MAX_LEN) fail('TW_E_TOO_LONG', 'edited header over 16384 bytes');
  return out;
}

// ---------------------------------------------------------------------------
// §10.6 Frame budget
// ---------------------------------------------------------------------------

/**
 * Encodes header values within `budget` octets by the drop order of
 * §10.6.2. Returns {message, dropped}, where `dropped` lists the steps that
 * removed something: 'baggage', 'tracestate', 'unknown', 'context',
 * 'correlation_id', in that order.
 */
function encodeWithinBudget(values, budget) {
  const { v } = checkValues(values); // §4.3.2 checks 1 to 8: an invalid header is refused
  if (typeof budget !== 'number' || Number.isNaN(budget)) fail('TW_E_ARG', 'budget must be a number');
  const limit = Math.min(Math.max(budget, 0), HEADER_MAX_LEN);
  const cur = Object.assign({}, v, { unknown: v.unknown.slice() });
  const dropped = [];
  const size = () => encodedSize(cur);

  // Step 2: baggage.
  if (size() > limit && cur.baggage.length !== 0) {
    const members = text.baggageNormalMembers(cur.baggage);
    const write = () => {
      cur.baggage = latin1Bytes(members.join(','));
    };
    write();
    let removed = false;
    while (size() > limit && members.length !== 0) {
      members.pop();
      removed = true;
      write();
    }
    if (removed) dropped.push('baggage');
  }
  // Step 3: tracestate.
  if (size() > limit && cur.tracestate.length !== 0) {
    const members = text.tracestateMemberList(cur.tracestate, false);
    const write = () => {
      cur.tracestate = latin1Bytes(text.joinMembers(members));
    };
    write();
    let removed = false;
    while (size() > limit && members.length !== 0) {
      text.dropOneMember(members);
      removed = true;
      write();
    }
    if (removed) dropped.push('tracestate');
  }
  // Step 4: unknown fields, last first.
  if (size() > limit && cur.unknown.length !== 0) {
    while (size() > limit && cur.unknown.length !== 0) cur.unknown.pop();
    dropped.push('unknown');
  }
  // Step 5: trace context.
  if (size() > limit && cur.traceId.length !== 0) {
    cur.traceId = EMPTY;
    cur.spanId = EMPTY;
    cur.traceFlags = 0;
    cur.tracestate = EMPTY;
    dropped.push('context');
  }
  // Step 6: correlation-id.
  if (size() > limit && cur.correlationId.length !== 0) {
    cur.correlationId = EMPTY;
    dropped.push('correlation_id');
  }
  const out = new Uint8Array(size());
  writeMessage(out, 0, cur);
  return { message: out, dropped };
}

// ---------------------------------------------------------------------------
// §10.7.2 Entering a trust domain: restart and link
// ---------------------------------------------------------------------------

/**
 * Restarts the trace of a received header `h` (decoded values) at a trust
 * boundary (§10.7.2). `sampled` is the local decision, `random` the random
 * source (as for tw.generateTraceId), `baggageAllow` an array of keys or
 * null/undefined for no allow-list. Returns {header, link}, link being
 * {traceId, spanId, traceFlags} of the received context, or null.
 */
function trustRestart(h, sampled, random, baggageAllow) {
  if (h === null || typeof h !== 'object') fail('TW_E_ARG', 'header must be an object');
  // Steps 1 and 2: trace-id, then span-id, from the same source.
  const traceId = tw.generateTraceId(random);
  const spanId = tw.generateSpanId(random);
  const receivedTraceId = h.traceId || EMPTY;
  const header = {
    traceId,
    spanId,
    // Step 3.
    traceFlags: RANDOM | (sampled ? SAMPLED : 0),
    // Step 6.
    correlationId: h.correlationId || EMPTY,
    // Step 4: no tracestate, no unknown fields.
    tracestate: EMPTY,
    // Step 5.
    baggage: EMPTY,
    unknown: [],
  };
  if (baggageAllow !== undefined && baggageAllow !== null) {
    header.baggage = latin1Bytes(text.baggageFilter(h.baggage || EMPTY, baggageAllow));
  }
  // Step 7.
  const link = receivedTraceId.length !== 0
    ? { traceId: receivedTraceId, spanId: h.spanId || EMPTY, traceFlags: h.traceFlags || 0 }
    : null;
  return { header, link };
}

// ---------------------------------------------------------------------------
// §10.10 The response direction
// ---------------------------------------------------------------------------

/**
 * Classifies a response context against the request context (decoded
 * values, or null for a header that is absent or failed to decode).
 * Returns {relation: 'none'|'continued'|'restarted', sampledUpgrade}.
 */
function classifyResponse(request, response) {
  const hasContext = (h) => h !== null && h !== undefined && h.traceId !== undefined && h.traceId.length !== 0;
  const sampled = (h) => hasContext(h) && ((h.traceFlags || 0) & SAMPLED) !== 0;
  let relation;
  if (!hasContext(response)) relation = 'none';
  else if (hasContext(request) && tw.internal.bytesEqual(request.traceId, response.traceId)) relation = 'continued';
  else relation = 'restarted';
  return { relation, sampledUpgrade: sampled(response) && !sampled(request) };
}

module.exports = {
  setSpanId,
  editHeader,
  encodeWithinBudget,
  trustRestart,
  classifyResponse,
};
