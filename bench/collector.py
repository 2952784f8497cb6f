#!/usr/bin/env python3
"""Collector cost, side by side in one run: perfcollectord at 1 s, 100 ms and 10 ms (with and
without eBPF), pcc mode at 1 s, and sysstat's `sadc -S XALL 1`, all started together for the same
wall-clock span. Prints CPU (utime+stime) as % of one core, peak RSS, and bytes per sample on disk.
Usage: collector.py BINDIR [SECONDS]"""
import os, subprocess, sys, tempfile, time

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
sadc = "/usr/lib/sysstat/sadc"
procs = []
for name, argv, ival, ext in runs:
    out = os.path.join(tmp, name.replace(" ", "_") + ext)
    procs.append((name, subprocess.Popen(argv + [f"--output={out}"]), out, ival))
if os.path.exists(sadc):
    out = os.path.join(tmp, "sadc")
    procs.append(("sadc -S XALL 1", subprocess.Popen([sadc, "-S", "XALL", "1", str(secs), out]), out, 1.0))
rows = []
for name, p, out, ival in procs:
    _, status, ru = os.wait4(p.pid, 0)
    cpu = ru.ru_utime + ru.ru_stime
    size = os.path.getsize(out) if os.path.exists(out) else 0
    n = round(secs / ival)
    rows.append((name, 100.0 * cpu / secs, ru.ru_maxrss / 1024.0, size / max(n, 1), status))
print(f"collector cost over {secs} s, all running at once on {os.cpu_count()} CPUs")
print(f"{'':32} {'CPU % of a core':>16} {'peak RSS MiB':>13} {'bytes/sample':>13}")
for name, cpu, rss, bps, st in rows:
    print(f"{name:32} {cpu:16.3f} {rss:13.2f} {bps:13.0f}" + ("" if st == 0 else f"  (exit {st})"))
d = {r[0]: r for r in rows}
if "sadc -S XALL 1" in d:
    print(f"ratio perfcollectord 1s / sadc CPU: {d['perfcollectord 1s'][1] / max(d['sadc -S XALL 1'][1], 1e-9):.2f}")
print(f"ratio native / pcc bytes per sample: {d['perfcollectord 1s'][3] / max(d['pcc mode 1s'][3], 1):.3f}")
subprocess.run(["rm", "-rf", tmp])
