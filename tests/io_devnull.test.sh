#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# io_devnull.test.sh: an output that exists and is not a regular file is written in place,
# never renamed over (issue 12, item 0): /dev/null is still a character device after every
# perfjournal export mode that writes one file (json, summary, raw), a 1-sample collection in
# local and pcc modes, perfreplay --report and perfcpumeasure --output; and a FIFO as
# --output receives the export and stays a FIFO. As root (only root could replace /dev/null,
# which is the defect) the check is real, and a private device made with mknod is checked
# too; otherwise it still runs every tool.
set -uo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-devnull.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
still_dev() { [ -c /dev/null ] || fail "/dev/null is no longer a character device after $1"; echo "ok: $1"; }
[ -c /dev/null ] || { echo "SKIP: /dev/null is not a character device here"; exit 77; }

"$bin/perfload" synth --cpu=steps:10,50 --cpus=2 --interval=1s --duration=4s \
	--output="$tmp/in.pcol" || fail "perfload synth"
for mode in json summary raw; do
	"$bin/perfjournal" --input="$tmp/in.pcol" --mode=$mode --output=/dev/null ||
		fail "perfjournal --mode=$mode --output=/dev/null"
	still_dev "perfjournal --mode=$mode"
done
ls -a /dev | grep -q '^\.null\.tmp' && fail "a temporary was left in /dev"
# The same on a private character device (as root): the build before the fix turned it into
# a regular file, so this part fails there without putting the machine's /dev/null at risk.
if [ "$(id -u)" = 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null; then
	for mode in json summary raw; do
		"$bin/perfjournal" --input="$tmp/in.pcol" --mode=$mode --output="$tmp/null" ||
			fail "perfjournal --mode=$mode to a private character device"
		[ -c "$tmp/null" ] || fail "--mode=$mode replaced a character device by a $(stat -c %F "$tmp/null")"
	done
	echo "ok: a private character device stays one after json, summary and raw"
fi

"$bin/perfcollectord" --mode=local --no-bpf --duration=100ms --frequency=100ms \
	--output=/dev/null 2>"$tmp/local.err" || { cat "$tmp/local.err"; fail "local mode to /dev/null"; }
still_dev "perfcollectord --mode=local"
"$bin/perfcollectord" --mode=pcc --duration=1s --frequency=1s --output=/dev/null \
	2>"$tmp/pcc.err" || { cat "$tmp/pcc.err"; fail "pcc mode to /dev/null"; }
still_dev "perfcollectord --mode=pcc"

if "$bin/perfreplay" --input="$tmp/in.pcol" --mode=cpu --speed=4 --report=/dev/null \
	>"$tmp/rp.out" 2>"$tmp/rp.err"; then
	still_dev "perfreplay --report"
else
	echo "perfreplay could not run here ($(tail -1 "$tmp/rp.err")); /dev/null checked anyway"
	still_dev "perfreplay --report (failed run)"
fi
if "$bin/perfcpumeasure" --siteid=1 --host=0 --step=100ms --passes=1 --force \
	--output=/dev/null >/dev/null 2>"$tmp/pm.err"; then
	still_dev "perfcpumeasure --output"
else
	echo "perfcpumeasure could not run here ($(tail -1 "$tmp/pm.err")); /dev/null checked anyway"
	still_dev "perfcpumeasure (failed run)"
fi

# A FIFO as --output: the export flows through it and the FIFO stays.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/fifo.out" &
reader=$!
"$bin/perfjournal" --input="$tmp/in.pcol" --mode=summary --output="$tmp/fifo" ||
	fail "perfjournal to a FIFO"
wait "$reader"
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced"
"$bin/perfjournal" --input="$tmp/in.pcol" --mode=summary --output="$tmp/sum.txt"
cmp -s "$tmp/fifo.out" "$tmp/sum.txt" || fail "the FIFO did not carry the summary"
echo "ok: a FIFO as --output carries the export and stays a FIFO"
