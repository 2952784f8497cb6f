#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hostile.test.sh: the hostile corpus, tests/hostile/<group>/<name>.case (format in
# tests/hostile/README.md). Each case runs one command on crafted input and must end with its
# expected exit status and say its expected text; a sanitizer report fails any case.
# PC_HOSTILE_ONLY=PATTERN runs the cases whose path contains PATTERN.
set -uo pipefail
: "${PC_BIN:?PC_BIN must name the directory of the built binaries}"
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$PC_BIN:$PATH"
W=$(mktemp -d /tmp/pchostile.XXXXXX)
COL_PID=
cleanup() {
	[ -n "$COL_PID" ] && kill "$COL_PID" 2>/dev/null && wait "$COL_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
pass=0 failed=() skipped=0

# field NAME FILE: every value of "NAME: value" in the case's header, one per line
field() { sed -n '/^---$/q; s/^'"$1"': \{0,1\}//p' "$2"; }

# The collector the once/dir cases ask (needs: collector), started at the first such case:
# a real perfcollectord in server mode on loopback, a processor key, a processor home.
# Exports COLLECTOR (its --hosts=), PH (the processor's HOME) and pp (perfprocessord as it).
start_collector() {
	local port=$((21000 + ($$ % 1000) * 7)) fp i
	command -v ssh-keygen >/dev/null || return 1
	mkdir -p "$W/ph/.ssh" "$W/ch"
	ssh-keygen -q -t ed25519 -N '' -C processor -f "$W/ph/.ssh/id_ed25519" || return 1
	fp=$(ssh-keygen -l -f "$W/ph/.ssh/id_ed25519" | awk '{print $2}')
	HOME="$W/ch" perfcollectord --listen=127.0.0.1:$port --allowedkeys="$fp" --no-bpf \
		>"$W/collector.log" 2>&1 &
	COL_PID=$!
	for ((i = 0; i < 50; i++)); do
		grep -q 'ready:' "$W/collector.log" && break
		sleep 0.2
	done
	grep -q 'ready:' "$W/collector.log" || { cat "$W/collector.log"; return 1; }
	export COLLECTOR="--hosts=1:0/127.0.0.1:$port" COLLECTOR_PORT=$port PH="$W/ph"
	pp() { HOME="$PH" perfprocessord "$COLLECTOR" "$@"; }
	export -f pp
}

# run_case FILE: 0 pass, 1 fail (says why), 77 skip (says why)
run_case() {
	local c=$1 t rc want cmd line
	t=$(mktemp -d "$W/case.XXXXXX")
	mkdir -p "$t/home"
	# the payload: every byte after the line "---" (escapes: yes: printf %b first)
	sed '1,/^---$/d' "$c" >"$t/payload"
	if [ "$(field escapes "$c")" = yes ]; then
		printf '%b' "$(cat "$t/payload"; echo x)" | head -c -1 >"$t/payload.e"
		mv "$t/payload.e" "$t/payload"
	fi
	if [ "$(field needs "$c")" = collector ] && [ -z "$COLLECTOR_STARTED" ]; then
		COLLECTOR_STARTED=1
		start_collector || COLLECTOR_STARTED=failed
	fi
	if [ "$(field needs "$c")" = collector ] && [ "$COLLECTOR_STARTED" = failed ]; then
		echo "could not start a collector (see above)"
		return 1
	fi
	cmd=$(field run "$c")
	want=$(field exit "$c")
	[ -n "$cmd" ] && [ -n "$want" ] || { echo "no run: or exit: line"; return 1; }
	CASE="$t/payload" T="$t" HOME="$t/home" PC_SRC="$(dirname "$here")" timeout 30 \
		bash -c "$cmd" >"$t/out" 2>&1
	rc=$?
	if [ "$rc" = 77 ] && [ "$want" != 77 ]; then
		head -c 300 "$t/out"
		return 77
	fi
	if [ "$rc" != "$want" ]; then
		echo "exit $rc, want $want; output:"
		head -c 2000 "$t/out"
		return 1
	fi
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qF -- "$line" "$t/out" || { echo "output lacks '$line':"; head -c 2000 "$t/out"; return 1; }
	done < <(field expect "$c")
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qF -- "$line" "$t/out" && { echo "output says '$line':"; head -c 2000 "$t/out"; return 1; }
	done < <(field refute "$c"; echo AddressSanitizer; echo 'runtime error:'; echo LeakSanitizer)
	# the line of the first expected text (else the first line) as the case's summary
	line=$(field expect "$c" | head -n 1)
	{ [ -n "$line" ] && grep -F -m 1 -- "$line" "$t/out" || head -n 1 "$t/out"; } | head -c 160
	return 0
}

COLLECTOR_STARTED=
n=0
while IFS= read -r c; do
	rel=${c#"$here"/hostile/}
	[ -n "${PC_HOSTILE_ONLY:-}" ] && [[ $rel != *"$PC_HOSTILE_ONLY"* ]] && continue
	n=$((n + 1))
	run_case "$c" >"$W/result" 2>&1
	rc=$?
	out=$(cat "$W/result")
	case $rc in
	0) pass=$((pass + 1)); echo "ok: $rel: $out" ;;
	77) skipped=$((skipped + 1)); echo "skip: $rel: $out" ;;
	*) failed+=("$rel"); echo "FAIL: $rel: $out" ;;
	esac
done < <(find "$here/hostile" -name '*.case' | sort)

# a case that replaced a device (issue 12 item 0) would break every later program
[ -c /dev/null ] || { echo "FAIL: /dev/null is no longer a character device"; failed+=(/dev/null); }
echo "hostile corpus: $n cases, $pass passed, ${#failed[@]} failed, $skipped skipped"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
[ "$n" -gt 0 ] || { echo "FAIL: no cases found under $here/hostile"; exit 1; }
echo PASS
