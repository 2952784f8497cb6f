// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ref_runqlat.bpf.c: a yardstick, not part of the product. The run-queue
 * latency design of libbpf-tools' runqlat (wakeup time in a hash keyed by
 * pid, re-queued on preemption, one shared log2 histogram found by a hash
 * lookup and bumped with an atomic add, the start entry deleted after use),
 * written here because neither libbpf-tools nor a working BCC (no kernel
 * headers for this kernel) is available. bench/bpf_cost.sh runs it beside
 * our programs, on the same load, to get the per-event cost ratio.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define SLOTS 26

struct hist {
	__u32 slots[SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} ref_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} ref_hists SEC(".maps");

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

static __always_inline void enqueue(__u32 pid)
{
	__u64 ts;

	if (!pid)
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&ref_start, &pid, &ts, BPF_ANY);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(ref_rq_wakeup, struct task_struct *p)
{
	enqueue(p->pid);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(ref_rq_wakeup_new, struct task_struct *p)
{
	enqueue(p->pid);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(ref_rq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 pid = next->pid, hkey = (__u32)-1;
	struct hist *h;
	__u64 *tsp, delta, slot;

	if (prev->__state == 0)
		enqueue(prev->pid);
	tsp = bpf_map_lookup_elem(&ref_start, &pid);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / 1000;
	h = bpf_map_lookup_elem(&ref_hists, &hkey);
	if (!h) {
		bpf_map_update_elem(&ref_hists, &hkey, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ref_hists, &hkey);
	}
	if (h) {
		slot = log2_u64(delta);
		if (slot >= SLOTS)
			slot = SLOTS - 1;
		__sync_fetch_and_add(&h->slots[slot], 1);
	}
	bpf_map_delete_elem(&ref_start, &pid);
	return 0;
}
