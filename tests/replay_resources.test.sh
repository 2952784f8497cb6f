#!/usr/bin/env bash
# Memory, disk and network replay measured independently (RSS, /proc/diskstats of the scratch
# device, /proc/net/dev of the veth interface), SIGINT releasing everything (cgroup, scratch file,
# namespace), and perfcpumeasure's curve and its refusal on a busy machine. Skips with the reason
# when the machine is busy or a resource cannot be used here.
set -euo pipefail
: "${PC_BIN:?}"
. "$(dirname "$0")/replay_lib.sh"
rl_require_quiet 25
t=$rl_tmp

# --- memory: 100 -> 400 -> 200 MiB recorded, held relative to the recording's start.
"$PC_BIN/perfload" synth --mem=steps:100,400,200 --interval=1s --duration=6s --output="$t/mem.pcol"
rl_replay mem --input="$t/mem.pcol" --mode=memory --mem-base=recording
[ "$(cat "$t/mem.rc")" = 0 ]
python3 - "$t/mem.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = [0, 0, 300, 300, 100, 100]
for r, w in zip(rows, want):
    tg, got = float(r["mem_mib_target"]), float(r["mem_mib_achieved"])
    assert abs(tg - w) < 0.01, (tg, w)
    # within max(1 %, 16 MiB) of the target, from RSS
    assert abs(got - tg) <= max(0.01 * tg, 16), f"interval {r['interval']}: {got} MiB for {tg}"
print("memory: RSS followed", want, "MiB")
PY

# --- disk: paced O_DIRECT I/O on a scratch file. perfreplay's own /proc/PID/io must match the
# plan; /proc/diskstats of the device (everybody's I/O there) must have seen at least that.
"$PC_BIN/perfload" synth --disk-read=steps:4,8 --disk-write=2 --io-size=64 --interval=1s --duration=4s \
	--output="$t/disk.pcol"
rl_replay disk --input="$t/disk.pcol" --mode=disk --scratch="$t"
[ "$(cat "$t/disk.rc")" = 0 ]
if grep -q disk_rd_bytes_s "$t/disk.err"; then
	python3 - "$t/disk.csv" "$t/disk.io" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rd, wr = map(int, open(sys.argv[2]).read().split())
SCRATCH = 256 << 20  # written once before the first interval (docs/REPLAY.md)
own = {"disk_rd_bytes_s": rd, "disk_wr_bytes_s": wr - SCRATCH}
for c in ("disk_rd_bytes_s", "disk_wr_bytes_s", "disk_rd_iops", "disk_wr_iops"):
    tg = sum(float(r[c + "_target"]) * float(r["secs"]) for r in rows)
    got = sum(float(r[c + "_achieved"]) * float(r["secs"]) for r in rows)
    mine = f", perfreplay's own {own[c]} (/proc/PID/io, less the scratch file)" if c in own else ""
    print(f"{c}: device {got:.0f} for {tg:.0f}{mine}")
    # The device's figure also holds other processes' I/O, which only adds: judged below.
    assert got >= 0.95 * tg, f"{c}: the device saw {got:.0f} of {tg:.0f}"
    # The replay's own storage I/O is the like-for-like figure: within 5 % (one 64 KiB op).
    if c in own:
        assert abs(own[c] - tg) <= 0.05 * tg + 64 * 1024, f"{c}: perfreplay did {own[c]} for {tg:.0f}"
PY
else
	echo "disk: no diskstats row for the scratch device (overlay or tmpfs?): not checked"
fi
ls -A "$t" | grep -q '^\.perfreplay-scratch' && { echo "scratch file left behind"; exit 1; }

# --- network: through a veth pair into a namespace perfreplay creates.
if command -v ip >/dev/null && [ "$(id -u)" = 0 ] && ip netns add "pctest$$" 2>/dev/null; then
	ip netns del "pctest$$"
	"$PC_BIN/perfload" synth --net-tx=steps:10,30 --net-rx=5 --duration=3s --output="$t/net.pcol"
	rl_replay net --input="$t/net.pcol" --mode=net --sink=netns
	[ "$(cat "$t/net.rc")" = 0 ]
	python3 - "$t/net.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3
for r in rows:
    for c in ("net_tx_bytes_s", "net_rx_bytes_s"):
        tg, got = float(r[c + "_target"]), float(r[c + "_achieved"])
        assert abs(got - tg) <= 0.05 * tg, f"{c} interval {r['interval']}: {got} for {tg}"
print("network: interface counters within 5 % every interval")
PY
	if ip netns list | grep -q '^pcr'; then echo "namespace left behind"; exit 1; fi
else
	echo "network: not root or no ip(8) netns here: not checked"
fi
# Without a sink the network is skipped with a message, not an error.
rl_replay nosink --input="$t/net.pcol" --mode=net 2>/dev/null || true
grep -q 'no sink' "$t/nosink.err"

# --- SIGINT: everything released.
"$PC_BIN/perfload" synth --cpu=50 --mem=300 --disk-write=1 --duration=20s --output="$t/long.pcol"
"$PC_BIN/perfreplay" --input="$t/long.pcol" --mode=cpu,memory,disk --mem-base=target \
	--scratch="$t" 2>"$t/int.err" &
pid=$!
rl_pids+=("$pid")
sleep 2
ls -d /sys/fs/cgroup/*/perfreplay."$pid" >/dev/null 2>&1 || ls -d /sys/fs/cgroup/unified/perfreplay."$pid" >/dev/null 2>&1 ||
	echo "(no cgroup to see: affinity placement)"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cat "$t/int.err"
[ "$rc" = 130 ] || { echo "SIGINT: exit $rc, want 130"; exit 1; }
if ls -d /sys/fs/cgroup/*/perfreplay."$pid" 2>/dev/null; then echo "cgroup left behind"; exit 1; fi
ls -A "$t" | grep -q '^\.perfreplay-scratch' && { echo "scratch file left behind"; exit 1; }
grep -q 'interrupted' "$t/int.err"

# --- perfcpumeasure: a quick curve (1 pass of 100 ms steps), then refusal under load.
"$PC_BIN/perfcpumeasure" --siteid=1 --host=0 --step=100ms --passes=1 --force >"$t/train.json" 2>"$t/pm.err"
python3 - "$t/train.json" "$(nproc)" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["busy"] for l in lines] == list(range(10, 101, 10))
assert all(l["ncpu"] == int(sys.argv[2]) and l["kernel"] == "pcmix-1" for l in lines)
assert lines[-1]["units"] > lines[0]["units"] * 3, "more busy, more work"
print("perfcpumeasure:", [l["units"] for l in lines])
PY
"$PC_BIN/perfload" cpu --percent=90 --cpus="$(nproc)" --duration=6s >/dev/null &
rl_pids+=($!)
sleep 0.5
rc=0
"$PC_BIN/perfcpumeasure" --step=100ms --passes=1 >/dev/null 2>"$t/busy.err" || rc=$?
cat "$t/busy.err"
[ "$rc" = 3 ] || { echo "perfcpumeasure on a busy machine: exit $rc, want 3"; exit 1; }
grep -q 'other work uses [0-9.]* % of the machine' "$t/busy.err"
