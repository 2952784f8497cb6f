#!/usr/bin/env bash
# perfreplay reads journals: the legacy 2-CPU journal, decrypted with its site identity, gives
# the same plan (--dry-run) as the capture of the same run; --from/--to narrow it; a wrong
# identity or none is refused with a message naming the journal, and nothing is loaded.
set -euo pipefail
: "${PC_BIN:?}" "${PC_SHARED_FIXTURES:?}"
fx=$PC_SHARED_FIXTURES/legacy
[ -f "$fx/journal-2cpu" ] || { echo "SKIP: no legacy fixture at $fx"; exit 77; }
tmp=$(mktemp -d /tmp/pc-rjournal.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
id=(--siteid=1 "--sitename=Evil Corp" --license=6f37-6910-b2a0-e858-9657-f08d)

"$PC_BIN/perfreplay" --input="$fx/journal-2cpu" "${id[@]}" --mode=cpu --dry-run >"$tmp/j.csv"
"$PC_BIN/perfreplay" --input="$fx/capture-2cpu.jsonl" --mode=cpu --dry-run >"$tmp/c.csv"
[ "$(($(wc -l <"$tmp/j.csv") - 1))" = 110 ] || { echo "FAIL: want 110 intervals"; exit 1; }
cmp "$tmp/j.csv" "$tmp/c.csv" || { echo "FAIL: journal and capture plans differ"; exit 1; }
awk -F, 'NR > 1 && $3 + 0 > 0 { n++ } END { exit !(n > 100) }' "$tmp/j.csv" ||
	{ echo "FAIL: recorded CPU % missing from the plan"; exit 1; }

# one minute: the plan is the intervals between the samples perfjournal selects for it
span=(--from=2026-01-10T18:06:00Z --to=2026-01-10T18:07:00Z)
"$PC_BIN/perfreplay" --input="$fx/journal-2cpu" "${id[@]}" "${span[@]}" --mode=cpu --dry-run \
	>"$tmp/m.csv"
"$PC_BIN/perfjournal" --input="$fx/journal-2cpu" "${id[@]}" "${span[@]}" --mode=raw >"$tmp/m.raw"
n=$(($(wc -l <"$tmp/m.csv") - 1))
want=$(($(wc -l <"$tmp/m.raw") - 1))
[ "$want" -gt 2 ] && [ "$n" = "$want" ] || { echo "FAIL: --from/--to gave $n intervals, want $want"; exit 1; }

for bad in --license=6f37-6910-b2a0-e858-9657-f08e --siteid=2; do
	if "$PC_BIN/perfreplay" --input="$fx/journal-2cpu" "${id[@]}" "$bad" --dry-run \
		>/dev/null 2>"$tmp/err"; then
		echo "FAIL: $bad accepted"; exit 1
	fi
	grep -q "journal-2cpu: no record decrypts" "$tmp/err" || { cat "$tmp/err"; exit 1; }
done
if "$PC_BIN/perfreplay" --input="$fx/journal-2cpu" --dry-run >/dev/null 2>"$tmp/err"; then
	echo "FAIL: a journal replayed without an identity"; exit 1
fi
grep -q "give --siteid, --sitename and --license" "$tmp/err" || { cat "$tmp/err"; exit 1; }
if "$PC_BIN/perfreplay" --input="$fx/journal-2cpu" --siteid=1 --dry-run 2>"$tmp/err"; then exit 1; fi
grep -q "missing --sitename" "$tmp/err" || { cat "$tmp/err"; exit 1; }
echo "journal replay plan ok: 110 intervals, $n in one minute"
