#!/usr/bin/env python3
"""The anchor of bench/replay_fidelity.sh: stress-ng --cpu-load at fixed levels on every CPU,
measured the two ways perfreplay's report measures a replay, every 100 ms: exactly (stress-ng in a
cgroup v1 cpuacct group of its own; other work = the cpuacct root less the group) and by
/proc/stat (tick-sampled here). Prints, per level, at 1 s and at 100 ms: cgroup MAE, /proc/stat
MAE against the level, against what ran (level + other work), the tick noise a load unrelated to
the tick would show, and the total work.

    stress_anchor.py SECONDS LEVEL...
"""
import math
import os
import subprocess
import sys
import time

ACCT = "/sys/fs/cgroup/cpuacct"
HZ = round(1 / time.clock_getres(6))
USER_HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()


def tick_noise(pct, secs):
    """fidelity__tick_noise (userspace/fidelity.c, checked there against a simulation)."""
    ticks = HZ * secs
    var = sum(min(max(p / 100, 0), 1) * (1 - min(max(p / 100, 0), 1)) * ticks for p in pct)
    var /= (ticks * len(pct)) ** 2
    var += 2 / 6 / (USER_HZ * secs * len(pct)) ** 2
    return math.sqrt(2 / math.pi * var) * 100


def percpu(d):
    return [int(x) for x in open(f"{d}/cpuacct.usage_percpu").read().split()[:NCPU]]


def stat():
    out = []
    for line in open("/proc/stat"):
        if line.startswith("cpu") and line[3].isdigit():
            f = [int(x) for x in line.split()[1:9]]
            out.append((f[0] + f[1] + f[2] + f[5] + f[6], sum(f)))
    return out


def sample():
    return time.monotonic(), percpu(GROUP), percpu(ACCT), stat()


def window(a, b, level):
    dt = b[0] - a[0]
    cg = [(y - x) / 1e9 / dt * 100 for x, y in zip(a[1], b[1])]
    other = [max(0, (y - x) / 1e9 / dt * 100 - c) for x, y, c in zip(a[2], b[2], cg)]
    busy = sum(y[0] - x[0] for x, y in zip(a[3], b[3]))
    tot = sum(y[1] - x[1] for x, y in zip(a[3], b[3]))
    st = busy * 100 / tot if tot > 0 else float("nan")  # NO_HZ idle can step back: no figure
    ran = [min(100, level + o) for o in other]
    return dict(cg=sum(cg) / NCPU, st=st, ran=sum(ran) / NCPU, noise=tick_noise(ran, dt), dt=dt,
                other=sum(other) / NCPU)


def figures(ws, level):
    def mae(v):
        v = [abs(x) for x in v if not math.isnan(x)]
        return sum(v) / len(v) if v else float("nan")

    cg, st = mae([w["cg"] - level for w in ws]), mae([w["st"] - level for w in ws])
    ran, noise = mae([w["st"] - w["ran"] for w in ws]), sum(w["noise"] for w in ws) / len(ws)
    work = sum(w["cg"] * w["dt"] for w in ws) / sum(level * w["dt"] for w in ws) * 100 - 100
    other = sum(w["other"] for w in ws) / len(ws)
    return (f"other {other:5.1f}  cg MAE {cg:6.3f}  st MAE {st:5.2f}  vsRan {ran:5.2f}  "
            f"noise {noise:5.2f}  work {work:+6.2f} %")


def measure(level, secs):
    p = subprocess.Popen(["stress-ng", "--cpu", str(NCPU), "--cpu-load", str(level), "--timeout",
                          f"{secs + 1}s", "--quiet"],
                         preexec_fn=lambda: open(f"{GROUP}/cgroup.procs", "w").write(str(os.getpid())))
    time.sleep(0.7)  # stress-ng's workers started and settled
    t = time.monotonic()
    s = [sample()]
    for k in range(1, secs * 10 + 1):
        time.sleep(max(0, t + k / 10 - time.monotonic()))
        s.append(sample())
    p.wait()
    w100 = [window(a, b, level) for a, b in zip(s, s[1:])]
    w1 = [window(s[i], s[i + 10], level) for i in range(0, len(s) - 10, 10)]
    return w100, w1


def run(level, secs, tries=4, max_other=3.0):
    """Measured again (up to tries in all) while other sessions' bursts took over max_other %."""
    for _ in range(tries):
        w100, w1 = measure(level, secs)
        if sum(w["other"] for w in w1) / len(w1) <= max_other:
            break
    print(f"stress-ng --cpu-load {level:3d}  1 s    n={len(w1):3d} {figures(w1, level)}")
    print(f"stress-ng --cpu-load {level:3d}  100 ms n={len(w100):3d} {figures(w100, level)}")


if __name__ == "__main__":
    GROUP = f"{ACCT}/pcbench.{os.getpid()}"
    os.mkdir(GROUP)
    try:
        for lv in sys.argv[2:]:
            run(int(lv), int(sys.argv[1]))
    finally:
        os.rmdir(GROUP)
