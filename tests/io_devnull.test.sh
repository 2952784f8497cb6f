#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# io_devnull.test.sh: an output that exists and is not a regular file is written in place,
# never renamed over (issue 12, item 0): a character device is still one after every
# perfjournal export mode that writes one file (json, summary, raw), a 1-sample collection in
# local and pcc modes, perfreplay --report and perfcpumeasure --output; and a FIFO as
# --output receives the export and stays a FIFO. As root every tool first writes to a private
# device made with mknod (c 1 3) in the test's directory, so a regression fails there, before
# the machine's /dev/null is put at risk; then to /dev/null itself. The build before the fix
# turned the private device into a regular file in each perfjournal mode.
set -uo pipefail
bin=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pc-devnull.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -c /dev/null ] || { echo "SKIP: /dev/null is not a character device here"; exit 77; }

"$bin/perfload" synth --cpu=steps:10,50 --cpus=2 --interval=1s --duration=4s \
	--output="$tmp/in.pcol" || fail "perfload synth"

# every_tool DEV: each tool that takes an output writes to DEV, which must stay a device
every_tool() {
	local dev=$1 mode
	still() { [ -c "$dev" ] || fail "$1 turned $dev into a $(stat -c %F "$dev")"; echo "ok: $1 -> $dev"; }
	for mode in json summary raw; do
		"$bin/perfjournal" --input="$tmp/in.pcol" --mode=$mode --output="$dev" ||
			fail "perfjournal --mode=$mode --output=$dev"
		still "perfjournal --mode=$mode"
	done
	"$bin/perfcollectord" --mode=local --no-bpf --duration=100ms --frequency=100ms \
		--output="$dev" 2>"$tmp/local.err" || { cat "$tmp/local.err"; fail "local mode to $dev"; }
	still "perfcollectord --mode=local"
	"$bin/perfcollectord" --mode=pcc --duration=1s --frequency=1s --output="$dev" \
		2>"$tmp/pcc.err" || { cat "$tmp/pcc.err"; fail "pcc mode to $dev"; }
	still "perfcollectord --mode=pcc"
	if ! "$bin/perfreplay" --input="$tmp/in.pcol" --mode=cpu --speed=4 --report="$dev" \
		>"$tmp/rp.out" 2>"$tmp/rp.err"; then
		echo "perfreplay could not run here ($(tail -1 "$tmp/rp.err")); $dev checked anyway"
	fi
	still "perfreplay --report"
	if ! "$bin/perfcpumeasure" --siteid=1 --host=0 --step=100ms --passes=1 --force \
		--output="$dev" >/dev/null 2>"$tmp/pm.err"; then
		echo "perfcpumeasure could not run here ($(tail -1 "$tmp/pm.err")); $dev checked anyway"
	fi
	still "perfcpumeasure --output"
}

if [ "$(id -u)" = 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null; then
	every_tool "$tmp/null"
else
	echo "not root (or no mknod here): /dev/null only, which only root could replace"
fi
every_tool /dev/null
ls -a /dev | grep -q '^\.null\.tmp' && fail "a temporary was left in /dev"

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
