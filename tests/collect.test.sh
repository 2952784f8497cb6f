#!/usr/bin/env bash
# A real collection of this host: 3 s at 100 ms (sample count, monotonic timestamps, every sample
# on the 100 ms wall-clock grid and taken within 1 ms of its deadline), then CPU % from our CSV
# against sysstat's sar -u over the same 1 s intervals (sadc running alongside, under a steady
# stress-ng load), within 1 percentage point.
set -euo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-collect.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- 3 s at 100 ms
"$bin/perfcollectord" --mode=local --duration=3s --frequency=100ms --output="$tmp/a.pcol" \
	2>"$tmp/a.err"
cat "$tmp/a.err"
grep -q '^perfcollectord: collecting: ' "$tmp/a.err"
"$bin/perfjournal" --input="$tmp/a.pcol" --mode=raw --output="$tmp/a.jsonl"
python3 - "$tmp/a.jsonl" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
iv = 100_000_000
assert len(s) == 30, f"want 30 samples (3s / 100ms), got {len(s)}"
t = [x["time_ns"] for x in s]
assert all(b > a for a, b in zip(t, t[1:])), "timestamps not increasing"
assert [x["seq"] for x in s] == list(range(30)), "sequence numbers"
grid = t[1:]
assert all(g % iv == 0 for g in grid), "samples 1.. are not on the 100 ms wall-clock grid"
assert all(b - a == iv for a, b in zip(grid, grid[1:])), "a deadline was skipped"
late = sorted(x["taken_ns"] - x["time_ns"] for x in s[1:])
print(f"lateness after deadline: median {late[len(late)//2]/1e3:.0f} us, max {late[-1]/1e3:.0f} us")
assert min(late) >= 0, "a sample was taken before its deadline"
over = [l for l in late if l > 1_000_000]
# One late wake-up on a shared machine is noise; a pattern is a bug.
assert len(over) <= 1, f"{len(over)} samples taken more than 1 ms after their deadline: {over}"
PY

# --- sar -u vs our CSV over the same 1 s intervals
sadc=/usr/lib/sysstat/sadc
[ -x "$sadc" ] || { echo "SKIP: sysstat's sadc not installed"; exit 77; }
command -v stress-ng >/dev/null || { echo "SKIP: stress-ng not installed"; exit 77; }
stress-ng --cpu 1 --cpu-load 60 --timeout 12s >/dev/null 2>&1 &
pids+=($!)
sleep 1
# start both on a whole second so sadc's records fall on our 1 s grid
python3 -c 'import time; time.sleep(1 - time.time() % 1 + 0.002)'
"$sadc" 1 7 "$tmp/sa" &
pids+=($!)
"$bin/perfcollectord" --mode=local --duration=7s --frequency=1s --output="$tmp/b.pcol" -q
wait "${pids[1]}"
"$bin/perfjournal" --input="$tmp/b.pcol" --mode=csv --output="$tmp/csv"
sadf -d -U "$tmp/sa" -- -u >"$tmp/sar.csv"
python3 - "$tmp/csv/proc/stat" "$tmp/sar.csv" <<'PY'
import csv, sys
ours = {}
for r in csv.reader(open(sys.argv[1])):
    if r[0].startswith("#") or r[1] != "-1":
        continue
    ours[int(r[0])] = [float(x) for x in r[2:]]  # %usr %nice %system %iowait %steal %idle
sar = {}
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    f = line.strip().split(";")  # hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle
    if f[3] == "-1":
        sar[int(f[2])] = [float(x) for x in f[4:10]]
common = sorted(set(ours) & set(sar))
assert len(common) >= 4, f"too few common 1 s intervals: ours {sorted(ours)} sar {sorted(sar)}"
names = ["%usr", "%nice", "%system", "%iowait", "%steal", "%idle"]
worst = 0
for ts in common:
    d = [abs(a - b) for a, b in zip(ours[ts], sar[ts])]
    worst = max(worst, max(d))
    print(ts, "ours", " ".join(f"{x:6.2f}" for x in ours[ts]), "| sar", " ".join(f"{x:6.2f}" for x in sar[ts]))
print(f"{len(common)} intervals, worst difference {worst:.3f} pp")
busy = [100 - ours[ts][5] for ts in common]
assert max(busy) > 10, "the stress load did not show: the comparison would be vacuous"
assert worst <= 1.0, f"CPU % differs from sar -u by {worst:.3f} pp (> 1 pp)"
PY
