#!/usr/bin/env bash
# The systemd units of dist/systemd (issue 17 item 4), as make install writes them: installed
# under a temporary PREFIX (so ExecStart names programs that exist), each passes
# `systemd-analyze verify` without a message and holds the hardening the issue asks for; the
# `systemd-analyze security --offline=yes` exposure of each is printed (docs/INSTALL.md).
set -uo pipefail
B=${PC_BIN:?}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v systemd-analyze >/dev/null || { echo "skip: systemd-analyze is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/pcunits.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

p=$tmp/p
make -s -C "$root" install BUILD="$(dirname "$B")" PREFIX="$p" >"$tmp/make.out" 2>&1 ||
	{ echo "FAIL make install PREFIX=$p:"; sed 's/^/    /' "$tmp/make.out"; exit 1; }
units=("$p"/lib/systemd/system/*.service)
[ ${#units[@]} -ge 3 ] || bad "want 3 units, installed: ${units[*]##*/}"

want_all='StateDirectory=perf NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes
PrivateTmp=yes CapabilityBoundingSet= SystemCallFilter=@system-service Restart=on-failure'
for u in "${units[@]}"; do
	n=${u##*/}
	# Documentation=man: is checked with man(1): the installed pages
	MANPATH=$p/share/man systemd-analyze verify "$u" >"$tmp/verify" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/verify" ]; then
		bad "$n: systemd-analyze verify (exit $rc):"; sed 's/^/    /' "$tmp/verify"
	else echo "ok   $n: systemd-analyze verify"; fi
	for w in $want_all; do grep -q "^$w" "$u" || bad "$n: no $w..."; done
	case $n in
	perfprocessord*)
		grep -qx 'DynamicUser=yes' "$u" || bad "$n: no DynamicUser=yes"
		grep -qx 'CapabilityBoundingSet=' "$u" || bad "$n: keeps capabilities"
		;;
	perfcollectord*) # root until privilege separation: only what loading eBPF needs
		grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN' "$u" ||
			bad "$n: CapabilityBoundingSet is not CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN"
		;;
	esac
	score=$(systemd-analyze security --offline=yes "$u" 2>&1 | sed -n 's/.*exposure level for [^:]*: //p')
	echo "     $n: systemd-analyze security --offline=yes: ${score:-no score}"
done
exit $fail
