#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_fanout.sh: one perfprocessord against 64 and then 256 perfcollectord on loopback,
# each sampling at 10 Hz. The collectors read a small /proc snapshot (--root: a lightweight
# sampler, so that 256 of them fit on this machine beside the processor); everything else
# (SSH, batches, spool, acknowledgements, the store's grouped fsync) is the real thing.
# Prints per fan-out: samples/s stored, processor CPU % (of one core), processor RSS,
# end-to-end latency p50/p99 (sample deadline -> durable in the store), and the loss check
# (every sample of every run stored exactly once: "lost 0").
# Usage: bench/remote_fanout.sh [BINDIR] [SECONDS] [FANOUTS...]
set -uo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
secs=${2:-30}
shift 2 2>/dev/null
fanouts=("$@")
[ ${#fanouts[@]} -eq 0 ] && fanouts=(64 256)
. "$(dirname "$0")/remote_fanout.lib"

for n in "${fanouts[@]}"; do
	fanout_run "$n" "$secs"
done
