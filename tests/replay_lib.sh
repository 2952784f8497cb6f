# Shared by tests/replay*.test.sh and bench/replay_fidelity.sh (sourced, not run): scratch
# directory and process clean-up, the background-load check, a replay runner that also estimates
# the other work during the replay (for machines whose report cannot measure it exactly), and
# rl_check, which judges a report by every observer (tests/replay_report.py).
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
# $rl_tmp/NAME.cpu (user+system seconds of the replay from wait4's rusage), NAME.excess (the
# busy ticks /proc/stat counted on idle time, % of each CPU during the run), NAME.io (its storage
# read and write bytes, /proc/PID/io), its exit status
# in $rl_tmp/NAME.rc, stderr in $rl_tmp/NAME.err.
rl_replay() {
	local name=$1
	shift
	python3 - "$rl_tmp/$name" "$PC_BIN/perfreplay" "$@" --report="$rl_tmp/$name.csv" <<'PY'
import os, subprocess, sys
out = sys.argv[1]
import time
def stat():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return f[0] + f[1] + f[2] + f[5] + f[6], sum(f[:8])
def all_ticks():  # the sum of the 8 fields of each row ("cpu", "cpu0", ...)
    return {l.split()[0]: sum(map(int, l.split()[1:9]))
            for l in open("/proc/stat") if l.startswith("cpu")}
b0, t0, s0, w0 = *stat(), all_ticks(), time.monotonic()
with open(out + ".err", "w") as err:
    p = subprocess.Popen(sys.argv[2:], stdout=err, stderr=err)
    # Exited but not reaped: its storage I/O (all threads) is still in /proc/PID/io.
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    io = dict(l.split(": ") for l in open(f"/proc/{p.pid}/io").read().splitlines())
    _, status, ru = os.wait4(p.pid, 0)
b1, t1, s1, w1 = *stat(), all_ticks(), time.monotonic()
open(out + ".io", "w").write(f"{io['read_bytes']} {io['write_bytes']}\n")
cpu = ru.ru_utime + ru.ru_stime
# Other work during the replay: the machine's busy time less the replay's own (USER_HZ ticks).
hz = os.sysconf("SC_CLK_TCK")
other = max(0.0, ((b1 - b0) / hz - cpu) * 100 / max((t1 - t0) / hz, 1e-9))
open(out + ".cpu", "w").write(f"{cpu:.4f}\n")
open(out + ".other", "w").write(f"{other:.1f}\n")
# Busy ticks /proc/stat counted on time its own (NOHZ, exact) idle account says was idle: its
# fields of a CPU add up to more than the wall time by that much (% of each CPU over the run;
# the machine's row: of all CPUs).
n = len(s0) - 1
with open(out + ".excess", "w") as f:
    for k in s0:
        secs = (w1 - w0) * (n if k == "cpu" else 1)
        f.write(f"{k} {max(0.0, (s1[k] - s0[k]) / hz - secs) * 100 / max(secs, 1e-9):.3f}\n")
open(out + ".rc", "w").write(f"{os.waitstatus_to_exitcode(status)}\n")
PY
	cat "$rl_tmp/$name.err"
}

# rl_check NAME [--percpu] [--skip-first N]: CPU fidelity of the NAME replay by each observer
# (tests/replay_report.py: the cgroup's exact accounting per interval and in total, /proc/stat of
# the machine and, with --percpu, of every CPU), each against a limit derived from that observer's
# own noise. Skips (exit 77) saying how much when other work took more than RL_MAX_OTHER % (10)
# of the machine or the workers' CPUs in most intervals: the replay competed for the CPUs.
rl_check() {
	local name=$1
	shift
	python3 "$(dirname "${BASH_SOURCE[0]}")/replay_report.py" "$rl_tmp/$name" --judge "$@"
}

# rl_run NAME [CHECK ARGS] -- REPLAY ARGS: replay (it must exit 0) and judge it; when other work
# made the judgement a skip, replay once more (other sessions share this machine in bursts), and
# skip only if that one competed too.
rl_run() {
	local name=$1 check=() rc
	shift
	while [ "$1" != -- ]; do
		check+=("$1")
		shift
	done
	shift
	for try in 1 2; do
		rl_replay "$name" "$@"
		[ "$(cat "$rl_tmp/$name.rc")" = 0 ] || { echo "FAIL: perfreplay exited $(cat "$rl_tmp/$name.rc") ($name)"; return 1; }
		rc=0
		rl_check "$name" "${check[@]}" || rc=$?
		[ "$rc" = 77 ] && [ "$try" = 1 ] && echo "(other work during the $name replay: once more)" && continue
		return "$rc"
	done
}
