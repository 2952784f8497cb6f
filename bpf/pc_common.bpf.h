/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the BPF programs: the log2 histogram bucket and
 * the one way a histogram is updated. Fields whose layout changed across
 * kernels are read with CO-RE field checks where they are used, never
 * version constants.
 */
#ifndef PC_COMMON_BPF_H
#define PC_COMMON_BPF_H

#include "pc/bpf_shared.h"

/* Bucket of v: floor(log2(v)), 0 for 0 and 1, capped at the last bucket. */
static __always_inline __u32 pcb_log2(__u64 v)
{
	__u32 r = 0;

	/* Unrolled binary search: a bounded, branch-light loop-free form. */
	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r < PCB_HIST_BUCKETS ? r : PCB_HIST_BUCKETS - 1;
}

/* Count a wait of ns nanoseconds: its bucket in us, its sum in ns (no truncation bias). */
static __always_inline void pcb_hist_add(struct pcb_hist *h, __u64 ns)
{
	__u32 b = pcb_log2(ns / 1000);

	/* The bound check again, in a form the verifier sees on the index. */
	if (b >= PCB_HIST_BUCKETS)
		return;
	h->slot[b]++;
	h->count++;
	h->sum_ns += ns;
}

#endif
