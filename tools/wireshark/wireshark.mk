# SPDX-License-Identifier: Apache-2.0
# tools/wireshark/wireshark.mk - the Wireshark dissector's test: frames captured on 127.0.0.1, read by tshark with tracewire.lua.
#
#   make wireshark-test   capture (dumpcap on lo, or a pcap written directly when that is not
#                         possible), then compare every field tshark prints with what was sent
#                         and with the conformance vectors (part of make check)

WS_B := $(B)/wireshark

.PHONY: wireshark-test wireshark-deps

wireshark-deps:
	@sh tools/wireshark/install-deps.sh

wireshark-test: wireshark-deps
	@$(PYTHON) tools/wireshark/test_dissector.py $(WS_B)

CHECK_TARGETS += wireshark-test
