#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/store.sh: the PostgreSQL sink's figures (docs/STORE.md), against a private server
# (tests/pg_lib.sh; fsync off, as a bulk-load floor). 1. Import of a synthetic host-day at 1 s
# and at 100 ms (4 CPUs, one disk, one interface): perfjournal --mode=pgsql rows/s and
# values/s, side by side with `psql \copy` of the very same rows from CSV, table by table (the
# floor a user reaches by hand); and host.csv import against \copy of pc_host_metric alone.
# 2. Live sink: processor CPU per 1,000 samples/s with --db=postgres and without. 3. Catch-up
# rate after an outage (the processor's own log line).
set -uo pipefail
bin=${1:-build/bin}
cd "$(dirname "$0")/.."
bin=$(cd "$bin" && pwd)
source tests/pg_lib.sh
B=$(mktemp -d /tmp/pc-benchstore.XXXXXX)
chmod 755 "$B"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; pg_cleanup; rm -rf "$B"' EXIT
pg_init
pg_start || exit 1
now() { date +%s.%N; }
TABLES="pc_host_metric pc_cpu_metric pc_disk_metric pc_net_metric"
fresh() { q "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null 2>&1; }
psqlc() { PGPASSWORD=$PG_PASSWORD psql -qAt -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -U "$PG_USER" -d postgres -c "$1" >/dev/null; }

import_day() { # interval label
	local ival=$1 t0 t1 rows vals ct=0 n f
	"$bin/perfload" synth --output="$B/day.pcol" --interval="$ival" --duration=24h --cpus=4 \
		--cpu=walk:1 --mem=walk:2 --disk-read=walk:3 --disk-write=walk:5 --net-tx=walk:4 \
		--net-rx=walk:6 >/dev/null
	fresh
	t0=$(now)
	"$bin/perfjournal" --input="$B/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=b \
		2>"$B/imp.log" || { cat "$B/imp.log"; return 1; }
	t1=$(now)
	rows=$(sed -n 's/.*: \([0-9]*\) rows (\([0-9]*\) values).*/\1/p' "$B/imp.log")
	vals=$(sed -n 's/.*: \([0-9]*\) rows (\([0-9]*\) values).*/\2/p' "$B/imp.log")
	# the same rows as CSV, then \copy'd back into the emptied tables
	for f in $TABLES; do
		psqlc "\\copy (SELECT * FROM $f) TO '$B/$f.csv' (FORMAT csv)"
	done
	q "TRUNCATE ${TABLES// /, }" >/dev/null
	local c0 c1
	c0=$(now)
	for f in $TABLES; do
		psqlc "\\copy $f FROM '$B/$f.csv' (FORMAT csv)"
	done
	c1=$(now)
	# host.csv (the seed's path) against \copy of the metrics table alone
	"$bin/perfjournal" --input="$B/day.pcol" --mode=csv --output="$B/csv" >/dev/null 2>&1
	n=$(($(wc -l <"$B/csv/host.csv") - 1))
	# Our import and \copy take turns REPS times: the first turn is the row of this run, the
	# median ratio of all turns the figure (a shared machine moves single runs by +-30 %).
	local reps=${STORE_BENCH_REPS:-5} ratios=() i a b m0 m1 h=0 m=0
	for ((i = 0; i < reps; i++)); do
		q "TRUNCATE pc_host_metric; TRUNCATE pc_cursor" >/dev/null
		a=$(now)
		"$bin/perfjournal" --input="$B/csv/host.csv" --mode=pgsql --dburi="$PG_URI" \
			--collector-name=h --site-name=bench 2>/dev/null
		b=$(now)
		q "TRUNCATE pc_host_metric" >/dev/null
		m0=$(now)
		psqlc "\\copy pc_host_metric FROM '$B/pc_host_metric.csv' (FORMAT csv)"
		m1=$(now)
		ratios+=("$(echo "($m1 - $m0) / ($b - $a)" | bc -l)")
		[ "$i" = 0 ] && h=$(echo "$b - $a" | bc) m=$(echo "$m1 - $m0" | bc)
	done
	printf '%s\n' "${ratios[@]}" | sort -g | awk -v l="$ival" '{ v[NR] = $1 } END {
		printf "| %s host.csv, %d runs in turn | | | | | | median | %.2fx (%.2f-%.2f) |\n",
		l, NR, v[int((NR + 1) / 2)], v[1], v[NR] }'
	awk -v l="$ival" -v r="$rows" -v v="$vals" -v t="$(echo "$t1 - $t0" | bc)" \
		-v c="$(echo "$c1 - $c0" | bc)" -v n="$n" -v h="$h" -v m="$m" 'BEGIN {
		printf "| %s | %d | %.2f s | %.0f | %.0f | %.2f s | %.0f | %.2fx |\n", l, r, t, r / t, v / t, c, r / c, c / t
		printf "| %s host.csv | %d | %.2f s | %.0f | %.0f | %.2f s | %.0f | %.2fx |\n", l, n, h, n / h, n * 18 / h, m, n / m, m / h }'
}

echo "## 1. import of a host-day (all four tables; \\copy = the same rows from CSV)"
echo "| interval | rows | perfjournal | rows/s | values/s | psql \\copy | rows/s | ratio |"
echo "|---|---|---|---|---|---|---|---|"
if [ "${STORE_BENCH_IMPORT:-1}" = 1 ]; then # STORE_BENCH_IMPORT=0: the live part alone
	import_day 1s
	import_day 100ms
fi

# --- 2 and 3: the live sink, N collectors at 10 ms = N x 100 samples/s
source bench/remote_fanout.lib
trap 'cleanup; pg_cleanup; rm -rf "$B"' EXIT
live() { # on|off n secs
	local mode=$1 n=$2 secs=$3 base=$((31000 + ($$ % 100) * 50)) i conf pid c0 c1 t0 t1 s0 s1 st hz
	local -a cols=() extra=()
	hz=$(getconf CLK_TCK)
	[ "$mode" = on ] && extra=(--db=postgres --dburi="$PG_URI")
	rm -rf "$T/ph/.perfprocessord" "$T"/c*
	mkdir -p "$T/ph/.perfprocessord"
	conf="$T/ph/.perfprocessord/perfprocessord.conf"
	"$bin/perflicense" licenseadd siteid=1 sitename=Bench duration=30 \
		mac="$(scripts/first_mac.sh)" >"$conf"
	for ((i = 0; i < n; i++)); do
		mkdir -p "$T/c$i"
		HOME="$T/c$i" "$bin/perfcollectord" --listen=127.0.0.1:$((base + i)) \
			--allowedkeys="$FP" --no-bpf --root="$T/root" --batch=1s -q >"$T/c$i.log" 2>&1 &
		cols+=($!) PIDS+=($!)
		echo "hosts=1:$i/127.0.0.1:$((base + i))" >>"$conf"
	done
	for ((i = 0; i < n; i++)); do until grep -q "ready:" "$T/c$i.log" 2>/dev/null; do sleep 0.1; done; done
	HOME="$T/ph" "$bin/perfprocessord" "${extra[@]}" >"$T/proc.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	until [ "$(field "$(pp status 2>/dev/null)" "Hosts connected")" = "$n/$n" ]; do sleep 0.5; done
	pp start frequency=10ms systems=/proc/stat,/proc/meminfo >/dev/null
	sleep 3
	s0=$(field "$(pp status)" Stored | awk '{ print $3 }') c0=$(cpu_ticks "$pid") t0=$(now)
	sleep "$secs"
	s1=$(field "$(pp status)" Stored | awk '{ print $3 }') c1=$(cpu_ticks "$pid") t1=$(now)
	if [ "$mode" = outage ]; then :; fi
	awk -v m="$mode" -v s="$((s1 - s0))" -v c="$((c1 - c0))" -v hz="$hz" -v dt="$(echo "$t1 - $t0" | bc)" 'BEGIN {
		printf "| sink %s | %.0f | %.1f %% | %.2f %% |\n", m, s / dt, c / hz / dt * 100, c / hz / dt * 100 / (s / dt / 1000) }'
	LIVE_PID=$pid LIVE_COLS=("${cols[@]}")
}
live_end() {
	pp stop >/dev/null
	kill "$LIVE_PID"; wait "$LIVE_PID" 2>/dev/null
	for i in "${LIVE_COLS[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
}
echo
echo "## 2. live sink: processor CPU (10 collectors at 10 ms, /proc/stat + /proc/meminfo)"
echo "| | samples/s | processor CPU | CPU per 1,000 samples/s |"
echo "|---|---|---|---|"
fresh
live off 10 20; live_end
live on 10 20
# 3. an outage: the database away for a while, then back; the catch-up line of the processor
pg_stop
sleep "${OUTAGE_SECONDS:-60}"
pg_start >/dev/null
for i in $(seq 600); do grep -q "caught up from the journal" <(tail -n 3 "$T/proc.log") && [ "$(grep -c 'caught up' "$T/proc.log")" -ge 2 ] && break; sleep 0.5; done
live_end
echo
echo "## 3. catch-up after a ${OUTAGE_SECONDS:-60} s outage at ~1,000 samples/s"
grep "caught up from the journal" "$T/proc.log" | tail -n 1 | sed 's/^[^:]*: //'
