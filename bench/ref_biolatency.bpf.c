// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ref_biolatency.bpf.c: a yardstick, not part of the product. The block
 * latency design of libbpf-tools' biolatency (start time in a hash keyed by
 * the request at insert and issue, one shared log2 histogram found by a
 * hash lookup and bumped with an atomic add at completion, the start entry
 * deleted), written here because neither libbpf-tools nor a working BCC is
 * available on this machine. bench/bpf_cost.sh runs it beside blk.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define SLOTS 27

struct hist {
	__u32 slots[SLOTS];
};

struct hkey {
	__u32 dev;
	__u32 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u64);
} ref_bstart SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct hkey);
	__type(value, struct hist);
} ref_bhists SEC(".maps");

static const struct hist zero_hist;

static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r = 0;

	while (v > 1 && r < 63) {
		v >>= 1;
		r++;
	}
	return r;
}

static __always_inline void start(__u64 rq)
{
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&ref_bstart, &rq, &ts, BPF_ANY);
}

SEC("tp_btf/block_rq_insert")
int ref_bio_insert(__u64 *ctx)
{
	start(ctx[0]);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int ref_bio_issue(__u64 *ctx)
{
	start(ctx[0]);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int ref_bio_complete(__u64 *ctx)
{
	__u64 rq = ctx[0], *tsp, delta, slot;
	struct hkey k = {};
	struct hist *h;

	tsp = bpf_map_lookup_elem(&ref_bstart, &rq);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / 1000;
	h = bpf_map_lookup_elem(&ref_bhists, &k);
	if (!h) {
		bpf_map_update_elem(&ref_bhists, &k, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ref_bhists, &k);
	}
	if (h) {
		slot = log2_u64(delta);
		if (slot >= SLOTS)
			slot = SLOTS - 1;
		__sync_fetch_and_add(&h->slots[slot], 1);
	}
	bpf_map_delete_elem(&ref_bstart, &rq);
	return 0;
}
