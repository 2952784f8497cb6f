#!/usr/bin/env python3
"""Collector cost, side by side in one run: perfcollectord at 1 s, 100 ms and 10 ms (with and
without eBPF), pcc mode at 1 s, and sysstat's `sadc -S XALL 1`, all started together for the same
wall-clock span. Prints CPU (utime+stime) as % of one core, peak RSS, bytes per sample on disk, and how late
samples were taken after their deadlines beside a reference process that only sleeps to the same
100 ms deadlines (the machine's own wake-up lateness; tests do not judge lateness, this does).
With BEFORE_BINDIR set (bench/privsep_cost.sh does it), that build's perfcollectord runs beside
at 100 ms too, for a before/after ratio.
Usage: collector.py BINDIR [SECONDS]"""
import json, os, subprocess, sys, tempfile, time

bindir = sys.argv[1]
secs = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("BENCH_SECONDS", "60"))
tmp = tempfile.mkdtemp(prefix="pc-bench.")
cd = os.path.join(bindir, "perfcollectord")
runs = [
    ("perfcollectord 1s", [cd, "--frequency=1s", f"--duration={secs}s", "-q"], 1.0, ".pcol"),
    ("perfcollectord 100ms", [cd, "--frequency=100ms", f"--duration={secs}s", "-q"], 0.1, ".pcol"),
    ("perfcollectord 10ms", [cd, "--frequency=10ms", f"--duration={secs}s", "-q"], 0.01, ".pcol"),
    ("perfcollectord 100ms no-bpf", [cd, "--frequency=100ms", f"--duration={secs}s", "-q", "--no-bpf"], 0.1, ".pcol"),
    ("perfcollectord 10ms no-bpf", [cd, "--frequency=10ms", f"--duration={secs}s", "-q", "--no-bpf"], 0.01, ".pcol"),
    ("pcc mode 1s", [cd, "--mode=pcc", "--frequency=1s", f"--duration={secs}s", "-q"], 1.0, ".json"),
]
before = os.environ.get("BEFORE_BINDIR")
if before:
    bcd = os.path.join(before, "perfcollectord")
    runs.append(("before: 100ms", [bcd, "--frequency=100ms", f"--duration={secs}s", "-q"], 0.1, ".pcol"))
    runs.append(("before: 100ms no-bpf", [bcd, "--frequency=100ms", f"--duration={secs}s", "-q", "--no-bpf"], 0.1, ".pcol"))
sadc = "/usr/lib/sysstat/sadc"
procs = []
for name, argv, ival, ext in runs:
    out = os.path.join(tmp, name.replace(" ", "_") + ext)
    procs.append((name, subprocess.Popen(argv + [f"--output={out}"]), out, ival))
if os.path.exists(sadc):
    out = os.path.join(tmp, "sadc")
    procs.append(("sadc -S XALL 1", subprocess.Popen([sadc, "-S", "XALL", "1", str(secs), out]), out, 1.0))
# Peak RSS: VmHWM of the exec'd image, polled (a child's ru_maxrss would include python's
# pages from before exec).
ref_out = os.path.join(tmp, "ref_sleeper")
ref = subprocess.Popen([sys.executable, "-c", f"""
import time
iv, out = 100_000_000, open({ref_out!r}, "w")
g = (time.time_ns() // iv + 1) * iv
end = g + {secs} * 1_000_000_000
while g < end:
    time.sleep(max(0, (g - time.time_ns()) / 1e9))
    out.write(f"{{time.time_ns() - g}}\\n")
    g += iv
"""])
hwm = {p.pid: 0 for _, p, _, _ in procs}
def poll_hwm():
    for pid in hwm:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    hwm[pid] = max(hwm[pid], int(line.split()[1]))
        except OSError:
            pass
done = {}
while len(done) < len(procs):
    poll_hwm()
    for _, p, _, _ in procs:
        if p.pid not in done:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                done[pid] = (status, ru)
    time.sleep(0.25)
def steady(out):
    """CPU % and RSS from the collector's own self rows, after start-up (eBPF load)."""
    if not out.endswith(".pcol"):
        return None, None, None
    raw = subprocess.run([os.path.join(bindir, "perfjournal"), f"--input={out}", "--mode=raw",
                          "--output=-"], capture_output=True, text=True).stdout.splitlines()
    s = [json.loads(l) for l in raw]
    s = [x for x in s if x["time_ns"] - s[0]["time_ns"] >= 5e9] if s else []
    if len(s) < 2:
        return None, None, None
    def cpu(x):
        r = x["groups"]["self"]["rows"]["self"]
        return r[0] + r[1]
    span = s[-1]["time_ns"] - s[0]["time_ns"]
    rss = max(x["groups"]["self"]["rows"]["self"][2] for x in s) / 1024.0
    late = sorted(x["taken_ns"] - x["time_ns"] for x in s)
    return 100.0 * (cpu(s[-1]) - cpu(s[0])) / span, rss, late
def pct(v, q):
    return v[min(len(v) - 1, int(len(v) * q))] / 1e3
def late_str(late):
    return f"{pct(late, 0.5):8.0f} {pct(late, 0.99):8.0f} {late[-1] / 1e3:9.0f}" if late else ""
rows = []
for name, p, out, ival in procs:
    status, ru = done[p.pid]
    cpu = ru.ru_utime + ru.ru_stime
    size = os.path.getsize(out) if os.path.exists(out) else 0
    n = round(secs / ival)
    st_cpu, st_rss, late = steady(out)
    rows.append((name, 100.0 * cpu / secs, st_cpu, hwm[p.pid] / 1024.0, st_rss, size / max(n, 1), status, late))
print(f"collector cost over {secs} s, all running at once on {os.cpu_count()} CPUs")
print("CPU % of one core: whole run (start-up included) and steady state (from the collector's own")
print("self rows, after 5 s); RSS: peak (VmHWM, start-up included) and steady (self rows)")
print("late: microseconds after the deadline that reading began (median, p99, max, steady state)")
print(f"{'':30} {'CPU% run':>9} {'CPU% steady':>12} {'RSS peak MiB':>13} {'RSS steady':>11} {'bytes/sample':>13} "
      f"{'late p50':>8} {'p99':>8} {'max':>9}")
fmt = lambda v, f: (f"{v:{f}}" if v is not None else "-")
for name, cpu, scpu, rss, srss, bps, st, late in rows:
    print(f"{name:30} {cpu:9.3f} {fmt(scpu, '12.3f'):>12} {rss:13.2f} {fmt(srss, '11.2f'):>11} {bps:13.0f} "
          + late_str(late) + ("" if st == 0 else f"  (exit {st})"))
ref.wait()
ref_late = sorted(int(x) for x in open(ref_out)) if os.path.exists(ref_out) else []
print(f"{'reference sleeper 100ms':30} {'':9} {'':>12} {'':>13} {'':>11} {'':>13} " + late_str(ref_late))
d = {r[0]: r for r in rows}
if "sadc -S XALL 1" in d:
    sadc_cpu = max(d["sadc -S XALL 1"][1], 1e-9)
    print(f"ratio perfcollectord 1s / sadc CPU (whole run): {d['perfcollectord 1s'][1] / sadc_cpu:.2f}")
    print(f"ratio perfcollectord 1s / sadc CPU (steady):    {d['perfcollectord 1s'][2] / sadc_cpu:.2f}")
for a, b in (("perfcollectord 100ms", "before: 100ms"), ("perfcollectord 100ms no-bpf", "before: 100ms no-bpf")):
    if b in d and d[a][2] and d[b][2]:
        print(f"ratio {a} / {b} CPU (steady): {d[a][2] / d[b][2]:.3f}")
print(f"ratio native / pcc bytes per sample: {d['perfcollectord 1s'][5] / max(d['pcc mode 1s'][5], 1):.3f}")
subprocess.run(["rm", "-rf", tmp])
