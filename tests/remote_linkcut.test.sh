#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_linkcut.test.sh: the link between processor and collector is cut for 30 s. The
# collector runs in a network namespace of its own, joined to this one by a veth pair with
# addresses that exist only inside this test; setting the link down silences the session
# without closing it (no FIN, no RST), so only keepalives can notice. Both sides must give
# the dead session up, reconnect when the link returns, and lose nothing. The namespace and
# the veth pair are always deleted (trap).
. "$(dirname "$0")/remote_lib.sh"

command -v ip >/dev/null || { echo "SKIP: iproute2 (ip) is not installed"; exit 77; }
NS=pcns$$ VA=pcv$$a VB=pcv$$b
# A /30 of our own per test run: two runs at once (other clones of this repository) must not
# route each other's addresses.
for i in $(seq 0 249); do
	NET=10.213.$((($$ + i) % 250 + 1))
	ip -o addr show | grep -q " $NET\." || break
done
ip netns add "$NS" 2>"$T/ns.err" || { echo "SKIP: cannot create a network namespace: $(cat "$T/ns.err")"; exit 77; }
CLEANUPS+=("ip link del $VA 2>/dev/null; ip netns del $NS 2>/dev/null")
ip link add "$VA" type veth peer name "$VB" || fail "cannot create a veth pair"
ip link set "$VB" netns "$NS"
ip addr add $NET.1/30 dev "$VA"
ip link set "$VA" up
ip netns exec "$NS" ip addr add $NET.2/30 dev "$VB"
ip netns exec "$NS" ip link set "$VB" up
ip netns exec "$NS" ip link set lo up
ping -c 1 -W 2 $NET.2 >/dev/null 2>&1 || true

P=2222
H=--hosts=1:0/$NET.2:$P
NETNS_EXEC="ip netns exec $NS" LISTEN_ADDR=$NET.2 start_collector a $P
start_processor "$H"
wait_for "connected" 15 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Connected: yes'"
pp "$H" start frequency=100ms >/dev/null || fail "start"
sleep 3

ip link set "$VA" down
ok "link cut at $(date +%T)"
sleep 30
out=$(pp "$H" status)
grep -q '^Connected: no' <<<"$out" || fail "the processor did not notice the dead link in 30 s: $out"
grep -q 'silent for' "$T/proc.log" || fail "the processor did not say why it dropped the session"
ip link set "$VA" up
ok "link restored at $(date +%T)"
wait_for "reconnected" 40 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Connected: yes'"
sleep 3
pp "$H" stop >/dev/null || fail "stop"
wait_for "spool drained" 20 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
kill "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
summary=$(check_store)
echo "$summary"
n=$(wc -l <"$T/dump.txt")
[ "$n" -ge 300 ] || fail "only $n samples stored for a run of more than 36 s at 10 Hz"
grep -q 'accounted as gaps' <<<"$summary" && ! grep -q 'reason' <<<"$summary" ||
	fail "a link cut must not lose samples: $summary"
ok "36+ s run across a 30 s link cut: every sample stored exactly once, none lost"
echo "PASS"
