#!/usr/bin/env bash
# make bench: every benchmark in bench/, printing figures. BENCH_SECONDS sets the collector span.
set -uo pipefail
bin=${1:-build/bin}
cd "$(dirname "$0")/.."
echo "== collector cost (bench/collector.py)"
python3 bench/collector.py "$bin" "${BENCH_SECONDS:-60}"
for b in bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo
	echo "== $b"
	bash "$b" "$bin"
done
