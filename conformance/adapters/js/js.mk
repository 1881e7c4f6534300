# SPDX-License-Identifier: Apache-2.0
# tracewire-js (the independent JavaScript implementation): its self-test, and a conformance run of it alone.
# Included by the top-level Makefile (`-include conformance/adapters/*/*.mk`).
# `make conformance` (conformance/conformance.mk) already runs this adapter; js-conformance runs only it.
TWJS_DIR := conformance/adapters/js

.PHONY: js-deps js-selftest js-conformance

js-deps:
	@sh $(TWJS_DIR)/install-deps.sh

js-selftest: js-deps
	@node $(TWJS_DIR)/test.js

js-conformance: js-deps
	@$(PYTHON) conformance/run.py --adapter "node $(TWJS_DIR)/adapter.js" --strict-codes

CHECK_TARGETS += js-selftest
