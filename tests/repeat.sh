#!/usr/bin/env bash
# Run the whole suite N times in a row and tally what each test did: how often it failed or
# skipped, with the reasons the skips printed. For the evidence that the suite tells the truth
# every run, on a quiet machine and under load:
#   tests/repeat.sh 10                   # the ASan build in build/san, 10 runs
#   STRESS=1 tests/repeat.sh 3           # the same beside stress-ng --cpu 2 --cpu-load 60
# Build first (make SAN=1 all, or make test once). Logs of every run stay in $REPEAT_LOGS
# (default a temporary directory, printed). Exit 0 when no run had a failure.
set -uo pipefail
runs=${1:-10}
build=${BUILD:-build/san}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs=${REPEAT_LOGS:-$(mktemp -d /tmp/pc-repeat.XXXXXX)}
mkdir -p "$logs"
stress_pid=
stop_stress() { [ -n "$stress_pid" ] && kill "$stress_pid" 2>/dev/null && wait "$stress_pid" 2>/dev/null; stress_pid=; }
trap stop_stress EXIT
for i in $(seq 1 "$runs"); do
	if [ -n "${STRESS:-}" ]; then
		stress-ng --cpu 2 --cpu-load 60 >/dev/null 2>&1 &
		stress_pid=$!
	fi
	start=$(date +%s)
	tests/run.sh "$build" >"$logs/run$i.log" 2>&1
	rc=$?
	stop_stress
	echo "run $i: $(tail -n 1 "$logs/run$i.log") (exit $rc, $(($(date +%s) - start)) s)"
done
echo
echo "tally over $runs runs${STRESS:+ beside stress-ng --cpu 2 --cpu-load 60} (logs in $logs):"
# cmocka: "[  FAILED  ] name", "[  SKIPPED ] name"; scripts: "[  FAILED  ] script name (exit N)".
grep -h -E '^\[  (FAILED|SKIPPED) +\] [a-z]' "$logs"/run*.log |
	sed -E 's/ \(exit [0-9]+\)$//' | sort | uniq -c | sort -rn
grep -h -o -E '(SKIP: |\[  SKIP    \] ).*' "$logs"/run*.log | sed -E 's/^ +//' | sort | uniq -c | sort -rn | head -20
fails=$(grep -l -E '^total: [0-9]+ passed, [1-9]' "$logs"/run*.log | wc -l)
echo "runs with a failure: $fails of $runs"
[ "$fails" -eq 0 ]
