# SPDX-License-Identifier: Apache-2.0
# interop/interop.mk - `make interop`: OpenTelemetry JS on the gateway vectors, and text -> header -> text round trips through the CLI adapter.

.PHONY: interop

# The pinned OpenTelemetry packages (package-lock.json); tools/install-deps.sh runs npm ci.
node_modules/@opentelemetry/propagator-jaeger/package.json: package-lock.json
	@sh tools/install-deps.sh

interop: $(B)/tracewire node_modules/@opentelemetry/propagator-jaeger/package.json
	@node interop/otel_compare.js --adapter $(B)/tracewire

CHECK_TARGETS += interop
