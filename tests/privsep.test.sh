#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# privsep.test.sh: perfcollectord's privilege separation in server mode (docs/PRIVSEP.md).
# A root collector with eBPF: the network process (the main pid) runs as the --user with no
# capabilities, no-new-privs and the seccomp filter (/proc/PID/status), its privileged part
# stays root and serves eBPF loads; a processor session over loopback starts a run, stores
# samples (eBPF groups included), stops and starts again (a second load through the broker),
# and the collector ends cleanly on SIGTERM (a syscall missing from the filter kills it with
# SIGSYS, which this test sees); a restart accepts the data directory the drop gave the user.
# A source that read as root but not as the user stops the collector with its path and errno
# (local mode: statfs of a mount under a root-only directory; server mode: proc/stat 0600).
. "$(dirname "$0")/remote_lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: privilege separation needs root (to drop it)"; exit 77; }
USER_TO=nobody
getent passwd perfcollector >/dev/null && USER_TO=perfcollector
UID_TO=$(id -u "$USER_TO") GID_TO=$(id -g "$USER_TO")

P=$((PORT_BASE + 1))
H="--hosts=1:0/127.0.0.1:$P"
mkdir -p "$T/ch/a"
HOME="$T/ch/a" ${COL_WRAP:-} "$PC_BIN/perfcollectord" --listen="127.0.0.1:$P" --allowedkeys="$FP" \
	--batch=200ms "$@" >>"$T/col-a.log" 2>&1 &
COL=$!
PIDS+=($COL)
wait_for "collector listening" 20 grep -q "ready:" "$T/col-a.log"
[ -z "${COL_WRAP:-}" ] || COL=$(pgrep -P "$COL" -x perfcollectord)

# field NAME PID: the value of NAME in /proc/PID/status, tabs squeezed
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$2/status"; }
check_net() {
	local p=$1
	[ "$(field Uid "$p")" = "$UID_TO $UID_TO $UID_TO $UID_TO" ] || fail "pid $p Uid: $(field Uid "$p")"
	[ "$(field Gid "$p")" = "$GID_TO $GID_TO $GID_TO $GID_TO" ] || fail "pid $p Gid: $(field Gid "$p")"
	[ "$(field Groups "$p")" = "" ] || fail "pid $p Groups: $(field Groups "$p")"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field $c "$p")" = 0000000000000000 ] || fail "pid $p $c: $(field $c "$p")"
	done
	[ "$(field NoNewPrivs "$p")" = 1 ] || fail "pid $p NoNewPrivs: $(field NoNewPrivs "$p")"
	[ "$(field Seccomp "$p")" = 2 ] || fail "pid $p Seccomp: $(field Seccomp "$p")"
}
check_net "$COL"
for t in /proc/"$COL"/task/*; do
	[ "$(awk '$1 == "Uid:" { print $2 }' "$t/status")" = "$UID_TO" ] || fail "thread $t is not $USER_TO"
done
grep -q "running as $USER_TO (uid $UID_TO), no capabilities, seccomp filter on" "$T/col-a.log" ||
	fail "drop not logged"
PRIV=$(pgrep -P "$COL" -x pcd-priv)
[ -n "$PRIV" ] || fail "no privileged part (pcd-priv) under pid $COL"
[ "$(field Uid "$PRIV")" = "0 0 0 0" ] || fail "pcd-priv Uid: $(field Uid "$PRIV")"
[ "$(field Seccomp "$PRIV")" = 0 ] || fail "pcd-priv Seccomp: $(field Seccomp "$PRIV")"
[ "$(ls "/proc/$PRIV/fd" | wc -l)" -le 4 ] || fail "pcd-priv holds more than stdio and its socket: $(ls -l "/proc/$PRIV/fd")"
[ "$(stat -c %u "$T/ch/a/.perfcollectord/data")" = "$UID_TO" ] || fail "data directory not given to $USER_TO"
ok "network process $COL: $USER_TO ($UID_TO:$GID_TO), no groups, every capability set 0," \
	"NoNewPrivs 1, Seccomp 2 (all threads); pcd-priv $PRIV: uid 0, no filter, 4 fds"

# a data session: two runs (two eBPF loads through the broker), samples stored
start_processor "$H"
wait_connected
out=$(pp "$H" start frequency=100ms) || fail "start: $out"
wait_for "samples stored" 20 sh -c "HOME=$T/ph $PC_BIN/perfprocessord status | grep -q 'Stored: [1-9][0-9]* batches, [2-9][0-9]* samples'"
out=$(pp "$H" once systems=/proc/version) || fail "once: $out"
out=$(pp "$H" dir directories=/proc/) || fail "dir: $out"
out=$(pp "$H" netcache) || fail "netcache: $out"
out=$(pp "$H" stop) || fail "stop: $out"
# the processor's total of samples stored
STORED="HOME=$T/ph $PC_BIN/perfprocessord status | sed -n 's/^Stored: .*, \\([0-9]*\\) samples.*/\\1/p' | tail -n 1"
n1=$(sh -c "$STORED")
out=$(pp "$H" start frequency=100ms) || fail "second start: $out"
wait_for "run 2 stored" 20 sh -c "[ \$($STORED) -ge $((n1 + 10)) ]"
out=$(pp "$H" stop) || fail "second stop: $out"
kill "$PROC_PID"; wait "$PROC_PID" 2>/dev/null
grep -q "eBPF" "$T/col-a.log" && grep -i "ebpf.*\(off\|not\|fail\)" "$T/col-a.log" &&
	echo "note: the collector reported eBPF parts off (above)"
check_store
"$PC_BIN/perfjournal" --input="$JOURNAL" "${IDENT[@]}" --mode=raw --host=0 --run=2 \
	--output="$T/run2.json" 2>>"$T/dump.log" || fail "perfjournal --mode=raw run 2"
grep -q '"bpf_cpu":' "$T/run2.json" || fail "run 2 stored no eBPF group (bpf_cpu)"
ok "two runs over loopback stored with eBPF groups, once/dir/netcache answered under the filter"

# the orderly stop: exit 0, not SIGSYS (159)
kill -TERM "$COL"
wait_for "collector exit" 20 sh -c "[ ! -d /proc/$COL ] || grep -q '^[0-9]* (.*) Z' /proc/$COL/stat"
wait "$COL"
rc=$?
[ $rc = 0 ] || fail "collector exited with $rc on SIGTERM (159: killed by the seccomp filter)"
grep -q "stopped" "$T/col-a.log" || fail "no orderly stop logged"
wait_for "pcd-priv gone" 5 sh -c "! kill -0 $PRIV"
ok "SIGTERM: exit 0, the privileged part gone with it"

# a restart finds the data directory the --user's, as the drop left it: the StrictModes walk
# (issue 12 item 4) accepts it, the data directory only
[ "$(stat -c %u "$T/ch/a/.perfcollectord")" = 0 ] || fail "$T/ch/a/.perfcollectord given away"
HOME="$T/ch/a" "$PC_BIN/perfcollectord" --listen="127.0.0.1:$((P + 1))" --allowedkeys="$FP" \
	--no-bpf >"$T/col-a2.log" 2>&1 &
C2=$!
PIDS+=($C2)
wait_for "collector restarted on its data directory" 20 grep -q "ready:" "$T/col-a2.log"
kill -TERM $C2
wait $C2 || fail "the restarted collector exited with $?"
ok "restart: the data directory owned by $USER_TO is accepted"

# local and pcc modes drop in-process once the sampler and the output are open
# status_of PID: the four fields, once the drop is logged (-v)
status_of() {
	wait_for "drop in $2" 20 grep -q "running as" "$T/$2.log"
	echo "$(field Uid "$1") $(field CapEff "$1") $(field NoNewPrivs "$1") $(field Seccomp "$1")"
}
WANT="$UID_TO $UID_TO $UID_TO $UID_TO 0000000000000000 1 2"
"$PC_BIN/perfcollectord" -v --output="$T/l.pcol" --duration=4s --frequency=100ms >"$T/local.log" 2>&1 &
L=$!
PIDS+=($L)
got=$(status_of $L local)
[ "$got" = "$WANT" ] || fail "local mode after the drop: Uid CapEff NoNewPrivs Seccomp = $got"
wait $L || fail "local mode exited with $? (159: killed by the filter)"
"$PC_BIN/perfjournal" --input="$T/l.pcol" --mode=summary --output=- >"$T/l.txt" 2>&1 ||
	fail "local collection unreadable: $(cat "$T/l.txt")"
grep -q '^samples  *40 ' "$T/l.txt" || fail "local collection: $(head -3 "$T/l.txt")"
PCC_DURATION=3s PCC_COLLECTION="$T/p.json" "$PC_BIN/perfcollectord" -v >"$T/pcc.log" 2>&1 &
L=$!
PIDS+=($L)
got=$(status_of $L pcc)
[ "$got" = "$WANT" ] || fail "pcc mode after the drop: Uid CapEff NoNewPrivs Seccomp = $got"
wait $L || fail "pcc mode exited with $? (159: killed by the filter)"
[ "$(wc -l <"$T/p.json")" -ge 12 ] || fail "pcc file: $(wc -l <"$T/p.json") lines"
ok "local (40 samples, eBPF) and pcc (3 s) modes: $WANT after the drop, exit 0"

# What root read must still read after the drop (issue 12): a --root tree (a copy of a proc
# fixture) whose second mount, /secret/m, sits under a root-only directory: statfs(2) of it
# (done per read) works as root, fails as the user; the collector stops naming the path and
# errno instead of going on without it. Readable, the same tree runs to the end, even with
# proc/stat 0600 root's: a registry file is opened once as root and read through that fd.
R="$T/root"
cp -r "$(dirname "$0")/fixtures/proc/debian12-2cpu" "$R"
chmod -R u+rwX,go+rX "$R"
chmod 711 "$T" # the user must reach the tree; what else is in $T stays root's
printf '%s\n' '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw' \
	'40 27 254:16 / /secret/m rw,relatime - ext4 /dev/vdb rw' >"$R/proc/self/mountinfo"
mkdir -p "$R/secret/m"
chmod 700 "$R/secret"
rootrun() { # NAME: local mode on $R, its output in $T/NAME.log
	timeout 30 "$PC_BIN/perfcollectord" --root="$R" --no-bpf --output="$T/$1.pcol" \
		--duration=1s --frequency=100ms >"$T/$1.log" 2>&1
}
rootrun rootbad && fail "the collector went on without $R/secret/m: $(cat "$T/rootbad.log")"
rc=$?
[ $rc = 1 ] || fail "exit $rc, want 1: $(cat "$T/rootbad.log")"
want="--user=$USER_TO (uid $UID_TO) cannot read what root read: statfs: $R/secret/m: EACCES"
grep -qF -- "$want" "$T/rootbad.log" || fail "no '$want' in: $(cat "$T/rootbad.log")"
grep -q "collecting:" "$T/rootbad.log" && fail "samples taken before the refusal"
chmod 755 "$R/secret"
chmod 600 "$R/proc/stat"
rootrun rootok || fail "local mode on a readable tree: exit $?: $(cat "$T/rootok.log")"
"$PC_BIN/perfjournal" --input="$T/rootok.pcol" --mode=raw --output="$T/rootok.json" ||
	fail "perfjournal on $T/rootok.pcol"
grep -q '/secret/m' "$T/rootok.json" || fail "statfs of /secret/m not in the collection"
grep -q '"cpu"' "$T/rootok.json" || fail "no cpu rows from the 0600 proc/stat"
ok "local mode: a mount the user cannot statfs stops it (exit 1, '$want'); readable, it runs"

# server mode opens its sampler at every start, as the user: proc/stat 0600 is refused at
# start, before it says ready
mkdir -p "$T/ch/r"
HOME="$T/ch/r" timeout 30 "$PC_BIN/perfcollectord" --root="$R" --no-bpf \
	--listen="127.0.0.1:$((P + 2))" --allowedkeys="$FP" >"$T/rootsrv.log" 2>&1
rc=$?
[ $rc = 1 ] || fail "server mode with proc/stat 0600: exit $rc, want 1: $(cat "$T/rootsrv.log")"
want="cannot read what root read: $R/proc/stat: Permission denied (EACCES)"
grep -qF -- "$want" "$T/rootsrv.log" || fail "no '$want' in: $(cat "$T/rootsrv.log")"
grep -q "ready:" "$T/rootsrv.log" && fail "the server said ready"
ok "server mode: '$want', exit 1"
