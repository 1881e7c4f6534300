#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install Debian packages a make target needs: as root, install the missing
# ones; otherwise print the exact command and fail.
# Usage: sh tools/apt-install.sh LABEL PACKAGE...
set -eu
label=$1
shift
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "$label: missing packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "$label: installing$missing" >&2
apt-get update -qq || echo "$label: apt-get update reported errors; trying the install with the lists at hand" >&2
apt-get install -y -qq --no-install-recommends $missing >/dev/null
