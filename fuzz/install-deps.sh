#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what the fuzz/ make targets need on Debian 12, by group:
#   fuzz   libFuzzer (clang 14), AFL++, gcovr
#   s390x  big-endian run: s390x cross compiler, qemu-user, s390x cmocka and
#          jansson through Debian multiarch
#   i386   32-bit run: i686 cross compiler, i386 cmocka and jansson through
#          multiarch (gcc-multilib conflicts with the s390x cross compiler in
#          Debian 12, so -m32 is not used)
# Root: adds the foreign architecture if needed, then installs what is missing
# (tools/apt-install.sh). Otherwise: prints the exact commands and fails.
# Usage: sh fuzz/install-deps.sh GROUP...
set -eu

[ $# -gt 0 ] || { echo "usage: $0 fuzz|s390x|i386 ..." >&2; exit 2; }

pkgs=""
archs=""
for g in "$@"; do
  case "$g" in
    fuzz)  pkgs="$pkgs clang-14 libfuzzer-14-dev libclang-rt-14-dev afl++ gcovr" ;;
    s390x) pkgs="$pkgs gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user libcmocka-dev:s390x libjansson-dev:s390x"
           archs="$archs s390x" ;;
    i386)  pkgs="$pkgs gcc-i686-linux-gnu libc6-dev-i386-cross libcmocka-dev:i386 libjansson-dev:i386"
           archs="$archs i386" ;;
    *) echo "$0: unknown group $g" >&2; exit 2 ;;
  esac
done

newarch=""
for a in $archs; do
  [ "$a" = "$(dpkg --print-architecture)" ] && continue
  dpkg --print-foreign-architectures | grep -qx "$a" || newarch="$newarch $a"
done
if [ -n "$newarch" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "fuzz/: packages for '$*' need Debian multiarch. Run as root:" >&2
    for a in $newarch; do echo "  dpkg --add-architecture $a" >&2; done
    echo "  apt-get update && apt-get install -y --no-install-recommends$pkgs" >&2
    exit 1
  fi
  # apt-get update runs in apt-install.sh below, as packages of the new
  # architecture are then missing.
  for a in $newarch; do dpkg --add-architecture "$a"; done
fi
# shellcheck disable=SC2086 # a word list on purpose
exec sh tools/apt-install.sh "fuzz/ ($*)" $pkgs
