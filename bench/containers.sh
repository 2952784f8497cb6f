#!/usr/bin/env bash
# The container reader's cost alone (tools/perfcontainers: scan + read of every container each
# interval), with 0, 10, 100 and 500 docker-shaped cgroups made here, each holding one sleeping
# process, at 1 s and 100 ms. Prints CPU % of one core and us per container per read; then the
# whole collector (perfcollectord --mode=local --no-bpf, containers from the registry's 1 s
# row) over the same run: its CPU (user + system, start-up included) as % of one core. Figures,
# not pass/fail. Needs root; removes every cgroup it made (processes moved out first).
# BENCH_CT_COUNTS="0 10" and BENCH_CT_SECONDS=10 change the run.
set -uo pipefail
bin=${1:-build/bin}
cg=/sys/fs/cgroup
counts=${BENCH_CT_COUNTS:-0 10 100 500}
secs=${BENCH_CT_SECONDS:-10}
if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root to make cgroups"
	exit 0
fi
if [ -f "$cg/cgroup.controllers" ]; then
	mode=v2 ctrls=(.) members=cgroup.procs
	grp() { echo "$cg/system.slice/docker-$1.scope"; }
else
	mode=v1 ctrls=() members=tasks
	for c in cpu cpuacct memory pids blkio; do [ -d "$cg/$c" ] && ctrls+=("$c"); done
	grp() { echo "$cg/$2/docker/$1"; }
fi
dirs=() parents=() pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for d in "${dirs[@]}"; do
		[ -f "$d/$members" ] && while read -r t; do
			echo "$t" >"$(dirname "$(dirname "$d")")/$members" 2>/dev/null
		done <"$d/$members"
		rmdir "$d" 2>/dev/null
	done
	for d in "${parents[@]}"; do rmdir "$d" 2>/dev/null; done
	dirs=() parents=() pids=()
}
trap cleanup EXIT

make_containers() {
	local n=$1 i id c d files
	for ((i = 0; i < n; i++)); do
		id=$(printf 'beec%060x' "$i")
		files=()
		for c in "${ctrls[@]}"; do
			d=$(grp "$id" "$c")
			if [ ! -d "$(dirname "$d")" ]; then
				mkdir "$(dirname "$d")" && parents+=("$(dirname "$d")")
			fi
			mkdir "$d" && dirs+=("$d") && files+=("$d/$members")
		done
		bash -c 'for f in "$@"; do echo $$ >"$f"; done; exec sleep 3600' _ "${files[@]}" &
		pids+=($!)
	done
}

# The collector's CPU (user + system by time(1)) over a run of secs at iv ms.
collector() {
	local out=$tmpd/c.pcol t
	/usr/bin/time -o "$tmpd/time" -f '%U %S' "$bin/perfcollectord" --mode=local --no-bpf \
		--frequency="$2ms" --duration="${secs}s" --output="$out" 2>/dev/null || return
	t=$(cat "$tmpd/time")
	awk -v n="$1" -v iv="$2" -v s="$secs" -v t="$t" -v b="$(stat -c %s "$out")" 'BEGIN {
		split(t, a, " "); printf "%-11s %5d ms  perfcollectord %.3f %% of one core, %d bytes\n",
			n, iv, (a[1] + a[2]) / s * 100, b }'
	rm -f "$out"
}
tmpd=$(mktemp -d /tmp/pc-bench-ct.XXXXXX)
trap 'cleanup; rm -rf "$tmpd"' EXIT

echo "cgroup $mode ($(nproc) CPUs, $(uname -r)); perfcontainers scan + read every interval"
printf '%-11s %-9s %-8s %-10s %-10s %-12s\n' containers interval passes scan_us read_us us/container
for n in $counts; do
	make_containers "$n"
	for iv in 1000 100; do
		cnt=$((secs * 1000 / iv))
		line=$("$bin/perfcontainers" --quiet --interval=$iv --count=$cnt | tail -1)
		python3 - "$n" "$iv" "$line" <<'PY'
import json, sys
n, iv, line = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])["cost"]
print(f"{n:<11} {iv:>5} ms  {line['passes']:<8} {line['scan_us']:<10.0f} {line['read_us']:<10.0f} "
      f"{line['read_us_per_container']:<12.1f} = {line['cpu_pct_of_core']:.3f} % of one core")
PY
		collector "$n" "$iv"
	done
	cleanup
done
