// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ref_floor.bpf.c: a yardstick, not part of the product. Programs that do
 * nothing, on the tracepoints whose costs bench/bpf_cost.sh compares: what
 * any program there pays for being called and timed (BPF stats) before it
 * does any work. bpf_bench attaches it after everything else, so it never
 * pays the first program's cache misses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tp_btf/sched_switch")
int ref_floor_switch(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/block_rq_complete")
int ref_floor_complete(__u64 *ctx)
{
	return 0;
}
