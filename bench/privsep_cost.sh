#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The collector's cost before and after privilege separation (issue 12: it must not rise by
# more than 10 % at 100 ms), side by side in one run: the release build of REV (default
# 81eb3de, the last commit before privilege separation landed) is built in a temporary
# worktree, then bench/collector.py runs its perfcollectord at 100 ms beside this build's, all
# started together. Prints collector.py's table and the "before" ratios.
# Usage: bench/privsep_cost.sh BINDIR [SECONDS]   (REV=... to compare another commit)
set -euo pipefail
bin=$(cd "${1:?usage: privsep_cost.sh BINDIR [SECONDS]}" && pwd)
secs=${2:-${BENCH_SECONDS:-60}}
root=$(cd "$(dirname "$0")/.." && pwd)
rev=${REV:-81eb3de}
wt=$(mktemp -d /tmp/pc-before.XXXXXX)
cleanup() { git -C "$root" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"; }
trap cleanup EXIT
git -C "$root" worktree add -q --detach "$wt" "$rev"
echo "privsep_cost: building $rev (before) in $wt" >&2
make -C "$wt" -j"$(nproc)" all >"$wt/build.log" 2>&1 || { tail -n 20 "$wt/build.log"; exit 1; }
BEFORE_BINDIR="$wt/build/bin" python3 "$root/bench/collector.py" "$bin" "$secs"
