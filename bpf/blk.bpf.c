// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * blk: per-disk block I/O latency from issue to completion (log2 histogram
 * in us, as libbpf-tools' biolatency measures it), and I/Os and bytes by
 * direction. The issue path stores one timestamp keyed by the request; the
 * completion path takes it back and updates the disk's per-CPU counters.
 * Requests issued before the program attached are not counted (no start
 * time). tp_btf where the kernel has it, raw_tp as the fallback; the pre-5.11
 * block_rq_issue signature (queue, request) is told apart by userspace from
 * BTF and passed as a load-time constant.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pc_common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by userspace: block_rq_issue's first argument is the request queue (< 5.11). */
const volatile bool issue_has_q = false;

#define REQ_OP_MASK_ 0xff /* (1 << REQ_OP_BITS) - 1; REQ_OP_BITS has been 8 since 4.10 */
#define MINORBITS_   20

/* Before 5.17 a request pointed at its disk directly. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PCB_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, __u64);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PCB_MAX_DISKS);
	__type(key, __u32);
	__type(value, struct pcb_disk);
} disks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcb_blk_err);
} blk_err SEC(".maps");

static __always_inline struct pcb_blk_err *errs(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&blk_err, &zero);
}

static __always_inline void on_issue(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct pcb_blk_err *e;

	if (!bpf_map_update_elem(&inflight, &key, &now, BPF_ANY))
		return;
	e = errs();
	if (e)
		e->inflight_full++;
}

/* tp_btf arguments are typed pointers: plain loads; raw_tp needs CO-RE probe reads. */
static __always_inline __u32 rq_dev(bool btf, struct request *rq)
{
	struct request___old *o = (void *)rq;
	struct gendisk *disk;

	if (bpf_core_field_exists(o->rq_disk))
		disk = btf ? o->rq_disk : BPF_CORE_READ(o, rq_disk);
	else
		disk = btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	if (btf)
		return ((__u32)disk->major << MINORBITS_) | (__u32)disk->first_minor;
	return ((__u32)BPF_CORE_READ(disk, major) << MINORBITS_) |
	       (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline struct pcb_disk *disk_stats(__u32 dev)
{
	static const struct pcb_disk zero;
	struct pcb_disk *d = bpf_map_lookup_elem(&disks, &dev);

	if (d)
		return d;
	/* EEXIST: another CPU created it; any other failure: the map is full. */
	bpf_map_update_elem(&disks, &dev, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&disks, &dev);
}

static __always_inline void on_complete(bool btf, struct request *rq, __u32 nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), t;
	struct pcb_blk_err *e;
	struct pcb_disk *d;
	__u64 *tsp;
	__u32 op;

	tsp = bpf_map_lookup_elem(&inflight, &key);
	if (!tsp)
		return;
	t = *tsp;
	bpf_map_delete_elem(&inflight, &key);
	d = disk_stats(rq_dev(btf, rq));
	if (!d) {
		e = errs();
		if (e)
			e->disks_full++;
		return;
	}
	pcb_hist_add(&d->lat, now > t ? (now - t) / 1000 : 0);
	op = (btf ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags)) & REQ_OP_MASK_;
	if (op == REQ_OP_READ) {
		d->rd_ios++;
		d->rd_bytes += nr_bytes;
	} else if (op == REQ_OP_WRITE) {
		d->wr_ios++;
		d->wr_bytes += nr_bytes;
	}
}

SEC("tp_btf/block_rq_issue")
int pc_issue_btf(__u64 *ctx)
{
	on_issue(issue_has_q ? (void *)ctx[1] : (void *)ctx[0]);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int pc_complete_btf(__u64 *ctx)
{
	on_complete(true, (void *)ctx[0], (__u32)ctx[2]);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int pc_issue_raw(struct bpf_raw_tracepoint_args *ctx)
{
	on_issue(issue_has_q ? (void *)ctx->args[1] : (void *)ctx->args[0]);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int pc_complete_raw(struct bpf_raw_tracepoint_args *ctx)
{
	on_complete(false, (void *)ctx->args[0], (__u32)ctx->args[2]);
	return 0;
}
