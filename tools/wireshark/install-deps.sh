#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What make wireshark-test needs: tshark, installed without asking about setuid capture.
set -eu
[ "$(id -u)" = 0 ] && echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
exec sh "$(dirname "$0")/../apt-install.sh" wireshark tshark
