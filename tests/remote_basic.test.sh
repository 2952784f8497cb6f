#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_basic.test.sh: real loopback SSH sessions between perfprocessord and perfcollectord:
# start/stop/status/once/dir/netcache directly and through the daemon; a real OpenSSH client
# accepted with a listed key and refused (and counted in the summary line) with another; a
# changed collector host key refused under pinning with a message saying how to accept it.
. "$(dirname "$0")/remote_lib.sh"

P=$((PORT_BASE + 1))
H="--hosts=1:0/127.0.0.1:$P"
# the config file lists the stranger's key; the command line's --allowedkeys replaces that list
mkdir -p "$T/ch/a/.perfcollectord"
printf '# test\nallowedkeys=%s\n' "$FP_STRANGER" >"$T/ch/a/.perfcollectord/perfcollectord.conf"
start_collector a $P
KEY="$T/ch/a/.perfcollectord/ssh_host_ed25519_key"
[ -f "$KEY" ] && [ -f "$KEY.pub" ] || fail "host key and .pub not created"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "host key is not mode 600"
HOSTFP=$(ssh-keygen -l -f "$KEY.pub" | awk '{print $2}')
grep -q "host key $HOSTFP" "$T/col-a.log" || fail "collector does not log its host key $HOSTFP"
ok "ed25519 host key created with .pub, fingerprint $HOSTFP"

# --- a real OpenSSH client
SSHO=(-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile="$T/ssh_known_hosts" -o ConnectTimeout=5 -p "$P")
out=$(ssh -i "$T/ph/.ssh/id_ed25519" "${SSHO[@]}" 127.0.0.1 status 2>"$T/ssh.err") ||
	fail "OpenSSH with the allowed key: $(cat "$T/ssh.err")"
grep -q '^Status: stopped' <<<"$out" || fail "ssh status printed: $out"
grep -q "accepted public key $FP" "$T/col-a.log" || fail "acceptance not logged"
ok "OpenSSH ssh -i allowed key accepted"
if ssh -i "$T/stranger" "${SSHO[@]}" 127.0.0.1 status >/dev/null 2>"$T/ssh.err"; then
	fail "OpenSSH with an unlisted key was accepted"
fi
grep -q 'Permission denied (publickey)' "$T/ssh.err" || fail "refusal said: $(cat "$T/ssh.err")"
# refusals are counted in the summary line (each one with its fingerprint only under -v)
wait_for "refusal counted" 15 grep -q "refused [1-9][0-9]* authentication attempts" "$T/col-a.log"
! grep -q "refused public key" "$T/col-a.log" || fail "a line per refused key without -v"
ok "OpenSSH ssh -i unlisted key refused, counted: $(grep -o 'refused [0-9]* authentication attempts' "$T/col-a.log" | head -n 1) (the config file's list was replaced)"
if ssh -o PreferredAuthentications=password -o PubkeyAuthentication=no "${SSHO[@]}" \
	127.0.0.1 status >/dev/null 2>&1; then
	fail "password authentication accepted"
fi
ok "password authentication refused"

# --- single-shot commands straight to the collector (no daemon)
out=$(pp "$H" status) || fail "status: $out"
for f in 'Status: stopped' 'Sink enabled: false' 'Measurement enabled: false' 'Frequency: ' \
	'Queue depth: 0' 'Queue free: ' 'Systems: '; do
	grep -q "^$f" <<<"$out" || fail "status lacks '$f': $out"
done
grep -q "pinned host key $HOSTFP" <<<"$(pp "$H" status 2>&1 >/dev/null; cat "$T/ph/.perfprocessord/known_hosts")" ||
	grep -q "ssh-ed25519" "$T/ph/.perfprocessord/known_hosts" || fail "host key not pinned"
ok "status (direct) in the seed's layout; host key pinned on first use"

out=$(pp "$H" once systems=/proc/version) || fail "once: $out"
grep -q '^Linux version' <<<"$out" || fail "once /proc/version: $out"
for bad in /etc/passwd /proc/../etc/passwd /proc/self/root/etc/passwd /no/such/file; do
	if out=$(pp "$H" once systems=$bad); then fail "once $bad accepted: $out"; fi
	grep -q 'error: ' <<<"$out" || fail "once $bad: no clear error: $out"
done
grep -q 'not served (once serves only the paths listed' <<<"$(pp "$H" once systems=/proc/self/root/etc/passwd)" ||
	fail "symlink out of /proc not refused with the one refusal"
ok "once reads /proc/version; .., symlinks out and missing paths refused"

out=$(pp "$H" dir directories=/proc/) || fail "dir: $out"
grep -qx 'self@' <<<"$out" && grep -qx 'sys/' <<<"$out" || fail "dir /proc/: $out"
if pp "$H" dir directories=/etc >/dev/null; then fail "dir /etc accepted"; fi
out=$(pp "$H" netcache) || fail "netcache: $out"
grep -q '^lo ' <<<"$out" || fail "netcache: $out"
ok "dir and netcache"

# --- the daemon: start, data flows, status figures, stop
start_processor "$H"
wait_connected
out=$(pp "$H" start frequency=100ms systems=/proc/stat,/proc/meminfo) || fail "start: $out"
grep -q 'started run 1 every 100ms' <<<"$out" || fail "start said: $out"
if out=$(pp "$H" start frequency=5ms); then fail "frequency=5ms accepted: $out"; fi
wait_for "samples stored" 15 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q 'Stored: [1-9][0-9]* batches, [2-9][0-9]* samples'"
out=$(pp "$H" status) || fail "status: $out"
for f in 'Status: running' 'Sink enabled: true' 'Measurement enabled: true' 'Frequency: 100ms' \
	'Systems: /proc/stat,/proc/meminfo' 'Hosts connected: 1/1' 'Latency p50/p99: '; do
	grep -q "^$f" <<<"$out" || fail "daemon status lacks '$f': $out"
done
out=$(pp "$H" once systems=/proc/loadavg) || fail "once via daemon: $out"
out=$(pp "$H" stop) || fail "stop: $out"
grep -q 'stopped run 1' <<<"$out" || fail "stop said: $out"
wait_for "queue drained" 10 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Queue depth: 0'"
kill "$PROC_PID"
wait "$PROC_PID" 2>/dev/null
check_store
grep -q ' 1 ' "$T/dump.txt" || fail "no samples of run 1 stored"
ok "daemon: start/status/once/stop; every sample stored exactly once"

# --- a changed host key is refused under pinning, with the way to accept it
kill "${COL_PID[a]}"
wait "${COL_PID[a]}" 2>/dev/null
rm -f "$KEY" "$KEY.pub"
start_collector a $P
if out=$(pp "$H" status 2>&1); then fail "changed host key accepted: $out"; fi
grep -q 'HOST KEY CHANGED' <<<"$out" || fail "changed key message: $out"
grep -q "ssh-keygen -R '\[127.0.0.1\]:$P'" <<<"$out" || fail "no way to accept it in: $out"
ok "changed host key refused: $(head -c 160 <<<"$out")..."
ssh-keygen -q -R "[127.0.0.1]:$P" -f "$T/ph/.perfprocessord/known_hosts" >/dev/null 2>&1
out=$(pp --stricthostkeys "$H" status 2>&1) && fail "--stricthostkeys accepted an unknown key"
grep -q 'unknown host key' <<<"$out" || fail "strict message: $out"
pp "$H" status >/dev/null || fail "re-pinning after ssh-keygen -R failed"
ok "--stricthostkeys refuses unknown keys; ssh-keygen -R then re-pins"
echo "PASS"
