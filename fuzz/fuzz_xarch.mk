# SPDX-License-Identifier: Apache-2.0
# fuzz/fuzz_xarch.mk - byte order and word size: the unit suites, the vector runner and the fuzz replay built for s390x and i686.
#
# test-s390x  big-endian, 64-bit: Debian's s390x cross compiler, run under
#             qemu-user. Loader and libc come from the cross toolchain (-L,
#             LD_LIBRARY_PATH: the multiarch libc6:s390x differs in version
#             from the cross loader, and mixing them aborts at start-up);
#             cmocka and jansson come from Debian multiarch
#             (libcmocka-dev:s390x, libjansson-dev:s390x).
# test-32bit  little-endian, 32-bit (4-byte size_t and pointers): the i686
#             cross compiler (gcc-multilib conflicts with the s390x cross
#             compiler in Debian 12) with i386 multiarch libraries, run
#             natively through IA-32 emulation, or under qemu-i386 where the
#             kernel has none.
# fuzz/install-deps.sh installs both (groups s390x and i386).

XS390X := $(FZ)/s390x
XI686  := $(FZ)/i686
I686_QEMU := qemu-i386 -L /usr/i686-linux-gnu -E LD_LIBRARY_PATH=/usr/i686-linux-gnu/lib

# $(1) output directory, $(2) compiler
define XARCH_RULES
$(1)/unit_%: tests/unit_%.c tests/test_util.h $(CODEC_SRC) $(CODEC_HDR)
	@mkdir -p $$(@D)
	$(2) $(TEST_WARN) -g -O1 $(TEST_INC) $$< $(CODEC_SRC) -lcmocka -o $$@
$(1)/vectors: tests/vectors.c tests/vector_loader.c tools/ops.c $(CODEC_SRC) $(CODEC_HDR)
	@mkdir -p $$(@D)
	$(2) $(TEST_WARN) -g -O1 $(TEST_INC) tests/vectors.c tests/vector_loader.c tools/ops.c $(CODEC_SRC) \
	    -lcmocka -ljansson -o $$@
$(1)/probe: fuzz/tools/probe.c
	@mkdir -p $$(@D)
	$(2) -std=c99 -Wall -Wextra -Werror fuzz/tools/probe.c -o $$@
endef
$(eval $(call XARCH_RULES,$(XS390X),$(S390X_CC)))
$(eval $(call XARCH_RULES,$(XI686),$(I686_CC)))

XARCH_BINS = $(addprefix $(1)/,$(UNITS) vectors probe) $(addprefix $(1)/replay/,$(FUZZ_TARGETS)) $(FZ)/seeds/.stamp

test-s390x:
	@sh fuzz/install-deps.sh s390x
	@$(MAKE) --no-print-directory $(call XARCH_BINS,$(XS390X))
	@RUN="$(S390X_RUN)" sh fuzz/tools/xarch_run.sh test-s390x $(XS390X) $(VECTORS) $(FZ)/seeds "$(UNITS)" \
	    "$(FUZZ_TARGETS)"

test-32bit:
	@sh fuzz/install-deps.sh i386
	@$(MAKE) --no-print-directory $(call XARCH_BINS,$(XI686))
	@if $(XI686)/probe > /dev/null 2>&1; then run=""; else run="$(I686_QEMU)"; fi; \
	RUN="$$run" sh fuzz/tools/xarch_run.sh test-32bit $(XI686) $(VECTORS) $(FZ)/seeds "$(UNITS)" "$(FUZZ_TARGETS)"
