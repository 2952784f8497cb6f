#!/usr/bin/env bash
# The first seed's command lines, verbatim but for paths and keys (issue 17 item 7): each may
# fail for want of a collector, journal or license, never with a usage error (exit 2 or an
# "unknown option" / "want <siteid>" message). The seed's example configuration file parses.
set -uo pipefail
B=${PC_BIN:?}
tmp=$(mktemp -d /tmp/pcseed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
export HOME=$tmp
ssh-keygen -q -t ed25519 -N '' -f "$tmp/id_ed25519" >/dev/null 2>&1 || { echo "skip: no ssh-keygen"; exit 77; }
usage_error() { # NAME RC OUTFILE
	if [ "$2" -eq 2 ] || grep -qiE 'unknown option|unrecognized option|want <siteid>|needs a value|bad value' "$3"; then
		echo "FAIL $1: usage error (exit $2):"; sed 's/^/    /' "$3"; fail=1
	else echo "ok   $1 (exit $2)"; fi
}
run() { # NAME CMD...
	local n=$1; shift
	timeout 20 "$@" >"$tmp/out" 2>&1; usage_error "$n" $? "$tmp/out"; head -2 "$tmp/out" | sed "s/^/    /"
}
run perfprocessord-start "$B/perfprocessord" --sshid="$tmp/id_ed25519" --host=127.0.0.1:1 --debuglevel=trace start
run perfreplay "$B/perfreplay" --siteid=1 --sitename='Evil Corp' --license=6f37-6910-b2a0-e858-9657-f08d --input "$tmp/journal" --host=0 --run=0 --output=- --log=prp=DEBUG --training=training.json
run perfjournal "$B/perfjournal" --siteid=1 --sitename='Evil Corp' --license=6f37-6910-b2a0-e858-9657-f08d --input "$tmp/journal" --output "$tmp/x.json" --mode=json  -v
# the seed's example configuration file, blank lines and #[Application Options] included
mkdir -p "$tmp/.perfprocessord"
cat >"$tmp/.perfprocessord/perfprocessord.conf" <<CONF
#[Application Options]

#sshid=~/.ssh/id_ed25519

journal=1

hosts=1:0/127.0.0.1:1
#hosts=1:1/10.170.0.5:2222

siteid=1
sitename=Evil Corp
license=6f37-6910-b2a0-e858-9657-f08d
CONF
run perfprocessord-conf "$B/perfprocessord" --sshid="$tmp/id_ed25519" status
exit $fail
