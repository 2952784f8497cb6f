# Shared by tests/replay*.test.sh and bench/replay_fidelity.sh (sourced, not run): scratch
# directory and process clean-up, the background-load check, and a replay runner that measures
# the replay's total CPU independently (the kernel's rusage of the child) and summarises its
# report from the cgroup's own CPU accounting.
rl_tmp=$(mktemp -d /tmp/pc-replay.XXXXXX)
rl_pids=()
rl_cleanup() {
	local p
	for p in "${rl_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${rl_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "${rl_pids[@]}"; do rmdir /sys/fs/cgroup/*/perfreplay."$p" 2>/dev/null || true; done
	rm -rf "$rl_tmp"
}
trap rl_cleanup EXIT

# Busy % of the whole machine over 1 s from /proc/stat (user + nice + system).
rl_background() {
	python3 - <<'PY'
import time
def busy():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return f[0] + f[1] + f[2] + f[5] + f[6], sum(f[:8])
b0, t0 = busy(); time.sleep(1); b1, t1 = busy()
print(f"{(b1 - b0) * 100 / max(t1 - t0, 1):.1f}")
PY
}

# Skip (exit 77) with the measured reason when other work uses more than $1 % of the machine.
rl_require_quiet() {
	local bg
	bg=$(rl_background)
	echo "background load: $bg % of all CPUs"
	if python3 -c "import sys; sys.exit(0 if float('$bg') > float('$1') else 1)"; then
		echo "SKIP: the machine is busy with other work ($bg % > $1 %): fidelity would say nothing"
		exit 77
	fi
}

# rl_replay NAME ARGS...: run perfreplay with a report into $rl_tmp/NAME.csv; writes
# $rl_tmp/NAME.cpu (user+system seconds of the replay from wait4's rusage) and its exit status
# in $rl_tmp/NAME.rc, stderr in $rl_tmp/NAME.err.
rl_replay() {
	local name=$1
	shift
	python3 - "$rl_tmp/$name" "$PC_BIN/perfreplay" "$@" --report="$rl_tmp/$name.csv" <<'PY'
import os, subprocess, sys
out = sys.argv[1]
def stat():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return f[0] + f[1] + f[2] + f[5] + f[6], sum(f[:8])
b0, t0 = stat()
with open(out + ".err", "w") as err:
    p = subprocess.Popen(sys.argv[2:], stdout=err, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
b1, t1 = stat()
cpu = ru.ru_utime + ru.ru_stime
# Other work during the replay: the machine's busy time less the replay's own (USER_HZ ticks).
hz = os.sysconf("SC_CLK_TCK")
other = max(0.0, ((b1 - b0) / hz - cpu) * 100 / max((t1 - t0) / hz, 1e-9))
open(out + ".cpu", "w").write(f"{cpu:.4f}\n")
open(out + ".other", "w").write(f"{other:.1f}\n")
open(out + ".rc", "w").write(f"{os.waitstatus_to_exitcode(status)}\n")
PY
	cat "$rl_tmp/$name.err"
}

# rl_check NAME MAE_MAX WORK_PCT_MAX [SKIP_FIRST]: CPU fidelity from the report's cgroup column
# (the kernel's accounting of the group, not the generator's) and total work from rusage. When
# other work took more than RL_MAX_OTHER % (10) of the machine during the replay, it skips
# (exit 77) saying how much: the replay competed for the CPUs and the bounds say nothing.
rl_check() {
	local other
	other=$(cat "$rl_tmp/$1.other")
	if python3 -c "import sys; sys.exit(0 if float('$other') > float('${RL_MAX_OTHER:-10}') else 1)"; then
		echo "SKIP: other work used $other % of the machine during the $1 replay"
		exit 77
	fi
	echo "other work during the $1 replay: $other % of the machine"
	python3 - "$rl_tmp/$1" "$2" "$3" "${4:-0}" <<'PY'
import csv, sys
base, mae_max, work_max, skip = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(base + ".csv")))
assert rows, "empty report"
nw = sum(1 for k in rows[0] if k.startswith("worker") and k.endswith("_target"))
col = "cpu_pct_cgroup" if rows[0]["cpu_pct_cgroup"] else "cpu_pct_achieved"
err = [abs(float(r[col]) - float(r["cpu_pct_target"])) for r in rows[skip:]]
mae = sum(err) / len(err)
p95 = sorted(err)[max(0, int(len(err) * 0.95 + 0.999) - 1)]
want = sum(float(r["cpu_pct_target"]) / 100 * float(r["secs"]) * nw for r in rows)
used = float(open(base + ".cpu").read())
work = (used - want) / want * 100 if want else 0
print(f"{base.split('/')[-1]}: {len(rows)} intervals, {nw} workers, from {col}: MAE {mae:.2f} pp, "
      f"p95 {p95:.2f} pp; total CPU (rusage) {used:.3f} s for {want:.3f} s wanted: {work:+.2f} %")
assert mae <= mae_max, f"MAE {mae:.2f} pp over {mae_max}"
assert abs(work) <= work_max, f"total work off by {work:.2f} % (over {work_max} %)"
PY
}
