#!/usr/bin/env bash
# Journal append/read throughput (bench/journal_append.c): builds it against the release
# library and runs it with batches of 10 samples (the collector at 10 Hz, 1 s batches) and of 1.
# Usage: bench/journal.sh [bindir]   (bindir unused; run from make bench)
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -Iinclude -o "$out/journal_append" \
	bench/journal_append.c build/libpc.a $(pkg-config --libs libbpf libssh libsodium) -lelf -lz -lzstd -lm
"$out/journal_append" "${JOURNAL_RECORDS:-100000}" 256 10
"$out/journal_append" "${JOURNAL_RECORDS:-100000}" 256 1
