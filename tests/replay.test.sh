#!/usr/bin/env bash
# End-to-end CPU replay on this machine, judged by observers other than the generator
# (tests/replay_report.py says each limit and why): the workers' cgroup's exact accounting per
# interval and in total, and /proc/stat (what sar reads; tick-sampled on this kernel) of the
# machine (or the workers' CPUs) and of each CPU with a worker, against the target plus the
# other work the report measured.
#   steps 5 -> 55 -> 30 % at 1 s, same shape (levels where busy-at-slice-start reads 7-10 pp off
#     to a 250 Hz tick), per CPU; a 1-CPU recording fitted onto 2 CPUs, and replayed with the
#     same shape on a --cpus subset (CPU 1 only: CPU 0 must stay idle), per CPU;
#   a 1 Hz square wave at 100 ms, 2 CPUs fitted onto one, per CPU; a ramp at --speed=2; the
#     legacy 2-CPU capture at --speed=50;
#   identity flags on a collection or capture are ignored with one line, not refused.
# Skips, saying how busy, when other work uses the machine.
set -euo pipefail
: "${PC_BIN:?}" "${PC_SHARED_FIXTURES:?}"
. "$(dirname "$0")/replay_lib.sh"
rl_require_quiet 25
t=$rl_tmp

"$PC_BIN/perfload" synth --cpu=steps:5,55,30 --cpus=2 --interval=1s --duration=12s --output="$t/steps.pcol"
rl_run steps --percpu -- --input="$t/steps.pcol" --mode=cpu
grep -q '^fidelity cpu_pct: n=12 ' "$t/steps.err"
grep -q '^fidelity machine_pct_stat: n=12 .* tick_noise_mae=' "$t/steps.err"
grep -q '^fidelity cpu1_pct_stat: n=12 ' "$t/steps.err"
grep -q '^fidelity cpu targets: eBPF busy time in 12 intervals, /proc/stat in 0' "$t/steps.err"

# One recorded CPU: spread over both (fit), and on CPU 1 alone with the same shape.
"$PC_BIN/perfload" synth --cpu=steps:30,70 --cpus=1 --interval=1s --duration=6s --output="$t/one.pcol"
rl_run one-fit --percpu -- --input="$t/one.pcol" --mode=cpu --shape=fit
rl_run one-cpu1 --percpu -- --input="$t/one.pcol" --mode=cpu --cpus=1
python3 - "$t" <<'PY'
import csv, sys
fit = list(csv.DictReader(open(sys.argv[1] + "/one-fit.csv")))
sub = list(csv.DictReader(open(sys.argv[1] + "/one-cpu1.csv")))
# 30 then 70 % of one CPU is 15 then 35 % of each of two; on CPU 1 alone, CPU 0 is not a target.
assert [round(float(r["cpu0_target"])) for r in fit] == [15] * 3 + [35] * 3, fit[0]
assert [round(float(r["cpu1_target"])) for r in fit] == [15] * 3 + [35] * 3
assert {float(r["cpu0_target"]) for r in sub} == {0.0} and "worker1_target" not in sub[0]
assert [round(float(r["cpu1_target"])) for r in sub] == [30] * 3 + [70] * 3
PY

"$PC_BIN/perfload" synth --cpu=square:10,40,1s --cpus=2 --interval=100ms --duration=4s --output="$t/square.pcol"
rl_run square --percpu -- --input="$t/square.pcol" --mode=cpu --shape=fit --cpus=0
# Two recorded CPUs at 10/40 % are one target CPU at 20/80 %.
python3 - "$t/square.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 40, len(rows)
assert sorted({round(float(r["cpu_pct_target"])) for r in rows}) == [20, 80]
assert "worker1_target" not in rows[0], "fit onto --cpus=0 must use one worker"
assert {float(r["cpu1_target"]) for r in rows} == {0.0}
PY

"$PC_BIN/perfload" synth --cpu=ramp:0,100 --cpus=2 --interval=500ms --duration=5s --output="$t/ramp.pcol"
rl_run ramp -- --input="$t/ramp.pcol" --mode=cpu --speed=2
python3 -c "
import csv; r = list(csv.DictReader(open('$t/ramp.csv')))
assert len(r) == 10 and all(abs(float(x['secs']) - 0.25) < 0.05 for x in r), 'speed 2: 250 ms intervals'"

# Identity flags are for journals: on a collection they are ignored with one line.
"$PC_BIN/perfreplay" --siteid=1 --host=0 --run=0 --input="$t/one.pcol" --dry-run >"$t/id.out" 2>"$t/id.err"
grep -q '^perfreplay: --siteid: the identity applies to journals; .* is not one: ignored' "$t/id.err"
[ "$(wc -l <"$t/id.out")" = 7 ] # the plan: a header and 6 intervals

# The legacy capture of a 2-CPU machine: 110 intervals of ~5.2 s, replayed 50 times faster.
legacy=$PC_SHARED_FIXTURES/legacy/capture-2cpu.jsonl
if [ ! -f "$legacy" ]; then
	echo "SKIP: shared fixture $legacy is not there: the legacy replay is not judged"
	exit 77
fi
"$PC_BIN/perfreplay" --siteid=1 --sitename=x --input="$legacy" --dry-run >"$t/id2.out" 2>"$t/id2.err"
grep -q ',stat$' "$t/id2.out" # the capture's targets came from /proc/stat ticks
grep -q -- '--siteid, --sitename: the identity applies to journals' "$t/id2.err"
rl_run legacy -- --input="$legacy" --mode=cpu --speed=50
[ "$(($(wc -l <"$t/legacy.csv") - 1))" = 110 ]
grep -q '^fidelity cpu targets: eBPF busy time in 0 intervals, /proc/stat in 110' "$t/legacy.err"
