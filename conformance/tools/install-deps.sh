#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what the conformance targets need on Debian 12: the C adapter's
# build (compiler, jansson), protoc and python3-protobuf for the
# protobuf-python cross-check. Root: installs. Otherwise: prints the exact
# command and fails.
set -eu

PKGS="build-essential libjansson-dev python3 protobuf-compiler python3-protobuf"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "tracewire conformance: missing packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "tracewire conformance: installing$missing" >&2
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
