#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# perfjournal --mode=pgsql against a real PostgreSQL started here (tests/pg_lib.sh): the schema is
# created, a pcc file, a collection and a host.csv are imported, a second import adds nothing,
# the seed's three queries work verbatim through psql and give the export's values, an
# interrupted import resumes without duplicates, the TCP/UDP columns of a collection with the
# snmp source equal its host.csv's, a schema 2 database is migrated in place, the containers of a
# pcc-container file and of a collection equal containers.csv cell for cell, a schema 3 database
# is migrated to 4 keeping its container rows, and bad URIs, a
# wrong password and a newer schema each fail with one message naming the URI without the
# password.
set -uo pipefail
bin=${PC_BIN:?}
fx=${PC_SHARED_FIXTURES:?}/pcc-sys-info-test/sys-info-test.json
[ -f "$fx" ] || { echo "SKIP: no fixture $fx"; exit 77; }
source "$(dirname "$0")/pg_lib.sh"
T=$(mktemp -d /tmp/pc-storepg.XXXXXX)
trap 'pg_cleanup; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; tail -5 "$PG_DIR/server.log"; exit 1; }
pg_init
pg_start || exit 1
pj() { "$bin/perfjournal" "$@"; }

# 1. a pcc file: schema created, every interval stored, the seed's queries verbatim
pj --input="$fx" --mode=pgsql --dburi="$PG_URI" --collector-name=web1 --site-name=Lab ||
	fail "import"
[ "$(q 'SELECT max(version) FROM pc_schema_version')" -ge 1 ] || fail "no schema version"
pj --input="$fx" --mode=pgsql --dburi="$PG_URI" --collector-name=web1 --site-name=Lab 2>"$T/again" ||
	fail "re-import"
cat "$T/again"
grep -q ' 0 rows' "$T/again" || fail "the re-import stored rows"
q "SELECT id, machinename, sitename FROM collectors_collector;" >"$T/q1"
[ "$(cat "$T/q1")" = "1|web1|Lab" ] || fail "collectors: $(cat "$T/q1")"
q "SELECT collector_id, MIN(timestamp), MAX(timestamp), COUNT(*) FROM dashboard_performancemetric GROUP BY collector_id;" >"$T/q2"
[ "$(cat "$T/q2")" = "1|2026-01-09 16:46:05+00|2026-01-09 16:47:25+00|17" ] || fail "q2: $(cat "$T/q2")"
q "SELECT timestamp, cpu_user, mem_used FROM dashboard_performancemetric WHERE collector_id = 1 ORDER BY timestamp LIMIT 10;" >"$T/q3"
[ "$(wc -l <"$T/q3")" -eq 10 ] || fail "q3 rows"
echo "ok: schema, import, idempotent re-import, the seed's three queries"

# 2. the values are the export's: host.csv against the table, every column
pj --input="$fx" --mode=csv --output="$T/csv" || fail "csv export"
host_rows "c.id = 1" >"$T/db"
same_as_host_csv "$T/csv/host.csv" "$T/db" || fail "values differ from host.csv"
# per-CPU rows: proc/stat's
n=$(grep -c . "$T/csv/proc/stat")
[ "$(q 'SELECT count(*) FROM pc_cpu_metric WHERE collector_id = 1')" -eq $((n - 1)) ] || fail "cpu rows"

# 3. host.csv, the seed's import_performance way: named collector, twice = once
pj --input="$T/csv/host.csv" --mode=pgsql --dburi="$PG_URI" --collector-name=web2 --site-name=Lab ||
	fail "host.csv import"
pj --input="$T/csv/host.csv" --mode=pgsql --dburi="$PG_URI" --collector-name=web2 --site-name=Lab ||
	fail "host.csv re-import"
cid=$(q "SELECT id FROM collectors_collector WHERE machinename = 'web2'")
[ "$(q "SELECT count(*) FROM dashboard_performancemetric WHERE collector_id = $cid")" -eq 17 ] ||
	fail "host.csv rows"
if pj --input="$T/csv/host.csv" --mode=pgsql --dburi="$PG_URI" 2>"$T/err"; then fail "host.csv without names"; fi
grep -q -- '--collector-name' "$T/err" || fail "host.csv without names: $(cat "$T/err")"
echo "ok: host.csv import"

# 4. the TCP/UDP columns (schema 3): a collection with the snmp and netstat sources, imported
# as a collection and as its host.csv, gives host.csv's values; a host.csv without them, NULLs
nc=tcp_in_segs,tcp_out_segs,udp_in_datagrams,tcp_syn_retrans
net_same() { # COLLECTOR HOST.CSV: the columns $nc of every row equal host.csv's
	q "SELECT to_char(h.time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $nc
	   FROM pc_host_metric h JOIN pc_collector c ON c.id = h.collector_id
	   WHERE c.machinename = '$1' ORDER BY h.time" >"$T/net.db"
	python3 - "$2" "$T/net.db" "$nc" <<'PY'
import sys
lines = [l.split(',') for l in open(sys.argv[1]).read().split('\n') if l]
cols = [lines[0].index(c) for c in sys.argv[3].split(',')]
db = [l.split('|') for l in open(sys.argv[2]).read().split('\n') if l]
assert len(lines) - 1 == len(db) > 0, (len(lines) - 1, len(db))
filled = 0
for a, b in zip(lines[1:], db):
    assert a[0] == b[0], (a[0], b[0])
    for x, y in zip([a[c] for c in cols], b[1:]):
        assert (x == '' and y == '') or abs(float(x) - float(y)) <= 1e-9 * max(1, abs(float(x))), (x, y)
        filled += x != ''
assert filled, "no TCP/UDP values at all"
print("ok: %d rows, %d TCP/UDP values equal host.csv's" % (len(db), filled))
PY
}
"$bin/perfcollectord" --mode=local --no-bpf --frequency=1s --duration=5s --output="$T/snmp.pcol" \
	>/dev/null 2>"$T/collect.log" || fail "collect: $(cat "$T/collect.log")"
pj --input="$T/snmp.pcol" --mode=csv --output="$T/scsv" || fail "csv export of the snmp collection"
head -1 "$T/scsv/host.csv" | grep -q ',tcp_in_segs,' || fail "no TCP columns in host.csv"
pj --input="$T/snmp.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=snmp1 || fail "snmp import"
net_same snmp1 "$T/scsv/host.csv" || fail "collection import: TCP/UDP values differ from host.csv"
pj --input="$T/scsv/host.csv" --mode=pgsql --dburi="$PG_URI" --collector-name=snmp2 ||
	fail "snmp host.csv import"
net_same snmp2 "$T/scsv/host.csv" || fail "host.csv import: TCP/UDP values differ from host.csv"
cut -d, -f1-19 "$T/scsv/host.csv" >"$T/seed.csv"
pj --input="$T/seed.csv" --mode=pgsql --dburi="$PG_URI" --collector-name=snmp3 || fail "19-column host.csv"
r=$(q "SELECT count(*), count(h.cpu_user), count(h.tcp_in_segs), count(h.udp_no_ports) FROM pc_host_metric h
       JOIN pc_collector c ON c.id = h.collector_id WHERE c.machinename = 'snmp3'")
[ "$r" = "$(($(wc -l <"$T/seed.csv") - 1))|$(($(wc -l <"$T/seed.csv") - 1))|0|0" ] ||
	fail "19-column host.csv: rows, cpu_user, tcp, udp = $r"
r=$(q "SELECT count(tcp_in_segs) FROM dashboard_performancemetric d JOIN collectors_collector c ON c.id = d.collector_id WHERE c.machinename = 'snmp1'")
[ "$r" -gt 0 ] || fail "the seed's view has no tcp_in_segs"
echo "ok: TCP/UDP columns from a collection and its host.csv; a 19-column host.csv leaves them NULL"

# 5. an interrupted import resumes: a host-day at 1 s, killed after its first commits
"$bin/perfload" synth --output="$T/day.pcol" --interval=1s --duration=24h --cpus=4 --cpu=walk:1 \
	--mem=walk:2 --disk-read=walk:3 --net-tx=walk:4 >/dev/null || fail "synth"
PC_SINK_FLUSH_KB=64 "$bin/perfjournal" --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=day 2>"$T/kill.log" &
p=$!
for i in $(seq 200); do
	[ "$(q "SELECT count(*) FROM pc_cursor c JOIN pc_collector k ON k.id = c.collector_id WHERE k.machinename = 'day'")" -ge 1 ] && break
	sleep 0.05
done
kill -9 $p; wait $p 2>/dev/null
# its server process ends (and any COMMIT it had sent lands) before we count
for i in $(seq 100); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" -eq 0 ] && break
	sleep 0.05
done
part=$(q "SELECT count(*) FROM dashboard_performancemetric d JOIN collectors_collector c ON c.id = d.collector_id WHERE c.machinename = 'day'")
[ "$part" -gt 0 ] && [ "$part" -lt 86400 ] || fail "interrupted import stored $part rows (want some, not all)"
pj --input="$T/day.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=day 2>"$T/resume.log" || fail "resume: $(cat "$T/resume.log")"
cat "$T/resume.log"
grep -q "$part intervals already there" "$T/resume.log" || fail "resume did not skip the $part stored"
r=$(q "SELECT count(*), count(DISTINCT time) FROM pc_host_metric h JOIN pc_collector c ON c.id = h.collector_id WHERE c.machinename = 'day'")
[ "$r" = "86400|86400" ] || fail "after resume: $r (want 86400|86400)"
echo "ok: interrupted after $part rows, resumed to 86400, none twice"
# indexes are built after the load, on every day partition (also those of the interrupted run)
r=$(q "SELECT count(*) FILTER (WHERE n = 2), count(*) FROM (SELECT c.relname, (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid) n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'pc_host_metric'::regclass) p")
[ "${r%|*}" = "${r#*|}" ] && [ "${r#*|}" -ge 2 ] || fail "day partitions with their 2 indexes: $r"
echo "ok: indexes built after the load on all ${r#*|} day partitions"

# 6. a journal (of the original tools): its collectors are (siteid, host), named by the site
lg=${PC_SHARED_FIXTURES}/legacy
if [ -f "$lg/journal-2cpu" ]; then
	id=(--siteid=1 "--sitename=Evil Corp" --license=6f37-6910-b2a0-e858-9657-f08d)
	pj --input="$lg/journal-2cpu" "${id[@]}" --mode=pgsql --dburi="$PG_URI" || fail "journal import"
	pj --input="$lg/journal-2cpu" "${id[@]}" --mode=pgsql --dburi="$PG_URI" || fail "journal re-import"
	r=$(q "SELECT c.sitename, c.site, count(*) FROM dashboard_performancemetric d JOIN collectors_collector c ON c.id = d.collector_id WHERE c.site = 1 GROUP BY 1, 2")
	[ "$r" = "Evil Corp|1|110" ] || fail "journal rows: $r"
	pj --input="$lg/capture-2cpu.jsonl" --mode=pgsql --dburi="$PG_URI" --collector-name=cap ||
		fail "legacy capture import"
	r=$(q "SELECT count(*) FROM dashboard_performancemetric d JOIN collectors_collector c ON c.id = d.collector_id WHERE c.machinename = 'cap'")
	[ "$r" = 110 ] || fail "capture rows: $r"
	echo "ok: legacy journal and capture"
fi

# 7. a database at schema 2 (the TCP/UDP columns and view taken back as version 2 made them)
# is migrated in place: every row and value kept, the new columns NULL for the old rows
# pc_container_metric as versions 1 to 3 made it (the placeholder), from version 4's
ct_v3="ALTER TABLE pc_container_metric DROP COLUMN runtime, DROP COLUMN name,
   DROP COLUMN cpu_user_percent, DROP COLUMN cpu_system_percent, DROP COLUMN memory_max_bytes,
   DROP COLUMN memory_percent, DROP COLUMN io_read_bytes, DROP COLUMN io_write_bytes,
   DROP COLUMN io_read_ops, DROP COLUMN io_write_ops, DROP COLUMN pids_current;
   ALTER TABLE pc_container_metric RENAME COLUMN cpu_percent TO cpu_pct;
   ALTER TABLE pc_container_metric RENAME COLUMN memory_current_bytes TO mem_bytes"
cols3=$(sed 's/,/ /g' <<<"tcp_active_opens,tcp_passive_opens,tcp_in_segs,tcp_out_segs,tcp_attempt_fails,tcp_estab_resets,tcp_retrans_segs,tcp_in_errs,tcp_out_rsts,udp_in_datagrams,udp_out_datagrams,udp_no_ports,udp_in_errors,tcp_listen_overflows,tcp_listen_drops,tcp_timeouts,tcp_syn_retrans")
drop=$(for c in $cols3; do printf 'DROP COLUMN %s,' "$c"; done)
q "BEGIN; DROP VIEW dashboard_performancemetric; ALTER TABLE pc_host_metric ${drop%,};
   CREATE VIEW dashboard_performancemetric AS SELECT collector_id, time AS \"timestamp\",
   cpu_user, cpu_system, cpu_iowait, cpu_idle, cpu_steal, mem_total, mem_used, mem_available,
   mem_buffers, mem_cached, disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops,
   net_rx_bytes, net_tx_bytes, net_rx_packets, net_tx_packets, run FROM pc_host_metric;
   $ct_v3; DELETE FROM pc_schema_version WHERE version > 2; COMMIT" >/dev/null || fail "back to schema 2"
[ "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'pc_host_metric' AND column_name LIKE 'tcp%'")" -eq 0 ] ||
	fail "schema 2 still has TCP columns"
host_rows "true" | sort | md5sum >"$T/v2.sum"
n2=$(q "SELECT count(*) FROM pc_host_metric")
pj --input="$T/snmp.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=snmp4 || fail "import into schema 2"
[ "$(q 'SELECT max(version) FROM pc_schema_version')" -eq 4 ] || fail "not migrated to 4"
host_rows "c.machinename <> 'snmp4'" | sort | md5sum | cmp -s - "$T/v2.sum" || fail "rows changed by the migration"
r=$(q "SELECT count(*), count(tcp_in_segs) FROM pc_host_metric h JOIN pc_collector c ON c.id = h.collector_id WHERE c.machinename <> 'snmp4'")
[ "$r" = "$n2|0" ] || fail "after the migration: rows, tcp_in_segs = $r (want $n2|0)"
net_same snmp4 "$T/scsv/host.csv" || fail "after the migration: TCP/UDP values differ from host.csv"
echo "ok: schema 2 with $n2 rows migrated to 4 in place"

# 8. containers (schema 4): a pcc-container file and a native collection with containers give
# pc_container_metric rows equal to perfjournal --mode=csv's containers.csv, cell for cell, and
# a second import adds nothing
ct_same() { # INPUT COLLECTOR: import twice, compare with the csv export
	pj --input="$1" --mode=csv --output="$T/ct-$2" || fail "csv export of $1"
	[ -f "$T/ct-$2/containers.csv" ] || fail "$1 has no containers"
	pj --input="$1" --mode=pgsql --dburi="$PG_URI" --collector-name="$2" --site-name=Lab ||
		fail "import of $1"
	pj --input="$1" --mode=pgsql --dburi="$PG_URI" --collector-name="$2" --site-name=Lab \
		2>"$T/again" || fail "re-import of $1"
	grep -q ' 0 rows' "$T/again" || fail "the re-import of $1 stored: $(cat "$T/again")"
	container_rows "c.machinename = '$2'" >"$T/ct-$2.db"
	same_as_containers_csv "$T/ct-$2/containers.csv" "$T/ct-$2.db" ||
		fail "$1: containers differ from containers.csv"
}
ctfx=${PC_SHARED_FIXTURES}/pcc-container-azure/container_collection.json
[ -f "$ctfx" ] || fail "no fixture $ctfx"
ct_same "$ctfx" ct1
# a collection of this host's /proc with the docker cgroup snapshot of tests/fixtures as its
# cgroup tree (static counters: the CPU columns are 0.00 after the first row)
mkdir -p "$T/root/sys/fs"
# Readable by the user the collector drops to once set up (docs/PRIVSEP.md).
chmod 755 "$T"
ln -s /proc "$T/root/proc"
cp -r "$(dirname "$0")/fixtures/cgroup/v2-docker/sys/fs/cgroup" "$T/root/sys/fs/"
cp -r "$(dirname "$0")/fixtures/cgroup/v2-docker/var" "$T/root/"
"$bin/perfcollectord" --mode=local --no-bpf --root="$T/root" --frequency=1s --duration=4s \
	--output="$T/ct.pcol" >/dev/null 2>"$T/collect.log" || fail "collect: $(cat "$T/collect.log")"
ct_same "$T/ct.pcol" ct2
echo "ok: containers of a pcc-container file and of a collection equal containers.csv"

# 9. a database at schema 3 (pc_container_metric the placeholder it was, holding rows) is
# migrated to 4 in place: every host row and container row kept
q "BEGIN; $ct_v3; DELETE FROM pc_schema_version WHERE version > 3; COMMIT" >/dev/null ||
	fail "back to schema 3"
host_rows "true" | sort | md5sum >"$T/v3.sum"
q "SELECT collector_id, run, time, container, cpu_pct, mem_bytes FROM pc_container_metric
   ORDER BY 1, 2, 3, 4" | md5sum >"$T/v3ct.sum"
nct=$(q "SELECT count(*) FROM pc_container_metric")
pj --input="$T/snmp.pcol" --mode=pgsql --dburi="$PG_URI" --collector-name=snmp5 || fail "import into schema 3"
[ "$(q 'SELECT max(version) FROM pc_schema_version')" -eq 4 ] || fail "not migrated to 4"
host_rows "c.machinename <> 'snmp5'" | sort | md5sum | cmp -s - "$T/v3.sum" || fail "host rows changed by migration 4"
q "SELECT collector_id, run, time, container, cpu_percent, memory_current_bytes FROM pc_container_metric
   ORDER BY 1, 2, 3, 4" | md5sum | cmp -s - "$T/v3ct.sum" || fail "container rows changed by migration 4"
echo "ok: schema 3 with $nct container rows migrated to 4 in place"

# 10. bad input: one clear message naming the URI without the password, non-zero exit
check_err() { # what uri...
	local what=$1 uri=$2
	if pj --input="$fx" --mode=pgsql --dburi="$uri" 2>"$T/err"; then fail "$what: exit 0"; fi
	cat "$T/err"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: want one line"
	grep -q "$PG_PASSWORD" "$T/err" && fail "$what: the password is in the message"
	grep -q "$3" "$T/err" || fail "$what: message"
}
check_err "wrong password" "$PG_BADPW_URI" 'nobody:\*\*\*@.*password authentication failed'
check_err "no server" "postgresql://u:$PG_PASSWORD@/postgres?host=$T/nosock" "u:\*\*\*@.*cannot connect"
check_err "no database" "postgresql://$PG_USER:$PG_PASSWORD@/nodb?host=$PG_DIR/sock" 'nodb.*does not exist'
check_err "not a URI" "mysql://u:$PG_PASSWORD@h/db" 'not a PostgreSQL URI'
q "INSERT INTO pc_schema_version (version) VALUES (999)" >/dev/null
check_err "newer schema" "$PG_URI" 'schema is at version 999, newer than this build'
echo "store_pg ok"
