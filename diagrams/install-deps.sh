#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what `make diagrams` and `make diagrams-check` need on Debian 12:
# Graphviz (`dot`), PlantUML (which pulls in a Java runtime) and the DejaVu
# fonts the figures name. Root: installs. Otherwise: prints the exact
# command and fails.
set -eu

PKGS="graphviz plantuml fonts-dejavu-core fonts-dejavu-extra"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "diagrams: missing packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "diagrams: installing$missing" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
