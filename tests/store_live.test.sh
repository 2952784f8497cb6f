#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# store_live.test.sh: perfprocessord --db=postgres end to end on loopback (tests/remote_lib.sh)
# against a real PostgreSQL (tests/pg_lib.sh). Two processors of two sites sink into the same
# database at once; the database is stopped mid-run and started again: the outage is logged
# once, collection goes on, and afterwards every interval of the journal is in the database
# exactly once, with the export's values. The second site's collector reads containers (its
# cgroup tree a snapshot of tests/fixtures): its containers in the database, from the live sink
# and then from an import of its journal, equal the journal's containers.csv cell for cell.
. "$(dirname "$0")/remote_lib.sh"
. "$(dirname "$0")/pg_lib.sh"
CLEANUPS+=("pg_cleanup")
pg_init
pg_start || fail "postgres"

P=$((PORT_BASE + 3))
start_collector a $P
# collector b: this host's /proc, a docker cgroup snapshot as its cgroup tree
mkdir -p "$T/croot/sys/fs"
# Readable by the user the collector drops to once set up (docs/PRIVSEP.md).
chmod 755 "$T"
ln -s /proc "$T/croot/proc"
cp -r "$(dirname "$0")/fixtures/cgroup/v2-docker/sys/fs/cgroup" "$T/croot/sys/fs/"
cp -r "$(dirname "$0")/fixtures/cgroup/v2-docker/var" "$T/croot/"
start_collector b $((P + 1)) --root="$T/croot"
start_processor "--hosts=1:0/127.0.0.1:$P" --db=postgres --dburi="$PG_URI"
# the second processor: site 2, its own home, journal and control socket
mkdir -p "$T/ph2/.perfprocessord"
"$PC_BIN/perflicense" licenseadd siteid=2 sitename="Other Corp" mac="$MAC" duration=30 \
	>"$T/ph2/.perfprocessord/perfprocessord.conf"
HOME="$T/ph2" "$PC_BIN/perfprocessord" --keepalive=1s --sshid="$T/ph/.ssh/id_ed25519" \
	"--hosts=2:0/127.0.0.1:$((P + 1))" --db=postgres --dburi="$PG_URI" >>"$T/proc2.log" 2>&1 &
PIDS+=($!)
PROC2=$!
wait_for "processor 2" 10 test -S "$T/ph2/.perfprocessord/control.sock"
pp2() { HOME="$T/ph2" "$PC_BIN/perfprocessord" "$@"; }
wait_connected
wait_for "processor 2 connected" 10 sh -c "HOME=$T/ph2 $PC_BIN/perfprocessord status | grep -q '^Hosts connected: 1/1'"
sys=systems=/proc/stat,/proc/meminfo,/proc/diskstats,/proc/net/dev
pp start frequency=100ms $sys >/dev/null || fail "start 1"
pp2 start frequency=100ms $sys,containers >/dev/null || fail "start 2"

rows() { q "SELECT count(*) FROM dashboard_performancemetric d JOIN collectors_collector c ON c.id = d.collector_id WHERE c.site = $1" 2>/dev/null; }
wait_for "rows of site 1 in the database" 20 sh -c "[ \"\$(PGPASSWORD=$PG_PASSWORD psql -qAt -h $PG_DIR/sock -U $PG_USER -d postgres -c 'select count(*) from pc_host_metric' 2>/dev/null || echo 0)\" -gt 20 ]"
before=$(rows 1)
pg_stop
ok "database stopped with $before rows of site 1"
sleep 3
pg_start || fail "restart postgres"
sleep 2
pp stop >/dev/null || fail "stop 1"
pp2 stop >/dev/null || fail "stop 2"
wait_for "spool 1 drained" 20 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
wait_for "spool 2 drained" 20 sh -c "HOME=$T/ph2 $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
sleep 2
n=$(grep -c 'catching up when the database is back' "$T/proc.log")
[ "$n" -eq 1 ] || fail "the outage was logged $n times (want once)"
grep -q "is back: catching up" "$T/proc.log" || fail "no catch-up logged"
grep -q "$PG_PASSWORD" "$T/proc.log" "$T/proc2.log" && fail "the password is in a log"

# every interval of the journal, exactly once, with the export's values
"$PC_BIN/perfjournal" --input="$JOURNAL" "${IDENT[@]}" --mode=csv --output="$T/csv" --host=0 \
	--run=1 2>"$T/csv.log" || fail "export: $(cat "$T/csv.log")"
want=$(($(wc -l <"$T/csv/host.csv") - 1))
wait_for "all $want intervals in the database" 20 sh -c "[ \"\$(PGPASSWORD=$PG_PASSWORD psql -qAt -h $PG_DIR/sock -U $PG_USER -d postgres -c 'select count(*) from pc_host_metric h join pc_collector c on c.id = h.collector_id where c.site = 1')\" -ge $want ]"
got=$(q "SELECT count(*), count(DISTINCT time) FROM pc_host_metric h JOIN pc_collector c ON c.id = h.collector_id WHERE c.site = 1")
[ "$got" = "$want|$want" ] || fail "site 1: database has $got, the journal $want intervals"
host_rows "c.site = 1" >"$T/db"
same_as_host_csv "$T/csv/host.csv" "$T/db" || fail "values differ"
ok "site 1: all $want intervals once, before the outage $before; values equal host.csv"

J2="$T/ph2/.perfprocessord/data/journal"
L2=$(sed -n 's/^license=//p' "$T/ph2/.perfprocessord/perfprocessord.conf")
"$PC_BIN/perfjournal" --input="$J2" --siteid=2 "--sitename=Other Corp" "--license=$L2" --mode=csv \
	--output="$T/csv2" --host=0 --run=1 2>"$T/csv2.log" || fail "export 2: $(cat "$T/csv2.log")"
want2=$(($(wc -l <"$T/csv2/host.csv") - 1))
wait_for "site 2 intervals" 20 sh -c "[ \"\$(PGPASSWORD=$PG_PASSWORD psql -qAt -h $PG_DIR/sock -U $PG_USER -d postgres -c 'select count(*) from pc_host_metric h join pc_collector c on c.id = h.collector_id where c.site = 2')\" -ge $want2 ]"
got2=$(q "SELECT count(*), count(DISTINCT time) FROM pc_host_metric h JOIN pc_collector c ON c.id = h.collector_id WHERE c.site = 2")
[ "$got2" = "$want2|$want2" ] || fail "site 2: database has $got2, the journal $want2 intervals"
ok "site 2 (second processor, same database): all $want2 intervals once"
[ -f "$T/csv2/containers.csv" ] || fail "site 2's journal has no containers"
container_rows "c.site = 2" >"$T/ct.db"
same_as_containers_csv "$T/csv2/containers.csv" "$T/ct.db" || fail "live sink: containers differ"
ok "site 2: the live sink's containers equal the journal's containers.csv"
# the journal imported into a database without site 2's rows gives the same
cid2=$(q "SELECT id FROM pc_collector WHERE site = 2")
for t in pc_host_metric pc_cpu_metric pc_disk_metric pc_net_metric pc_container_metric pc_cursor; do
	q "DELETE FROM $t WHERE collector_id = $cid2" >/dev/null || fail "delete from $t"
done
"$PC_BIN/perfjournal" --input="$J2" --siteid=2 "--sitename=Other Corp" "--license=$L2" --mode=pgsql \
	--dburi="$PG_URI" 2>"$T/imp2.log" || fail "journal import: $(cat "$T/imp2.log")"
container_rows "c.site = 2" >"$T/ct2.db"
same_as_containers_csv "$T/csv2/containers.csv" "$T/ct2.db" || fail "journal import: containers differ"
ok "site 2: its journal imported gives the same containers"
q "SELECT id, machinename, sitename FROM collectors_collector;"
echo "store_live ok"
