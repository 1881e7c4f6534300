#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# known_bugs.sh - replays each known-bug reproducer without its tolerance and says whether the bug is still open.
# Usage: known_bugs.sh STRICT_BINDIR FILE...   (FILE = fuzz/regressions/TARGET/known-ID-description)
# Informational: always exits 0. A bug that no longer reproduces has been
# fixed in the codec; its tolerance (TWF_KNOWN_BUG("ID", ...)) can then go.
set -u
bindir=$1
shift
open=0 fixed=0
for f in "$@"; do
  t=$(basename "$(dirname "$f")")
  id=$(basename "$f" | cut -d- -f2)
  if "$bindir/$t" "$t" "$f" > /dev/null 2>&1; then
    echo "fuzz-known: $id FIXED: $f passes without its tolerance; remove TWF_KNOWN_BUG(\"$id\") from fuzz/targets/$t.c"
    fixed=$((fixed + 1))
  else
    echo "fuzz-known: $id open: $f (codec bug, reported; see fuzz/README.md)"
    open=$((open + 1))
  fi
done
echo "fuzz-known: $open open, $fixed fixed"
