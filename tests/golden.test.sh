#!/usr/bin/env bash
# Golden outputs, byte for byte: what perfjournal (CSV tree with host.csv, JSON, summary, raw)
# and perfreplay --dry-run (the plan) make of the shared fixtures. A restructuring that changes
# no behaviour leaves every file here the same; a change of output on purpose rewrites them in
# its own commit with UPDATE_GOLDEN=1 tests/run.sh build/san (PC_TEST_ONLY=golden for just this).
#
# Stored under tests/golden/: sys-info-test/ (the pcc fixture), capture-2cpu/ (the legacy
# capture; its journal, decrypted, must give the very same files, so it is checked against the
# same golden files instead of a second copy) and replay/ (plans of the legacy capture and
# journal). Files over ~100 kB of little extra value (raw of the capture) are kept as a sha256
# and their first lines (NAME.sha256, NAME.head).
#
# Left out on purpose, because they depend on the machine or the moment, not on the code:
# - stderr of the tools: it names the fixture paths (log lines, not output);
# - a plan with the target curve measured on the spot: --target-training gives a fixed curve, and
#   --cpus a fixed CPU list (the default is this machine's online CPUs);
# - settings files under ~ and the PCC_ / PCR_ environment: HOME points into the scratch dir and
#   the variables are unset, except where pcprocess is run with PCR_* on purpose.
set -euo pipefail
bin=${PC_BIN:?}
fx=${PC_SHARED_FIXTURES:?}
gold=$(cd "$(dirname "$0")" && pwd)/golden
for f in pcc-sys-info-test/sys-info-test.json legacy/capture-2cpu.jsonl legacy/journal-2cpu \
	legacy/training-2cpu.jsonl; do
	[ -f "$fx/$f" ] || { echo "SKIP: shared fixture $fx/$f is not there: no golden check"; exit 77; }
done
tmp=$(mktemp -d /tmp/pc-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
export HOME=$tmp/home TZ=UTC LC_ALL=C
unset PCC_MODE PCC_DURATION PCC_FREQUENCY PCC_COLLECTION PCR_COLLECTION PCR_OUTDIR
id=(--siteid=1 "--sitename=Evil Corp" --license=6f37-6910-b2a0-e858-9657-f08d)
pj() { "$bin/perfjournal" "$@" 2>>"$tmp/stderr"; }
pr() { "$bin/perfreplay" "$@" 2>>"$tmp/stderr"; }

# export DIR ARGS...: every perfjournal mode of one input into DIR.
export_all() {
	local d=$1
	shift
	mkdir -p "$d"
	pj "$@" --mode=csv --output="$d/csv"
	pj "$@" --mode=json --output="$d/json.jsonl"
	pj "$@" --mode=summary --output="$d/summary.txt"
	pj "$@" --mode=raw --output="$d/raw.jsonl"
}

# shrink FILE: replace a big file by its sha256 and first two lines.
shrink() {
	(cd "$(dirname "$1")" && sha256sum "$(basename "$1")") >"$1.sha256"
	head -2 "$1" >"$1.head"
	rm "$1"
}

out=$tmp/out
sys=$fx/pcc-sys-info-test/sys-info-test.json
legacy=$fx/legacy
export_all "$out/sys-info-test" --input="$sys"
export_all "$out/capture-2cpu" --input="$legacy/capture-2cpu.jsonl"
shrink "$out/capture-2cpu/raw.jsonl"
export_all "$tmp/journal-2cpu" --input="$legacy/journal-2cpu" "${id[@]}"
shrink "$tmp/journal-2cpu/raw.jsonl"
# pcprocess, the seed's name, reading the same pcc file through PCR_*
PCR_COLLECTION=$sys PCR_OUTDIR=$tmp/pcprocess "$bin/pcprocess" 2>>"$tmp/stderr"

# Plans of the legacy capture (and of its journal, which must be the same): curves from the
# fixture for both ends, CPUs fixed, as recorded (no curves), and fitted onto one CPU.
mkdir -p "$out/replay" "$tmp/replay-journal"
tr=(--training="$legacy/training-2cpu.jsonl" --target-training="$legacy/training-2cpu.jsonl")
plans() {
	local src=$1 d=$2
	shift 2
	pr --input="$src" "$@" "${tr[@]}" --cpus=0-1 --dry-run >"$d/plan-2cpu.csv"
	pr --input="$src" "$@" --cpus=0-1 --dry-run >"$d/plan-recorded.csv"
	pr --input="$src" "$@" "${tr[@]}" --cpus=0 --shape=fit --backlog=carry --dry-run \
		>"$d/plan-fit-1cpu-carry.csv"
	pr --input="$src" "$@" --cpus=0-1 --shape=fit --dry-run >"$d/plan-fit-2cpu.csv"
}
plans "$legacy/capture-2cpu.jsonl" "$out/replay"
plans "$legacy/journal-2cpu" "$tmp/replay-journal" "${id[@]}"

if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
	rm -rf "$gold"
	cp -r "$out" "$gold"
	echo "golden files rewritten in $gold:"
	(cd "$gold" && find . -type f | sort | xargs wc -c | tail -1)
fi

fail=0
check() { # check GOLDEN_DIR GENERATED_DIR WHAT
	if ! diff -r "$1" "$2" >"$tmp/diff" 2>&1; then
		echo "FAIL: $3 differs from $1:"
		head -40 "$tmp/diff"
		fail=1
	fi
}
check "$gold" "$out" "the output"
check "$gold/capture-2cpu" "$tmp/journal-2cpu" "the decrypted legacy journal's export"
check "$gold/replay" "$tmp/replay-journal" "the legacy journal's plan"
check "$gold/sys-info-test/csv" "$tmp/pcprocess" "pcprocess (PCR_*) of the pcc fixture"
if [ "$fail" != 0 ]; then
	echo "stderr of the tools:"
	tail -10 "$tmp/stderr"
	echo "(if the change is on purpose: UPDATE_GOLDEN=1 PC_TEST_ONLY=golden tests/run.sh build/san)"
	exit 1
fi
n=$(find "$gold" -type f | wc -l)
echo "golden ok: $n files the same, and the legacy journal gives the capture's files and plans"
