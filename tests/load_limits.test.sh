#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# load_limits.test.sh: the load tools respect the machine (issue 12 item 7). Inside a memory
# cgroup of 300 MB made here (v1 memory.limit_in_bytes on a hybrid machine, v2 memory.max
# otherwise; a child of this process's own cgroup, removed on exit), perfload memory refuses
# a size the cgroup cannot hold, saying MemAvailable and the cgroup's limit, and perfreplay's
# memory replay caps at what the cgroup allows instead of being OOM-killed. perfload cpu
# refuses a slice under 1 ms and ends on time with the shortest one.
set -uo pipefail
bin=${PC_BIN:?}
T=$(mktemp -d /tmp/pcload.XXXXXX)
CG=
cleanup() {
	local p
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		# anything of ours left inside (a command the timeout did not end): by PID
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$CG" 2>/dev/null && break; sleep 0.2; done
		[ -d "$CG" ] && echo "WARNING: could not remove $CG"
	fi
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
LIMIT=$((300 * 1024 * 1024))

# --- CPU: the shortest slice, and its duration honoured
out=$("$bin/perfload" cpu --percent=50 --slice=1ns --duration=1s 2>&1) && fail "--slice=1ns accepted: $out"
grep -q 'at least 1ms' <<<"$out" || fail "--slice=1ns: $out"
start=$(date +%s%N)
timeout 10 "$bin/perfload" cpu --percent=50 --slice=1ms --duration=1s >"$T/cpu.out" 2>&1 ||
	fail "perfload cpu --slice=1ms: $(cat "$T/cpu.out")"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 4000 ] || fail "a 1 s run with 1 ms slices took $ms ms"
ok "--slice=1ns refused (at least 1ms); --slice=1ms --duration=1s ended after $ms ms"

# --- memory without a cgroup: 1000 GiB refused before anything is mapped
out=$(timeout 10 "$bin/perfload" memory --size=1000GiB --duration=1s 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "--size=1000GiB: exit $rc: $out"
grep -q 'is more than this process can take: MemAvailable' <<<"$out" || fail "--size=1000GiB: $out"
ok "perfload memory --size=1000GiB: $(tail -n 1 <<<"$out" | cut -c1-160)"

# --- a 300 MB memory cgroup under our own
[ "$(id -u)" = 0 ] || { echo "SKIP: the cgroup part needs root"; exit 77; }
own=$(sed -n 's/^[0-9]*:\([^:]*,\)\{0,1\}memory\(,[^:]*\)\{0,1\}:\(.*\)$/\3/p' /proc/self/cgroup)
if [ -n "$own" ] && [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	CG=/sys/fs/cgroup/memory${own%/}/pcload.$$
	mkdir "$CG" && echo "$LIMIT" >"$CG/memory.limit_in_bytes" || fail "cannot make $CG"
	kind="v1 memory.limit_in_bytes"
else
	base=/sys/fs/cgroup
	[ -f $base/cgroup.controllers ] || base=/sys/fs/cgroup/unified
	own=$(sed -n 's/^0::\(.*\)$/\1/p' /proc/self/cgroup)
	grep -qw memory "$base${own%/}/cgroup.subtree_control" 2>/dev/null ||
		{ echo "SKIP: no v1 memory hierarchy and no v2 memory controller below $base$own"; exit 77; }
	CG=$base${own%/}/pcload.$$
	mkdir "$CG" && echo "$LIMIT" >"$CG/memory.max" || fail "cannot make $CG"
	kind="v2 memory.max"
fi
# in_cg CMD...: CMD alone in the cgroup (this shell stays outside)
in_cg() { timeout 60 bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG" "$@"; }

out=$(in_cg "$bin/perfload" memory --size=1GiB --duration=1s 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "--size=1GiB in a 300 MB cgroup: exit $rc: $out"
grep -q 'MemAvailable [0-9.]* MiB, cgroup limit 300.0 MiB with' <<<"$out" || fail "message: $out"
ok "in a 300 MB cgroup ($kind) --size=1GiB refused: $(tail -n 1 <<<"$out" | cut -c1-200)"
out=$(in_cg "$bin/perfload" memory --size=32MiB --duration=1s 2>&1) || fail "--size=32MiB in the cgroup: $out"
ok "--size=32MiB fits: $out"

# perfreplay: a recording that grows by 1.9 GiB, replayed inside the cgroup: capped, not killed
"$bin/perfload" synth --output="$T/mem.pcol" --mem=steps:100,2000,2000 --duration=3s \
	--interval=1s >/dev/null || fail "perfload synth"
out=$(in_cg "$bin/perfreplay" --input="$T/mem.pcol" --mode=memory --mem-base=recording --speed=2 2>&1)
rc=$?
[ "$rc" = 0 ] || fail "perfreplay in the cgroup: exit $rc (137 is the OOM killer): $out"
grep -q 'can be held safely (MemAvailable [0-9.]* MiB, cgroup limit 300.0 MiB' <<<"$out" ||
	fail "perfreplay did not cap at the cgroup: $out"
grep -q 'oom_kill [1-9]' "$CG/memory.oom_control" 2>/dev/null && fail "the OOM killer ran in $CG"
ok "perfreplay in the cgroup: $(grep 'held safely' <<<"$out" | cut -c1-220)"
echo PASS
