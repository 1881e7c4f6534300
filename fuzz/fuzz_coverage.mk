# SPDX-License-Identifier: Apache-2.0
# fuzz/fuzz_coverage.mk - `make coverage`: gcovr line and branch coverage of codec/tracewire.c from the unit suites, the vectors and the corpus replay.
#
# codec/tracewire.c is compiled once with --coverage into $(COV) and that one
# object is linked into every program below, so their counts add up in one
# .gcda file. The other codec sources are linked uninstrumented. Programs:
# the cmocka suites $(UNITS), the vector runner on $(VECTORS), and every fuzz
# target's replay binary over seeds, fuzz/corpus, fuzz/regressions and the
# local corpus ($(FZ)/corpus). Reports: $(COV)/coverage.txt (lines),
# $(COV)/branches.txt (branches), $(COV)/coverage.json (both, per line).
#
# Two measurements. "as built": the object as the codec's attributes make it;
# gcov then counts every always_inline copy of a helper (tw_varint,
# tw_read_tag, tw_skip_payload) separately, at each call site. "per source
# branch": the same code with __attribute__ defined away, so each helper is
# one function and each branch of the source is counted once.

COV_KIND  ?= source
COV       := $(FZ)/cov-$(COV_KIND)
COV_DEFS_built  :=
COV_DEFS_source := '-D__attribute__(x)='
COV_FLAGS := -O0 -g
COV_OTHER := $(filter-out codec/tracewire.c,$(CODEC_SRC))
COV_OBJS  := $(COV)/tracewire.o $(patsubst codec/%.c,$(COV)/plain-%.o,$(COV_OTHER))

$(COV)/tracewire.o: codec/tracewire.c $(CODEC_HDR)
	@mkdir -p $(@D)
	$(CC) $(TW_WARN) $(COV_FLAGS) $(COV_DEFS_$(COV_KIND)) --coverage -c codec/tracewire.c -o $@
$(COV)/plain-%.o: codec/%.c $(CODEC_HDR)
	@mkdir -p $(@D)
	$(CC) $(TW_WARN) $(COV_FLAGS) -c $< -o $@
$(COV)/unit_%: tests/unit_%.c tests/test_util.h $(COV_OBJS)
	$(CC) $(TEST_WARN) $(COV_FLAGS) $(TEST_INC) $< $(COV_OBJS) --coverage -lcmocka -o $@
$(COV)/vectors: tests/vectors.c tests/vector_loader.c tools/ops.c $(COV_OBJS)
	$(CC) $(TEST_WARN) $(COV_FLAGS) $(TEST_INC) tests/vectors.c tests/vector_loader.c tools/ops.c $(COV_OBJS) \
	    --coverage -lcmocka -ljansson -o $@

define COV_REPLAY_RULE
$(COV)/replay/$(1): $(call fuzz_src,$(1)) $(FUZZ_EXTRA_$(1)) $(FUZZ_HDRS) fuzz/replay_main.c fuzz/alloc_watch.c $(COV_OBJS)
	@mkdir -p $$(@D)
	$(CC) $(FUZZ_WARN) $(COV_FLAGS) $(FUZZ_INC) $(FUZZ_XFLAGS_$(1)) $(call fuzz_src,$(1)) $(FUZZ_EXTRA_$(1)) \
	    fuzz/replay_main.c fuzz/alloc_watch.c $(COV_OBJS) --coverage -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call COV_REPLAY_RULE,$(t))))

GCOVR := gcovr -r . --object-directory $(COV) --filter codec/tracewire.c

coverage: fuzz-deps
	@echo "coverage: as built (each inlined copy of a helper counted apart)"
	@$(MAKE) --no-print-directory coverage-one COV_KIND=built
	@echo "coverage: per source branch (the same code, helpers not inlined)"
	@$(MAKE) --no-print-directory coverage-one COV_KIND=source

.PHONY: coverage-one
coverage-one: $(addprefix $(COV)/,$(UNITS) vectors) $(addprefix $(COV)/replay/,$(FUZZ_TARGETS)) $(FZ)/seeds/.stamp
	@rm -f $(COV)/*.gcda
	@for t in $(UNITS); do $(COV)/$$t > $(COV)/$$t.log 2>&1 || { cat $(COV)/$$t.log; exit 1; }; done
	@$(COV)/vectors $(VECTORS) > $(COV)/vectors.log 2>&1 || { tail -n 20 $(COV)/vectors.log; exit 1; }
	@EXTRA_CORPUS=$(FZ)/corpus sh fuzz/tools/replay_all.sh coverage-replay $(COV)/replay $(FZ)/seeds $(FUZZ_TARGETS) \
	    > $(COV)/replay.log 2>&1 || { cat $(COV)/replay.log; exit 1; }
	@$(GCOVR) $(COV) --txt $(COV)/coverage.txt
	@$(GCOVR) $(COV) -b --txt $(COV)/branches.txt
	@$(GCOVR) $(COV) --json-pretty --json $(COV)/coverage.json
	@$(GCOVR) $(COV) -s -o /dev/null | grep -E '^(lines|branches):' | sed 's/^/coverage: codec\/tracewire.c /'
	@echo "coverage: uncovered lines:    $$(awk '/tracewire.c/{for(i=5;i<=NF;i++) printf "%s ", $$i}' $(COV)/coverage.txt)"
	@echo "coverage: lines with an untaken branch: $$(awk '/tracewire.c/{for(i=5;i<=NF;i++) printf "%s ", $$i}' $(COV)/branches.txt)"
	@echo "coverage: reports in $(COV)/coverage.txt, branches.txt, coverage.json"
