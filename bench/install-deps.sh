#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what bench/ needs on Debian 12: valgrind (callgrind and its
# valgrind/callgrind.h client-request header, which Debian ships in the
# valgrind package itself), protobuf-c (library, headers, protoc-c) and the
# 32-bit ARM cross compiler for `make footprint`. Root: installs. Otherwise:
# prints the exact command and fails.
set -eu

PKGS="valgrind libprotobuf-c-dev protobuf-c-compiler gcc-arm-linux-gnueabihf"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "bench: missing packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
echo "bench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "bench: apt-get update reported errors; trying the install anyway" >&2
apt-get install -y -qq $missing >/dev/null
