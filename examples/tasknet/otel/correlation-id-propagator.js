// SPDX-License-Identifier: Apache-2.0
// correlation-id-propagator.js - an OpenTelemetry JS TextMapPropagator for the tracewire-correlation-id text field (spec 11 §11.4.4).
//
// Text carriers carry trace context in the W3C fields (use OpenTelemetry's
// own tracecontext and baggage propagators) and the task's correlation-id in
// `tracewire-correlation-id`. Compose this propagator with those.
'use strict';

const api = require('@opentelemetry/api');
const { CORRELATION_ID_KEY } = require('./tracewire-propagator');

const FIELD = 'tracewire-correlation-id';
const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NIL = '00000000-0000-0000-0000-000000000000';

class CorrelationIdPropagator {
  fields() {
    return [FIELD];
  }

  inject(context, carrier, setter) {
    try {
      const id = context.getValue(CORRELATION_ID_KEY);
      if (typeof id === 'string' && UUID_TEXT.test(id) && id !== NIL) setter.set(carrier, FIELD, id.toLowerCase());
    } catch (e) {
      // never fail the message
    }
  }

  extract(context, carrier, getter) {
    try {
      let v = getter.get(carrier, FIELD);
      if (Array.isArray(v)) v = v.length === 1 ? v[0] : undefined; // a repeated field is ignored
      if (typeof v !== 'string') return context;
      v = v.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
      if (!UUID_TEXT.test(v) || v === NIL) return context;
      return context.setValue(CORRELATION_ID_KEY, v);
    } catch (e) {
      return context;
    }
  }
}

module.exports = { CorrelationIdPropagator, FIELD };
