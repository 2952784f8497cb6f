#!/usr/bin/env bash
# Replay fidelity figures (issues 5 and 13): synthetic CPU traces (steps, 1 Hz square wave, random
# walk) at 1 s and 100 ms, replayed with the same shape (2 workers) and fitted 2-onto-1 (cpuset
# CPU 0), each with the slice phase of today (spread) and of before (start) side by side in one
# run; more shapes (4 recorded CPUs onto 2, 1 onto 2, same shape on a --cpus subset) per CPU;
# memory and disk traces; and stress-ng --cpu-load at fixed levels measured the same two ways.
# Every CPU figure is by two observers that are not the generator (tests/replay_report.py):
#   other   the other work during the replay, % of the machine (measured exactly);
#   cgroup  the workers' group's exact accounting: MAE / max pp per interval, MAE on the intervals
#           without other work on the workers' CPUs ("quiet", and how many), total work %;
#   stat    /proc/stat of the whole machine (what sar shows; tick-sampled on this kernel): MAE /
#           p95 / max against the target, then MAE / p95 against what ran (target + the other work
#           the report measured exactly), the tick noise a load unrelated to the tick would show
#           for it (fidelity__tick_noise), and the ratio MAE / noise.
# Issue 13's targets at 1 s: stat MAE <= 1.5 pp and <= 2 x noise, cgroup MAE <= 0.1 pp, work
# within 0.5 %. Prints figures; never fails on them.
#   usage: bench/replay_fidelity.sh [BIN_DIR]   BENCH_REPLAY_SECONDS=20 (length of each 1 s trace)
set -uo pipefail
PC_BIN=$(cd "${1:-build/bin}" && pwd)
export PC_BIN
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/replay_lib.sh"
t=$rl_tmp
secs=${BENCH_REPLAY_SECONDS:-20}
fast=$((secs / 2 > 4 ? secs / 2 : 4))

echo "date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); tick $(python3 -c 'import time; print(round(1 / time.clock_getres(6)))  # CLOCK_MONOTONIC_COARSE') Hz"
echo "background load before: $(rl_background) % of all CPUs (targets assume an idle machine)"

# row LABEL NAME [--percpu]: one line of figures from NAME's report.
row() {
	local label=$1 name=$2
	shift 2
	python3 "$here/../tests/replay_report.py" "$t/$name" --row "$label" "$@"
}
head_row() {
	printf '%-24s %4s %5s | %-6s %-6s %-6s %3s %-7s | %-6s %-6s %-6s | %-5s %-5s %-5s %-5s\n' \
		trace n other "cg MAE" max "quiet" n work% "st MAE" p95 max "vsRan" p95 noise ratio
}
# replay NAME ARGS...: quietly, report in $t/NAME.csv; other sessions share this machine in
# bursts, so a replay that met more than BENCH_MAX_OTHER % (3) of other work is done again, up
# to BENCH_TRIES (4) times in all (the row says how much there was in the one kept).
replay() {
	local name=$1 try
	shift
	for try in $(seq "${BENCH_TRIES:-4}"); do
		rl_replay "$name" --mode=cpu "$@" >/dev/null
		python3 -c "import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))" \
			"$(python3 "$here/../tests/replay_report.py" "$t/$name" --other)" \
			"${BENCH_MAX_OTHER:-3}" && break
	done
}

echo
echo "== CPU: the slice phase of today (spread) and of before (start), side by side"
head_row
for iv in 1s 100ms; do
	dur=$([ "$iv" = 1s ] && echo "$secs" || echo "$fast")
	for shape in steps:5,55,30 square:10,70,1s walk:7; do
		name="${shape%%:*}-$iv"
		half="${shape/55/27.5}" half="${half/70/35}"
		"$PC_BIN/perfload" synth --cpu="$shape" --cpus=2 --interval="$iv" --duration="${dur}s" \
			--output="$t/$name.pcol"
		"$PC_BIN/perfload" synth --cpu="$half" --cpus=2 --interval="$iv" --duration="${dur}s" \
			--output="$t/h$name.pcol"
		for ph in spread start; do
			replay "same-$name-$ph" --input="$t/$name.pcol" --phase="$ph"
			row "$name same $ph" "same-$name-$ph"
			replay "fit1-$name-$ph" --input="$t/h$name.pcol" --shape=fit --cpus=0 --phase="$ph"
			row "$name 2->1 $ph" "fit1-$name-$ph"
		done
	done
done

echo
echo "== CPU shapes, per CPU by both observers (1 s random walk, phase spread)"
head_row
"$PC_BIN/perfload" synth --cpu=walk:11 --cpus=4 --interval=1s --duration="${fast}s" --output="$t/w4.pcol"
"$PC_BIN/perfload" synth --cpu=walk:13 --cpus=1 --interval=1s --duration="${fast}s" --output="$t/w1.pcol"
replay fit4to2 --input="$t/w4.pcol" --shape=fit
row "4 CPUs -> 2 (fit)" fit4to2 --percpu
replay fit1to2 --input="$t/w1.pcol" --shape=fit
row "1 CPU -> 2 (fit)" fit1to2 --percpu
replay same1on1 --input="$t/w1.pcol" --cpus=1
row "1 CPU same, --cpus=1" same1on1 --percpu

echo
echo "== memory and disk traces"
"$PC_BIN/perfload" synth --mem=walk:3 --interval=1s --duration="${secs}s" --output="$t/mem.pcol"
rl_replay mem --input="$t/mem.pcol" --mode=memory --mem-base=recording >/dev/null
grep '^fidelity mem_mib' "$t/mem.err"
python3 - "$t/mem.csv" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
bad = [x for x in r if abs(float(x["mem_mib_achieved"]) - float(x["mem_mib_target"]))
       > max(0.01 * float(x["mem_mib_target"]), 16)]
print(f"memory: {len(r) - len(bad)} of {len(r)} seconds within max(1 %, 16 MiB)")
PY
"$PC_BIN/perfload" synth --disk-read=steps:4,16,8 --disk-write=steps:2,8,1 --io-size=64 --interval=1s \
	--duration="${secs}s" --output="$t/disk.pcol"
rl_replay disk --input="$t/disk.pcol" --mode=disk --scratch=/var/tmp >/dev/null
grep '^fidelity disk' "$t/disk.err"
python3 - "$t/disk.csv" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
for c in ("disk_rd_bytes_s", "disk_wr_bytes_s", "disk_rd_iops", "disk_wr_iops"):
    ok = sum(1 for x in r if x[c + "_achieved"] and
             abs(float(x[c + "_achieved"]) - float(x[c + "_target"])) <= 0.02 * float(x[c + "_target"]))
    print(f"{c}: {ok} of {len(r)} seconds within 2 %")
PY

echo
echo "== anchor: stress-ng --cpu-load on 2 CPUs, measured the same two ways"
if command -v stress-ng >/dev/null; then
	python3 "$here/stress_anchor.py" "$fast" 20 50 80
else
	echo "stress-ng not installed: no anchor"
fi
echo "background load after: $(rl_background) % of all CPUs"
