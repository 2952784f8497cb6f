#!/usr/bin/env bash
# Containers on this host: make a docker-shaped cgroup (v1 controllers at
# /sys/fs/cgroup/<ctrl>/docker/<64 hex>/ on a v1 or hybrid host,
# /sys/fs/cgroup/system.slice/docker-<id>.scope on a pure v2 one) with a docker
# state file naming it, put a known load in it (perfload: ~30 % of one CPU and
# 64 MiB), read it with perfcontainers and find that container with its CPU
# within 3 pp of the load's own CPU clock (/proc/PID/stat over the same
# window), its memory and its pids; then a 20 % quota on it: the quota, ~20 % and throttling.
# The cgroups are removed whatever happens
# (the processes are moved out first).
set -uo pipefail
bin=${PC_BIN:?}
cg=/sys/fs/cgroup
if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root to make cgroups"
	exit 77
fi
for b in perfcontainers perfload; do
	[ -x "$bin/$b" ] || { echo "skip: $bin/$b not built"; exit 77; }
done
id=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
tmp=$(mktemp -d /tmp/pc-containers.XXXXXX)
dirs=() mfiles=() made_parents=() pids=()

if [ -f "$cg/cgroup.controllers" ]; then
	mode=v2
	ctrls=(.)
	grpof() { echo "$cg/system.slice/docker-$id.scope"; }
	members=cgroup.procs threads=cgroup.threads
else
	mode=v1
	ctrls=()
	for c in cpu cpuacct memory pids blkio; do
		[ -d "$cg/$c" ] && ctrls+=("$c")
	done
	grpof() { echo "$cg/$1/docker/$id"; }
	members=tasks threads=tasks
fi
[ ${#ctrls[@]} -gt 0 ] || { echo "skip: no cgroup controllers under $cg"; exit 77; }

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for d in "${dirs[@]}"; do
		# Anything still inside goes back to the parent's parent (the root of the hierarchy).
		if [ -f "$d/$members" ]; then
			while read -r t; do
				echo "$t" >"$(dirname "$(dirname "$d")")/$members" 2>/dev/null
			done <"$d/$members"
		fi
		rmdir "$d" 2>/dev/null || echo "warning: could not remove $d"
	done
	for d in "${made_parents[@]}"; do rmdir "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

for c in "${ctrls[@]}"; do
	d=$(grpof "$c")
	parent=$(dirname "$d")
	if [ ! -d "$parent" ]; then
		mkdir "$parent" || { echo "cannot create $parent"; exit 1; }
		made_parents+=("$parent")
	fi
	mkdir "$d" || { echo "cannot create $d"; exit 1; }
	dirs+=("$d") mfiles+=("$d/$members")
done
# Hybrid: the same container in the v2 tree too (as runc does), where eBPF's cgroup ids live.
if [ "$mode" = v1 ] && [ -f "$cg/unified/cgroup.procs" ]; then
	[ -d "$cg/unified/docker" ] || { mkdir "$cg/unified/docker" && made_parents+=("$cg/unified/docker"); }
	mkdir "$cg/unified/docker/$id" || { echo "cannot create $cg/unified/docker/$id"; exit 1; }
	dirs+=("$cg/unified/docker/$id") mfiles+=("$cg/unified/docker/$id/cgroup.procs")
fi
[ "$mode" = v2 ] && for f in cpu memory pids io; do
	echo "+$f" >"$cg/system.slice/cgroup.subtree_control" 2>/dev/null
done
mkdir -p "$tmp/docker/containers/$id"
printf '{"ID":"%s","Name":"/pc-test-load","State":{"Running":true}}' "$id" \
	>"$tmp/docker/containers/$id/config.v2.json"

# The load starts inside the cgroup: the shell joins it, then becomes perfload.
join_then() {
	local files=("${mfiles[@]}")
	bash -c 'p=$$; for f in "${@:2}"; do echo $p >"$f" || exit 9; done; exec $1' _ "$1" \
		"${files[@]}" >"$tmp/load.$#.out" 2>&1 &
	pids+=($!)
}
join_then "$bin/perfload cpu --percent=30 --cpus=1 --duration=120s"
cpu_pid=${pids[-1]}
join_then "$bin/perfload memory --size=64MiB --duration=120s"
sleep 2
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { echo "load process $p did not start"; cat "$tmp"/load.*; exit 1; }
done

ticks() { awk '{print $14 + $15}' "/proc/$cpu_pid/stat"; }
t0=$(date +%s.%N) k0=$(ticks)
"$bin/perfcontainers" --docker-root="$tmp/docker" --interval=1000 --count=4 >"$tmp/out" \
	2>"$tmp/err"
rc=$?
t1=$(date +%s.%N) k1=$(ticks)
cat "$tmp/err"
[ $rc -eq 0 ] || { echo "perfcontainers failed ($rc)"; exit 1; }
ntasks=$(sort -u "${dirs[0]}/$threads" | wc -l)
hz=$(getconf CLK_TCK)
python3 - "$tmp/out" "$id" "$k0" "$k1" "$t0" "$t1" "$hz" "$ntasks" "$mode" <<'PY'
import json, sys
out, cid, k0, k1, t0, t1, hz, ntasks, mode = sys.argv[1:]
own = (int(k1) - int(k0)) / int(hz) / (float(t1) - float(t0)) * 100
rows = [json.loads(l) for l in open(out)]
cost = [r["cost"] for r in rows if "cost" in r][0]
mine = [r for r in rows if r.get("key") == f"docker/{cid}/pc-test-load"]
assert len(mine) == 3, f"want 3 intervals of docker/{cid}/pc-test-load, got {len(mine)}: {rows[:3]}"
cpu = sum(r["cpu_pct"] for r in mine) / len(mine)
print(f"{mode}: container cpu {cpu:.2f} %, the load's own clock {own:.2f} %, "
      f"memory {mine[-1]['mem_current'] / 2**20:.1f} MiB, pids {mine[-1]['pids']}, "
      f"read {cost['read_us_per_container']:.1f} us per container")
assert abs(cpu - own) < 3, f"container CPU {cpu:.2f} % vs the load's {own:.2f} %"
assert 15 < cpu < 45, f"container CPU {cpu:.2f} %, the load asked for 30 %"
mem = mine[-1]["mem_current"]
assert 64 * 2**20 <= mem < 256 * 2**20, f"memory {mem} bytes, want 64 MiB and a little more"
assert mine[-1]["mem_anon"] >= 60 * 2**20, f"anon {mine[-1]['mem_anon']}"
assert mine[-1]["pids"] == int(ntasks) and mine[-1]["pids"] >= 3, \
    f"pids {mine[-1]['pids']}, the cgroup lists {ntasks} tasks"
PY
[ $? -eq 0 ] || exit 1

# The collector itself (the registry's "containers" row, read every second): a local
# collection holds the container, and perfjournal's csv mode writes it to containers.csv.
"$bin/perfcollectord" --mode=local --frequency=1s --duration=3s \
	--output="$tmp/c.pcol" 2>"$tmp/err" || { cat "$tmp/err"; echo "perfcollectord failed"; exit 1; }
"$bin/perfjournal" --input="$tmp/c.pcol" --mode=csv --output="$tmp/csv" >"$tmp/pj.out" \
	2>&1 || { cat "$tmp/pj.out"; echo "perfjournal failed"; exit 1; }
python3 - "$tmp/csv/containers.csv" "$id" <<'PY'
import csv, sys
path, cid = sys.argv[1:]
rows = [r for r in csv.DictReader(open(path, newline="")) if r["container_id"] == cid]
cpu = [float(r["cpu_percent"]) for r in rows if r["cpu_percent"]]
print(f"collector: {len(rows)} rows of the container in containers.csv, cpu {cpu}")
assert len(rows) >= 3 and len(cpu) >= 2, f"want the container every second: {rows}"
assert rows[0]["runtime"] == "docker" and rows[0]["container_name"] == cid[:12], rows[0]
assert all(15 < c < 45 for c in cpu), f"cpu {cpu}, the load asked for 30 %"
assert int(rows[-1]["memory_current_bytes"]) >= 64 * 2**20, rows[-1]
# eBPF's CPU of the container's v2 cgroup, in the same intervals as the cgroup files'.
if "cpu_percent_ebpf" not in rows[0]:
    print("SKIP: no eBPF cgroup rows in this collection (cpu_percent_ebpf not judged)")
    sys.exit(0)
both = [(float(r["cpu_percent"]), float(r["cpu_percent_ebpf"])) for r in rows
        if r["cpu_percent"] and r["cpu_percent_ebpf"]]
waits = [float(r["runq_wait_percent"]) for r in rows if r["runq_wait_percent"]]
print(f"collector: (cgroup files, eBPF) cpu {both}; run-queue wait % {waits}")
assert len(both) >= 2, f"want eBPF CPU beside the files' every second: {rows}"
assert all(abs(a - b) < 3 for a, b in both), f"eBPF vs cgroup files: {both}"
assert len(waits) == len(both) and all(w >= 0 for w in waits), rows
PY
[ $? -eq 0 ] || exit 1
# The same eBPF figures in JSON and summary modes (when the collection has them).
if head -n 1 "$tmp/csv/containers.csv" | grep -q cpu_percent_ebpf; then
	"$bin/perfjournal" --input="$tmp/c.pcol" --mode=json --output="$tmp/c.jsonl" 2>"$tmp/pj.out" ||
		{ cat "$tmp/pj.out"; echo "perfjournal --mode=json failed"; exit 1; }
	"$bin/perfjournal" --input="$tmp/c.pcol" --mode=summary --output="$tmp/sum.txt" 2>"$tmp/pj.out" ||
		{ cat "$tmp/pj.out"; echo "perfjournal --mode=summary failed"; exit 1; }
	python3 - "$tmp/c.jsonl" "$tmp/sum.txt" "$id" <<'PY' || exit 1
import json, sys
path, summ, cid = sys.argv[1:]
rows = [c for l in open(path) for c in json.loads(l).get("containers", []) if cid in c["container"]]
both = [(c["cpu_pct"], c["cpu_pct_ebpf"], c["runq_wait_pct"]) for c in rows if "cpu_pct_ebpf" in c]
print(f"json: (files, eBPF, run-queue wait) % {both}")
assert len(both) >= 2 and all(abs(a - b) < 3 and w >= 0 for a, b, w in both), rows
text = open(summ).read()
assert "eBPF cpu %, run-queue wait % avg" in text, text
line = next(l for l in text.splitlines() if cid[:12] in l)
f = line.split()
print(f"summary: {line.strip()}")
assert len(f) == 6 and abs(float(f[1]) - float(f[4])) < 3, line
PY
fi

# The pcc-container alias with pcc's variables: one line per container per tick, which
# pcprocess (perfjournal --mode=csv) reads back into containers.csv.
PCC_COLLECTION="$tmp/pccc.json" PCC_DURATION=3s PCC_FREQUENCY=1s "$bin/pcc-container" \
	2>"$tmp/err" || { cat "$tmp/err"; echo "pcc-container failed"; exit 1; }
"$bin/perfjournal" --input="$tmp/pccc.json" --mode=csv --output="$tmp/csv2" >"$tmp/pj.out" \
	2>&1 || { cat "$tmp/pj.out"; echo "perfjournal of pcc-container's file failed"; exit 1; }
python3 - "$tmp/pccc.json" "$tmp/csv2/containers.csv" "$id" <<'PY'
import csv, json, sys
lines, path, cid = sys.argv[1:]
mine = [json.loads(l) for l in open(lines) if f'"container/docker/{cid[:12]}"' in l]
assert len(mine) >= 3, f"want a line per tick for container/docker/{cid[:12]}: {len(mine)}"
m = json.loads(mine[-1]["measurement"])
assert list(m) == sorted(m) and m["container_id"] == cid and m["runtime"] == "docker", m
assert m["memory_current"] >= 64 * 2**20 and m["memory_max"] == -1, m
rows = [r for r in csv.DictReader(open(path, newline="")) if r["container_id"] == cid]
cpu = [float(r["cpu_percent"]) for r in rows if r["cpu_percent"]]
print(f"pcc-container: {len(mine)} lines, read back cpu {cpu}")
# pcc's timestamps are whole seconds: the first interval (sample 0 is taken at once) is
# not a whole second long, so only the later ones are judged.
assert len(cpu) >= 2 and 15 < cpu[-1] < 45, cpu
PY
[ $? -eq 0 ] || exit 1

kill -0 "$cpu_pid" 2>/dev/null || { echo "the CPU load (pid $cpu_pid) ended before the quota check"; exit 1; }
# A CFS quota of 20 % under the 30 % load: the container shows the quota, at most ~20 % and
# throttled periods.
if [ "$mode" = v1 ]; then
	q="$cg/cpu/docker/$id/cpu.cfs_quota_us"
	[ -f "$q" ] || { echo "no $q: quota not checked"; exit 0; }
	echo 20000 >"$q"
else
	echo "20000 100000" >"$(grpof .)/cpu.max" || { echo "no cpu.max: quota not checked"; exit 0; }
fi
sleep 1
"$bin/perfcontainers" --docker-root="$tmp/docker" --interval=1000 --count=3 >"$tmp/out2" \
	2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
python3 - "$tmp/out2" "$id" <<'PY'
import json, sys
out, cid = sys.argv[1:]
mine = [json.loads(l) for l in open(out) if f"docker/{cid}/" in l]
assert len(mine) == 2, f"want 2 intervals, got {mine}"
cpu = sum(r["cpu_pct"] for r in mine) / 2
thr = sum(r["throttled_s"] for r in mine) / 2
print(f"quota 20 %: container cpu {cpu:.2f} %, throttled {thr:.1f} periods/s, quota_us {mine[-1]['quota_us']}")
assert mine[-1]["quota_us"] == 20000, mine[-1]
assert 10 < cpu < 23, f"cpu {cpu:.2f} % under a 20 % quota"
assert thr > 1, f"throttled {thr} periods/s under a quota below the load"
PY
[ $? -eq 0 ] || exit 1

# perfreplay --container (issue 14 item 5): the quota-held container recorded by the collector,
# planned and replayed on its own. The plan is one worker (its 0.2-CPU quota rounded up) whose
# target is the container's CPU from the same source containers.csv reports, and the replay's
# cgroup is held to the quota.
"$bin/perfcollectord" --mode=local --frequency=1s --duration=3s --output="$tmp/q.pcol" \
	2>"$tmp/err" || { cat "$tmp/err"; echo "perfcollectord (quota) failed"; exit 1; }
"$bin/perfjournal" --input="$tmp/q.pcol" --mode=csv --output="$tmp/qcsv" >"$tmp/pj.out" 2>&1 ||
	{ cat "$tmp/pj.out"; echo "perfjournal (quota) failed"; exit 1; }
"$bin/perfreplay" --input="$tmp/q.pcol" --container="${id:0:12}" --dry-run >"$tmp/plan.csv" \
	2>"$tmp/rp.err" || { cat "$tmp/rp.err"; echo "perfreplay --container --dry-run failed"; exit 1; }
python3 - "$tmp/plan.csv" "$tmp/qcsv/containers.csv" "$id" <<'PY' || exit 1
import csv, sys
plan, cts, cid = sys.argv[1:]
p = list(csv.DictReader(open(plan)))
rows = [r for r in csv.DictReader(open(cts, newline="")) if r["container_id"] == cid]
assert p and "worker0_pct" in p[0] and "worker1_pct" not in p[0], f"want one worker: {p[:1]}"
got = [(float(x["src_cpu_pct"]), x["cpu_source"]) for x in p]
want = [(r.get("cpu_percent_ebpf") or "", r["cpu_percent"]) for r in rows[1:]]
print(f"plan (cpu %, source) {got}; containers.csv (eBPF, files) {want}")
assert len(got) == len(want), (got, want)
for (g, src), (e, f) in zip(got, want):
    ref = float(e if src == "ebpf" else f)
    assert abs(g - ref) <= 0.011, f"plan {g} from {src}, containers.csv {ref}"
PY
"$bin/perfreplay" --input="$tmp/q.pcol" --container="${id:0:12}" --mode=cpu \
	--report="$tmp/rep.csv" >"$tmp/rp.out" 2>&1 || { cat "$tmp/rp.out"; echo "perfreplay --container failed"; exit 1; }
grep -q "workers' cgroup held to 0.20 CPUs (the container's quota)" "$tmp/rp.out" ||
	{ cat "$tmp/rp.out"; echo "the replay's cgroup was not held to the quota"; exit 1; }
grep -q "container ${id:0:12} in [1-9][0-9]* of [0-9]* intervals, 1 CPUs (its quota" "$tmp/rp.out" ||
	{ cat "$tmp/rp.out"; echo "no container line"; exit 1; }
echo "perfreplay --container: $(grep -o 'container .* intervals, .*' "$tmp/rp.out" | head -n 1)"
