# SPDX-License-Identifier: Apache-2.0
# fuzz/fuzz.mk - fuzz targets: builds (libFuzzer, AFL++, plain replay), corpus replay, campaigns, the self-test.
# (Coverage: fuzz_coverage.mk. Big-endian and 32-bit runs: fuzz_xarch.mk. Both sort after this file.)
#
#   make fuzz-replay           every target's replay binary over seeds, corpus and regressions (in `make check`)
#   make fuzz FUZZ_SECONDS=N   every target under libFuzzer and AFL++, N seconds each; fails on any finding
#   make fuzz-ci               make fuzz with FUZZ_SECONDS=5 (in `make test`)
#   make fuzz-selftest         the planted-bug fixture must make `make fuzz` fail, with each engine (in `make test`)
#   make fuzz-known            which reported codec bugs (regressions/*/known-*) still reproduce
#   make coverage              gcovr line and branch coverage of codec/tracewire.c
#   make test-s390x            unit suites, vector runner and replay on big-endian s390x under qemu-user (in `make test`)
#   make test-32bit            the same built for i686 (in `make test`)
#   make fuzz-corpus-update    merge the local corpus (build/fuzz/corpus) into fuzz/corpus, minimised
# Options: FUZZ_ONLY="t1 t2" (a subset), FUZZ_ENGINES="libfuzzer afl", FUZZ_SECONDS (default 60).

# ---- The targets. Adding one: write fuzz/targets/NAME.c, add one line here. ----
FUZZ_TARGETS += header_decode
FUZZ_TARGETS += header_encode
FUZZ_TARGETS += block
FUZZ_TARGETS += tracestate_validate
FUZZ_TARGETS += baggage_validate
FUZZ_TARGETS += text
FUZZ_TARGETS += ids
FUZZ_TARGETS += nanopb_diff
FUZZ_TARGETS += fastpath_diff
FUZZ_TARGETS += relay_span_id
FUZZ_TARGETS += tracestate_read
FUZZ_TARGETS += traceparent
FUZZ_TARGETS += relay_edit

# Planted-bug fixtures (fuzz/fixtures/NAME.c), used only by fuzz-selftest.
FUZZ_FIXTURES := planted_overread

# A target that needs more than the codec names its sources and flags here.
FUZZ_EXTRA_nanopb_diff  := $(GEN)/tracewire/v1/trace_header.pb.c $(NANOPB_RT)
FUZZ_XFLAGS_nanopb_diff := $(NANOPB_CFLAGS)

# ---- Settings ------------------------------------------------------------------
FZ           := $(B)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_ENGINES ?= libfuzzer afl
FUZZ_ONLY    ?= $(FUZZ_TARGETS)
FUZZ_CLANG   ?= clang-14
AFL_CC       ?= afl-clang-fast
S390X_CC     ?= s390x-linux-gnu-gcc
S390X_RUN    ?= qemu-s390x -L /usr/s390x-linux-gnu -E LD_LIBRARY_PATH=/usr/s390x-linux-gnu/lib
I686_CC      ?= i686-linux-gnu-gcc

FUZZ_WARN   := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror
FUZZ_INC    := -Icodec -Ifuzz
FUZZ_HDRS   := fuzz/fuzz_common.h $(wildcard fuzz/ref/*.h) $(CODEC_HDR)

# ---- Builds ------------------------------------------------------------------
# Each flavour compiles the codec once into $(FZ)/obj/FLAVOUR and links every
# target against it:
#   lf      libFuzzer with ASan + UBSan                 -> $(FZ)/libfuzzer/T
#   afl     AFL++ (UBSan traps; guard pages catch over-reads, alloc_watch.c I7)
#                                                       -> $(FZ)/afl/T
#   cmplog  AFL++ cmplog companion                      -> $(FZ)/afl/T.cmplog
#   replay  plain driver, any C compiler, no engine     -> $(FZ)/replay/T
#   strict  replay without the known-bug tolerances     -> $(FZ)/strict/T
#   s390x, i686  the replay driver cross-built (fuzz_xarch.mk)
FUZZ_FLAVORS := lf afl cmplog replay strict s390x i686
FUZZ_CC_lf     = $(FUZZ_CLANG) $(FUZZ_WARN) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                 -fno-sanitize-recover=all $(FUZZ_INC)
FUZZ_CC_afl    = AFL_QUIET=1 $(AFL_CC) $(FUZZ_WARN) -g -O2 -fsanitize=fuzzer -fsanitize=undefined \
                 -fsanitize-trap=undefined $(FUZZ_INC)
FUZZ_CC_cmplog = AFL_LLVM_CMPLOG=1 $(FUZZ_CC_afl)
FUZZ_CC_replay = $(CC) $(FUZZ_WARN) -g -O1 $(FUZZ_INC)
FUZZ_CC_strict = $(FUZZ_CC_replay) -DTWF_STRICT
FUZZ_CC_s390x  = $(S390X_CC) $(FUZZ_WARN) -g -O1 $(FUZZ_INC)
FUZZ_CC_i686   = $(I686_CC) $(FUZZ_WARN) -g -O1 $(FUZZ_INC)
fuzz_bin_lf     = $(FZ)/libfuzzer/$(1)
fuzz_bin_afl    = $(FZ)/afl/$(1)
fuzz_bin_cmplog = $(FZ)/afl/$(1).cmplog
fuzz_bin_replay = $(FZ)/replay/$(1)
fuzz_bin_strict = $(FZ)/strict/$(1)
fuzz_bin_s390x  = $(FZ)/s390x/replay/$(1)
fuzz_bin_i686   = $(FZ)/i686/replay/$(1)
FUZZ_MAIN_afl    := fuzz/alloc_watch.c
FUZZ_MAIN_cmplog := fuzz/alloc_watch.c
FUZZ_MAIN_replay := fuzz/replay_main.c fuzz/alloc_watch.c
FUZZ_MAIN_strict := $(FUZZ_MAIN_replay)
FUZZ_MAIN_s390x  := $(FUZZ_MAIN_replay)
FUZZ_MAIN_i686   := $(FUZZ_MAIN_replay)
FUZZ_NEED_lf     := fuzz-deps
FUZZ_NEED_afl    := fuzz-deps
FUZZ_NEED_cmplog := fuzz-deps

fuzz_src        = $(firstword $(wildcard fuzz/targets/$(1).c fuzz/fixtures/$(1).c))
fuzz_codec_objs = $(patsubst codec/%.c,$(FZ)/obj/$(1)/%.o,$(CODEC_SRC))
fuzz_extra_objs = $(foreach s,$(FUZZ_EXTRA_$(2)),$(FZ)/obj/$(1)/$(2)/$(notdir $(s:.c=.o)))

define FUZZ_FLAVOR_RULE
$(FZ)/obj/$(1)/%.o: codec/%.c $(CODEC_HDR) | $(FUZZ_NEED_$(1))
	@mkdir -p $$(@D)
	$$(FUZZ_CC_$(1)) -c $$< -o $$@
endef
define FUZZ_EXTRA_OBJ_RULE
$(FZ)/obj/$(1)/$(2)/$(notdir $(3:.c=.o)): $(3) | $(FUZZ_NEED_$(1))
	@mkdir -p $$(@D)
	$$(FUZZ_CC_$(1)) $(FUZZ_XFLAGS_$(2)) -c $(3) -o $$@
endef
define FUZZ_BIN_RULE
$(call fuzz_bin_$(1),$(2)): $(call fuzz_src,$(2)) $(FUZZ_HDRS) $(FUZZ_MAIN_$(1)) $(call fuzz_codec_objs,$(1)) \
                          $(call fuzz_extra_objs,$(1),$(2)) | $(FUZZ_NEED_$(1))
	@mkdir -p $$(@D)
	$$(FUZZ_CC_$(1)) $(FUZZ_XFLAGS_$(2)) $(call fuzz_src,$(2)) $(FUZZ_MAIN_$(1)) $(call fuzz_codec_objs,$(1)) \
	    $(call fuzz_extra_objs,$(1),$(2)) -o $$@
endef
$(foreach f,$(FUZZ_FLAVORS),$(eval $(call FUZZ_FLAVOR_RULE,$(f))))
$(foreach f,$(FUZZ_FLAVORS),$(foreach t,$(FUZZ_TARGETS) $(FUZZ_FIXTURES),\
    $(eval $(call FUZZ_BIN_RULE,$(f),$(t)))$(foreach s,$(FUZZ_EXTRA_$(t)),$(eval $(call FUZZ_EXTRA_OBJ_RULE,$(f),$(t),$(s))))))

.PHONY: fuzz fuzz-build fuzz-ci fuzz-replay fuzz-known fuzz-selftest fuzz-seeds fuzz-deps coverage test-s390x test-32bit \
        fuzz-corpus-update fuzz-clean

fuzz-deps:
	@sh fuzz/install-deps.sh fuzz

# Seeds from the conformance vectors.
$(FZ)/seeds/.stamp: fuzz/tools/seeds_from_vectors.py $(wildcard $(VECTORS)/*.json)
	@rm -rf $(FZ)/seeds && mkdir -p $(FZ)/seeds
	@$(PYTHON) fuzz/tools/seeds_from_vectors.py $(VECTORS) $(FZ)/seeds
	@touch $@
fuzz-seeds: $(FZ)/seeds/.stamp

FUZZ_RUN_BINS = $(foreach t,$(FUZZ_ONLY),$(FZ)/replay/$(t) \
                  $(if $(filter libfuzzer,$(FUZZ_ENGINES)),$(FZ)/libfuzzer/$(t)) \
                  $(if $(filter afl,$(FUZZ_ENGINES)),$(FZ)/afl/$(t) $(FZ)/afl/$(t).cmplog))

fuzz-build: $(FUZZ_RUN_BINS) $(FZ)/seeds/.stamp

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@sh fuzz/tools/run_fuzz.sh $(FZ) $(FUZZ_SECONDS) "$(FUZZ_ENGINES)" $(FUZZ_ONLY)

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

fuzz-replay: $(addprefix $(FZ)/replay/,$(FUZZ_TARGETS)) $(FZ)/seeds/.stamp
	@echo "fuzz-replay: seeds, fuzz/corpus, fuzz/regressions and $(FZ)/corpus through $(words $(FUZZ_TARGETS)) targets"
	@EXTRA_CORPUS=$(FZ)/corpus sh fuzz/tools/replay_all.sh fuzz-replay $(FZ)/replay $(FZ)/seeds $(FUZZ_TARGETS)
	@$(MAKE) --no-print-directory fuzz-known

# Known codec bugs (fuzz/regressions/T/known-ID-*): still open, or fixed? Informational, never fails.
FUZZ_KNOWN := $(sort $(wildcard fuzz/regressions/*/known-*))
fuzz-known: $(sort $(foreach f,$(FUZZ_KNOWN),$(FZ)/strict/$(word 3,$(subst /, ,$(f)))))
	@sh fuzz/tools/known_bugs.sh $(FZ)/strict $(FUZZ_KNOWN)

# The planted over-read must be found, and must fail `make fuzz`, under each engine.
fuzz-selftest: fuzz-deps
	@mkdir -p $(FZ)/logs; ok=0; \
	for e in libfuzzer afl; do \
	    rm -rf $(FZ)/corpus/$(FUZZ_FIXTURES); \
	    if $(MAKE) --no-print-directory fuzz FUZZ_ONLY="$(FUZZ_FIXTURES)" FUZZ_ENGINES=$$e FUZZ_SECONDS=60 \
	           > $(FZ)/logs/selftest-$$e.log 2>&1; then \
	        echo "fuzz-selftest: $$e did not find the planted bug (log $(FZ)/logs/selftest-$$e.log)"; \
	    elif grep -q "^FINDING: target $(FUZZ_FIXTURES) ($$e)" $(FZ)/logs/selftest-$$e.log; then \
	        grep -A1 "^FINDING:" $(FZ)/logs/selftest-$$e.log | head -n 2; ok=$$((ok + 1)); \
	    else \
	        echo "fuzz-selftest: $$e: make fuzz failed without naming the finding:"; tail -n 20 $(FZ)/logs/selftest-$$e.log; \
	    fi; \
	done; \
	echo "fuzz-selftest: $$ok passed, $$((2 - ok)) failed"; test $$ok = 2

# Merge the local corpus into the kept one, minimised by libFuzzer.
fuzz-corpus-update: $(addprefix $(FZ)/libfuzzer/,$(FUZZ_ONLY))
	@for t in $(FUZZ_ONLY); do \
	    mkdir -p fuzz/corpus/$$t $(FZ)/corpus/$$t && rm -rf $(FZ)/merge && mkdir -p $(FZ)/merge && \
	    $(FZ)/libfuzzer/$$t -merge=1 -max_len=20000 $(FZ)/merge fuzz/corpus/$$t $(FZ)/corpus/$$t > /dev/null 2>&1 && \
	    rm -f fuzz/corpus/$$t/* && \
	    for f in $(FZ)/merge/*; do cp "$$f" fuzz/corpus/$$t/; done; \
	    echo "fuzz-corpus-update: $$t: $$(ls fuzz/corpus/$$t | wc -l) inputs"; \
	done

fuzz-clean:
	rm -rf $(FZ)

CHECK_TARGETS += fuzz-replay
TEST_TARGETS  += fuzz-ci fuzz-selftest test-s390x test-32bit

# nanopb's runtime sources come with pb_decode.c (tools/install-deps.sh fetches all three).
$(NANOPB)/pb_encode.c $(NANOPB)/pb_common.c: | $(NANOPB)/pb_decode.c
	@test -f $@
