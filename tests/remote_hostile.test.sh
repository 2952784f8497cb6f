#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# remote_hostile.test.sh: a hostile (but authenticated) peer on the perfcollector subsystem,
# driven through a real OpenSSH client (`ssh -s ... perfcollector` with crafted bytes on
# stdin): truncated frames, 0xffffffff lengths, unknown message types, a request before
# HELLO, lying string lengths and a request flood. Each session is closed with a logged
# reason, and the collector keeps serving well-behaved clients. Before authentication: a
# user name with a newline is logged escaped (no forged second line), refused keys are not a
# line each but a count in the summary line, and a client offering 7 unknown keys is closed
# after 6 refusals. Key exchange is curve25519/nistp256 only (a client insisting on 8192-bit
# DH is refused), and a host key other than ed25519 is refused at start.
. "$(dirname "$0")/remote_lib.sh"

P=$((PORT_BASE + 4))
start_collector a $P
SSHO=(-i "$T/ph/.ssh/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
	-o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/ssh_known_hosts" -p "$P")

# frames PYTHON-EXPR: write the bytes the expression builds (helpers f, hello) to stdout
frames() {
	python3 -c '
import struct, sys
def f(t, body=b""): return struct.pack(">IB", len(body) + 1, t) + body
def hello(): return f(1, struct.pack(">IHHBI", 0x50435750, 1, 1, 1, 0) + struct.pack(">I", 0))
sys.stdout.buffer.write('"$1"')'
}

# hostile NAME EXPR EXPECTED-LOG-TEXT
hostile() {
	local name=$1 expr=$2 want=$3 before
	before=$(grep -c 'session closed' "$T/col-a.log")
	frames "$expr" >"$T/$name.bin"
	timeout 20 ssh "${SSHO[@]}" -s 127.0.0.1 perfcollector <"$T/$name.bin" >"$T/$name.out" 2>&1
	wait_for "$name: session closed" 10 sh -c "[ \$(grep -c 'session closed' '$T/col-a.log') -gt $before ]"
	grep 'session closed' "$T/col-a.log" | tail -n 1 | grep -q "$want" ||
		fail "$name: logged '$(grep 'session closed' "$T/col-a.log" | tail -n 1)', want '$want'"
	kill -0 "${COL_PID[a]}" || fail "$name: the collector died"
	ok "$name: $(grep 'session closed' "$T/col-a.log" | tail -n 1 | sed 's/.*session closed: //')"
}

hostile length-ffffffff 'b"\xff\xff\xff\xff" + b"\x01" * 64' 'frame length 4294967295'
hostile length-zero 'b"\x00\x00\x00\x00"' 'frame length 0'
hostile truncated-frame 'hello() + struct.pack(">I", 100) + b"\x10" * 10' 'middle of a frame'
hostile unknown-type 'hello() + f(0xee, b"junk")' 'unknown message type 238'
hostile request-before-hello 'f(16, struct.pack(">IBQI", 1, 3, 0, 0))' 'first message is REQUEST, not HELLO'
hostile string-length-lie 'hello() + f(16, struct.pack(">IBQI", 1, 4, 0, 0xffffffff))' 'length 4294967295 exceeds'
hostile wrong-magic 'f(1, struct.pack(">IHHBI", 0x53534820, 1, 1, 1, 0) + struct.pack(">I", 0))' 'magic'
hostile future-version 'f(1, struct.pack(">IHHBI", 0x50435750, 7, 9, 1, 0) + struct.pack(">I", 0))' 'versions 7..9'
hostile request-flood 'hello() + f(16, struct.pack(">IBQI", 1, 3, 0, 0)) * 5000' 'request flood'
hostile ack-on-control 'hello() + f(33, struct.pack(">IQ", 1, 1))' 'ACK on a control session'

# a user name with a newline: one line, escaped
timeout 20 ssh "${SSHO[@]}" -l $'pc\nperfcollectord: FORGED line' 127.0.0.1 status >"$T/nl.out" 2>&1 ||
	fail "status with a newline in the user name: $(cat "$T/nl.out")"
wait_for "the accepted key logged" 10 grep -q 'FORGED' "$T/col-a.log"
[ "$(grep -c 'FORGED' "$T/col-a.log")" -eq 1 ] && grep -qF "user 'pc\\x0aperfcollectord: FORGED line'" "$T/col-a.log" &&
	! grep -q '^perfcollectord: FORGED' "$T/col-a.log" ||
	fail "user name not escaped: $(grep -B1 'FORGED' "$T/col-a.log")"
ok "user name with a newline logged as: $(grep -o "user '[^']*FORGED[^']*'" "$T/col-a.log")"

# seven unknown keys: refused six times, then closed; counted in the summary, no line each
KEYS=()
for i in 1 2 3 4 5 6 7; do
	ssh-keygen -q -t ed25519 -N '' -C "unknown$i" -f "$T/unknown$i" || fail "ssh-keygen"
	KEYS+=(-i "$T/unknown$i")
done
before=$(wc -l <"$T/col-a.log")
timeout 20 ssh "${SSHO[@]:2}" "${KEYS[@]}" -o IdentitiesOnly=yes 127.0.0.1 status >"$T/unknown.out" 2>&1 &&
	fail "seven unknown keys were let in: $(cat "$T/unknown.out")"
summary='refused \([0-9]*\) authentication attempts (\([0-9]*\) connections closed after 6)'
wait_for "refused attempts in the summary" 15 grep -q 'refused [0-9]* authentication attempts' "$T/col-a.log"
read -r refused closed <<<"$(sed -n "s/.*$summary.*/\1 \2/p" "$T/col-a.log" |
	awk '{ r += $1; c += $2 } END { print r + 0, c + 0 }')"
[ "$refused" -eq 6 ] && [ "$closed" -eq 1 ] ||
	fail "summary: $refused refused, $closed closed, want 6 and 1: $(grep refused "$T/col-a.log")"
tail -n +"$((before + 1))" "$T/col-a.log" | grep -q 'refused public key' &&
	fail "a line per refused key: $(grep 'refused public key' "$T/col-a.log" | head -n 2)"
ok "7 unknown keys: $(grep -o "refused [0-9]* authentication attempts[^;]*" "$T/col-a.log" | tail -n 1), client said: $(tail -n 1 "$T/unknown.out")"

# key exchange: large DH groups are not offered
for kex in diffie-hellman-group18-sha512 diffie-hellman-group-exchange-sha256; do
	timeout 20 ssh "${SSHO[@]}" -o KexAlgorithms=$kex 127.0.0.1 status >"$T/kex.out" 2>&1 &&
		fail "key exchange $kex accepted: $(cat "$T/kex.out")"
	grep -q 'no matching key exchange method' "$T/kex.out" || fail "kex $kex: $(cat "$T/kex.out")"
done
ok "DH key exchanges refused: $(tail -n 1 "$T/kex.out" | cut -c1-120)"

# an RSA host key: refused at start, naming the file
mkdir -p "$T/rsa"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/rsa/key" || fail "ssh-keygen rsa"
HOME="$T/rsa" timeout 10 "$PC_BIN/perfcollectord" --listen=127.0.0.1:$((P + 50)) --allowedkeys="$FP" \
	--no-bpf --sshid="$T/rsa/key" >"$T/rsa.out" 2>&1 && fail "started with an RSA host key"
grep -q "sshid=$T/rsa/key: a ssh-rsa key; only ed25519" "$T/rsa.out" || fail "RSA host key: $(cat "$T/rsa.out")"
ok "RSA host key refused: $(tail -n 1 "$T/rsa.out")"

# a well-behaved client still works
out=$(pp --hosts=1:0/127.0.0.1:$P status) || fail "status after the hostile peers: $out"
grep -q '^Status: stopped' <<<"$out" || fail "status after the hostile peers: $out"
ok "collector still serves after every hostile session"
echo "PASS"
