# SPDX-License-Identifier: Apache-2.0
# tracewire: build, test, install. `make help` lists the targets.

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin

CC      ?= cc
CLANG   ?= clang
CFLAGS  ?= -O2 -g
PYTHON  ?= /usr/bin/python3
VERSION := 0.1.0

# Project warnings, kept apart from the user's CFLAGS.
TW_WARN   := -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wc++-compat -Werror
TEST_WARN := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror
SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

B         := build
NANOPB    := $(B)/nanopb-src
GEN       := $(B)/gen
PROTO     := schema/tracewire/v1/trace_header.proto
VECTORS   := conformance/vectors

# Tier 1 (tracewire.{h,c}) and the add-ons (relay, gateway): codec/README.md.
CODEC_SRC := codec/tracewire.c codec/tracewire_relay.c codec/tracewire_gateway.c
CODEC_HDR := codec/tracewire.h codec/tracewire_relay.h codec/tracewire_gateway.h
CODEC_PUB := codec/tracewire.h codec/tracewire_relay.h codec/tracewire_gateway.h
CODEC_OBJ := $(B)/tracewire.o $(B)/tracewire_relay.o $(B)/tracewire_gateway.o
TEST_INC  := -Icodec -Itools -Itests

# The main job: a P2P task network on loopback (examples/tasknet/tasknet.mk).
demo: tasknet-demo

# A tour of the CLI on real headers.
cli-demo: deps
	@$(MAKE) --no-print-directory $(B)/tracewire
	@sh tools/demo.sh $(B)/tracewire

.PHONY: FORCE all demo cli-demo deps check tier1-alone test units vectors nanopb-cross protoc-cross vector-schema sanitize \
        warnings codec-symbols freestanding install uninstall test-install clean help

all: $(B)/libtracewire.a $(B)/tracewire $(B)/tracewire.pc

help:
	@echo "make            build the library, the CLI and the pkg-config file"
	@echo "make demo       the main job: a P2P task network on loopback, ending with every task's trace"
	@echo "make cli-demo   a tour of the tracewire CLI on real headers"
	@echo "make check      the fast gate: units, vectors, nanopb and protoc cross-checks, sanitizers, warnings"
	@echo "make test       everything: check, then test-install"
	@echo "make install    install into \$$(DESTDIR)\$$(PREFIX) (PREFIX=$(PREFIX))"
	@echo "make deps       install build dependencies (Debian 12, as root)"

deps:
	@sh tools/install-deps.sh

$(B) $(B)/test $(B)/asan $(GEN):
	@mkdir -p $@

# ---- library and CLI ----------------------------------------------------

$(B)/%.o: codec/%.c $(CODEC_HDR) | $(B)
	$(CC) $(TW_WARN) $(CFLAGS) -c $< -o $@

$(B)/libtracewire.a: $(CODEC_OBJ)
	$(AR) rcs $@ $^

$(B)/tracewire: tools/cli.c tools/ops.c tools/ops.h $(B)/libtracewire.a
	$(CC) -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $(CFLAGS) -Icodec -Itools tools/cli.c tools/ops.c $(B)/libtracewire.a -ljansson -o $@

# The pkg-config file names the install paths, so it is made for each PREFIX.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
               -e 's|@VERSION@|$(VERSION)|' codec/tracewire.pc.in
$(B)/tracewire.pc: codec/tracewire.pc.in FORCE | $(B)
	@$(PC_SUBST) > $@.tmp && if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
FORCE:

# ---- nanopb: generated from the schema, runtime built from source ----------

$(NANOPB)/pb_decode.c:
	@sh tools/install-deps.sh

$(GEN)/tracewire/v1/trace_header.pb.c: $(PROTO) schema/tracewire/v1/trace_header.options | $(GEN)
	protoc --plugin=protoc-gen-nanopb=/usr/bin/protoc-gen-nanopb -I schema --nanopb_opt=-Ischema \
	    --nanopb_out=$(GEN) tracewire/v1/trace_header.proto

NANOPB_CFLAGS := -DPB_BUFFER_ONLY -DPB_NO_ERRMSG -I$(NANOPB) -I$(GEN)
NANOPB_RT     := $(NANOPB)/pb_decode.c $(NANOPB)/pb_encode.c $(NANOPB)/pb_common.c

# ---- tests ------------------------------------------------------------------

UNIT_DEPS := $(CODEC_SRC) $(CODEC_HDR) tests/test_util.h

$(B)/test/unit_%: tests/unit_%.c $(UNIT_DEPS) | $(B)/test
	$(CC) $(TEST_WARN) -g -O1 $(TEST_INC) $< $(CODEC_SRC) -lcmocka -o $@
$(B)/test/vectors: tests/vectors.c tests/vector_loader.c tools/ops.c $(UNIT_DEPS) | $(B)/test
	$(CC) $(TEST_WARN) -g -O1 $(TEST_INC) tests/vectors.c tests/vector_loader.c tools/ops.c $(CODEC_SRC) \
	    -lcmocka -ljansson -o $@
$(B)/test/nanopb_cross: tests/nanopb_cross.c tests/vector_loader.c $(GEN)/tracewire/v1/trace_header.pb.c \
                        $(NANOPB)/pb_decode.c $(UNIT_DEPS) | $(B)/test
	$(CC) $(TEST_WARN) -g -O1 $(TEST_INC) $(NANOPB_CFLAGS) tests/nanopb_cross.c tests/vector_loader.c \
	    $(GEN)/tracewire/v1/trace_header.pb.c $(NANOPB_RT) $(CODEC_SRC) -lcmocka -ljansson -o $@

# The same suites under ASan + UBSan, built with clang.
$(B)/asan/%: tests/%.c $(UNIT_DEPS) | $(B)/asan
	$(CLANG) $(TEST_WARN) -g -O1 $(SAN) $(TEST_INC) $< $(CODEC_SRC) -lcmocka -o $@
$(B)/asan/vectors: tests/vectors.c tests/vector_loader.c tools/ops.c $(UNIT_DEPS) | $(B)/asan
	$(CLANG) $(TEST_WARN) -g -O1 $(SAN) $(TEST_INC) tests/vectors.c tests/vector_loader.c tools/ops.c \
	    $(CODEC_SRC) -lcmocka -ljansson -o $@

UNITS := unit_header unit_text unit_processing unit_gateway

units: $(addprefix $(B)/test/,$(UNITS))
	@for t in $(UNITS); do $(B)/test/$$t 2>&1 || exit 1; done

vectors: $(B)/test/vectors
	@$(B)/test/vectors $(VECTORS) 2>&1

nanopb-cross: $(B)/test/nanopb_cross
	@$(B)/test/nanopb_cross $(VECTORS) 2>&1

protoc-cross:
	@$(PYTHON) conformance/tools/check_protoc.py

vector-schema:
	@$(PYTHON) conformance/tools/validate_vectors.py

sanitize: $(addprefix $(B)/asan/,$(UNITS) vectors)
	@for t in $(UNITS); do $(B)/asan/$$t 2>&1 || exit 1; done
	@$(B)/asan/vectors $(VECTORS) 2>&1

# Both compilers, the project's full warning set, on the codec and the CLI.
warnings: | $(B)
	@for f in $(CODEC_SRC); do \
	    $(CC) $(TW_WARN) -O2 -c $$f -o $(B)/warn-gcc.o && $(CLANG) $(TW_WARN) -O2 -c $$f -o $(B)/warn-clang.o || exit 1; \
	done; echo "warnings: gcc and clang clean on $(CODEC_SRC)"
	$(CLANG) -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Icodec -Itools -fsyntax-only tools/cli.c tools/ops.c

# The codec object must not reference the heap or stdio.
codec-symbols: $(CODEC_OBJ)
	@if nm -u $(CODEC_OBJ) | grep -Ew 'malloc|calloc|realloc|free|printf|fprintf|puts|fopen|fwrite|stdout|stderr'; then \
	    echo "codec-symbols: the codec references heap or stdio symbols" >&2; exit 1; fi
	@echo "codec-symbols: no heap or stdio symbols in $(CODEC_OBJ)"

# Tier 1 is two files: copied alone into an empty directory they must
# compile at full warnings and link into a program (codec/README.md).
tier1-alone: | $(B)
	@d=$$(mktemp -d) && cp codec/tracewire.h codec/tracewire.c $$d/ && \
	printf '%s\n' '#include "tracewire.h"' \
	    'int main(void){tw_header_t h;uint8_t b[32];int n;' \
	    ' if(tw_trace_id_generate(h.trace_id,0,0)||tw_span_id_generate(h.span_id,0,0))return 1;' \
	    ' h.present=TW_HAS_CONTEXT;h.trace_flags=1;h.tracestate.len=h.baggage.len=0;h.n_unknown=0;' \
	    ' n=tw_header_encode(b,sizeof b,&h);return !(n==30&&tw_header_decode(&h,b,30)==30);}' > $$d/main.c && \
	(cd $$d && $(CC) $(TW_WARN) -O2 tracewire.c main.c -o t && ./t) && rm -rf $$d && \
	echo "tier1-alone: tracewire.h + tracewire.c compile, link and run on their own: 1 passed, 0 failed"

# Freestanding build: no OS random source, no hosted headers beyond the three.
freestanding: | $(B)
	$(CC) $(TW_WARN) -O2 -ffreestanding -DTW_NO_OS_RANDOM -c codec/tracewire.c -o $(B)/freestanding.o
	$(CC) $(TW_WARN) -O2 -ffreestanding -DTW_NO_OS_RANDOM -c codec/tracewire_relay.c -o $(B)/freestanding-relay.o
	$(CC) $(TW_WARN) -O2 -ffreestanding -DTW_NO_OS_RANDOM -c codec/tracewire_gateway.c -o $(B)/freestanding-gw.o
	@if nm -u $(B)/freestanding.o | grep -vEw 'memcpy|memset|memcmp'; then \
	    echo "freestanding: tier 1 needs more than memcpy/memset/memcmp" >&2; exit 1; fi
	@if nm -u $(B)/freestanding-relay.o $(B)/freestanding-gw.o | grep -v ':$$' | grep -vEw 'memcpy|memset|memcmp|strlen|tw_[a-z0-9_]+' | grep .; then \
	    echo "freestanding: the add-ons need more than tier 1 and <string.h>" >&2; exit 1; fi
	@echo "freestanding: tier 1 needs only memcpy/memset/memcmp; the add-ons add strlen and tier 1"

# Each folder that owns targets keeps them in its own fragment and appends
# to CHECK_TARGETS (run by `make check`) or TEST_TARGETS (run by `make test`).
CHECK_TARGETS := units vectors nanopb-cross protoc-cross vector-schema sanitize
TEST_TARGETS  := test-install
-include $(sort $(wildcard conformance/*.mk conformance/adapters/*/*.mk fuzz/*.mk bench/*.mk diagrams/*.mk examples/*/*.mk interop/*.mk tools/*/*.mk))

check: deps
	@$(MAKE) --no-print-directory all warnings codec-symbols freestanding tier1-alone
	@$(MAKE) --no-print-directory $(CHECK_TARGETS)

test: check
	@$(MAKE) --no-print-directory $(TEST_TARGETS)

# ---- install ------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libtracewire.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(CODEC_PUB) $(DESTDIR)$(INCLUDEDIR)/
	$(PC_SUBST) > $(DESTDIR)$(LIBDIR)/pkgconfig/tracewire.pc && chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/tracewire.pc
	install -m 755 $(B)/tracewire $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libtracewire.a $(DESTDIR)$(INCLUDEDIR)/tracewire.h $(DESTDIR)$(INCLUDEDIR)/tracewire_gateway.h \
	      $(DESTDIR)$(INCLUDEDIR)/tracewire_relay.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/tracewire.pc $(DESTDIR)$(BINDIR)/tracewire

# Install into a scratch prefix, build a program against it with pkg-config, run it, uninstall.
test-install:
	@d=$$(mktemp -d) && \
	$(MAKE) --no-print-directory install PREFIX=$$d/usr >/dev/null && \
	printf '%s\n' '#include <tracewire.h>' 'int main(void){tw_header_t h={0};return tw_header_decode(&h,(const unsigned char*)"",0);}' > $$d/t.c && \
	PKG_CONFIG_PATH=$$d/usr/lib/pkgconfig $(CC) $$d/t.c $$(PKG_CONFIG_PATH=$$d/usr/lib/pkgconfig pkg-config --cflags --libs tracewire) -o $$d/t && \
	$$d/t && $$d/usr/bin/tracewire version && \
	$(MAKE) --no-print-directory uninstall PREFIX=$$d/usr >/dev/null && \
	test ! -e $$d/usr/lib/libtracewire.a && rm -rf $$d && echo "test-install: 1 passed, 0 failed"

clean:
	rm -rf $(B)/test $(B)/asan $(GEN) $(B)/*.o $(B)/*.a $(B)/*.pc $(B)/tracewire
