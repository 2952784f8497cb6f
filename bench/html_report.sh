#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# html_report.sh: perfjournal --mode=html on a host-day at 1 s (86,400 samples) and at 100 ms
# (864,000), made by `perfload synth` (4 CPUs, random-walk CPU, memory, disk and network, eBPF
# busy rows): generation time and peak RSS, file size, then headless Chromium on the report:
# the browser's first paint, the time every chart was drawn on its canvas (both ms from
# navigation start, the page's own self-check), the JS heap and the browser's peak RSS. Beside it sysstat's `sadf -g` (SVG) of CPU, memory, disk and network
# on an sa file recorded by sadc at 1 s for SA_SECONDS (default 60: a day would take a day);
# sadf's SVG has one path point per sample, so its day is extrapolated from that file and a
# 2-interval one: the short file's time and size plus the per-record increment times 86,400
# (marked "extrap."; sadf timed over REPS runs, default 5).
# Usage: bench/html_report.sh [bindir (build/bin)]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bin}
sa_secs=${SA_SECONDS:-60}
reps=${REPS:-5}
chromium=$(command -v chromium || true)
T=$(mktemp -d /tmp/pchtml-bench.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -- -"$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

sadc=""
for s in /usr/lib/sysstat/sadc /usr/lib64/sa/sadc; do [ -x "$s" ] && sadc=$s; done
if [ -n "$sadc" ] && command -v sadf >/dev/null; then
	echo "recording an sa file for ${sa_secs}s at 1 s (sadc) in the background"
	setsid "$sadc" -S XALL 1 "$((sa_secs + 1))" "$T/sa" &
	pid=$!
fi

row() { printf '%-22s %14s %12s %14s %12s %12s %14s\n' "$@"; }
row "" "generate s" "gen RSS MB" "file MB" "paint ms" "drawn ms" "browser MB"
for spec in "1s 86400" "100ms 864000"; do
	set -- $spec
	"$bin/perfload" synth --output="$T/day.pcol" --cpus=4 --cpu=walk:1 --mem=walk:2 \
		--disk-read=walk:3 --disk-write=walk:5 --net-rx=walk:4 --net-tx=walk:6 \
		--interval="$1" --duration=24h
	/usr/bin/time -f '%e %M' -o "$T/gen" "$bin/perfjournal" --input="$T/day.pcol" \
		--mode=html --output="$T/day.html"
	read -r gs grss <"$T/gen"
	size=$(stat -c %s "$T/day.html")
	paint="n/a" drawn="n/a" brss="n/a"
	if [ -n "$chromium" ]; then
		/usr/bin/time -f '%e %M' -o "$T/chr" "$chromium" --headless --no-sandbox --disable-gpu \
			--disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --enable-precise-memory-info \
			--user-data-dir="$(mktemp -d "$T/prof.XXXXXX")" --virtual-time-budget=20000 \
			--dump-dom "file://$T/day.html" >"$T/dom" 2>/dev/null || true
		read -r _ brss <"$T/chr"
		paint=$(grep -o '"first-paint":[0-9.]*' "$T/dom" | cut -d: -f2 || echo "n/a")
		drawn=$(grep -o '"drawn_ms":[0-9.]*' "$T/dom" | cut -d: -f2 || echo "n/a")
		heap=$(grep -o '"js_heap":[0-9]*' "$T/dom" | cut -d: -f2 || echo 0)
		brss="$((brss / 1024)) (heap $((heap / 1048576)))"
		paint=${paint%%.*} drawn=${drawn%%.*}
	fi
	row "day at $1 ($2)" "$gs" "$((grss / 1024))" "$(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}')" \
		"$paint" "$drawn" "$brss"
	rm -f "$T/day.pcol" "$T/day.html"
done

# sadf -g over FILE, REPS times: "seconds-per-run bytes peak-RSS-KB".
sadf_g() {
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq "$reps"); do sadf -g "$1" -- -u -r -d -n DEV >"$T/sa.svg"; done
	t1=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$T/rss" sadf -g "$1" -- -u -r -d -n DEV >/dev/null
	echo "$(((t1 - t0) / reps / 1000)) $(stat -c %s "$T/sa.svg") $(cat "$T/rss")"
}
if [ -n "$pid" ]; then
	wait "$pid" || true
	pid=""
	"$sadc" -S XALL 1 3 "$T/sa2" # a 2-interval file: what sadf costs before any record
	count() { sadf -d "$1" -- -u | grep -vc '^#' || true; }
	n=$(count "$T/sa") n2=$(count "$T/sa2")
	read -r us size rss < <(sadf_g "$T/sa")
	read -r us2 size2 _ < <(sadf_g "$T/sa2")
	row "sadf -g, $n samples" "$(awk -v u="$us" 'BEGIN{printf "%.3f", u/1e6}')" "$((rss / 1024))" \
		"$(awk -v s="$size" 'BEGIN{printf "%.2f", s/1048576}')" "" "" ""
	# A day: the 2-interval file's cost plus the per-record increment times 86400.
	row "sadf -g, day (extrap.)" \
		"$(awk -v a="$us2" -v b="$us" -v n="$n" -v m="$n2" 'BEGIN{printf "%.1f", (a+(b-a)/(n-m)*(86400-m))/1e6}')" "" \
		"$(awk -v a="$size2" -v b="$size" -v n="$n" -v m="$n2" 'BEGIN{printf "%.0f", (a+(b-a)/(n-m)*(86400-m))/1048576}')" "" "" ""
else
	echo "sadf -g: sysstat's sadc/sadf not installed (scripts/deps.sh installs sysstat)"
fi
