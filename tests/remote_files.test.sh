#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_files.test.sh: the collector's own files cannot be redirected (issue 12, item 4). With
# symlinks to a victim file planted at <datadir>/state.tmp and <datadir>/spool.tmp, a served
# start/stop leaves the victim as it was and state and spool as regular 0600 files of ours;
# a symlink planted at <datadir>/spool makes the collector refuse to start, naming the spool.
. "$(dirname "$0")/remote_lib.sh"

P=$((PORT_BASE + 8))
H="--hosts=1:0/127.0.0.1:$P"
D="$T/ch/a/.perfcollectord/data"
mkdir -p "$D"
echo precious >"$T/victim"
ln -s "$T/victim" "$D/state.tmp"
ln -s "$T/victim" "$D/spool.tmp"
start_collector a $P
start_processor "$H"
wait_connected
out=$(pp "$H" start frequency=100ms) || fail "start: $out"
wait_for "samples stored" 15 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q 'Stored: [1-9][0-9]* batches'"
out=$(pp "$H" stop) || fail "stop: $out"
[ "$(cat "$T/victim")" = precious ] || fail "the victim behind a planted link was written"
for f in state spool; do
	[ -f "$D/$f" ] && [ ! -L "$D/$f" ] || fail "$D/$f is not a regular file"
	[ "$(stat -c %a "$D/$f")" = 600 ] || fail "$D/$f is mode $(stat -c %a "$D/$f"), want 600"
done
[ ! -e "$D/state.tmp" ] || fail "state.tmp left behind"
ok "planted state.tmp and spool.tmp links not followed; state and spool are 0600 files"

mkdir -p "$T/ch/b/.perfcollectord/data"
ln -s "$T/victim" "$T/ch/b/.perfcollectord/data/spool"
if HOME="$T/ch/b" timeout 10 "$PC_BIN/perfcollectord" --listen=127.0.0.1:$((P + 1)) \
	--allowedkeys="$FP" --no-bpf >"$T/col-b.log" 2>&1; then
	fail "collector started with a symlink as its spool"
fi
grep -q "spool" "$T/col-b.log" || fail "the refusal does not name the spool: $(cat "$T/col-b.log")"
[ "$(cat "$T/victim")" = precious ] || fail "the victim behind a planted spool link was written"
ok "a symlink at the spool is refused: $(grep spool "$T/col-b.log" | head -1)"
