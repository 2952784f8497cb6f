#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_flood.test.sh: unauthenticated connections cannot lock the processor out. While 50
# silent TCP connections are held open (30 from ten 127.0.0.x addresses, 20 more from
# 127.0.0.2, over its per-source cap; each reopened when the collector closes it) and 5 new
# ones a second arrive from other 127.0.1.x addresses for 20 s, `perfprocessord status`
# runs every 2 s both directly (a new SSH session from 127.0.0.1) and through the daemon:
# every one succeeds, the running data session keeps storing samples (the journal grows),
# and the collector logs what it dropped in summary lines (counts of each reason > 0), not a
# line per connection. The processor gets in because 127.0.0.1 authenticated recently (the
# daemon connected before the flood): it skips early drop, which hits every other source.
. "$(dirname "$0")/remote_lib.sh"

P=$((PORT_BASE + 7))
H="--hosts=1:0/127.0.0.1:$P"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	{ echo "SKIP: cannot bind 127.0.0.2 (the flood needs other loopback addresses)"; exit 77; }
# the limits through the configuration file (defaults spelled out)
mkdir -p "$T/ch/a/.perfcollectord"
printf 'max-startups=10:30:100\nper-source-startups=4\nlogin-grace=5s\n' \
	>"$T/ch/a/.perfcollectord/perfcollectord.conf"
start_collector a $P
start_processor "$H"
wait_connected
out=$(pp "$H" start frequency=100ms systems=/proc/stat) || fail "start: $out"
wait_for "samples stored" 15 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q 'Stored: [1-9][0-9]* batches, [1-9][0-9]* samples'"

stored() { HOME="$T/ph" "$PC_BIN/perfprocessord" status | sed -n 's/^Stored: [0-9]* batches, \([0-9]*\) samples$/\1/p' | head -n 1; }
before_samples=$(stored)
before_size=$(stat -c %s "$JOURNAL")

cat >"$T/flood.py" <<'PY'
import selectors, socket, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
sel = selectors.DefaultSelector()
held = ["127.0.0.%d" % (2 + i % 10) for i in range(30)] + ["127.0.0.2"] * 20
n = {"opened": 0, "closed by the collector": 0}
reopen = []  # (when, source) of held connections the collector closed

def open_from(src, keep):
    s = socket.socket()
    s.setblocking(False)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    sel.register(s, selectors.EVENT_READ, (src, keep))
    n["opened"] += 1

for src in held:
    open_from(src, True)
start = time.monotonic()
k = 0
while time.monotonic() - start < secs:
    now = time.monotonic()
    while k < (now - start) * 5:  # 5 new connections a second, never a byte sent
        open_from("127.0.1.%d" % (1 + k % 20), False)
        k += 1
    for when, src in [r for r in reopen if r[0] <= now]:
        reopen.remove((when, src))
        open_from(src, True)
    for key, _ in sel.select(0.05):
        try:
            data = key.fileobj.recv(4096)  # the collector's banner, or its close
        except OSError:
            data = b""
        if not data:
            sel.unregister(key.fileobj)
            key.fileobj.close()
            n["closed by the collector"] += 1
            if key.data[1]:
                reopen.append((now + 0.5, key.data[0]))
print(", ".join("%s %d" % kv for kv in n.items()), "; open at the end", len(sel.get_map()))
PY
# 127.0.0.1 authenticated before the flood (the daemon's data session): a recent source,
# exempt from early drop, with a reserve past FULL, from the first status on
grep -q 'accepted public key .* from 127\.0\.0\.1:' "$T/col-a.log" ||
	fail "no authentication from 127.0.0.1 before the flood: $(tail -n 5 "$T/col-a.log")"
python3 "$T/flood.py" "$P" 20 >"$T/flood.out" 2>&1 &
FLOOD_PID=$!
PIDS+=($FLOOD_PID)
CLEANUPS+=('kill "$FLOOD_PID" 2>/dev/null')

tries=0
for ((i = 0; i < 10; i++)); do
	sleep 2
	tries=$((tries + 1))
	# a new SSH session: --control names no socket, so this one goes to the collector directly
	out=$(pp --control="$T/no-daemon.sock" "$H" status 2>&1) ||
		fail "direct status $tries during the flood: $out"
	grep -q '^Status: running' <<<"$out" || fail "direct status $tries printed: $out"
	out=$(pp "$H" status 2>&1) || fail "daemon status $tries during the flood: $out"
	grep -q '^Hosts connected: 1/1' <<<"$out" || fail "daemon status $tries: $out"
done
wait "$FLOOD_PID" || fail "flood: $(cat "$T/flood.out")"
ok "flood: $(cat "$T/flood.out")"
ok "$tries direct and $tries daemon status during the flood: all succeeded"

after_samples=$(stored)
after_size=$(stat -c %s "$JOURNAL")
[ "$after_samples" -gt "$before_samples" ] ||
	fail "no samples stored during the flood ($before_samples then $after_samples)"
[ "$after_size" -gt "$before_size" ] || fail "journal did not grow ($before_size then $after_size bytes)"
ok "data session kept storing: $before_samples -> $after_samples samples, journal $before_size -> $after_size bytes"

# the summary lines: every reason seen, and no line per flood connection
wait_for "a summary of dropped connections" 15 grep -q 'dropped [0-9]* unauthenticated' "$T/col-a.log"
sums=$(sed -n 's/.*dropped \([0-9]*\) unauthenticated connections (\([0-9]*\) over the per-source cap, \([0-9]*\) early drop, \([0-9]*\) auth timeout).*/\1 \2 \3 \4/p' "$T/col-a.log" |
	awk '{ n += $1; m += $2; k += $3; j += $4; l++ } END { print n + 0, m + 0, k + 0, j + 0, l + 0 }')
read -r n m k j lines <<<"$sums"
[ "$m" -gt 0 ] && [ "$k" -gt 0 ] && [ "$j" -gt 0 ] && [ "$n" -eq $((m + k + j)) ] ||
	fail "summary counts: dropped $n ($m per-source, $k early, $j timeout): $(grep dropped "$T/col-a.log")"
flood_lines=$(grep -E '127\.0\.0\.([2-9]|1[01]):|127\.0\.1\.' "$T/col-a.log" | wc -l)
[ "$flood_lines" -eq 0 ] || fail "$flood_lines log lines name a flood address: $(grep -E '127\.0\.0\.([2-9]|1[01]):|127\.0\.1\.' "$T/col-a.log" | head -n 3)"
ok "$lines summary line(s): dropped $n unauthenticated ($m over the per-source cap, $k early drop, $j auth timeout); no line per flood connection"

out=$(pp "$H" stop) || fail "stop: $out"
wait_for "queue drained" 10 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
kill "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
check_store
echo "PASS"
