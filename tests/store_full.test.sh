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
NS_PID=
trap 'pg_cleanup; [ -n "$NS_PID" ] && kill "$NS_PID" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; tail -5 "$PG_DIR/server.log"; exit 1; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot make a mount namespace here"; exit 77; }
pg_init
# ns_up SIZE: a private mount namespace holding a tmpfs of SIZE with a copy of the data directory,
# kept alive by a sleeping holder (NS_PID), so that the tmpfs and what the server committed to it
# outlive a server that dies on the full disk
ns_up() {
	mkdir -p "$PG_DIR/small"
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=$1,mode=0755 tmpfs "$2/small" || exit 1
		cp -a "$2/data" "$2/small/data" && chown -R nobody:nogroup "$2/small" || exit 1
		touch "$2/ns-ready"
		exec sleep 86400' sh "$1" "$PG_DIR" >>"$PG_DIR/server.log" 2>&1 &
	NS_PID=$!
	for _ in $(seq 600); do
		[ -e "$PG_DIR/ns-ready" ] && return 0
		kill -0 "$NS_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "cannot set up the tmpfs in a private mount namespace"
}
# pg_up: the server started in that namespace on the tmpfs copy (PG_PID, for pg_stop)
pg_up() {
	nsenter -t "$NS_PID" -m -- setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$PG_BIN/postgres" -D "$PG_DIR/small/data" -k "$PG_DIR/sock" -c listen_addresses= \
		-c fsync=off -c max_wal_size=32MB -c min_wal_size=32MB >>"$PG_DIR/server.log" 2>&1 &
	PG_PID=$!
}
# pg_ready: 0 once the server accepts a real connection, 1 if it exited first; bounded by a
# generous number of tries, since how long recovery takes on a loaded machine is its business
pg_ready() {
	for _ in $(seq 1200); do
		q 'select 1' >/dev/null 2>&1 && return 0
		kill -0 "$PG_PID" 2>/dev/null || { wait "$PG_PID" 2>/dev/null; PG_PID=; return 1; }
		sleep 0.1
	done
	fail "the server neither accepted connections nor exited after 1200 tries"
}
ns_up 120m
pg_up
pg_ready || fail "server on tmpfs did not start"
"$bin/perfload" synth --output="$T/day.pcol" --interval=100ms --duration=6h --cpus=4 \
	--cpu=walk:1 --mem=walk:2 --disk-read=walk:3 --net-tx=walk:4 >/dev/null || fail "synth"
if "$bin/perfjournal" --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=full \
	2>"$T/err"; then fail "the import succeeded on a full disk"; fi
cat "$T/err"
grep -q "$PG_PASSWORD" "$T/err" && fail "the password is in the message"
grep -q 'nobody:\*\*\*@' "$T/err" || fail "the message does not name the URI"
grep -Eqi 'space|could not (extend|write)|terminat|closed|server' "$T/err" || fail "no reason given"
# room again: the tmpfs grown in place (its namespace outlives the server) before anything else;
# a server that died on the full disk (a failed WAL write, then a failed crash recovery) is
# started again on the same data, and must come up: nothing it committed may be lost
nsenter -t "$NS_PID" -m mount -o remount,size=2g "$PG_DIR/small" || fail "cannot grow the tmpfs"
if ! pg_ready; then
	echo "the server stopped on the full disk: restarting it on the same data, now with room"
	pg_up
	pg_ready || fail "the server did not start again once there was room"
fi
part=$(q "SELECT count(*) FROM pc_host_metric")
echo "ok: full disk: exit non-zero, the $part rows committed before are there"
"$bin/perfjournal" --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=full \
	2>"$T/retry" || fail "the import did not complete once there was room: $(cat "$T/retry")"
cat "$T/retry"
grep -q " $part intervals already there" "$T/retry" || fail "the retry did not resume after $part"
r=$(q "SELECT count(*), count(DISTINCT time) FROM pc_host_metric")
[ "$r" = "216000|216000" ] || fail "after the retry: $r"
echo "store_full ok"
