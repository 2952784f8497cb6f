#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# journal_export.sh: perfjournal export throughput (samples/s to CSV) on an encrypted journal
# of one host-day at 1 s (86400 samples: real readings of this machine, stamped one second
# apart, one sample per record as perfprocessord stores a collector's 1 s batches; built by
# bench/journal_day.c), beside `sadf -d` on sysstat's file of the same host. A day-long sa
# file would take a day to record (sadc writes at the interval it is given, 1 s at least), so
# sadf is measured per record on a shorter file (SA_SECONDS, default 90, recorded while the
# journal is written): sadf over it and over a 2-record file, each REPS times, the difference
# divided by the records makes its start-up cost drop out. Prints samples/s and the ratio.
# Usage: bench/journal_export.sh [bindir (build/bin)]; JOURNAL_DAY_SAMPLES to change the day.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bin}
samples=${JOURNAL_DAY_SAMPLES:-86400}
sa_secs=${SA_SECONDS:-90}
reps=${REPS:-20}
out=build/bench
[ -x "$bin/perfjournal" ] && [ -f build/libpc.a ] || { echo "build first (make)"; exit 1; }
mkdir -p "$out"
T=$(mktemp -d /tmp/pcjexport.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -Iinclude -o "$out/journal_day" \
	bench/journal_day.c build/libpc.a $(pkg-config --libs libbpf libssh libsodium) -lelf -lz -lzstd -lm

# elapsed SECONDS of a command (stdout and stderr of the command go to $T/cmd.log)
elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >>"$T/cmd.log" 2>&1 || { echo "failed: $*"; tail -n 5 "$T/cmd.log"; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# sysstat records while the journal is written
sadc=
for d in /usr/lib/sysstat /usr/libexec/sysstat /usr/lib64/sa /usr/lib/sa; do
	[ -x "$d/sadc" ] && { sadc=$d/sadc; break; }
done
if [ -n "$sadc" ] && command -v sadf >/dev/null; then
	"$sadc" -S DISK 1 "$sa_secs" "$T/sa.long" & PIDS+=($!)
	"$sadc" -S DISK 1 2 "$T/sa.short" & PIDS+=($!)
else
	echo "sysstat (sadc, sadf) is not installed: perfjournal figures only"
fi

day=$(($(date +%s) / 86400 * 86400 - 86400)) # yesterday, 00:00 UTC
"$out/journal_day" "$T/journal" "$samples" 1 "$day"
ls -l "$T/journal" | awk '{ printf "journal: %.1f MB for %d samples\n", $5 / 1e6, '"$samples"' }'

ID=(--siteid=1 "--sitename=Evil Corp" --license=0151-49b3-648e-edcb-6331-01b9 --mac=02:fc:00:00:00:01)
kdf=$(elapsed "$bin/perfjournal" --input="$T/journal" "${ID[@]}" --verify)
csv=$(elapsed "$bin/perfjournal" --input="$T/journal" "${ID[@]}" --mode=csv --output="$T/csv")
rows=$(($(wc -l <"$T/csv/host.csv") - 1))
[ "$rows" -ge $((samples - 1)) ] || { echo "host.csv has $rows rows for $samples samples"; exit 1; }
pj=$(awk -v n="$samples" -v t="$csv" 'BEGIN { printf "%.0f", n / t }')
echo "perfjournal --mode=csv: $samples samples in ${csv} s = $pj samples/s" \
	"(includes opening the journal: Argon2id key derivation; --verify of the whole journal" \
	"took ${kdf} s), $(du -sm "$T/csv" | cut -f1) MB of CSV"

[ -n "$sadc" ] || exit 0
for p in "${PIDS[@]}"; do wait "$p"; done
PIDS=()
recs() { sadf -d "$1" -- -u | grep -vc '^#'; }
nl=$(recs "$T/sa.long") ns=$(recs "$T/sa.short")
sadf_n() { for ((i = 0; i < reps; i++)); do sadf -d "$1" -- -A >/dev/null; done; }
tl=$(elapsed sadf_n "$T/sa.long")
ts=$(elapsed sadf_n "$T/sa.short")
awk -v nl="$nl" -v ns="$ns" -v tl="$tl" -v ts="$ts" -v reps="$reps" -v pj="$pj" -v day="$samples" 'BEGIN {
	per = (tl - ts) / reps / (nl - ns)
	if (per <= 0) { print "sadf: too fast to measure on this file; raise SA_SECONDS"; exit }
	rate = 1 / per
	printf "sadf -d -A (sa file of %d records at 1 s, sadc -S DISK, %d runs): %.1f us per record = %.0f records/s; a day of %d records: %.2f s (measured per record, not on a day-long file)\n", nl, reps, per * 1e6, rate, day, day * per
	printf "ratio perfjournal/sadf: %.2fx (samples/s over records/s)\n", pj / rate
}'
