#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what `make check` needs on Debian 12, and fetch nanopb's runtime
# sources (the binary packages do not ship them). Root: installs. Otherwise:
# prints the exact commands and fails.
set -eu

PKGS="build-essential clang protobuf-compiler nanopb libcmocka-dev libjansson-dev \
pkg-config python3 python3-jsonschema python3-protobuf"
NANOPB_DIR=${NANOPB_DIR:-build/nanopb-src}

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

# Node and npm: the machine's own when present (Debian's npm conflicts with
# other Node builds), Debian's otherwise.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

need_src=0
[ -f "$NANOPB_DIR/pb_decode.c" ] || need_src=1

if [ -n "$missing" ] || [ "$need_src" = 1 ]; then
if [ "$(id -u)" != 0 ]; then
  echo "tracewire: missing build dependencies. Run as root:" >&2
  [ -n "$missing" ] && echo "  apt-get update && apt-get install -y$missing" >&2
  [ "$need_src" = 1 ] && echo "  make deps   # also fetches nanopb's runtime sources (apt-get source nanopb)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
updated=0
if [ -n "$missing" ]; then
  echo "tracewire: installing$missing" >&2
  apt-get update -qq || echo "tracewire: apt-get update reported errors; trying with the lists it has" >&2
  updated=1
  apt-get install -y -qq $missing >/dev/null
fi

if [ "$need_src" = 1 ]; then
  # apt-get source needs a deb-src entry: derive one from the deb entry.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        > /etc/apt/sources.list.d/tracewire-deb-src.sources
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/tracewire-deb-src.list
    fi
    updated=0
  fi
  [ "$updated" = 1 ] || apt-get update -qq || true
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source -qq --download-only nanopb >/dev/null 2>&1)
  mkdir -p "$NANOPB_DIR"
  tar -xzf "$tmp"/nanopb_*.orig.tar.gz -C "$NANOPB_DIR" --strip-components=1
  rm -rf "$tmp"
  [ -f "$NANOPB_DIR/pb_decode.c" ] || { echo "tracewire: could not fetch nanopb sources" >&2; exit 1; }
fi
fi

# npm packages (OpenTelemetry propagators, protobufjs), pinned by package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
