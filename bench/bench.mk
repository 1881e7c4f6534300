# SPDX-License-Identifier: Apache-2.0
# bench/: speed, instruction counts and footprint of the codec against a memcpy floor and its peers.
#
#   make bench        the full table: ns, instructions, allocations, ratios (build/bench/results.json)
#   make bench-gate   instruction budgets of bench/budgets.json, callgrind only (part of make check)
#   make footprint    .text and worst-case stack of the tier-1 codec (part of make check)

BENCH_B      := $(B)/bench
BENCH_CC     ?= $(CC)
# The figures and budgets are for gcc 12 at -O2 on x86-64: fixed here, not taken from CFLAGS.
BENCH_OPT    := -O2 -g
BENCH_WARN   := -std=c99 -Wall -Wextra -Werror
BENCH_PBC    := $(BENCH_B)/pbc
BENCH_PBC_C  := $(BENCH_PBC)/tracewire/v1/trace_header.pb-c.c
BENCH_NPB_C  := $(GEN)/tracewire/v1/trace_header.pb.c
BENCH_INC    := -Icodec -Ibench -I$(NANOPB) -I$(GEN) -I$(BENCH_PBC)
BENCH_SRC    := bench/main.c bench/registry.c bench/inputs.c bench/floor.c bench/ops_tracewire.c \
                bench/ops_nanopb.c bench/ops_protobufc.c
# Every codec source (tier 1 and the tier-2 W3C text gateway); the traceparent
# rows go from "pending" to measured by themselves when the gateway exists.
BENCH_CODEC  := $(sort $(CODEC_SRC) $(wildcard codec/*.c))
BENCH_TIER1  := codec/tracewire.c
BENCH_DEFS   := $(if $(wildcard codec/tracewire_gateway.c),-DBENCH_HAVE_GATEWAY)

.PHONY: bench bench-gate footprint bench-deps

# Packages: valgrind, protobuf-c, the ARM cross compiler (a quick dpkg query
# when they are there).
bench-deps:
	@sh bench/install-deps.sh

$(BENCH_B) $(BENCH_B)/nanopb $(BENCH_PBC):
	@mkdir -p $@

# The codec exactly as the vendoring instructions build it, at -O2.
$(BENCH_B)/codec-%.o: codec/%.c $(wildcard codec/*.h) | $(BENCH_B)
	$(BENCH_CC) $(TW_WARN) $(BENCH_OPT) -Icodec -c $< -o $@

# nanopb 0.4.7, lean build: runtime from source with PB_BUFFER_ONLY and PB_NO_ERRMSG.
BENCH_NPB_FLAGS := -O2 -g -DPB_BUFFER_ONLY -DPB_NO_ERRMSG -I$(NANOPB) -I$(GEN)
$(BENCH_B)/nanopb/%.o: $(NANOPB)/%.c | $(BENCH_B)/nanopb
	$(BENCH_CC) $(BENCH_NPB_FLAGS) -c $< -o $@
$(BENCH_B)/nanopb/trace_header.pb.o: $(BENCH_NPB_C) | $(BENCH_B)/nanopb
	$(BENCH_CC) $(BENCH_NPB_FLAGS) -c $< -o $@
BENCH_NPB_O := $(addprefix $(BENCH_B)/nanopb/,pb_decode.o pb_encode.o pb_common.o trace_header.pb.o)
$(NANOPB)/pb_encode.c $(NANOPB)/pb_common.c: $(NANOPB)/pb_decode.c

# protobuf-c code generated from the schema at build time.
$(BENCH_PBC_C): $(PROTO) | bench-deps $(BENCH_PBC)
	protoc-c -I schema --c_out=$(BENCH_PBC) tracewire/v1/trace_header.proto
$(BENCH_B)/trace_header.pb-c.o: $(BENCH_PBC_C)
	$(BENCH_CC) -O2 -g -I$(BENCH_PBC) -c $< -o $@

# The harness; the nanopb and protobuf-c headers are inputs of ops_*.c, and
# .defs changes (so the harness rebuilds) when the gateway appears.
$(BENCH_B)/.defs: FORCE | $(BENCH_B)
	@echo '$(BENCH_DEFS) $(BENCH_CODEC)' > $@.tmp && if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(BENCH_B)/%.o: bench/%.c bench/bench.h $(wildcard codec/*.h) $(BENCH_NPB_C) $(BENCH_PBC_C) $(BENCH_B)/.defs \
                | $(BENCH_B)
	$(BENCH_CC) $(BENCH_WARN) $(BENCH_OPT) $(BENCH_DEFS) $(BENCH_INC) -c $< -o $@
$(BENCH_B)/alloc_count.o: bench/alloc_count.c bench/bench.h | $(BENCH_B)
	$(BENCH_CC) $(BENCH_WARN) $(BENCH_OPT) -fno-builtin -Ibench -c $< -o $@

BENCH_O := $(patsubst bench/%.c,$(BENCH_B)/%.o,$(BENCH_SRC)) $(BENCH_B)/alloc_count.o \
           $(patsubst codec/%.c,$(BENCH_B)/codec-%.o,$(BENCH_CODEC)) \
           $(BENCH_B)/trace_header.pb-c.o $(BENCH_NPB_O)
$(BENCH_B)/bench: $(BENCH_O)
	$(BENCH_CC) $(BENCH_O) -l:libprotobuf-c.a -o $@

bench: deps bench-deps
	@$(MAKE) --no-print-directory $(BENCH_B)/bench
	@$(PYTHON) bench/report.py --bin $(BENCH_B)/bench --out $(BENCH_B)

bench-gate: deps bench-deps
	@$(MAKE) --no-print-directory $(BENCH_B)/bench
	@$(PYTHON) bench/report.py --gate --bin $(BENCH_B)/bench --out $(BENCH_B) --budgets bench/budgets.json

footprint: bench-deps
	@$(PYTHON) bench/footprint.py --src $(BENCH_TIER1) --out $(BENCH_B)/footprint

CHECK_TARGETS += bench-gate footprint
