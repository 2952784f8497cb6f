#!/usr/bin/env bash
# pcc compatibility: the PCC_* workflow of the second seed, byte format and failure modes, and
# pcprocess (PCR_COLLECTION / PCR_OUTDIR) reading what pcc mode wrote.
set -euo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-pcc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The seed's command: 4 samples of 1 s, run as "pcc".
PCC_MODE=local PCC_DURATION=4s PCC_FREQUENCY=1s PCC_COLLECTION="$tmp/load.json" \
	"$bin/pcc" 2>"$tmp/err"
grep -q 'collecting' "$tmp/err"
python3 - "$tmp/load.json" <<'PY'
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "file must end with a newline"
lines = lines[:-1]
order = ["/proc/stat", "/proc/meminfo", "/proc/net/dev", "/proc/diskstats", "statfs[*]"]
assert len(lines) == 4 * len(order), f"want 4 samples x 5 subsystems, got {len(lines)} lines"
shape = re.compile(r'^\{"timestamp":\d+,"subsystem":"[^"]+","measurement":".*"\}$')
stamps = []
for i, l in enumerate(lines):
    assert shape.match(l), f"line {i+1} is not pcc's key order/shape: {l[:80]}"
    d = json.loads(l)
    assert d["subsystem"] == order[i % 5], f"line {i+1}: {d['subsystem']} out of pcc's order"
    if i % 5 == 0:
        stamps.append(d["timestamp"])
        assert d["measurement"].startswith("cpu "), "stat text is verbatim"
    if d["subsystem"] == "statfs[*]":
        rows = [json.loads(x) for x in d["measurement"].splitlines() if x]
        assert rows, "no filesystems"
        for r in rows:
            assert list(r) == ["mount_point", "block_size", "blocks_total", "blocks_free", "blocks_available"]
    if d["subsystem"] == "/proc/meminfo":
        assert "MemTotal:" in d["measurement"]
assert all(b > a for a, b in zip(stamps, stamps[1:])), "timestamps must increase"
assert all(isinstance(t, int) for t in stamps)
print("pcc file ok:", len(lines), "lines, timestamps", stamps)
PY

# pcprocess reads it back into its tree (N samples -> N-1 rows per CPU: docs/EXPORT.md)
PCR_COLLECTION="$tmp/load.json" PCR_OUTDIR="$tmp/csv" "$bin/pcprocess"
for f in proc/stat proc/meminfo proc/net/dev proc/diskstats statfs_ALL system_info.json host.csv; do
	[ -s "$tmp/csv/$f" ] || { echo "pcprocess did not write $f"; exit 1; }
done
rows=$(grep -c '^[0-9]*,-1,' "$tmp/csv/proc/stat")
[ "$rows" -eq 3 ] || { echo "want 3 all-CPU rows from 4 samples, got $rows"; exit 1; }

# PCC_MODE unset still collects locally (the seed's trap: it must not default to trickle)
PCC_DURATION=2s PCC_FREQUENCY=1s PCC_COLLECTION="$tmp/unset.json" "$bin/pcc" 2>/dev/null
[ "$(wc -l <"$tmp/unset.json")" -eq 10 ]

# Sub-second intervals cannot be told apart in pcc's whole-second timestamps: refused, named.
if PCC_DURATION=2s PCC_FREQUENCY=500ms PCC_COLLECTION="$tmp/sub.json" "$bin/pcc" 2>"$tmp/err"; then
	echo "PCC_FREQUENCY=500ms must be refused"; exit 1
fi
grep -q 'PCC_FREQUENCY=500ms: .*whole seconds' "$tmp/err"

# A mode we cannot serve: a clear error naming the setting, before anything starts
if PCC_MODE=trickle PCC_DURATION=1s PCC_COLLECTION="$tmp/t.json" "$bin/pcc" 2>"$tmp/err"; then
	echo "PCC_MODE=trickle must fail"; exit 1
fi
grep -q 'PCC_MODE=trickle' "$tmp/err"
[ ! -e "$tmp/t.json" ] || { echo "nothing may be created for a refused mode"; exit 1; }

# Missing settings name the variable
if PCC_MODE=local PCC_DURATION=1s "$bin/pcc" 2>"$tmp/err"; then echo "must fail"; exit 1; fi
grep -q 'PCC_COLLECTION' "$tmp/err"
if PCC_MODE=local PCC_COLLECTION="$tmp/x.json" PCC_FREQUENCY=5 "$bin/pcc" 2>"$tmp/err"; then
	echo "must fail"; exit 1
fi
grep -q 'PCC_DURATION' "$tmp/err"
if PCC_MODE=local PCC_DURATION=1s PCC_FREQUENCY=5 PCC_COLLECTION="$tmp/x.json" "$bin/pcc" 2>"$tmp/err"; then
	echo "must fail"; exit 1
fi
grep -q 'PCC_FREQUENCY=5' "$tmp/err"

# Cannot write: non-zero at once, with the path and the reason
if PCC_MODE=local PCC_DURATION=10s PCC_COLLECTION=/nonexistent/dir/x.json "$bin/pcc" 2>"$tmp/err"; then
	echo "must fail"; exit 1
fi
grep -q '/nonexistent/dir/x.json' "$tmp/err"
grep -q 'No such file or directory' "$tmp/err"
echo "pcc compatibility ok"
