#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what `make wireshark-test` needs on Debian 12: tshark (Wireshark's
# command-line reader, with its Lua engine). Root: installs, without the
# debconf question about non-root capture. Otherwise: prints the exact
# command and fails.
set -eu

PKGS="tshark"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "wireshark: missing packages. Run as root:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "wireshark: installing$missing" >&2
# Answer the wireshark-common question (may non-root users capture?) with
# "no" before it is asked; the test reads a capture file and captures nothing.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
