// SPDX-License-Identifier: Apache-2.0
// otlp_json.js - strict OTLP/JSON decoding of ExportTraceServiceRequest lines with the official protobuf definitions.
//
// The definitions are the protobufjs root that @opentelemetry/otlp-transformer
// generates from the opentelemetry-proto .proto files. OTLP/JSON is proto3
// JSON with two OTLP rules: traceId/spanId/parentSpanId are lowercase hex
// (not base64), and keys are lowerCamelCase only. A line decodes when:
//   1. it is JSON;
//   2. every id has its exact hex form;
//   3. the message built from it by the generated fromObject, encoded to
//      protobuf binary and decoded again, converts back to exactly the input
//      (after dropping proto3 default values on both sides). Any unknown key,
//      snake_case key, wrong type, enum name, non-numeric int64 or base64 id
//      breaks that round trip.
'use strict';

const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const ID_HEX = { traceId: 32, spanId: 16, parentSpanId: 16 };

function fail(where, why) {
  throw new Error(`${where}: ${why}`);
}

// Convert the hex ids of spans and links to bytes (checking their form), in a copy.
function idsToBytes(req, where) {
  const copy = JSON.parse(JSON.stringify(req));
  const convert = (obj, path) => {
    for (const [key, len] of Object.entries(ID_HEX)) {
      if (!(key in obj)) continue;
      const v = obj[key];
      if (typeof v !== 'string' || !(v.length === len || (key === 'parentSpanId' && v === '')) || !/^[0-9a-f]*$/.test(v))
        fail(`${where} ${path}.${key}`, `not ${len} lowercase hex digits: ${JSON.stringify(v)}`);
      if (key !== 'parentSpanId' && /^0+$/.test(v)) fail(`${where} ${path}.${key}`, 'all zero');
      obj[key] = Buffer.from(v, 'hex');
    }
  };
  (copy.resourceSpans || []).forEach((rs, i) =>
    ((rs && rs.scopeSpans) || []).forEach((ss, j) =>
      ((ss && ss.spans) || []).forEach((sp, k) => {
        if (!sp || typeof sp !== 'object') fail(where, `span ${k} is not an object`);
        convert(sp, `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`);
        if (!sp.traceId || !sp.spanId) fail(`${where} span ${k}`, 'traceId and spanId are required');
        (sp.links || []).forEach((l, m) => l && typeof l === 'object' && convert(l, `links[${m}]`));
      })));
  return copy;
}

// Back from protobufjs's toObject (bytes as base64) to hex ids.
function bytesToHex(obj) {
  if (Array.isArray(obj)) return obj.map(bytesToHex);
  if (obj && typeof obj === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(obj))
      out[k] = k in ID_HEX && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : bytesToHex(v);
    return out;
  }
  return obj;
}

// proto3 JSON: a default value and an absent field are the same thing.
function dropDefaults(v) {
  if (Array.isArray(v)) return v.map(dropDefaults);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const y = dropDefaults(x);
      if (y === '' || y === 0 || y === '0' || y === false || y === null || (Array.isArray(y) && y.length === 0)) continue;
      out[k] = y;
    }
    return out;
  }
  return v;
}

function firstDifference(a, b, path = '') {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) return `${path || '/'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`;
  if (a && typeof a === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in b)) return `${path}/${k}: not a field of the message (or wrong type): ${JSON.stringify(a[k]).slice(0, 80)}`;
      if (!(k in a)) return `${path}/${k}: appeared in the round trip`;
      const d = firstDifference(a[k], b[k], `${path}/${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`;
}

// Decode one line; returns { request, spans } or throws.
function decodeLine(line, where = 'line') {
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    fail(where, `not JSON (${e.message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) fail(where, 'not a JSON object');
  const message = Request.fromObject(idsToBytes(parsed, where));
  const err = Request.verify(message);
  if (err) fail(where, err);
  const binary = Request.encode(message).finish();
  const decoded = Request.decode(binary);
  const back = bytesToHex(Request.toObject(decoded, { longs: String, enums: Number, bytes: String }));
  const diff = firstDifference(dropDefaults(parsed), dropDefaults(back));
  if (diff) fail(where, `does not decode as ExportTraceServiceRequest: ${diff}`);
  let spans = 0;
  for (const rs of decoded.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  return { request: parsed, decoded, spans, bytes: binary.length };
}

// Decode a Collector file-exporter file: one request per non-empty line.
function decodeFile(text, name = 'file') {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) fail(name, 'no ExportTraceServiceRequest lines');
  return lines.map((l, i) => decodeLine(l, `${name}:${i + 1}`));
}

module.exports = { decodeLine, decodeFile };
