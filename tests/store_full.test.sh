#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# store_full.test.sh: a database whose disk fills up during an import. The server runs in a
# private mount namespace on a small tmpfs (it disappears with the namespace); the import of a
# host-day fails with one message naming the URI without the password and exits non-zero, what
# it committed stays, and once there is room again the same command completes it, none twice.
set -uo pipefail
bin=${PC_BIN:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a private tmpfs"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: no unshare"; exit 77; }
source "$(dirname "$0")/pg_lib.sh"
T=$(mktemp -d /tmp/pc-storefull.XXXXXX)
trap 'pg_cleanup; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; tail -5 "$PG_DIR/server.log"; exit 1; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot make a mount namespace here"; exit 77; }
pg_init
# pg_start_on SIZE: the server on a tmpfs of SIZE holding a copy of the data directory
pg_start_on() {
	mkdir -p "$PG_DIR/small"
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=$1,mode=0755 tmpfs "$2/small" || exit 1
		cp -a "$2/data" "$2/small/data" && chown -R nobody:nogroup "$2/small"
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$3/postgres" \
			-D "$2/small/data" -k "$2/sock" -c listen_addresses= -c fsync=off \
			-c max_wal_size=32MB -c min_wal_size=32MB' sh "$1" "$PG_DIR" "$PG_BIN" \
		>>"$PG_DIR/server.log" 2>&1 &
	PG_PID=$!
	for i in $(seq 100); do q 'select 1' >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "server on tmpfs did not start"
}
pg_start_on 120m
"$bin/perfload" synth --output="$T/day.pcol" --interval=100ms --duration=6h --cpus=4 \
	--cpu=walk:1 --mem=walk:2 --disk-read=walk:3 --net-tx=walk:4 >/dev/null || fail "synth"
if "$bin/perfjournal" --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=full \
	2>"$T/err"; then fail "the import succeeded on a full disk"; fi
cat "$T/err"
grep -q "$PG_PASSWORD" "$T/err" && fail "the password is in the message"
grep -q 'nobody:\*\*\*@' "$T/err" || fail "the message does not name the URI"
grep -Eqi 'space|could not (extend|write)|terminat|closed|server' "$T/err" || fail "no reason given"
# room again: the server's tmpfs grown in place (its mount namespace), the server kept running
nsenter -t "$PG_PID" -m mount -o remount,size=2g "$PG_DIR/small" || fail "cannot grow the tmpfs"
for i in $(seq 300); do q 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
part=$(q "SELECT count(*) FROM pc_host_metric")
echo "ok: full disk: exit non-zero, the $part rows committed before are there"
"$bin/perfjournal" --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=full \
	2>"$T/retry" || fail "the import did not complete once there was room: $(cat "$T/retry")"
cat "$T/retry"
grep -q " $part intervals already there" "$T/retry" || fail "the retry did not resume after $part"
r=$(q "SELECT count(*), count(DISTINCT time) FROM pc_host_metric")
[ "$r" = "216000|216000" ] || fail "after the retry: $r"
echo "store_full ok"
