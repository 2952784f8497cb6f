#!/usr/bin/env bash
# Run every test: the cmocka binaries built under $1/test and the integration scripts
# tests/*.test.sh (exit 0 pass, 77 skip with the reason printed, anything else fail).
# Prints each test's output and ends with one line: "total: N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build/san}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
case $build in /*) ;; *) build="$root/$build" ;; esac
export PC_BIN="$build/bin" PC_FIXTURES="$root/tests/fixtures"
export PC_SHARED_FIXTURES="${PC_SHARED_FIXTURES:-$(cd "$root/.." && pwd)/shared/fixtures}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1"
export PATH="$PC_BIN:$PATH"
only=${PC_TEST_ONLY:-}
pass=0 fail=0 skipped=0 failed_names=()
log=$(mktemp -d /tmp/pctest-log.XXXXXX)
trap 'rm -rf "$log"' EXIT

for t in "$build"/test/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$only" ] && [[ $name != *$only* ]] && continue
	"$t" >"$log/out" 2>&1
	rc=$?
	cat "$log/out"
	# cmocka's closing lines: "[  PASSED  ] N test(s).", "[  SKIPPED ] N test(s), listed below:", ...
	count() { sed -n "s/^\[  $1 *\] \([0-9]*\) test(s).*/\1/p" "$log/out" | head -1; }
	p=$(count PASSED) s=$(count SKIPPED) f=$(count FAILED)
	p=${p:-0} s=${s:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or sanitizer abort outside a test
		echo "!! $name exited with $rc"
	fi
	pass=$((pass + p)) skipped=$((skipped + s)) fail=$((fail + f))
	[ "$f" -gt 0 ] && failed_names+=("$name")
done

for t in tests/*.test.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .test.sh)
	[ -n "$only" ] && [[ $name != *$only* ]] && continue
	echo "[ RUN      ] script $name"
	bash "$t" >"$log/out" 2>&1
	rc=$?
	sed 's/^/    /' "$log/out"
	case $rc in
	0) echo "[       OK ] script $name"; pass=$((pass + 1)) ;;
	77) echo "[  SKIPPED ] script $name"; skipped=$((skipped + 1)) ;;
	*) echo "[  FAILED  ] script $name (exit $rc)"; fail=$((fail + 1)); failed_names+=("$name") ;;
	esac
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "total: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
