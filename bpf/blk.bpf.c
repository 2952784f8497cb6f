// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * blk: per-disk block I/O latency from issue to completion (log2 histogram
 * in us, as libbpf-tools' biolatency measures it), and I/Os and bytes by
 * direction. Where the block layer stamps requests itself (queues with
 * QUEUE_FLAG_STATS, which writeback throttling sets by default) the issue
 * program does nothing and completion reads rq->io_start_time_ns: one clock
 * read per I/O instead of two, and no slot. Elsewhere the issue path stores
 * the request's address and a timestamp in a slot of an array found by
 * hashing the address (a few slots probed, no locks, no allocation: a hash
 * map's update and delete cost most of a program's time here); the
 * completion path takes it back and frees the slot. Either way completion
 * updates the disk's counters in this CPU's slot for it, found the same way
 * by hashing the disk's dev_t (pc/bpf_shared.h). Requests issued before the
 * program attached are not counted unless the kernel stamped them. Two CPUs
 * issuing into one free slot at the same instant lose one of the two
 * timestamps (that I/O goes uncounted): rare, and the price of needing no
 * atomics, which older 5.x kernels lack. tp_btf where the kernel has it,
 * raw_tp as the fallback; the pre-5.11 block_rq_issue signature (queue,
 * request) is told apart by userspace from BTF and passed as a load-time
 * constant.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pc_common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by userspace: block_rq_issue's first argument is the request queue (< 5.11). */
const volatile bool issue_has_q = false;
/*
 * Set by userspace from the kernel's BTF: the bit numbers of QUEUE_FLAG_STATS
 * in request_queue.queue_flags and of RQF_STATS in request.rq_flags (enum
 * values since 6.x, so not CO-RE-relocatable by name: one is anonymous);
 * -1 where the kernel does not name them (we stamp every I/O ourselves).
 */
const volatile int q_stats_bit = -1;
const volatile int rq_stats_bit = -1;

#define REQ_OP_MASK_ 0xff /* (1 << REQ_OP_BITS) - 1; REQ_OP_BITS has been 8 since 4.10 */
#define MINORBITS_   20

/* Before 5.17 a request pointed at its disk directly. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

#define INFLIGHT_SLOTS	(1u << PCB_INFLIGHT_BITS)
#define INFLIGHT_PROBES 4

/* One request between issue and completion; rq 0: the slot is free. */
struct inflight_slot {
	__u64 rq;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INFLIGHT_SLOTS);
	__type(key, __u32);
	__type(value, struct inflight_slot);
} inflight SEC(".maps");

#define DISK_PROBES 4

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PCB_MAX_DISKS);
	__type(key, __u32);
	__type(value, struct pcb_disk);
} disks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcb_disk_slots);
} disk_slots SEC(".maps");

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

/*
 * Home slot of a request: the low 32 bits of its address, multiplicatively
 * hashed. The verifier forbids shifting a typed pointer but lets a
 * privileged program copy its low half into a plain number (a 32-bit move:
 * hence -mcpu=v3).
 */
static __always_inline __u32 home_slot(__u64 rq)
{
	__u32 lo = (__u32)rq;

	return (lo * 0x9E3779B1u) >> (32 - PCB_INFLIGHT_BITS);
}

/* The slot probe i of a request's home slot (NULL only on a verifier-only path). */
static __always_inline struct inflight_slot *probe(__u32 home, __u32 i)
{
	__u32 k = (home + i) & (INFLIGHT_SLOTS - 1);

	return bpf_map_lookup_elem(&inflight, &k);
}

/*
 * Whether the block layer stamps this queue's requests itself: on a queue
 * with QUEUE_FLAG_STATS (set by writeback throttling, on by default, and by
 * the other blk-stat users) blk_mq_start_request, right after the issue
 * tracepoint, stores the issue time in rq->io_start_time_ns and marks the
 * request RQF_STATS. Then there is nothing to stamp: completion reads it.
 */
static __always_inline bool kernel_stamps(bool btf, struct request *rq)
{
	int bit = q_stats_bit;
	unsigned long flags;

	if (bit < 0 || bit > 63)
		return false;
	flags = btf ? rq->q->queue_flags : BPF_CORE_READ(rq, q, queue_flags);
	return flags & (1ul << bit);
}

static __always_inline void on_issue(bool btf, struct request *rq)
{
	__u64 key = (__u64)rq, now;
	__u32 home = home_slot(key), free = INFLIGHT_PROBES;
	struct inflight_slot *sl;
	struct pcb_blk_err *e;

	if (kernel_stamps(btf, rq))
		return;
	now = bpf_ktime_get_ns();

	for (__u32 i = 0; i < INFLIGHT_PROBES; i++) {
		sl = probe(home, i);
		if (!sl)
			return;
		if (sl->rq == key) { /* issued again (requeued): restart its clock */
			sl->ts = now;
			return;
		}
		if (!sl->rq && free == INFLIGHT_PROBES)
			free = i;
	}
	/* The first free slot, found again by index: no arithmetic on pointers. */
	sl = free < INFLIGHT_PROBES ? probe(home, free) : NULL;
	if (sl) {
		sl->ts = now;
		sl->rq = key;
		return;
	}
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

/*
 * This CPU's counters of disk dev: its slot, or the first free one among
 * its probes, claimed (and noted in disk_slots for the reader); NULL when
 * all are taken by other disks.
 */
static __always_inline struct pcb_disk *disk_stats(__u32 dev)
{
	__u32 home = (dev * 0x9E3779B1u) >> (32 - PCB_DISK_BITS), k, zero = 0;
	struct pcb_disk_slots *used;
	struct pcb_disk *d;

	for (__u32 i = 0; i < DISK_PROBES; i++) {
		k = (home + i) & (PCB_MAX_DISKS - 1);
		d = bpf_map_lookup_elem(&disks, &k);
		if (!d)
			return NULL;
		if (d->dev == dev)
			return d;
		if (d->dev)
			continue;
		d->dev = dev;
		used = bpf_map_lookup_elem(&disk_slots, &zero);
		/* k went through the stack for the lookup: bound it again for the verifier. */
		barrier_var(k);
		if (used)
			used->dev[k & (PCB_MAX_DISKS - 1)] = dev;
		return d;
	}
	return NULL;
}

/* The issue time of rq, taken back from its in-flight slot (freed); 0 when none. */
static __always_inline __u64 own_stamp(struct request *rq)
{
	__u64 key = (__u64)rq, t;
	__u32 home = home_slot(key);
	struct inflight_slot *sl;

	for (__u32 i = 0; i < INFLIGHT_PROBES; i++) {
		sl = probe(home, i);
		if (!sl)
			return 0;
		if (sl->rq == key) {
			t = sl->ts;
			sl->rq = 0;
			return t;
		}
	}
	return 0;
}

/* The issue time of rq: the block layer's own stamp when it kept one, else ours. */
static __always_inline __u64 issued_at(bool btf, struct request *rq)
{
	int bit = rq_stats_bit;
	__u32 flags;

	if (bit >= 0 && bit < 32) {
		flags = btf ? rq->rq_flags : BPF_CORE_READ(rq, rq_flags);
		if (flags & (1u << bit))
			return btf ? rq->io_start_time_ns : BPF_CORE_READ(rq, io_start_time_ns);
	}
	return own_stamp(rq);
}

static __always_inline void on_complete(bool btf, struct request *rq, __u32 nr_bytes)
{
	__u64 now, t = issued_at(btf, rq);
	struct pcb_blk_err *e;
	struct pcb_disk *d;
	__u32 op, dev;

	if (!t)
		return; /* issued before we attached, or its issue found no slot */
	now = bpf_ktime_get_ns();
	dev = rq_dev(btf, rq);
	if (!dev)
		return; /* no disk (a passthrough request) */
	d = disk_stats(dev);
	if (!d) {
		e = errs();
		if (e)
			e->disks_full++;
		return;
	}
	pcb_hist_add(&d->lat, now > t ? now - t : 0);
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
	on_issue(true, issue_has_q ? (void *)ctx[1] : (void *)ctx[0]);
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
	on_issue(false, issue_has_q ? (void *)ctx->args[1] : (void *)ctx->args[0]);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int pc_complete_raw(struct bpf_raw_tracepoint_args *ctx)
{
	on_complete(false, (void *)ctx->args[0], (__u32)ctx->args[2]);
	return 0;
}
