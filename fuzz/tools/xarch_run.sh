#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xarch_run.sh - runs the cross-built unit suites, vector runner and fuzz replay of one architecture, with a closing summary.
# Usage: xarch_run.sh LABEL DIR VECTORS SEEDDIR "UNITS" "TARGETS"
#   RUN (environment): the runner prefix (qemu-user), empty to run natively.
set -u
label=$1 dir=$2 vectors=$3 seeds=$4 units=$5 targets=$6
ok=0 bad=0
# shellcheck disable=SC2086 # RUN is a word list
echo "$label: $(${RUN:-} "$dir/probe"), run by ${RUN:-the host kernel}"
for t in $units; do
  # shellcheck disable=SC2086
  if ${RUN:-} "$dir/$t" > "$dir/$t.log" 2>&1; then
    echo "  $t: $(grep -E 'PASSED|FAILED' "$dir/$t.log" | tail -n 1)"; ok=$((ok + 1))
  else
    tail -n 30 "$dir/$t.log"; echo "$label: $t FAILED"; bad=$((bad + 1))
  fi
done
# shellcheck disable=SC2086
if ${RUN:-} "$dir/vectors" "$vectors" > "$dir/vectors.log" 2>&1; then
  echo "  vectors: $(grep -E 'PASSED|FAILED' "$dir/vectors.log" | tail -n 1)"; ok=$((ok + 1))
else
  grep -E 'FAILED|expected|actual' "$dir/vectors.log" | head -n 30; echo "$label: vectors FAILED"; bad=$((bad + 1))
fi
# shellcheck disable=SC2086
if RUN="${RUN:-}" sh fuzz/tools/replay_all.sh "$label-replay" "$dir/replay" "$seeds" $targets; then
  ok=$((ok + 1))
else
  bad=$((bad + 1))
fi
echo "$label: $ok passed, $bad failed"
[ "$bad" = 0 ]
