#!/usr/bin/env bash
# Replay fidelity figures (issue 5): synthetic traces (steps, ramp, 1 Hz square wave, random
# walk) at 1 s and 100 ms intervals, replayed with the same shape (2 workers) and onto a smaller
# shape (the 2-CPU recording fitted onto CPU 0 by cpuset, converted through the 2-CPU curve and
# one measured on CPU 0 alone),
# memory and disk traces, and stress-ng --cpu-load at fixed levels as the anchor. CPU figures come
# from the cgroup's accounting per interval (the kernel's, not the generator's) and total work from
# the kernel's rusage of the replay. Prints figures; never fails on them.
#   usage: bench/replay_fidelity.sh [BIN_DIR]    BENCH_REPLAY_SECONDS=30 (length of each 1 s trace)
set -uo pipefail
PC_BIN=$(cd "${1:-build/bin}" && pwd)
export PC_BIN
. "$(dirname "$0")/../tests/replay_lib.sh"
t=$rl_tmp
secs=${BENCH_REPLAY_SECONDS:-30}
fast=$((secs / 3 > 4 ? secs / 3 : 4))

bg=$(rl_background)
echo "background load before: $bg % of all CPUs (targets assume an idle machine)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

"$PC_BIN/perfcpumeasure" --force >"$t/train.json" 2>"$t/measure.err" || { cat "$t/measure.err"; exit 1; }
"$PC_BIN/perfcpumeasure" --force --cpus=0 >"$t/train1.json" 2>"$t/measure1.err" || { cat "$t/measure1.err"; exit 1; }
echo "capacity curve (units/s, 10..100 %): $(python3 -c "
import json; print(' '.join(str(json.loads(l)['units']) for l in open('$t/train.json')))")"

# figures NAME: one line from the report (cgroup column) and rusage.
figures() {
	python3 - "$t/$1" "$1" <<'PY'
import csv, sys
base, name = sys.argv[1], sys.argv[2]
try:
    rows = list(csv.DictReader(open(base + ".csv")))
except OSError:
    print(f"{name:34s} no report"); sys.exit()
if not rows:
    print(f"{name:34s} empty report"); sys.exit()
nw = sum(1 for k in rows[0] if k.startswith("worker") and k.endswith("_target"))
col = "cpu_pct_cgroup" if rows[0]["cpu_pct_cgroup"] else "cpu_pct_achieved"
err = sorted(abs(float(r[col]) - float(r["cpu_pct_target"])) for r in rows)
mae = sum(err) / len(err)
p95 = err[max(0, int(len(err) * 0.95 + 0.999) - 1)]
want = sum(float(r["cpu_pct_target"]) / 100 * float(r["secs"]) * nw for r in rows)
used = float(open(base + ".cpu").read())
sat = sum(int(r["saturated"]) for r in rows)
work = (used - want) / want * 100 if want else float("nan")
print(f"{name:34s} n={len(rows):4d} MAE {mae:5.2f} pp  p95 {p95:5.2f} pp  max {err[-1]:5.2f} pp  "
      f"work {work:+6.2f} %  saturated {sat}")
PY
}

echo
echo "== CPU: synthetic traces (MAE, p95, max abs error in percentage points of the workers' CPUs)"
for iv in 1s 100ms; do
	dur=$([ "$iv" = 1s ] && echo "$secs" || echo "$fast")
	for shape in steps:0,80,20 ramp:0,100 square:10,70,1s walk:7; do
		name="${shape%%:*}-$iv"
		"$PC_BIN/perfload" synth --cpu="$shape" --cpus=2 --interval="$iv" --duration="${dur}s" \
			--output="$t/$name.pcol"
		rl_replay "same-$name" --input="$t/$name.pcol" --mode=cpu --training="$t/train.json" \
			--target-training="$t/train.json" >/dev/null
		figures "same-$name"
		# A 2-CPU recording onto CPU 0 alone: the work of two CPUs through both curves.
		half="${shape/80/40}"
		half="${half/100/50}"
		half="${half/70/35}"
		"$PC_BIN/perfload" synth --cpu="$half" --cpus=2 --interval="$iv" --duration="${dur}s" \
			--output="$t/h$name.pcol"
		rl_replay "1cpu-$name" --input="$t/h$name.pcol" --mode=cpu --shape=fit --cpus=0 \
			--training="$t/train.json" --target-training="$t/train1.json" >/dev/null
		figures "1cpu-$name"
	done
done

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
echo "== anchor: stress-ng --cpu-load on 2 CPUs, whole-machine busy % each second from /proc/stat"
if command -v stress-ng >/dev/null; then
	for lv in 20 50 80; do
		python3 - "$lv" "$fast" <<'PY'
import os, subprocess, sys, time
lv, dur = int(sys.argv[1]), int(sys.argv[2])
def stat():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return f[0] + f[1] + f[2] + f[5] + f[6], sum(f[:8])
p = subprocess.Popen(["stress-ng", "--cpu", str(os.cpu_count()), "--cpu-load", str(lv),
                      "--timeout", f"{dur}s", "--quiet"])
time.sleep(0.5)
err, prev = [], stat()
for _ in range(dur - 1):
    time.sleep(1)
    cur = stat()
    err.append(abs((cur[0] - prev[0]) * 100 / (cur[1] - prev[1]) - lv))
    prev = cur
_, _, ru = os.wait4(p.pid, 0)
want = lv / 100 * dur * os.cpu_count()
used = ru.ru_utime + ru.ru_stime
err.sort()
print(f"stress-ng --cpu-load {lv:3d}             n={len(err):4d} MAE {sum(err)/len(err):5.2f} pp  "
      f"p95 {err[max(0, int(len(err) * 0.95 + 0.999) - 1)]:5.2f} pp  work {(used - want) / want * 100:+6.2f} %")
PY
	done
else
	echo "stress-ng not installed: no anchor"
fi
echo "background load after: $(rl_background) % of all CPUs"
