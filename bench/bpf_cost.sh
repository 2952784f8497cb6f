#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bpf_cost.sh: what the eBPF sampler costs. Under `stress-ng --cpu 2 --cpu-load 50` plus an
# O_DIRECT fio job, runs bench/bpf_bench (the sampler read the way the collector reads it) at
# 1 s, 100 ms and 10 ms for BPF_BENCH_SECONDS each, with the yardsticks bench/ref_runqlat.bpf.c
# and bench/ref_biolatency.bpf.c (the libbpf-tools runqlat/biolatency designs: neither those
# tools nor a working BCC exist on this machine) attached at the same time on the same load.
# Prints per-program events/s and ns/event (BPF stats), the cost ratios against the yardsticks
# (also above the cost of a do-nothing program, bench/ref_floor.bpf.c), the collector's total
# cost (own CPU from per-thread schedstat + BPF run time) as % of a core, and then each side
# alone, alternating for ALONE_ROUNDS rounds (medians).
# Usage: bench/bpf_cost.sh [BIN_DIR]   (figures, not pass/fail)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BPF_BENCH_SECONDS:-10}
out=build/bench
if [ "$(id -u)" != 0 ]; then echo "skip: not root, eBPF programs cannot load"; exit 0; fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then echo "skip: no BTF at /sys/kernel/btf/vmlinux"; exit 0; fi
for t in stress-ng fio clang; do
	command -v $t >/dev/null || { echo "skip: $t not installed"; exit 0; }
done

mkdir -p $out
make -s build/libpc.a
for r in ref_runqlat ref_biolatency ref_floor; do
	clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/') \
		-Ivmlinux/$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/') -Iinclude -Ibpf \
		-c bench/$r.bpf.c -o $out/$r.bpf.o
done
cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -o $out/bpf_bench \
	bench/bpf_bench.c build/libpc.a $(pkg-config --libs libbpf libssh libsodium) -lelf -lz -lzstd -lm

fiofile=/var/tmp/pc-bpf-bench.$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -f "$fiofile"
}
trap cleanup EXIT
rounds=${ALONE_ROUNDS:-3}
total=$((secs * (4 + 2 * rounds) + 10))
stress-ng --cpu 2 --cpu-load 50 --timeout ${total}s >/dev/null 2>&1 &
pids+=($!)
fio --name=pcbench --filename="$fiofile" --size=64M --rw=randrw --bs=4k --direct=1 \
	--ioengine=psync --rate_iops=500 --time_based --runtime=${total} >/dev/null 2>&1 &
pids+=($!)
sleep 2

echo "load: stress-ng --cpu 2 --cpu-load 50, fio randrw 4k O_DIRECT 500 IOPS on $fiofile"
echo "yardsticks: ref_runqlat / ref_biolatency (bench/ref_*.bpf.c), attached in the same run"
# The first program on a tracepoint pays the event's cache misses for all that follow, so the
# ratios are measured in both attach orders (ours first, then the yardsticks first).
for run in "1000 0" "100 0" "100 1" "10 1"; do
	set -- $run
	ms=$1 order=$2
	res=$(PC_BENCH_REF_FIRST=${order} PC_BENCH_FLOOR=$out/ref_floor.bpf.o $out/bpf_bench $ms "$secs" $out/ref_runqlat.bpf.o $out/ref_biolatency.bpf.o)
	echo
	echo "-- interval ${ms} ms, ${secs} s, attached first: $([ "$order" = 1 ] && echo yardsticks || echo ours)"
	echo "$res" | awk '
	/^interval/ { print "   " $0 }
	/^prog=/ {
		split($2, a, "="); split($3, b, "="); split($4, c, "="); split($1, n, "=")
		printf "   %-20s %9s ev/s %9s ns/event\n", n[2], b[2], c[2]
		ns[n[2]] = c[2]; runs[n[2]] = a[2]
	}
	/^collector_cpu_pct/ {
		split($1, a, "="); split($2, b, "="); split($3, c, "=")
		printf "   collector CPU %.3f%% + BPF run time %.3f%% = %.3f%% of one core\n", a[2], b[2], c[2]
	}
	END {
		sw = ("pc_switch_btf" in ns) ? "pc_switch_btf" : "pc_switch_raw"
		if (ns["ref_rq_switch"] > 0)
			printf "   sched_switch: ours %.0f ns vs runqlat design %.0f ns: ratio %.2f (target <= 0.5)\n",
				ns[sw], ns["ref_rq_switch"], ns[sw] / ns["ref_rq_switch"]
		cp = ("pc_complete_btf" in ns) ? "pc_complete_btf" : "pc_complete_raw"
		is = ("pc_issue_btf" in ns) ? "pc_issue_btf" : "pc_issue_raw"
		if (ns["ref_bio_complete"] > 0)
			printf "   block completion: ours %.0f ns vs biolatency design %.0f ns: ratio %.2f (target <= 0.5)\n",
				ns[cp], ns["ref_bio_complete"], ns[cp] / ns["ref_bio_complete"]
		if (ns["ref_floor_switch"] > 0 && ns["ref_rq_switch"] > ns["ref_floor_switch"])
			printf "   above the floor (a do-nothing program: %.0f ns on sched_switch, %.0f ns on completion): sched_switch %.2f, block completion %.2f\n",
				ns["ref_floor_switch"], ns["ref_floor_complete"],
				(ns[sw] - ns["ref_floor_switch"]) / (ns["ref_rq_switch"] - ns["ref_floor_switch"]),
				(ns[cp] - ns["ref_floor_complete"]) / (ns["ref_bio_complete"] - ns["ref_floor_complete"])
		if (runs[cp] > 0 && runs["ref_bio_complete"] > 0)
			printf "   block per I/O (all programs): ours %.0f ns vs biolatency design %.0f ns: ratio %.2f\n",
				(ns[is] * runs[is] + ns[cp] * runs[cp]) / runs[cp],
				(ns["ref_bio_insert"] * runs["ref_bio_insert"] + ns["ref_bio_issue"] * runs["ref_bio_issue"] + ns["ref_bio_complete"] * runs["ref_bio_complete"]) / runs["ref_bio_complete"],
				((ns[is] * runs[is] + ns[cp] * runs[cp]) / runs[cp]) / ((ns["ref_bio_insert"] * runs["ref_bio_insert"] + ns["ref_bio_issue"] * runs["ref_bio_issue"] + ns["ref_bio_complete"] * runs["ref_bio_complete"]) / runs["ref_bio_complete"])
	}'
done

# Each side alone, alternating (each pays its own first-program misses, as when run for real):
# ALONE_ROUNDS rounds at 100 ms, medians of ns/event per program.
echo
echo "-- alone, alternating, ${rounds} rounds of ${secs} s each side, interval 100 ms"
all=""
for r in $(seq "$rounds"); do
	for side in ours ref; do
		all+=$(PC_BENCH_ALONE=$side PC_BENCH_FLOOR=$out/ref_floor.bpf.o $out/bpf_bench 100 "$secs" \
			$out/ref_runqlat.bpf.o $out/ref_biolatency.bpf.o | grep '^prog=')$'\n'
	done
done
echo "$all" | awk '
/^prog=/ { split($1, n, "="); split($4, x, "="); if (x[2] > 0) v[n[2]] = v[n[2]] " " x[2] }
function med(s,   a, k, i, j, t) {
	k = split(s, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return k ? a[int((k + 1) / 2)] : 0
}
END {
	sw = ("pc_switch_btf" in v) ? "pc_switch_btf" : "pc_switch_raw"
	cp = ("pc_complete_btf" in v) ? "pc_complete_btf" : "pc_complete_raw"
	s = med(v[sw]); rs = med(v["ref_rq_switch"]); c = med(v[cp]); rc = med(v["ref_bio_complete"])
	fs = med(v["ref_floor_switch"]); fc = med(v["ref_floor_complete"])
	if (rs > fs)
		printf "   medians: our sched_switch %.0f ns, runqlat design %.0f ns: ratio %.2f (%.2f above the %.0f ns floor)\n", s, rs, s / rs, (s - fs) / (rs - fs), fs
	if (rc > fc)
		printf "   medians: our block completion %.0f ns, biolatency design %.0f ns: ratio %.2f (%.2f above the %.0f ns floor)\n", c, rc, c / rc, (c - fc) / (rc - fc), fc
}'
