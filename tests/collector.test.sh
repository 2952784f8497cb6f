#!/usr/bin/env bash
# perfcollectord local mode: clean stop on SIGINT/SIGTERM with everything flushed, configuration
# file under ~/.perfcollectord with the command line winning, bad flags named, unwritable output.
set -euo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-cd.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Deadlines in a file: samples plus the deadlines counted in their gaps (a busy machine can make
# the collector miss one; it is then a gap, not a missing sample).
deadlines() {
	"$bin/perfjournal" --input="$1" --mode=raw --output=- 2>/dev/null |
		python3 -c 'import json, sys; print(sum(1 + json.loads(l)["gap_count"] for l in sys.stdin))'
}

for sig in INT TERM; do
	"$bin/perfcollectord" --frequency=50ms --output="$tmp/$sig.pcol" 2>"$tmp/err" &
	pid=$!
	# a few samples on disk first (bounded wait; how long it takes is the machine's business)
	for _ in $(seq 200); do
		[ "$(deadlines "$tmp/$sig.pcol")" -ge 4 ] && break
		sleep 0.1
	done
	kill -$sig $pid
	wait $pid || { echo "SIG$sig: exit $?"; cat "$tmp/err"; exit 1; }
	pid=
	said=$(sed -n 's/.*done: \([0-9]*\) samples.*/\1/p' "$tmp/err")
	n=$("$bin/perfjournal" --input="$tmp/$sig.pcol" --mode=raw --output=- | wc -l)
	# everything the collector says it wrote is readable after the signal
	[ -n "$said" ] && [ "$n" -eq "$said" ] && [ "$n" -ge 4 ] ||
		{ echo "SIG$sig: $n samples readable, the collector said '${said:-nothing}'"; cat "$tmp/err"; exit 1; }
	echo "SIG$sig: stopped cleanly with all $n samples it wrote readable"
done

# The configuration file supplies settings; the command line wins.
mkdir -p "$tmp/home/.perfcollectord"
printf '# test\nfrequency=200ms\nduration=1s\noutput=%s\n' "$tmp/conf.pcol" \
	>"$tmp/home/.perfcollectord/perfcollectord.conf"
HOME="$tmp/home" "$bin/perfcollectord" -q
n=$(deadlines "$tmp/conf.pcol")
[ "$n" -eq 5 ] || { echo "config: want 5 samples (1s/200ms), got $n"; exit 1; }
HOME="$tmp/home" "$bin/perfcollectord" -q --frequency=500ms
n=$(deadlines "$tmp/conf.pcol")
[ "$n" -eq 2 ] || { echo "command line must win: want 2 samples (1s/500ms), got $n"; exit 1; }
echo "bogus=1" >>"$tmp/home/.perfcollectord/perfcollectord.conf"
if HOME="$tmp/home" "$bin/perfcollectord" -q 2>"$tmp/err"; then echo "bad config must fail"; exit 1; fi
grep -q 'perfcollectord.conf line 5: unknown setting' "$tmp/err"

# Bad values are named; intervals outside 10ms..1h refused.
for bad in --frequency=5ms --frequency=2h --frequency=fast --duration=-1s --mode=remote --host=x; do
	if "$bin/perfcollectord" $bad --output="$tmp/x.pcol" 2>"$tmp/err"; then
		echo "$bad must fail"; exit 1
	fi
	grep -q -- "${bad%%=*}" "$tmp/err" || { echo "$bad: message does not name the flag"; cat "$tmp/err"; exit 1; }
done
# Cannot write: non-zero at once, nothing claims to be collecting.
if "$bin/perfcollectord" --output=/proc/nope.pcol --duration=5s 2>"$tmp/err"; then exit 1; fi
grep -q '/proc/nope.pcol' "$tmp/err"
! grep -q collecting "$tmp/err"
echo "collector ok"
