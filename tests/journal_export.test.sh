#!/usr/bin/env bash
# perfjournal on journals of the original Go tools: the fixture journal decrypts to exactly the
# samples of the capture it was made from (same CSV tree, byte for byte), --verify reports it, and
# a wrong identity gets one clear error and no output.
set -euo pipefail
bin=${PC_BIN:?}
fx=${PC_SHARED_FIXTURES:?}/legacy
[ -f "$fx/journal-2cpu" ] || { echo "SKIP: no legacy fixture at $fx"; exit 77; }
tmp=$(mktemp -d /tmp/pc-jx.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
id=(--siteid=1 "--sitename=Evil Corp" --license=6f37-6910-b2a0-e858-9657-f08d)

"$bin/perfjournal" --input="$fx/journal-2cpu" "${id[@]}" --mode=csv --output="$tmp/j"
"$bin/perfjournal" --input="$fx/capture-2cpu.jsonl" --mode=csv --output="$tmp/c"
for f in proc/stat proc/meminfo proc/net/dev proc/diskstats host.csv; do
	cmp "$tmp/j/$f" "$tmp/c/$f" || { echo "$f differs between journal and capture"; exit 1; }
done
rows=$(grep -c ',-1,' "$tmp/j/proc/stat")
[ "$rows" -eq 110 ] || { echo "want 110 intervals from 111 samples, got $rows"; exit 1; }
"$bin/perfjournal" --input="$fx/journal-2cpu" "${id[@]}" --verify >"$tmp/v"
cat "$tmp/v"
grep -q '^samples   111$' "$tmp/v"
grep -q '^damage    0$' "$tmp/v"

# selection by time: the first 60 s of the run
"$bin/perfjournal" --input="$fx/journal-2cpu" "${id[@]}" --from=2026-01-10T18:06:00Z \
	--to=2026-01-10T18:07:07Z --mode=raw --output="$tmp/sel.jsonl"
n=$(wc -l <"$tmp/sel.jsonl")
[ "$n" -ge 10 ] && [ "$n" -le 14 ] || { echo "time selection: $n samples"; exit 1; }

# wrong identity: one error naming what was tried, non-zero, nothing written
for bad in --license=6f37-6910-b2a0-e858-9657-f08e "--sitename=evil corp" --siteid=2; do
	if "$bin/perfjournal" --input="$fx/journal-2cpu" "${id[@]}" "$bad" --mode=csv \
		--output="$tmp/bad" 2>"$tmp/err"; then
		echo "$bad must fail"; exit 1
	fi
	cat "$tmp/err"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "$bad: want one error line"; exit 1; }
	grep -q 'no record decrypts' "$tmp/err"
	[ ! -e "$tmp/bad/proc/stat" ] || { echo "$bad: output written"; exit 1; }
done
# no identity at all: the message says what to give
if "$bin/perfjournal" --input="$fx/journal-2cpu" --mode=summary 2>"$tmp/err"; then exit 1; fi
grep -q -- '--siteid, --sitename and --license' "$tmp/err"
echo "legacy journal export ok"
