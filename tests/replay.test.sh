#!/usr/bin/env bash
# End-to-end CPU replay on this machine with loose bounds, measured independently of the
# generator (the cgroup's CPU accounting per interval, the kernel's rusage in total): a 12 s
# synthetic trace of steps 0 -> 80 -> 20 % at 1 s, a 1 Hz square wave at 100 ms fitted onto one
# CPU, a ramp at --speed=2, and the legacy 2-CPU capture at --speed=50. Skips, saying how busy,
# when other work uses the machine.
set -euo pipefail
: "${PC_BIN:?}" "${PC_SHARED_FIXTURES:?}"
. "$(dirname "$0")/replay_lib.sh"
rl_require_quiet 25
t=$rl_tmp

"$PC_BIN/perfload" synth --cpu=steps:0,80,20 --cpus=2 --interval=1s --duration=12s --output="$t/steps.pcol"
rl_replay steps --input="$t/steps.pcol" --mode=cpu
[ "$(cat "$t/steps.rc")" = 0 ]
rl_check steps 3 5
grep -q '^fidelity cpu_pct: n=12 ' "$t/steps.err"

"$PC_BIN/perfload" synth --cpu=square:10,40,1s --cpus=2 --interval=100ms --duration=4s --output="$t/square.pcol"
rl_replay square --input="$t/square.pcol" --mode=cpu --shape=fit --cpus=0
[ "$(cat "$t/square.rc")" = 0 ]
# Two recorded CPUs at 10/40 % are one target CPU at 20/80 %.
python3 - "$t/square.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 40, len(rows)
assert sorted({round(float(r["cpu_pct_target"])) for r in rows}) == [20, 80]
assert "worker1_target" not in rows[0], "fit onto --cpus=0 must use one worker"
PY
rl_check square 8 5

"$PC_BIN/perfload" synth --cpu=ramp:0,100 --cpus=2 --interval=500ms --duration=5s --output="$t/ramp.pcol"
rl_replay ramp --input="$t/ramp.pcol" --mode=cpu --speed=2
[ "$(cat "$t/ramp.rc")" = 0 ]
python3 -c "
import csv; r = list(csv.DictReader(open('$t/ramp.csv')))
assert len(r) == 10 and all(abs(float(x['secs']) - 0.25) < 0.05 for x in r), 'speed 2: 250 ms intervals'"
rl_check ramp 6 6

# The legacy capture of a 2-CPU machine: 110 intervals of ~5.2 s, replayed 50 times faster.
legacy=$PC_SHARED_FIXTURES/legacy/capture-2cpu.jsonl
if [ ! -f "$legacy" ]; then
	echo "SKIP: shared fixture $legacy is not there: the legacy replay is not judged"
	exit 77
fi
rl_replay legacy --input="$legacy" --mode=cpu --speed=50
[ "$(cat "$t/legacy.rc")" = 0 ]
[ "$(($(wc -l <"$t/legacy.csv") - 1))" = 110 ]
rl_check legacy 8 8
