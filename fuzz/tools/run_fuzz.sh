#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run_fuzz.sh - runs each fuzz target under libFuzzer and/or AFL++ for a fixed time; fails on any finding, naming target and input.
# Usage: run_fuzz.sh FZ SECONDS "ENGINES" TARGET...
#   FZ       build directory (build/fuzz): binaries in FZ/libfuzzer, FZ/afl, FZ/replay;
#            seeds in FZ/seeds/TARGET; the growing corpus in FZ/corpus/TARGET
#   ENGINES  any of: libfuzzer afl
# Each run appends a line to FZ/stats/runs.tsv (the campaign table in
# fuzz/README.md is made from it) and prints a one-line summary. A finding
# (crash, invariant abort, timeout, out-of-memory; for AFL++ saved_crashes or
# saved_hangs above 0) is copied to FZ/findings/ENGINE-TARGET/, printed with
# its first bytes and the invariant message, and makes the script fail.
set -u
FZ=$1 SECS=$2 ENGINES=$3
shift 3
MAXLEN=${FUZZ_MAX_LEN:-20000}
mkdir -p "$FZ/stats" "$FZ/logs" "$FZ/findings"
stats="$FZ/stats/runs.tsv"
[ -f "$stats" ] || printf 'date\tengine\ttarget\tseconds\texecs\texecs_per_sec\tcoverage\tcorpus\tfindings\n' > "$stats"
runs=0 bad=0

show_finding() { # engine target file
  echo "FINDING: target $2 ($1): input $3 ($(wc -c < "$3") bytes)"
  echo "  first bytes: $(od -An -tx1 -N48 "$3" | tr -s ' \n' ' ')"
  echo "  reproduce:   $FZ/replay/$2 $2 $3"
  if [ -x "$FZ/replay/$2" ]; then
    "$FZ/replay/$2" "$2" "$3" 2>&1 | grep -E 'invariant|FAILED|fault|Sanitizer' | head -n 4 | sed 's/^/  /'
  fi
}

dirs_of() { # target: the input directories that exist
  for d in "$FZ/corpus/$1" "$FZ/seeds/$1" "fuzz/corpus/$1" "fuzz/regressions/$1"; do
    [ -d "$d" ] && printf '%s ' "$d"
  done
}

run_libfuzzer() {
  t=$1 log="$FZ/logs/libfuzzer-$t.log" art="$FZ/findings/libfuzzer-$t"
  rm -rf "$art" && mkdir -p "$art" "$FZ/corpus/$t"
  dict=""
  [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
  # shellcheck disable=SC2046,SC2086
  "$FZ/libfuzzer/$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len="$MAXLEN" \
    -print_final_stats=1 -artifact_prefix="$art/" $dict $(dirs_of "$t") > "$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  found=$(find "$art" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  [ "$rc" != 0 ] && [ "$found" = 0 ] && found=1
  report libfuzzer "$t" "${execs:-0}" "${eps:-0}" "${cov:-0} edges" "${corp:-0}" "$found"
  if [ "$found" != 0 ]; then
    for f in $(find "$art" -type f); do show_finding libfuzzer "$t" "$f"; done
    [ "$(find "$art" -type f | wc -l)" = 0 ] && { echo "FINDING: target $t (libfuzzer) exited $rc; log $log:"; tail -n 15 "$log"; }
  fi
}

run_afl() {
  t=$1 log="$FZ/logs/afl-$t.log" in="$FZ/afl-in/$t" out="$FZ/afl-out/$t" art="$FZ/findings/afl-$t"
  rm -rf "$in" "$out" "$art" && mkdir -p "$in" "$art" "$FZ/corpus/$t" "$FZ/afl-out"
  # AFL++ takes one input directory: seeds, kept corpus and regressions, non-empty
  # files only. Names do not collide across them except for identical copies
  # (hash-named corpus files), which then simply dedupe.
  # shellcheck disable=SC2046
  find $(dirs_of "$t") -type f -size +0 -size -"$MAXLEN"c -exec cp -t "$in" {} + 2>/dev/null
  [ -n "$(ls "$in")" ] || printf '\0' > "$in/seed0"
  dict=""
  [ -f "fuzz/dict/$t.dict" ] && dict="-x fuzz/dict/$t.dict"
  # shellcheck disable=SC2086
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_TRY_AFFINITY=1 \
  AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 AFL_BENCH_UNTIL_CRASH=1 AFL_NO_CRASH_README=1 AFL_QUIET=1 \
    afl-fuzz -i "$in" -o "$out" -m none -t 2000 -V "$SECS" $dict -c "$FZ/afl/$t.cmplog" -- "$FZ/afl/$t" > "$log" 2>&1
  rc=$?
  st="$out/default/fuzzer_stats"
  if [ ! -f "$st" ]; then
    report afl "$t" 0 0 "-" 0 1
    echo "FINDING: target $t (afl): AFL++ did not start (exit $rc), often because an input crashes; log $log:"
    grep -E 'PROGRAM ABORT|crash|Location' "$log" | head -n 5 | sed 's/^/  /'
    for f in "$in"/*; do
      if ! "$FZ/replay/$t" "$t" "$f" > /dev/null 2>&1; then show_finding afl "$t" "$f"; fi
    done
    return
  fi
  val() { sed -n "s/^$1 *: *//p" "$st"; }
  crashes=$(val saved_crashes) hangs=$(val saved_hangs)
  found=$((${crashes:-0} + ${hangs:-0}))
  report afl "$t" "$(val execs_done)" "$(val execs_per_sec)" "$(val edges_found) edges ($(val bitmap_cvg))" \
    "$(val corpus_count)" "$found"
  for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [ -f "$f" ] || continue
    g="$art/$(basename "$(dirname "$f")")-$(cksum < "$f" | cut -d' ' -f1)"
    cp "$f" "$g"
    show_finding afl "$t" "$g"
  done
  # Keep what AFL++ found for the next runs of either engine.
  for f in "$out"/default/queue/id:*; do
    [ -f "$f" ] && cp "$f" "$FZ/corpus/$t/afl-$(cksum < "$f" | cut -d' ' -f1)"
  done
}

report() { # engine target execs eps cov corpus findings
  runs=$((runs + 1))
  [ "$7" != 0 ] && bad=$((bad + 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$SECS" "$3" "$4" "$5" "$6" "$7" >> "$stats"
  printf 'fuzz: %-10s %-20s %ss  execs %-10s exec/s %-8s cov %-22s corpus %-6s findings %s\n' "$1" "$2" "$SECS" "$3" "$4" "$5" "$6" "$7"
}

for t in "$@"; do
  for e in $ENGINES; do
    case "$e" in
      libfuzzer) run_libfuzzer "$t" ;;
      afl) run_afl "$t" ;;
      *) echo "run_fuzz.sh: unknown engine $e" >&2; exit 2 ;;
    esac
  done
done
echo "fuzz: $((runs - bad)) passed, $bad failed"
[ "$bad" = 0 ]
