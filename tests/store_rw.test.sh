#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# store_rw.test.sh: Prometheus remote-write into a real victoria-metrics started here on
# 127.0.0.1 with a temporary storage directory. perfjournal --mode=remote-write: the values read
# back through /api/v1/export equal host.csv's, node_exporter's names carry the raw counters, a
# second import with the same --cursor sends nothing, an unreachable URL fails with a message
# naming it. The TCP/UDP columns of a collection with the snmp source and the containers of a
# pcc-container file read back equal host.csv's and containers.csv's. perfprocessord --db=remote-write with victoria-metrics stopped and started again
# mid-run: afterwards every interval of the journal is there once.
. "$(dirname "$0")/remote_lib.sh"
VM=${VM_BIN:-/usr/bin/victoria-metrics}
[ -x "$VM" ] || { echo "SKIP: no victoria-metrics at $VM"; exit 77; }
fx=${PC_SHARED_FIXTURES:?}/pcc-sys-info-test/sys-info-test.json
[ -f "$fx" ] || { echo "SKIP: no fixture $fx"; exit 77; }
VMPORT=$((PORT_BASE + 5))
VMURL="http://127.0.0.1:$VMPORT"
VM_PID=
vm_start() {
	"$VM" -storageDataPath="$T/vm" -httpListenAddr="127.0.0.1:$VMPORT" -retentionPeriod=100y \
		-search.latencyOffset=0s -loggerLevel=ERROR >>"$T/vm.log" 2>&1 &
	VM_PID=$!
	PIDS+=($VM_PID)
	wait_for "victoria-metrics" 20 curl -sf -o /dev/null "$VMURL/health"
}
vm_stop() { kill "$VM_PID"; wait "$VM_PID" 2>/dev/null; }
# export NAME...: every sample of the series matching the selector, one JSON line per series
export_series() {
	curl -sf "$VMURL/internal/force_flush" >/dev/null
	curl -sf "$VMURL/api/v1/export" --data-urlencode "match[]=$1"
}
vm_start

# --- import: values equal host.csv's
"$PC_BIN/perfjournal" --input="$fx" --mode=csv --output="$T/csv" || fail "csv"
rw=(--mode=remote-write --url="$VMURL/api/v1/write" --collector-name=web1 --site-name=Lab
	--cursor="$T/cursor")
"$PC_BIN/perfjournal" --input="$fx" "${rw[@]}" || fail "remote-write import"
"$PC_BIN/perfjournal" --input="$fx" "${rw[@]}" 2>"$T/again" || fail "re-import"
grep -q ' 0 rows' "$T/again" || fail "the re-import sent: $(cat "$T/again")"
export_series '{__name__=~"perfcollector_host_.*",host="web1",site="Lab"}' >"$T/vm.json"
export_series '{__name__="node_memory_MemTotal_bytes",host="web1"}' >"$T/memtotal.json"
python3 - "$T/csv/host.csv" "$T/vm.json" "$T/memtotal.json" <<'PY' || fail "values differ"
import json, sys, datetime
rows = [l.split(',') for l in open(sys.argv[1]).read().split('\n') if l]
cols, rows = rows[0], rows[1:]
def ms(ts):
    return int(datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)
want = {(c, ms(r[0])): float(r[i]) for r in rows for i, c in enumerate(cols) if i and r[i] != ''}
got = {}
for line in open(sys.argv[2]):
    s = json.loads(line)
    c = s['metric']['__name__'][len('perfcollector_host_'):]
    for v, t in zip(s['values'], s['timestamps']):
        got[(c, t)] = v
assert set(got) == set(want), (len(got), len(want))
for key, v in want.items():
    assert abs(got[key] - v) <= 1e-9 * max(1, abs(v)), (key, got[key], v)
mt = json.loads(open(sys.argv[3]).readline())
mem = {ms(r[0]): float(r[cols.index('mem_total')]) for r in rows}
for v, t in zip(mt['values'], mt['timestamps']):
    assert abs(v - mem[t] * 1048576) < 1, (t, v, mem[t])
print("ok: %d values of host.csv read back equal, node_memory_MemTotal_bytes too" % len(want))
PY
grep -q "node_cpu_seconds_total" <(curl -sf "$VMURL/api/v1/label/__name__/values?start=0") ||
	fail "no node_cpu_seconds_total"
if "$PC_BIN/perfjournal" --input="$fx" --mode=remote-write --url="http://u:pw-secret@127.0.0.1:1/api/v1/write" \
	--collector-name=x 2>"$T/err"; then fail "unreachable URL: exit 0"; fi
cat "$T/err"
grep -q 'u:\*\*\*@127.0.0.1:1.*cannot connect' "$T/err" || fail "unreachable URL message"
grep -q 'pw-secret' "$T/err" && fail "the password is in the message"

# --- the TCP/UDP columns of a collection (snmp, netstat) equal host.csv's
"$PC_BIN/perfcollectord" --mode=local --no-bpf --frequency=1s --duration=4s --output="$T/snmp.pcol" \
	>/dev/null 2>"$T/collect.log" || fail "collect: $(cat "$T/collect.log")"
"$PC_BIN/perfjournal" --input="$T/snmp.pcol" --mode=csv --output="$T/scsv" || fail "snmp csv"
"$PC_BIN/perfjournal" --input="$T/snmp.pcol" --mode=remote-write --url="$VMURL/api/v1/write" \
	--collector-name=snmp1 --site-name=Lab || fail "snmp remote-write"
export_series '{__name__=~"perfcollector_host_(tcp_in_segs|udp_in_datagrams)",host="snmp1"}' >"$T/tcp.json"
python3 - "$T/scsv/host.csv" "$T/tcp.json" <<'PY' || fail "TCP/UDP values differ"
import json, sys, datetime
rows = [l.split(',') for l in open(sys.argv[1]).read().split('\n') if l]
cols, rows = rows[0], rows[1:]
def ms(ts):
    return int(datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)
n = 0
for line in open(sys.argv[2]):
    s = json.loads(line)
    c = cols.index(s['metric']['__name__'][len('perfcollector_host_'):])
    want = {ms(r[0]): float(r[c]) for r in rows if r[c] != ''}
    got = dict(zip(s['timestamps'], s['values']))
    assert got.keys() == want.keys() and want, (cols[c], len(got), len(want))
    for t, v in want.items():
        assert abs(got[t] - v) <= 1e-9 * max(1, abs(v)), (cols[c], t, got[t], v)
    n += len(want)
assert n, "no TCP/UDP series"
print("ok: %d TCP/UDP values read back equal host.csv's" % n)
PY

# --- per container: cAdvisor's names and ours, equal containers.csv's cells
ctfx=${PC_SHARED_FIXTURES}/pcc-container-azure/container_collection.json
[ -f "$ctfx" ] || fail "no fixture $ctfx"
"$PC_BIN/perfjournal" --input="$ctfx" --mode=csv --output="$T/ccsv" || fail "containers csv"
"$PC_BIN/perfjournal" --input="$ctfx" --mode=remote-write --url="$VMURL/api/v1/write" \
	--collector-name=ct1 --site-name=Lab || fail "containers remote-write"
export_series '{__name__=~"perfcollector_container_cpu_percent|container_memory_usage_bytes",host="ct1",site="Lab"}' >"$T/ct.json"
python3 - "$T/ccsv/containers.csv" "$T/ct.json" <<'PY' || fail "container values differ"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
cols, rows = rows[0], rows[1:]
col = {'perfcollector_container_cpu_percent': 'cpu_percent',
       'container_memory_usage_bytes': 'memory_current_bytes'}
got = {}
for line in open(sys.argv[2]):
    s = json.loads(line)
    m = s['metric']
    assert set(m) == {'__name__', 'site', 'host', 'id', 'name', 'runtime'}, m
    for v, t in zip(s['values'], s['timestamps']):
        got[(col[m['__name__']], m['id'], m['name'], m['runtime'], t)] = v
want = {}
for r in rows:
    for c in col.values():
        v = r[cols.index(c)]
        if v != '':
            want[(c, r[1], r[2], r[3], round(float(r[0]) * 1000))] = v
assert got.keys() == want.keys() and want, (len(got), len(want))
for k, v in want.items():
    shown = '%.2f' % got[k] if k[0] == 'cpu_percent' else '%d' % got[k]
    assert shown == v, (k, got[k], v)
print("ok: %d container values read back equal containers.csv's" % len(want))
PY

# --- the live sink, with victoria-metrics stopped and started again mid-run
P=$((PORT_BASE + 3))
start_collector a $P
start_processor "--hosts=1:0/127.0.0.1:$P" --db=remote-write --url="$VMURL/api/v1/write"
wait_connected
pp start frequency=100ms systems=/proc/stat,/proc/meminfo,/proc/diskstats,/proc/net/dev >/dev/null ||
	fail "start"
sleep 2
vm_stop
ok "victoria-metrics stopped"
sleep 2
vm_start
sleep 2
pp stop >/dev/null || fail "stop"
wait_for "spool drained" 20 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
sleep 2
n=$(grep -c 'catching up when the database is back' "$T/proc.log")
[ "$n" -eq 1 ] || fail "the outage was logged $n times (want once)"
"$PC_BIN/perfjournal" --input="$JOURNAL" "${IDENT[@]}" --mode=csv --output="$T/live" --host=0 \
	--run=1 2>"$T/live.log" || fail "export: $(cat "$T/live.log")"
want=$(($(wc -l <"$T/live/host.csv") - 1))
got=$(export_series '{__name__="perfcollector_host_mem_used",site="1",host="0"}' |
	python3 -c 'import json,sys; s=[json.loads(l) for l in sys.stdin]; t=[x for y in s for x in y["timestamps"]]; print(len(t), len(set(t)))')
[ "$got" = "$want $want" ] || fail "victoria-metrics has $got samples, the journal $want intervals"
ok "live remote-write across an outage: all $want intervals once"
echo "store_rw ok"
