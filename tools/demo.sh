#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A short tour of the tracewire CLI: what a protocol author does first.
set -eu
tw=${1:-build/tracewire}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step tracewire new uuid7
$tw new uuid7

step tracewire encode --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --span-id 00f067aa0ba902b7 --sampled
min=$($tw encode --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --span-id 00f067aa0ba902b7 --sampled)
echo "$min"
echo "(${#min} hex digits = $(( ${#min} / 2 )) bytes: the minimal header)"

step tracewire decode "$min"
$tw decode "$min"

step "tracewire encode --new --sampled --tracestate 'congo=t61rcWkgMzE' --baggage 'task.kind=transcode' --block"
blk=$($tw encode --new --sampled --tracestate 'congo=t61rcWkgMzE' --baggage 'task.kind=transcode' --block)
echo "$blk"

step tracewire decode --block "$blk"
$tw decode --block "$blk"

step tracewire decode --json "$min"
$tw decode --json "$min"

step "tracewire decode 0a10 (a header cut short: a named error, never a crash)"
$tw decode 0a10 || true
