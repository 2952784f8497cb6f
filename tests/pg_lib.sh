#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pg_lib.sh: a private PostgreSQL server for the tests/store_*.test.sh tests (sourced, not run).
# initdb into a temporary directory as the unprivileged user nobody, password authentication,
# a private unix-socket directory and no TCP port; pg_start/pg_stop by PID; the caller's EXIT
# trap must call pg_cleanup (stops the server and removes the directory even on failure).
# PG_URI is the superuser's URI with its password, PG_BADPW_URI the same with a wrong one.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASSWORD="s3cret-pw-$$"
pg_skip() { echo "SKIP: $*"; exit 77; }
[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] || pg_skip "no PostgreSQL server at $PG_BIN"
command -v psql >/dev/null || pg_skip "psql is not installed"
if [ "$(id -u)" -eq 0 ]; then
	PG_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
else
	PG_AS=()
fi
PG_DIR=$(mktemp -d /tmp/pc-pg.XXXXXX)
PG_PID=
chmod 755 "$PG_DIR"
mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$PG_DIR"
PG_USER=$( [ "$(id -u)" -eq 0 ] && echo nobody || id -un )
PG_URI="postgresql://$PG_USER:$PG_PASSWORD@/postgres?host=$PG_DIR/sock"
PG_BADPW_URI="postgresql://$PG_USER:wrong-$PG_PASSWORD@/postgres?host=$PG_DIR/sock"

pg_cleanup() {
	pg_stop
	rm -rf "$PG_DIR"
}

pg_init() {
	"${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --pwfile="$PG_DIR/pw" \
		--auth=scram-sha-256 -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log"; pg_skip "initdb cannot run here"; }
}

# pg_start: the server in the background; waits until it accepts connections
pg_start() {
	"${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR/sock" -c listen_addresses='' \
		-c fsync=off -c full_page_writes=off -c shared_buffers=64MB ${PG_OPTS:-} \
		>>"$PG_DIR/server.log" 2>&1 &
	PG_PID=$!
	local i
	for i in $(seq 100); do
		PGPASSWORD=$PG_PASSWORD psql -qAt -h "$PG_DIR/sock" -U "$PG_USER" -d postgres \
			-c 'select 1' >/dev/null 2>&1 && return 0
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -20 "$PG_DIR/server.log"
	echo "FAIL: PostgreSQL did not start"
	return 1
}

pg_stop() {
	[ -n "$PG_PID" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null # fast shutdown
	local i
	for i in $(seq 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$PG_PID" 2>/dev/null
	wait "$PG_PID" 2>/dev/null
	PG_PID=
}

# q SQL: one query's rows, unaligned, fields separated by |
q() { PGPASSWORD=$PG_PASSWORD psql -qAt -v ON_ERROR_STOP=1 -h "$PG_DIR/sock" -U "$PG_USER" -d postgres -c "$1"; }

# host_rows WHERE: pc_host_metric's rows as host.csv lays them out (| between fields), by time
host_rows() {
	q "SELECT to_char(h.time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), cpu_user,
	   cpu_system, cpu_iowait, cpu_idle, cpu_steal, mem_total, mem_used, mem_available, mem_buffers,
	   mem_cached, disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops, net_rx_bytes,
	   net_tx_bytes, net_rx_packets, net_tx_packets FROM pc_host_metric h
	   JOIN pc_collector c ON c.id = h.collector_id WHERE $1 ORDER BY h.time"
}

# same_as_host_csv HOST.CSV ROWS: every row and value equal (1e-9 relative; empty = NULL)
same_as_host_csv() {
	python3 - "$1" "$2" <<'PY'
import sys
csv = [l.split(',') for l in open(sys.argv[1]).read().split('\n')[1:] if l]
db = [l.split('|') for l in open(sys.argv[2]).read().split('\n') if l]
assert len(csv) == len(db), (len(csv), len(db))
for a, b in zip(csv, db):
    assert a[0] == b[0], (a[0], b[0])
    for x, y in zip(a[1:], b[1:]):
        assert (x == '' and y == '') or abs(float(x) - float(y)) <= 1e-9 * max(1, abs(float(x))), (a, b)
print("ok: %d rows of host.csv equal the table's" % len(csv))
PY
}

# container_rows WHERE: pc_container_metric's rows as containers.csv lays them out (| between
# fields; time in µs since the epoch), by container and time
container_rows() {
	q "SELECT (extract(epoch FROM m.time) * 1000000)::bigint, container, m.name, runtime,
	   cpu_percent, cpu_user_percent, cpu_system_percent, memory_current_bytes, memory_max_bytes,
	   memory_percent, io_read_bytes, io_write_bytes, io_read_ops, io_write_ops, pids_current
	   FROM pc_container_metric m JOIN pc_collector c ON c.id = m.collector_id WHERE $1
	   ORDER BY container, runtime, m.time"
}

# same_as_containers_csv CONTAINERS.CSV ROWS: every row and cell equal, the table's numbers shown
# as containers.csv shows them (two decimals for percentages, integers; empty = NULL)
same_as_containers_csv() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))[1:]
db = [l.split('|') for l in open(sys.argv[2]).read().split('\n') if l]
assert len(rows) == len(db) > 0, (len(rows), len(db))
def ts(us):
    us = int(us)
    return '%d.%03d' % (us // 10**6, us % 10**6 // 1000) if us % 10**6 else '%d' % (us // 10**6)
def cell(i, v):
    if v == '':
        return ''
    return '%.2f' % float(v) if i in (4, 5, 6, 9) else '%d' % float(v)
for a, b in zip(rows, db):
    shown = [ts(b[0])] + b[1:4] + [cell(i, v) for i, v in enumerate(b) if i >= 4]
    assert a == shown, (a, shown)
print("ok: %d rows of containers.csv equal the table's, cell for cell" % len(rows))
PY
}
