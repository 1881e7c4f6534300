#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# replay_all.sh - replays the seeds, the kept corpus and the regression inputs through each target's plain replay binary.
# Usage: replay_all.sh LABEL BINDIR SEEDDIR TARGET...
#   RUN (environment) prefixes each command, e.g. "qemu-s390x -L /usr/s390x-linux-gnu".
#   EXTRA_CORPUS (environment) is one more directory holding a corpus per target.
# Prints one line per target and a closing "LABEL: N passed, N failed".
set -u
label=$1 bindir=$2 seeddir=$3
shift 3
total=0 failed=0
for t in "$@"; do
  dirs="$seeddir/$t fuzz/corpus/$t fuzz/regressions/$t"
  [ -n "${EXTRA_CORPUS:-}" ] && dirs="$dirs $EXTRA_CORPUS/$t"
  # shellcheck disable=SC2086 # RUN and dirs are word lists on purpose
  if out=$(${RUN:-} "$bindir/$t" "$t" $dirs 2>&1); then
    line=$(printf '%s\n' "$out" | tail -n 1)
    echo "  $line"
    n=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    total=$((total + ${n:-0}))
  else
    printf '%s\n' "$out" | tail -n 20
    echo "$label: target $t FAILED (reproduce: ${RUN:+$RUN }$bindir/$t $t FILE)"
    failed=$((failed + 1))
  fi
done
echo "$label: $total passed, $failed failed"
[ "$failed" = 0 ]
