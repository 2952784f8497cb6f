#!/usr/bin/env bash
# A real collection of this host: 3 s at 100 ms (sample count, monotonic timestamps, every sample
# on the 100 ms wall-clock grid and taken within 1 ms of its deadline, at most a tenth later, not
# counting deadlines at which a sleeping reference process was held as long), then CPU % from our CSV
# against sysstat's sar -u over the same 1 s intervals (sadc running alongside, under a steady
# stress-ng load on one CPU): within 1 percentage point over the window, and in each interval
# within 1 pp plus one USER_HZ tick at either end (the readers cannot read at the same instant).
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
# Beside it, a reference that only sleeps to the same 100 ms wall-clock deadlines and notes how
# late it woke: when the machine (the hypervisor, other work) holds every task at a deadline,
# the reference is late there too, and that sample says nothing about the collector.
python3 - "$tmp/ref.txt" <<'PY' &
import sys, time
iv = 100_000_000
out = open(sys.argv[1], "w")
g = (time.time_ns() // iv + 1) * iv
end = g + 4_500_000_000
while g < end:
    time.sleep(max(0, (g - time.time_ns()) / 1e9))
    out.write(f"{g} {time.time_ns() - g}\n")
    g += iv
PY
pids+=($!)
ref_pid=$!
"$bin/perfcollectord" --mode=local --duration=3s --frequency=100ms --output="$tmp/a.pcol" \
	2>"$tmp/a.err"
cat "$tmp/a.err"
grep -q '^perfcollectord: collecting: ' "$tmp/a.err"
wait "$ref_pid"
"$bin/perfjournal" --input="$tmp/a.pcol" --mode=raw --output="$tmp/a.jsonl"
python3 - "$tmp/a.jsonl" "$tmp/ref.txt" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
ref = dict(map(int, l.split()) for l in open(sys.argv[2]))
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
over = [(x["seq"], x["taken_ns"] - x["time_ns"]) for x in s[1:] if x["taken_ns"] - x["time_ns"] > 1_000_000]
print("samples more than 1 ms late (seq, ns):", over)
# The wake-up is the scheduler's: on a machine whose CPUs are saturated by other work a few
# wake-ups come late. Most must be within 1 ms; every one within one interval. A late sample
# whose deadline the reference sleeper also woke over 1 ms late is the machine's, not ours.
held = [(q, ns) for q, ns in over if ref.get(s[q]["time_ns"], 0) > 1_000_000]
if held:
    print("of those, the reference sleeper was held at the same deadlines (not judged):", held)
judged = [o for o in over if o not in held]
assert late[len(late) // 2] <= 1_000_000, "median lateness over 1 ms"
assert len(judged) <= len(late) // 10, f"{len(judged)} of {len(late)} samples more than 1 ms late"
assert late[-1] < iv, "a sample was taken a whole interval late"
PY

# --- sar -u vs our CSV over the same 1 s intervals
sadc=/usr/lib/sysstat/sadc
[ -x "$sadc" ] || { echo "SKIP: sysstat's sadc not installed"; exit 77; }
command -v stress-ng >/dev/null || { echo "SKIP: stress-ng not installed"; exit 77; }
# compare.py exits 0 (agree), 1 (disagree on a steady machine), 3 (load not steady: try again)
cat >"$tmp/compare.py" <<'PY'
import csv, os, sys
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
# Our first row covers [start of the collector, first grid second]: shorter than sar's interval.
ours.pop(min(ours), None)
common = sorted(set(ours) & set(sar))
assert len(common) >= 4, f"too few common 1 s intervals: ours {sorted(ours)} sar {sorted(sar)}"
# sadc reads /proc/stat a few ms after us (and drifts ~0.3 ms/s): each field is a count of
# 1/USER_HZ ticks, so at either end of an interval one tick may fall on the other side of one
# reader and not the other. The mean over the window cancels that (inner boundaries are shared)
# and must agree within 1 pp; each interval within 1 pp plus those two ticks.
ticks = os.sysconf("SC_NPROCESSORS_ONLN") * os.sysconf("SC_CLK_TCK")
allow = 1.0 + 2 * 100.0 / ticks
worst = 0
for ts in common:
    d = [abs(a - b) for a, b in zip(ours[ts], sar[ts])]
    worst = max(worst, max(d))
    print(ts, "ours", " ".join(f"{x:6.2f}" for x in ours[ts]), "| sar", " ".join(f"{x:6.2f}" for x in sar[ts]))
mean = lambda t, i: sum(t[ts][i] for ts in common) / len(common)
mean_worst = max(abs(mean(ours, i) - mean(sar, i)) for i in range(6))
busy = [100 - ours[ts][5] for ts in common]
print(f"{len(common)} intervals, busy {min(busy):.1f}..{max(busy):.1f} %, worst difference "
      f"{worst:.3f} pp per interval (allowed {allow:.2f}), {mean_worst:.3f} pp over the window")
assert min(busy) > 10, "the stress load did not show: the comparison would be vacuous"
if worst <= allow and mean_worst <= 1.0:
    sys.exit(0)
# only a steady load makes the few ms between the readers harmless
spread = max(max(ours[ts][i] for ts in common) - min(ours[ts][i] for ts in common) for i in range(6))
if spread > 4:
    print("other work on this machine made the load unsteady; the intervals cannot be compared")
    sys.exit(3)
print(f"CPU % differs from sar -u under a steady load: {worst:.3f} pp in an interval, {mean_worst:.3f} pp over the window")
sys.exit(1)
PY
# One CPU kept fully busy: busy and idle both large in the all-CPU row, and a load that is flat
# at the millisecond scale, so the few ms between sadc's reads and ours cannot move a whole
# 10 ms tick from one interval to the next (a duty-cycled load, --cpu-load 60, did: 1.8 pp).
for attempt in 1 2 3; do
	stress-ng --cpu 1 --timeout 11s >/dev/null 2>&1 &
	pids+=($!)
	sleep 1
	# start both on a whole second so sadc's records fall on our 1 s grid
	python3 -c 'import time; time.sleep(1 - time.time() % 1 + 0.002)'
	rm -f "$tmp/sa"
	"$sadc" 1 7 "$tmp/sa" &
	sadc_pid=$!
	pids+=($sadc_pid)
	"$bin/perfcollectord" --mode=local --duration=7s --frequency=1s --output="$tmp/b.pcol" -q
	wait "$sadc_pid"
	rm -rf "$tmp/csv"
	"$bin/perfjournal" --input="$tmp/b.pcol" --mode=csv --output="$tmp/csv"
	sadf -d -U "$tmp/sa" -- -u >"$tmp/sar.csv"
	rc=0
	python3 "$tmp/compare.py" "$tmp/csv/proc/stat" "$tmp/sar.csv" || rc=$?
	[ $rc -ne 3 ] && exit $rc
	echo "attempt $attempt: machine busy, trying again"
	sleep 2
done
echo "SKIP: the machine's other load stayed unsteady in 3 attempts; sar comparison not judged"
exit 77
