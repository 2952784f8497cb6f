#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_lib.sh: helpers shared by the tests/remote_*.test.sh integration tests (sourced, not
# run): a temporary world (keys, homes, a site license for a MAC of this machine in the
# processor's configuration file), starting collectors and processors and ending them by PID,
# waiting for conditions, and checking the journal as perfjournal reads it back: every sample
# of every run stored exactly once, or accounted for by the gap marked on the sample after
# the hole.
set -uo pipefail

: "${PC_BIN:?PC_BIN must name the directory of the built binaries}"
for tool in ssh ssh-keygen python3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

T=$(mktemp -d /tmp/pcremote.XXXXXX)
PIDS=()
CLEANUPS=()
cleanup() {
	local p c
	for c in "${CLEANUPS[@]}"; do eval "$c"; done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# A port no one listens on, from a per-test range.
PORT_BASE=$((20000 + ($$ % 2000) * 10))
fail() { echo "FAIL: $*"; for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done; exit 1; }
ok() { echo "ok: $*"; }

mkdir -p "$T/ph/.ssh" "$T/ch"
ssh-keygen -q -t ed25519 -N '' -C processor -f "$T/ph/.ssh/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$T/stranger"
FP=$(ssh-keygen -l -f "$T/ph/.ssh/id_ed25519" | awk '{print $2}')
FP_STRANGER=$(ssh-keygen -l -f "$T/stranger" | awk '{print $2}')

# The site: perfprocessord refuses to run without a license for a MAC of this machine.
MAC=$("$(dirname "${BASH_SOURCE[0]}")/../scripts/first_mac.sh")
[ -n "$MAC" ] || { echo "SKIP: no network interface with a MAC address (licenses bind one)"; exit 77; }
SITENAME="Evil Corp"
mkdir -p "$T/ph/.perfprocessord"
"$PC_BIN/perflicense" licenseadd siteid=1 sitename="$SITENAME" mac="$MAC" duration=30 \
	>"$T/ph/.perfprocessord/perfprocessord.conf" || { echo "FAIL: perflicense"; exit 1; }
LICENSE=$(sed -n 's/^license=//p' "$T/ph/.perfprocessord/perfprocessord.conf")
JOURNAL="$T/ph/.perfprocessord/data/journal"
IDENT=(--siteid=1 "--sitename=$SITENAME" "--license=$LICENSE")

# start_collector NAME PORT [extra args...]: HOME is $T/ch/NAME; pid in COL_PID[NAME]
declare -A COL_PID
start_collector() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/ch/$name"
	local before
	before=$(grep -c "ready:" "$T/col-$name.log" 2>/dev/null)
	HOME="$T/ch/$name" ${NETNS_EXEC:-} "$PC_BIN/perfcollectord" --listen="${LISTEN_ADDR:-127.0.0.1}:$port" \
		--allowedkeys="$FP" --no-bpf --batch=200ms "$@" >>"$T/col-$name.log" 2>&1 &
	COL_PID[$name]=$!
	PIDS+=($!)
	wait_for "collector $name listening" 10 \
		sh -c "[ \$(grep -c ready: '$T/col-$name.log') -gt ${before:-0} ]"
}

# pp ARGS...: a single-shot perfprocessord as the processor's user
pp() { HOME="$T/ph" "$PC_BIN/perfprocessord" --keepalive=1s "$@"; }

# start_processor ARGS...: the daemon; pid in PROC_PID
start_processor() {
	HOME="$T/ph" "$PC_BIN/perfprocessord" --keepalive=1s "$@" >>"$T/proc.log" 2>&1 &
	PROC_PID=$!
	PIDS+=($!)
	wait_for "processor control socket" 10 test -S "$T/ph/.perfprocessord/control.sock"
}

# wait_for WHAT SECONDS CMD...: poll CMD every 0.2 s
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 5; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "timed out after ${secs}s waiting for $what"
}

# wait_connected: the running daemon (asked over its control socket, so no --hosts) has its
# sessions to every collector (commands go over them)
wait_connected() {
	wait_for "data session" 10 grep -q "data session" "$T/col-a.log"
	wait_for "every collector connected" 10 sh -c \
		"HOME=$T/ph $PC_BIN/perfprocessord status | grep -q '^Hosts connected: \([0-9]*\)/\1\$'"
}

# journal_dump [JOURNAL]: every sample the journal holds as perfjournal reads it back (--verify
# for the hosts and runs, then --mode=raw for each), one line per sample in "$T/dump.txt":
# "host run seq time_ns flags gap_reason gap_count". Fails on damage or a refused identity.
journal_dump() {
	local j=${1:-$JOURNAL} h r
	# exit 1 is "damage or gaps": gaps the collector reported are expected, damage is not
	"$PC_BIN/perfjournal" --input="$j" "${IDENT[@]}" --verify >"$T/verify.txt" 2>>"$T/dump.log"
	[ $? -le 1 ] && grep -q '^damage    0$' "$T/verify.txt" ||
		fail "perfjournal --verify: $(cat "$T/verify.txt" "$T/dump.log")"
	: >"$T/dump.txt"
	# the per-run lines of --verify: "host H run R ..."
	while read -r h r; do
		"$PC_BIN/perfjournal" --input="$j" "${IDENT[@]}" --mode=raw --host="$h" --run="$r" \
			--output=- 2>>"$T/dump.log" | python3 -c '
import json, sys
for line in sys.stdin:
    s = json.loads(line)
    print(s["host"], s["run"], s["seq"], s["time_ns"], s.get("flags", 0),
          s.get("gap_reason", 0), s.get("gap_count", 0))' >>"$T/dump.txt" ||
			fail "perfjournal --mode=raw --host=$h --run=$r: $(tail -n 5 "$T/dump.log")"
	done < <(awk '$1 == "host" && $3 == "run" { sub(":", "", $4); print $2, $4 }' "$T/verify.txt")
}

# check_store: the journal read back through perfjournal, every run's sequence complete or
# gapped. Prints "stored N, accounted gaps G (reasons)"; fails on a duplicate or an
# unexplained hole.
check_store() {
	journal_dump
	sort -n -k1,1 -k2,2 -k3,3 "$T/dump.txt" | awk '
	{
		key = $1 " " $2; seq = $3 + 0; gap = $7 + 0; reason = $6 + 0
		if (key != last) { prev = -1; last = key }
		if (seq == prev) { print "duplicate sample: host " $1 " run " $2 " seq " seq; bad = 1 }
		else if (seq != prev + 1 && gap != seq - prev - 1) {
			print "unexplained hole: host " $1 " run " $2 " seq " prev " -> " seq " gap_count " gap
			bad = 1
		}
		if (gap) { gaps += gap; why[reason] += gap }
		prev = seq; n++
	}
	END {
		printf "stored %d samples, %d accounted as gaps", n, gaps
		for (r in why) printf " (reason %d: %d)", r, why[r]
		printf "\n"
		exit bad
	}' || fail "store check: see above"
}
