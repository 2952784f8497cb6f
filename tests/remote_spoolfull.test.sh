#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_spoolfull.test.sh: a collector whose spool is far too small for the time the
# processor is away drops samples, counts them in status, and marks them as a
# PC_GAP_SPOOL_FULL gap (reason 1) in the data: loss is never silent.
. "$(dirname "$0")/remote_lib.sh"

P=$((PORT_BASE + 5))
H="--hosts=1:0/127.0.0.1:$P"
start_collector a $P --spool-file=64K
pp "$H" start frequency=10ms >/dev/null || fail "start"
# the open batch grows until the next sample might not fit, is sealed, and sampling then drops
wait_for "drops" 30 sh -c "HOME=$T/ph $PC_BIN/perfprocessord $H status | grep -q '^Dropped: [1-9]'"
out=$(pp "$H" status) || fail "status: $out"
dropped=$(awk -F': ' '$1 == "Dropped" { print $2 + 0 }' <<<"$out")
[ "${dropped:-0}" -gt 0 ] || fail "no drops counted with a 64K spool: $out"
grep -q 'spool full: dropping samples' "$T/col-a.log" || fail "the drops were not logged"
ok "spool full while the processor is away: $dropped samples dropped and counted"
start_processor "$H"
wait_for "connected" 15 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Connected: yes'"
sleep 2
pp "$H" stop >/dev/null || fail "stop"
wait_for "spool drained" 20 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
kill "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
summary=$(check_store)
echo "$summary"
grep -q 'reason 1' <<<"$summary" || fail "the dropped samples are not marked as spool-full gaps"
ok "every sample stored once or inside a spool-full gap"
echo "PASS"
