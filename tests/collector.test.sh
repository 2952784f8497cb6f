#!/usr/bin/env bash
# perfcollectord local mode: clean stop on SIGINT/SIGTERM with everything flushed, configuration
# file under ~/.perfcollectord with the command line winning, bad flags named, unwritable output.
set -euo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-cd.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

for sig in INT TERM; do
	"$bin/perfcollectord" --frequency=50ms --output="$tmp/$sig.pcol" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do grep -q collecting "$tmp/err" && break; sleep 0.05; done
	sleep 0.5
	kill -$sig $pid
	wait $pid || { echo "SIG$sig: exit $?"; cat "$tmp/err"; exit 1; }
	pid=
	grep -q 'done: ' "$tmp/err"
	n=$("$bin/perfjournal" --input="$tmp/$sig.pcol" --mode=raw --output=- | wc -l)
	[ "$n" -ge 8 ] || { echo "SIG$sig: only $n samples after 0.5 s at 50 ms"; exit 1; }
	echo "SIG$sig: stopped cleanly with $n samples readable"
done

# The configuration file supplies settings; the command line wins.
mkdir -p "$tmp/home/.perfcollectord"
printf '# test\nfrequency=200ms\nduration=1s\noutput=%s\n' "$tmp/conf.pcol" \
	>"$tmp/home/.perfcollectord/perfcollectord.conf"
HOME="$tmp/home" "$bin/perfcollectord" -q
n=$("$bin/perfjournal" --input="$tmp/conf.pcol" --mode=raw --output=- | wc -l)
[ "$n" -eq 5 ] || { echo "config: want 5 samples (1s/200ms), got $n"; exit 1; }
HOME="$tmp/home" "$bin/perfcollectord" -q --frequency=500ms
n=$("$bin/perfjournal" --input="$tmp/conf.pcol" --mode=raw --output=- | wc -l)
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
