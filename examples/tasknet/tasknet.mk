# SPDX-License-Identifier: Apache-2.0
# examples/tasknet/tasknet.mk - the example P2P task network: build it, run it, test it.
#
#   make tasknet        build build/tasknet/{tasknet,tasknet-peer,tasknet-view}
#   make tasknet-demo   run a whole network on 127.0.0.1 and print the trace view
#   make tasknet-test   automated checks over a run (part of make check)

TN_DIR    := examples/tasknet
TN_B      := $(B)/tasknet
TN_CFLAGS := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Wpedantic -Wshadow -Werror -O2 -g -Icodec -I$(TN_DIR)
TN_LIBS   := $(B)/libtracewire.a -ljansson

# Shared by the peers and the driver; the view needs only the first two.
TN_COMMON := clock io net context frame msg span otlp zipkin http export log sampler retention record
TN_PEER   := peer peer_main role_submitter role_relay role_coordinator role_executor role_aggregator
TN_VIEW   := clock io view_load view_print view_main
TN_O       = $(addprefix $(TN_B)/obj/,$(addsuffix .o,$(1)))
TN_BINS   := $(TN_B)/tasknet $(TN_B)/tasknet-peer $(TN_B)/tasknet-view

.PHONY: tasknet tasknet-demo tasknet-test

$(TN_B)/obj:
	@mkdir -p $@

$(TN_B)/obj/%.o: $(TN_DIR)/%.c $(wildcard $(TN_DIR)/*.h) $(CODEC_PUB) | $(TN_B)/obj
	$(CC) $(TN_CFLAGS) -c $< -o $@

$(TN_B)/tasknet-peer: $(call TN_O,$(TN_COMMON) $(TN_PEER)) $(B)/libtracewire.a
	$(CC) $(call TN_O,$(TN_COMMON) $(TN_PEER)) $(TN_LIBS) -o $@
$(TN_B)/tasknet: $(call TN_O,$(TN_COMMON) driver probe) $(B)/libtracewire.a
	$(CC) $(call TN_O,$(TN_COMMON) driver probe) $(TN_LIBS) -o $@
$(TN_B)/tasknet-view: $(call TN_O,$(TN_VIEW))
	$(CC) $(call TN_O,$(TN_VIEW)) -ljansson -o $@

tasknet: $(TN_BINS)

# `make demo` points here. deps first (packages, npm ci), then the files.
tasknet-demo: deps
	@$(MAKE) --no-print-directory tasknet
	@$(TN_B)/tasknet --out $(TN_B)/demo
	@echo
	@$(TN_B)/tasknet-view $(TN_B)/demo

tasknet-test: deps
	@$(MAKE) --no-print-directory tasknet
	@node $(TN_DIR)/tests/tasknet_test.js --bin $(TN_B) --work $(TN_B)/test

CHECK_TARGETS += tasknet-test
