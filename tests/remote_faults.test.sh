#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_faults.test.sh: nothing is lost when things die. Two collectors at 10 Hz feed one
# processor; the processor is killed with SIGKILL mid-collection and restarted, then one
# collector is killed with SIGKILL and restarted. At the end every sample of every run is in
# the store exactly once, or accounted for by a gap with its reason (the collector's restart).
. "$(dirname "$0")/remote_lib.sh"

P1=$((PORT_BASE + 2)) P2=$((PORT_BASE + 3))
H=(--hosts=1:0/127.0.0.1:$P1 --hosts=1:1/127.0.0.1:$P2)
start_collector a $P1
start_collector b $P2
start_processor "${H[@]}"
stored() { pp "${H[@]}" status | awk -F': ' '$1 == "Stored" { split($2, a, " "); n = a[3] } END { print n + 0 }'; }
wait_for "both connected" 15 sh -c "[ \$(HOME=$T/ph $PC_BIN/perfprocessord status | grep -c '^Connected: yes') -eq 2 ]"
pp "${H[@]}" start frequency=100ms >/dev/null || fail "start"
sleep 2

# --- kill -9 the processor mid-collection; the collectors spool; a new processor gets it all
kill -9 "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
ok "processor killed with SIGKILL"
sleep 3
out=$(pp "${H[@]}" status) || fail "direct status while no processor: $out"
grep -q '^Sink enabled: false' <<<"$out" || fail "collector still thinks a sink is there: $out"
start_processor "${H[@]}"
wait_for "both collectors back" 20 sh -c "[ \$(HOME=$T/ph $PC_BIN/perfprocessord status | grep -c '^Connected: yes') -eq 2 ]"
sleep 2
ok "processor restarted: $(stored) samples stored so far"

# --- kill -9 a collector mid-run; it resumes its run and marks what it missed
kill -9 "${COL_PID[a]}"
wait "${COL_PID[a]}" 2>/dev/null
ok "collector a killed with SIGKILL"
sleep 2
start_collector a $P1
grep -q 'resuming run 1 after a restart' "$T/col-a.log" || fail "collector a did not resume its run"
wait_for "collector a reconnected" 20 sh -c "[ \$(HOME=$T/ph $PC_BIN/perfprocessord status | grep -c '^Connected: yes') -eq 2 ]"
sleep 2

pp "${H[@]}" stop >/dev/null || fail "stop"
wait_for "spools drained" 20 sh -c "[ \$(HOME=$T/ph $PC_BIN/perfprocessord status | grep -c '^Queue depth: 0') -eq 2 ]"
kill "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
summary=$(check_store)
echo "$summary"
grep -q 'reason 3' <<<"$summary" || fail "the collector's restart is not marked as a gap (reason 3)"
n=$(awk '{ print $1 }' "$T/dump.txt" | sort -u | wc -l)
[ "$n" -eq 2 ] || fail "samples of $n hosts stored, want 2"
grep -q 'duplicate\|Duplicates dropped: [1-9]' "$T/proc.log" || true
ok "every sample stored exactly once or accounted as a gap"
echo "PASS"
