# SPDX-License-Identifier: Apache-2.0
# diagrams/diagrams.mk - the spec's figures: render them to SVG, check them against the vectors and the spec.
#
#   make diagrams         render diagrams/src into diagrams/svg (commit what changes)
#   make diagrams-check   check_figures.py (figures against vectors and spec text), then a fresh
#                         render into build/diagrams/svg compared byte for byte with diagrams/svg

DIAG_B := $(B)/diagrams

.PHONY: diagrams diagrams-check diagrams-deps

diagrams-deps:
	@sh diagrams/install-deps.sh

diagrams: diagrams-deps
	@$(PYTHON) diagrams/render.py diagrams/svg

diagrams-check: diagrams-deps
	@$(PYTHON) diagrams/check_figures.py
	@rm -rf $(DIAG_B)/svg && $(PYTHON) diagrams/render.py --check $(DIAG_B)/svg

CHECK_TARGETS += diagrams-check
