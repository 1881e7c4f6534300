// SPDX-License-Identifier: Apache-2.0
// tracewire-js list operations on tracestate and baggage text: reading, editing, truncating, filtering (spec §10.7.4, §11.2, §11.3).
'use strict';

const tw = require('./tracewire.js');

const {
  fail, textBytes, octetsToString, isOws, isTchar, isBaggageOctet, isLcalphaOrDigit, isTracestateKeyChar,
  isTracestateChr, isTracestateNblkChr, splitPieces, scanTracestate, baggageMemberValid,
} = tw.internal;

const TS_MAX_LEN = tw.LIMITS.TRACESTATE_MAX_LEN;
const TS_MAX_MEMBERS = tw.LIMITS.TRACESTATE_MAX_MEMBERS;
const BG_MAX_LEN = tw.LIMITS.BAGGAGE_MAX_LEN;
const BG_MAX_MEMBERS = tw.LIMITS.BAGGAGE_MAX_MEMBERS;
const LONG_MEMBER = 128; // §11.2.4 step 3: members longer than this go first

// ---------------------------------------------------------------------------
// tracestate (§11.2)
// ---------------------------------------------------------------------------

/**
 * The members of a tracestate text as [{key, value}], after the checks of
 * §4.2.5 (check 1 only when `checkLength`). Throws the first failing check.
 */
function tracestateMemberList(text, checkLength) {
  const b = textBytes(text, 'tracestate');
  const members = [];
  const st = scanTracestate(b, checkLength, members);
  if (st) fail(st, 'tracestate');
  return members.map((m) => ({ key: m.key, value: m.value }));
}

/** §11.2.2 tracestate.members: the members of a valid text, in order. */
function tracestateMembers(text) {
  return tracestateMemberList(text, true);
}

/** §11.2.2 tracestate.get: the value of the member with `key`, or null. */
function tracestateGet(text, key) {
  const members = tracestateMembers(text);
  for (const m of members) if (m.key === key) return m.value;
  return null;
}

/** True when `key` (a string) matches the key grammar of §4.2.5. */
function tracestateKeyValid(key) {
  const b = textBytes(key, 'key');
  if (b.length < 1 || b.length > 256 || !isLcalphaOrDigit(b[0])) return false;
  for (let i = 1; i < b.length; i++) if (!isTracestateKeyChar(b[i])) return false;
  return true;
}

/** True when `value` (a string) matches the value grammar of §4.2.5. */
function tracestateValueValid(value) {
  const b = textBytes(value, 'value');
  if (b.length < 1 || b.length > 256) return false;
  for (let i = 0; i < b.length - 1; i++) if (!isTracestateChr(b[i])) return false;
  return isTracestateNblkChr(b[b.length - 1]);
}

function joinMembers(members) {
  return members.map((m) => m.key + '=' + m.value).join(',');
}

function memberLength(m) {
  return m.key.length + 1 + m.value.length;
}

function joinedLength(members) {
  let n = members.length === 0 ? 0 : members.length - 1;
  for (const m of members) n += memberLength(m);
  return n;
}

/**
 * Removes one member in the W3C truncation order of §11.2.4 step 3 (changed
 * in place): the right-most member longer than 128 octets (key, "=" and
 * value), or else the right-most member.
 */
function dropOneMember(members) {
  for (let i = members.length - 1; i >= 0; i--) {
    if (memberLength(members[i]) > LONG_MEMBER) {
      members.splice(i, 1);
      return;
    }
  }
  members.pop();
}

/**
 * §11.2.4 step 3 on a member array (changed in place): while the joined list
 * is longer than `budget`, drop one member as dropOneMember does. Stops as
 * soon as the list fits. Returns the number of members dropped.
 */
function truncateMembers(members, budget) {
  let dropped = 0;
  while (members.length > 0 && joinedLength(members) > budget) {
    dropOneMember(members);
    dropped++;
  }
  return dropped;
}

/** §11.2.4 tracestate.truncate: whole members dropped until `budget` octets fit. */
function tracestateTruncate(text, budget) {
  const members = tracestateMemberList(text, false);
  truncateMembers(members, budget);
  return joinMembers(members);
}

/**
 * §11.2.3 tracestate.put: `key=value` at the front, the other members of
 * `text` after it. An input that fails checks 2 or 3 of §4.2.5 is discarded.
 */
function tracestatePut(text, key, value) {
  if (!tracestateKeyValid(key) || !tracestateValueValid(value)) fail('TW_E_TRACESTATE', 'member to put');
  let old;
  try {
    old = tracestateMemberList(text, false);
  } catch (e) {
    if (!(e instanceof tw.TracewireError)) throw e;
    old = [];
  }
  const fresh = { key, value };
  let rest = old.filter((m) => m.key !== key);
  // Step 4: a 33rd member evicts the right-most one.
  if (rest.length + 1 > TS_MAX_MEMBERS) rest = rest.slice(0, TS_MAX_MEMBERS - 1);
  // Step 5: the others are truncated to what is left of 4096 octets.
  if (joinedLength([fresh].concat(rest)) > TS_MAX_LEN) truncateMembers(rest, TS_MAX_LEN - memberLength(fresh) - 1);
  return joinMembers([fresh].concat(rest));
}

/**
 * Normal form of a tracestate text that passed checks 2 and 3: its members
 * joined with single commas, no OWS, no empty members (§10.6.2 step 3).
 */
function tracestateNormalForm(text) {
  return joinMembers(tracestateMemberList(text, false));
}

/** §10.7.4 tracestate allow-list filter. */
function tracestateFilter(text, allow) {
  const b = textBytes(text, 'tracestate');
  if (b.length === 0) return '';
  const members = tracestateMemberList(b, true);
  const keep = new Set(allow);
  return joinMembers(members.filter((m) => keep.has(m.key)));
}

// ---------------------------------------------------------------------------
// baggage (§11.3)
// ---------------------------------------------------------------------------

/**
 * The list-members of a baggage text (bytes), each without the OWS around
 * it, as latin-1 strings, with their `key` (the token before OWS and "=")
 * and the byte ranges of the value and of the text after the first ";".
 * Does not check the grammar: call it on valid text, or on one piece.
 */
function baggageMemberParts(b, s, e) {
  while (s < e && isOws(b[s])) s++;
  while (e > s && isOws(b[e - 1])) e--;
  let i = s;
  while (i < e && isTchar(b[i])) i++;
  const keyEnd = i;
  while (i < e && isOws(b[i])) i++;
  i++; // "="
  while (i < e && isOws(b[i])) i++;
  const valueStart = i;
  while (i < e && isBaggageOctet(b[i])) i++;
  const valueEnd = i;
  let propsStart = e;
  for (let j = valueEnd; j < e; j++) {
    if (b[j] === 0x3b) {
      propsStart = j + 1;
      break;
    }
  }
  let ps = propsStart;
  let pe = e;
  while (ps < pe && isOws(b[ps])) ps++;
  while (pe > ps && isOws(b[pe - 1])) pe--;
  return {
    text: octetsToString(b.subarray(s, e)),
    key: octetsToString(b.subarray(s, keyEnd)),
    rawValue: b.subarray(valueStart, valueEnd),
    properties: octetsToString(b.subarray(ps, pe)),
  };
}

/** The members of a valid baggage text (bytes), or throws the §4.2.6 status. */
function baggageParts(b) {
  const st = tw.baggageStatus(b);
  if (st) fail(st, 'baggage');
  return splitPieces(b).map((p) => baggageMemberParts(b, p.start, p.end));
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * §11.3.2 step 1: "%" and two hex digits of either case is an octet; every
 * other octet, including a "%" without two hex digits after it, is itself.
 */
function percentDecode(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && i + 2 < raw.length && hexValue(raw[i + 1]) >= 0 && hexValue(raw[i + 2]) >= 0) {
      out.push(hexValue(raw[i + 1]) * 16 + hexValue(raw[i + 2]));
      i += 2;
    } else {
      out.push(raw[i]);
    }
  }
  return Uint8Array.from(out);
}

// §11.3.2 step 2: maximal subparts become U+FFFD (the WHATWG decoder does
// exactly this). A leading U+FEFF is a character of the value, not a BOM.
const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** §11.3.2: a raw baggage value (bytes) to its decoded string. */
function baggageDecodeValue(raw) {
  return utf8Decoder.decode(percentDecode(raw));
}

/** §11.3.2 baggage.members: [{key, value, properties}] of a valid text. */
function baggageMembers(text) {
  const b = textBytes(text, 'baggage');
  return baggageParts(b).map((m) => ({ key: m.key, value: baggageDecodeValue(m.rawValue), properties: m.properties }));
}

/**
 * §11.3.1 steps 4 and 5 on member texts: kept while at most 64 members and
 * 8192 octets joined; the first that breaks a limit goes with all after it.
 */
function limitBaggageMembers(texts) {
  const kept = [];
  let len = 0;
  for (const t of texts) {
    const next = kept.length === 0 ? t.length : len + 1 + t.length;
    if (kept.length + 1 > BG_MAX_MEMBERS || next > BG_MAX_LEN) break;
    kept.push(t);
    len = next;
  }
  return { text: kept.join(','), dropped: texts.length - kept.length };
}

/** §11.3.1 baggage.sanitize: {text, dropped}. */
function baggageSanitize(text) {
  const b = textBytes(text, 'baggage');
  if (tw.baggageStatus(b) === undefined) return { text: octetsToString(b), dropped: 0 };
  let dropped = 0;
  const good = [];
  for (const p of splitPieces(b)) {
    if (p.blank) continue;
    if (!baggageMemberValid(b, p.start, p.end)) {
      dropped++;
      continue;
    }
    good.push(baggageMemberParts(b, p.start, p.end).text);
  }
  const r = limitBaggageMembers(good);
  return { text: r.text, dropped: dropped + r.dropped };
}

/** Matches `property *( OWS ";" OWS property )` on a whole string (§11.3.3 step 2). */
function propertiesValid(props) {
  const b = textBytes(props, 'properties');
  const e = b.length;
  let i = 0;
  const skipOws = () => {
    while (i < e && isOws(b[i])) i++;
  };
  for (;;) {
    // property = ( key OWS "=" OWS value ) / ( key OWS )
    const k = i;
    while (i < e && isTchar(b[i])) i++;
    if (i === k) return false;
    skipOws();
    if (i < e && b[i] === 0x3d) {
      i++;
      skipOws();
      while (i < e && isBaggageOctet(b[i])) i++;
      // OWS before the next ";" (or the end) is part of `OWS ";"`.
      skipOws();
    }
    if (i === e) return true;
    if (b[i] !== 0x3b) return false;
    i++;
    skipOws();
  }
}

const HEX_UPPER = '0123456789ABCDEF';

/** §11.3.3 step 3: octets of a value, escaping what baggage-octet excludes and "%". */
function baggageEncodeValue(value) {
  const b = textBytes(value, 'value');
  let s = '';
  for (const c of b) {
    if (isBaggageOctet(c) && c !== 0x25) s += String.fromCharCode(c);
    else s += '%' + HEX_UPPER[c >> 4] + HEX_UPPER[c & 15];
  }
  return s;
}

/** True when a key (string) is a token (`1*tchar`). */
function baggageKeyValid(key) {
  const b = textBytes(key, 'key');
  if (b.length === 0) return false;
  for (const c of b) if (!isTchar(c)) return false;
  return true;
}

/** §11.3.3 baggage.encode: members [{key, value, properties?}] to text. */
function baggageEncode(members) {
  if (members.length > BG_MAX_MEMBERS) fail('TW_E_TOO_MANY_MEMBERS', 'more than 64 baggage members');
  for (const m of members) {
    if (!baggageKeyValid(m.key)) fail('TW_E_BAGGAGE', 'baggage key is not a token');
    if (m.properties && !propertiesValid(m.properties)) fail('TW_E_BAGGAGE', 'baggage properties');
  }
  const text = members.map((m) => m.key + '=' + baggageEncodeValue(m.value) + (m.properties ? ';' + m.properties : '')).join(',');
  if (text.length > BG_MAX_LEN) fail('TW_E_TOO_LONG', 'baggage over 8192 octets');
  return text;
}

/** Normal form of a valid baggage text: its members without outer OWS, joined by commas (§10.6.2 step 2). */
function baggageNormalMembers(text) {
  return baggageParts(textBytes(text, 'baggage')).map((m) => m.text);
}

/** §10.7.4 baggage allow-list filter. */
function baggageFilter(text, allow) {
  const b = textBytes(text, 'baggage');
  if (b.length === 0) return '';
  const keep = new Set(allow);
  return baggageParts(b).filter((m) => keep.has(m.key)).map((m) => m.text).join(',');
}

module.exports = {
  tracestateMembers,
  tracestateMemberList,
  tracestateGet,
  tracestatePut,
  tracestateTruncate,
  tracestateNormalForm,
  tracestateFilter,
  tracestateKeyValid,
  tracestateValueValid,
  truncateMembers,
  dropOneMember,
  joinMembers,
  baggageMembers,
  baggageSanitize,
  baggageEncode,
  baggageEncodeValue,
  baggageDecodeValue,
  baggageKeyValid,
  baggageNormalMembers,
  baggageFilter,
  baggageParts,
  limitBaggageMembers,
  percentDecode,
  propertiesValid,
};
