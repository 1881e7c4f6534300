// SPDX-License-Identifier: Apache-2.0
// tracewire-propagator.js - an OpenTelemetry JS propagator for frames that carry a binary tracewire header (docs/opentelemetry.md).
//
// The carrier is a peer-to-peer frame, not a set of text headers: its slot
// named `tracewire` holds the bytes of one TraceHeader message (the message
// inside a prefix block, or the payload of the protobuf field; spec 05). The
// getter returns those bytes as a Uint8Array (an array of them for a field
// that occurs several times: they are joined, spec 05 §5.1 rule 6), and the
// setter receives them. Text carriers (HTTP, Kafka, MQTT) use the W3C
// propagators and correlation-id-propagator.js instead (spec 11). The
// correlation-id, which OpenTelemetry has no slot for, lives in the context
// under CORRELATION_ID_KEY.
//
// The message is decoded with protobufjs from the project's schema, then held
// to the final-value rules of spec 04 §4.4.5 and the text rules of §4.2.5 and
// §4.2.6 (spec 05 §5.1 rule 7): protobufjs alone accepts more than tracewire.
'use strict';

const path = require('path');
const protobuf = require('protobufjs');
const api = require('@opentelemetry/api');
const { W3CBaggagePropagator, TraceState } = require('@opentelemetry/core');

const FIELD = 'tracewire';
const CORRELATION_ID_KEY = api.createContextKey('tracewire.correlation_id');
const SCHEMA = path.join(__dirname, '..', '..', '..', 'schema', 'tracewire', 'v1', 'trace_header.proto');
const TraceHeader = protobuf.loadSync(SCHEMA).lookupType('tracewire.v1.TraceHeader');
const baggageText = new W3CBaggagePropagator();

// spec 04 §4.2.5 (W3C Trace Context Level 2) and §4.2.6 (W3C Baggage), as regular expressions.
const TS_KEY = '[a-z0-9][a-z0-9_\\-*/@]{0,255}';
const TS_VALUE = '[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';
const TS_MEMBER = new RegExp(`^(${TS_KEY})=${TS_VALUE}$`);
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const BAG_VALUE = '[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]*';
const OWS = '[ \\t]*';
const BAG_PROP = `${TOKEN}(?:${OWS}=${OWS}${BAG_VALUE})?`;
const BAG_MEMBER = new RegExp(`^${OWS}${TOKEN}${OWS}=${OWS}${BAG_VALUE}(?:${OWS};${OWS}${BAG_PROP})*${OWS}$`);

function validTracestate(s) {
  if (s.length > 4096) return false;
  const members = s.split(',').filter((m) => /[^ \t]/.test(m));
  if (members.length > 32) return false;
  const keys = new Set();
  for (const m of s.split(',')) {
    const t = m.replace(/^[ \t]+|[ \t]+$/g, '');
    if (t === '') continue;
    const match = TS_MEMBER.exec(t);
    if (!match || keys.has(match[1])) return false;
    keys.add(match[1]);
  }
  return true;
}

function validBaggage(s) {
  if (s.length > 8192) return false;
  const members = s.split(',');
  return members.length <= 64 && members.every((m) => BAG_MEMBER.test(m));
}

const zero = (b) => b.every((x) => x === 0);

// Decode and check; returns the values or null. Never throws.
function decodeHeader(bytes) {
  let h;
  try {
    if (bytes.length > 16384) return null;
    h = TraceHeader.toObject(TraceHeader.decode(bytes), { bytes: Buffer, defaults: true });
  } catch (e) {
    return null;
  }
  const tid = h.traceId, sid = h.spanId, cid = h.correlationId;
  if (![0, 16].includes(tid.length) || ![0, 8].includes(sid.length) || ![0, 16].includes(cid.length)) return null;
  if (h.traceFlags > 255) return null;
  const ctx = tid.length > 0;
  if (ctx !== (sid.length > 0) || (!ctx && (h.traceFlags !== 0 || h.tracestate.length > 0))) return null;
  if ((ctx && (zero(tid) || zero(sid))) || (cid.length && zero(cid))) return null;
  const ts = h.tracestate.toString('latin1');
  const bag = h.baggage.toString('latin1');
  return {
    traceId: ctx ? tid.toString('hex') : null,
    spanId: ctx ? sid.toString('hex') : null,
    traceFlags: h.traceFlags,
    correlationId: cid.length ? cid.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') : null,
    tracestate: ts && validTracestate(ts) ? ts : '', // invalid text is dropped, never repaired
    baggage: bag && validBaggage(bag) ? bag : '',
  };
}

function encodeHeader(v) {
  const msg = {}; // only non-default fields: protobufjs then writes the canonical form
  if (v.traceId) {
    msg.traceId = Buffer.from(v.traceId, 'hex');
    msg.spanId = Buffer.from(v.spanId, 'hex');
    if (v.traceFlags) msg.traceFlags = v.traceFlags;
  }
  if (v.correlationId) msg.correlationId = Buffer.from(v.correlationId.replace(/-/g, ''), 'hex');
  if (v.traceId && v.tracestate) msg.tracestate = Buffer.from(v.tracestate, 'latin1');
  if (v.baggage) msg.baggage = Buffer.from(v.baggage, 'latin1');
  return Buffer.from(TraceHeader.encode(TraceHeader.fromObject(msg)).finish());
}

class TracewirePropagator {
  fields() {
    return [FIELD];
  }

  inject(context, carrier, setter) {
    try {
      const sc = api.trace.getSpanContext(context);
      const v = { correlationId: context.getValue(CORRELATION_ID_KEY) || null };
      if (sc && api.isSpanContextValid(sc)) {
        v.traceId = sc.traceId;
        v.spanId = sc.spanId;
        v.traceFlags = sc.traceFlags & 0xff;
        v.tracestate = sc.traceState ? sc.traceState.serialize() : '';
      }
      const bag = api.propagation.getBaggage(context);
      if (bag) {
        const tmp = {};
        baggageText.inject(api.propagation.setBaggage(api.ROOT_CONTEXT, bag), tmp, api.defaultTextMapSetter);
        v.baggage = tmp.baggage || '';
      }
      if (!v.traceId && !v.correlationId && !v.baggage) return;
      setter.set(carrier, FIELD, encodeHeader(v));
    } catch (e) {
      // Tracing never fails the message: send it without the header.
    }
  }

  extract(context, carrier, getter) {
    try {
      let raw = getter.get(carrier, FIELD);
      if (Array.isArray(raw) && raw.length > 0 && raw.every((r) => r instanceof Uint8Array)) raw = Buffer.concat(raw);
      if (!(raw instanceof Uint8Array)) return context; // absent, or not a binary header
      const v = decodeHeader(Buffer.from(raw));
      if (!v) return context; // never replace a valid context with an invalid one
      let out = context;
      if (v.traceId)
        out = api.trace.setSpanContext(out, {
          traceId: v.traceId,
          spanId: v.spanId,
          traceFlags: v.traceFlags,
          traceState: v.tracestate ? new TraceState(v.tracestate) : undefined,
          isRemote: true,
        });
      if (v.correlationId) out = out.setValue(CORRELATION_ID_KEY, v.correlationId);
      if (v.baggage) out = baggageText.extract(out, { baggage: v.baggage }, api.defaultTextMapGetter);
      return out;
    } catch (e) {
      return context;
    }
  }
}

module.exports = { TracewirePropagator, CORRELATION_ID_KEY, FIELD, decodeHeader, encodeHeader };
