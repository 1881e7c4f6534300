// SPDX-License-Identifier: Apache-2.0
// propagator_cases.js - checks of the OpenTelemetry propagators of docs/opentelemetry.md (examples/tasknet/otel/).
'use strict';

const api = require('@opentelemetry/api');
const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
const { TracewirePropagator, CORRELATION_ID_KEY, FIELD } = require('../otel/tracewire-propagator');
const { CorrelationIdPropagator } = require('../otel/correlation-id-propagator');

// The minimal header of spec 04 §4.3.3.
const MINIMAL_HEX = '0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b71801';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

const bytes = (hex) => Buffer.from(hex, 'hex');
const hex = (b) => Buffer.from(b).toString('hex');
const get = api.defaultTextMapGetter;
const set = api.defaultTextMapSetter;

// Register the cases with the harness of tasknet_test.js; record is a task
// record written by the C network (a cross-check of the two implementations).
function propagatorCases(test, ok, eq, record) {
  const p = new TracewirePropagator();
  const base = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });

  test('test_propagator_injects_the_canonical_minimal_header', () => {
    const carrier = {};
    p.inject(base, carrier, set);
    eq(hex(carrier[FIELD]), MINIMAL_HEX, 'injected header');
    eq(p.fields().join(), FIELD, 'fields()');
  });

  test('test_propagator_round_trips_context_correlation_id_tracestate_and_baggage', () => {
    let ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: TRACE, spanId: SPAN, traceFlags: 0x83, traceState: api.createTraceState('tw=log:debug,vendor=x1'),
    });
    ctx = ctx.setValue(CORRELATION_ID_KEY, '017f22e2-79b0-755a-bf00-123456789abc');
    ctx = api.propagation.setBaggage(ctx, api.propagation.createBaggage({ tenant: { value: 'acme-labs' } }));
    const carrier = {};
    p.inject(ctx, carrier, set);
    const out = p.extract(api.ROOT_CONTEXT, carrier, get);
    const sc = api.trace.getSpanContext(out);
    eq(sc.traceId, TRACE, 'trace-id');
    eq(sc.spanId, SPAN, 'span-id');
    eq(sc.traceFlags, 0x83, 'all 8 flag bits, reserved ones included');
    eq(sc.isRemote, true, 'isRemote');
    eq(sc.traceState.serialize(), 'tw=log:debug,vendor=x1', 'tracestate');
    eq(out.getValue(CORRELATION_ID_KEY), '017f22e2-79b0-755a-bf00-123456789abc', 'correlation-id');
    eq(api.propagation.getBaggage(out).getEntry('tenant').value, 'acme-labs', 'baggage');
  });

  test('test_propagator_extract_never_throws_and_never_replaces_a_valid_context', () => {
    const bad = {
      absent: {},
      'text instead of bytes': { [FIELD]: MINIMAL_HEX },
      'cut short': { [FIELD]: bytes(MINIMAL_HEX.slice(0, 40)) },
      'all-zero trace-id': { [FIELD]: bytes(MINIMAL_HEX.replace(TRACE, '0'.repeat(32))) },
      'span-id without trace-id': { [FIELD]: bytes(`1208${SPAN}`) },
      'flags above 255': { [FIELD]: bytes(`0a10${TRACE}1208${SPAN}188002`) },
      'wire type 3': { [FIELD]: bytes('0b') },
      'a number': { [FIELD]: 42 },
    };
    const getter = { get: (c, k) => c[k], keys: (c) => Object.keys(c) };
    const other = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    for (const [what, carrier] of Object.entries(bad)) {
      const out = p.extract(other, carrier, getter);
      eq(out, other, `extract with ${what} kept the context it was given`);
    }
    const throwing = { get: () => { throw new Error('carrier broke'); }, keys: () => [] };
    eq(p.extract(other, {}, throwing), other, 'a getter that throws');
  });

  test('test_propagator_drops_invalid_tracestate_but_keeps_the_ids', () => {
    const ts = Buffer.from('A=1').toString('hex'); // upper-case key: invalid
    const carrier = { [FIELD]: bytes(`${MINIMAL_HEX}2a03${ts}`) };
    const sc = api.trace.getSpanContext(p.extract(api.ROOT_CONTEXT, carrier, get));
    eq(sc.traceId, TRACE, 'ids kept');
    eq(sc.traceState, undefined, 'invalid tracestate dropped, not repaired');
  });

  test('test_propagator_joins_repeated_field_occurrences', () => {
    // spec 05 §5.1 rule 6: occurrences are one message, joined end to end.
    const carrier = { [FIELD]: [bytes(MINIMAL_HEX.slice(0, 36)), bytes(MINIMAL_HEX.slice(36))] };
    eq(api.trace.getSpanContext(p.extract(api.ROOT_CONTEXT, carrier, get)).spanId, SPAN, 'span-id of the joined message');
  });

  test('test_gateway_from_frame_to_text_with_w3c_and_correlation_id_propagators', () => {
    const frame = {};
    let ctx = base.setValue(CORRELATION_ID_KEY, '017f22e2-79b0-755a-bf00-123456789abc');
    ctx = api.propagation.setBaggage(ctx, api.propagation.createBaggage({ tenant: { value: 'acme-labs' } }));
    p.inject(ctx, frame, set);
    const text = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new CorrelationIdPropagator()],
    });
    const http = {};
    text.inject(p.extract(api.ROOT_CONTEXT, frame, get), http, set);
    eq(http.traceparent, `00-${TRACE}-${SPAN}-01`, 'traceparent');
    eq(http.baggage, 'tenant=acme-labs', 'baggage');
    eq(http['tracewire-correlation-id'], '017f22e2-79b0-755a-bf00-123456789abc', 'tracewire-correlation-id');
    eq(text.fields().join(), 'traceparent,tracestate,baggage,tracewire-correlation-id', 'fields');
    const back = text.extract(api.ROOT_CONTEXT, { ...http, 'tracewire-correlation-id': '017F22E2-79B0-755A-BF00-123456789ABC' }, get);
    eq(back.getValue(CORRELATION_ID_KEY), '017f22e2-79b0-755a-bf00-123456789abc', 'correlation-id read in either case');
    const nil = text.extract(api.ROOT_CONTEXT, { 'tracewire-correlation-id': '00000000-0000-0000-0000-000000000000' }, get);
    eq(nil.getValue(CORRELATION_ID_KEY), undefined, 'the nil UUID is ignored');
  });

  test('test_propagator_reads_an_origin_context_written_by_the_c_codec', () => {
    const carrier = { [FIELD]: bytes(record.origin_header) };
    const out = p.extract(api.ROOT_CONTEXT, carrier, get);
    eq(api.trace.getSpanContext(out).traceId, record.trace_id, 'trace-id');
    eq(out.getValue(CORRELATION_ID_KEY), record.correlation_id, 'correlation-id');
    ok(api.propagation.getBaggage(out) === undefined, 'no baggage in an origin context');
  });
}

module.exports = { propagatorCases };
