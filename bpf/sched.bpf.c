// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sched: what the scheduler knows exactly and /proc/stat only samples in
 * ticks. On every context switch it adds the time since the previous switch
 * to the CPU's busy nanoseconds (unless the idle task was running) and to
 * the cgroup of the task that ran, and times run-queue latency from wakeup
 * (or preemption) to run into a log2 histogram, as libbpf-tools' runqlat
 * measures it, but from the timestamp the scheduler itself keeps
 * (runq_arrive): so there is no wakeup program at all. A task's wait also
 * goes to its cgroup, with its CPU time when it is switched out. Time is the run
 * queue's own clock (switch_now), not a clock helper call. The switch path
 * looks up its CPU's element of the cpus array (which the collector reads
 * through a mapping) and does a few loads; the cgroup hash is touched only
 * when the cgroup running on a CPU changes (the time of the current one is
 * kept pending in the CPU's element). A switch the kernel did not report
 * (the next one names another prev) is recovered from the task's own
 * runtime counter (busy_since). tp_btf programs (direct field loads) are
 * used where the kernel has them; the raw_tp twins (CO-RE probe reads) are
 * the fallback, chosen at load time.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pc_common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Tunables, fixed at load (the verifier prunes the branches they switch off). */
const volatile bool want_cgroup = true;
const volatile bool want_runq = true;
const volatile __u32 targ_tgid = 0; /* time only this process' tasks (tests); 0 = all */

/* Element N for CPU N; the loader sizes it to the possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcb_cpu);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PCB_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct pcb_cg);
} cgroups SEC(".maps");

static __always_inline struct pcb_cpu *this_cpu(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&cpus, &cpu);
}

/* Read a task field: a direct load under tp_btf, a CO-RE probe read under raw_tp. */
#define RD(btf, p, f) ((btf) ? (p)->f : BPF_CORE_READ(p, f))

/* Add a CPU's pending cgroup time and wait to cgroup id's entry. */
static __always_inline void cgroup_move(struct pcb_cpu *c, __u64 id, struct pcb_cg *add)
{
	struct pcb_cg *v = bpf_map_lookup_elem(&cgroups, &id);

	if (!v) {
		if (!bpf_map_update_elem(&cgroups, &id, add, BPF_NOEXIST))
			return;
		/* Another CPU may have created it meanwhile; else the map is full. */
		v = bpf_map_lookup_elem(&cgroups, &id);
		if (!v) {
			c->cg_full += add->cpu_ns;
			return;
		}
	}
	v->cpu_ns += add->cpu_ns;
	v->wait_ns += add->wait_ns;
	v->waits += add->waits;
}

/*
 * Move the CPU's pending cgroup time and wait into the map, cg_seq odd
 * meanwhile: a fetch-add and an exchange, both fully ordered, so a reader
 * sees the pending figures cleared only with cg_seq odd or advanced.
 */
static __always_inline void cgroup_flush(struct pcb_cpu *c)
{
	struct pcb_cg add = {c->cg_pending, c->cg_wait, c->cg_waits};
	__u64 seq;

	if (!add.cpu_ns && !add.waits)
		return;
	seq = __sync_fetch_and_add(&c->cg_seq, 1);
	c->cg_pending = c->cg_wait = c->cg_waits = 0;
	cgroup_move(c, c->cg_id, &add);
	__sync_lock_test_and_set(&c->cg_seq, seq + 2);
}

/* Charge prev's CPU time delta and its run-queue wait (waits: 0 or 1) to prev's cgroup. */
static __always_inline void cgroup_add(bool btf, struct task_struct *prev, struct pcb_cpu *c,
				       __u64 delta, __u64 wait, __u64 waits)
{
	/*
	 * prev's cgroup v2 id (at sched_switch current is still prev). Under
	 * tp_btf the same pointer walk as bpf_get_current_cgroup_id as plain
	 * loads, saving a helper call on the hottest path; and while prev's
	 * cgroup is the one this CPU is accumulating for (same address and
	 * serial number: a cgroup created where a removed one was has another),
	 * its kernfs node and id are not loaded at all.
	 */
	__u64 id;

	if (btf) {
		struct cgroup *cg = prev->cgroups->dfl_cgrp;
		__u64 serial = cg->self.serial_nr;

		if ((__u64)cg == c->cg_ptr && serial == c->cg_serial)
			goto add;
		c->cg_ptr = (__u64)cg;
		c->cg_serial = serial;
		id = cg->kn->id;
	} else {
		id = bpf_get_current_cgroup_id();
	}
	if (id != c->cg_id) {
		cgroup_flush(c);
		c->cg_id = id;
	}
add:
	c->cg_pending += delta;
	c->cg_wait += wait;
	c->cg_waits += waits;
}

/*
 * The task switched in at last_ns, whose switch away the kernel did not
 * report: its run-queue wait (and ran, its CPU time, when known) to its
 * cgroup, read through its address (probe reads: it may have exited since,
 * and then an id of nothing is charged, reported once and dropped).
 */
static __always_inline void cgroup_add_unseen(struct pcb_cpu *c, __u64 ran)
{
	struct task_struct *t = (void *)c->curr_task;
	__u64 id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);

	if (!id || (!ran && !c->curr_waited))
		return;
	if (id != c->cg_id) {
		cgroup_flush(c);
		c->cg_id = id;
		c->cg_ptr = 0; /* the next switch's task: its cgroup is read again */
	}
	c->cg_pending += ran;
	if (c->curr_waited) {
		c->cg_wait += c->curr_wait;
		c->cg_waits++;
	}
}

#define CLK_RESYNC_NS 10000000ull /* re-measure clk_off once 10 ms of rq clock have passed */

/*
 * Now, on the run queue's clock: rq->clock, which __schedule updated just
 * before it picked next (sched_clock, the clock runtimes and run delays are
 * counted in), reached through next's cfs_rq (always this CPU's, whatever
 * next's class; the runqueues per-CPU variable would be a load fewer but
 * needs its address in kallsyms, which kernels without CONFIG_KALLSYMS_ALL
 * do not give). Three loads of lines the scheduler just touched instead of
 * bpf_ktime_get_ns(), which costs ~80 ns here: more than the rest of the
 * switch. The reader's clock is CLOCK_MONOTONIC, so clk_off (ktime minus rq
 * clock) is measured again whenever 10 ms of rq clock have passed: the two
 * drift apart only by NTP's frequency correction (ppm). Kernels without
 * CONFIG_FAIR_GROUP_SCHED (no cfs_rq in the task) use ktime itself.
 */
static __always_inline __u64 switch_now(bool btf, struct pcb_cpu *c, struct task_struct *next)
{
	__u64 now;

	if (!bpf_core_field_exists(next->se.cfs_rq))
		return bpf_ktime_get_ns();
	now = btf ? next->se.cfs_rq->rq->clock : BPF_CORE_READ(next, se.cfs_rq, rq, clock);
	if (now - c->clk_at > CLK_RESYNC_NS) {
		c->clk_off = bpf_ktime_get_ns() - now;
		c->clk_at = now;
	}
	return now;
}

/*
 * Run-queue latency of next, switched in now. The scheduler stamps
 * sched_info.last_queued with its run-queue clock when a task is enqueued
 * (woken, new, or preempted while runnable) and clears it when the task
 * arrives on a CPU, which it does after this tracepoint: so the wait is
 * this run queue's clock (updated by __schedule just before it picked next)
 * (now, switch_now) minus last_queued, the same delay the kernel adds to
 * the task's run_delay (/proc/PID/schedstat). No wakeup program and no
 * per-task map: the kernel keeps the timestamp. Needs CONFIG_SCHED_INFO and
 * CONFIG_FAIR_GROUP_SCHED; the loader checks both in BTF.
 */
static __always_inline void runq_arrive(bool btf, struct pcb_cpu *c, struct task_struct *next,
					__u64 now)
{
	__u64 queued;

	if (!bpf_core_field_exists(next->sched_info.last_queued) ||
	    !bpf_core_field_exists(next->se.cfs_rq))
		return;
	if (targ_tgid && RD(btf, next, tgid) != targ_tgid)
		return;
	queued = RD(btf, next, sched_info.last_queued);
	if (!queued)
		return; /* not queued through enqueue (or before sched_info was on) */
	/* Enqueued by another CPU whose clock ran a little ahead: no wait. */
	c->curr_wait = now > queued ? now - queued : 0;
	c->curr_waited = 1;
	pcb_hist_add(&c->runq, c->curr_wait);
}

/*
 * Busy time of the CPU since the last switch it reported, now that the
 * switch prev -> next is seen. Normally prev is the task switched in then,
 * and all of delta was prev's (or idle). When the kernel did not report the
 * switch away from that task, the task's own runtime counter says how long
 * it ran; the rest of delta was idle (prev is idle) or prev's, switched in
 * by the unseen switch.
 */
static __always_inline __u64 busy_since(struct pcb_cpu *c, __u32 prev_pid, __u64 delta)
{
	struct task_struct *t = (void *)c->curr_task;
	__u64 rt, ran;

	if (prev_pid == c->curr_pid)
		return prev_pid ? delta : 0;
	c->unseen++;
	if (prev_pid)
		return delta;
	if (!c->curr_pid || !t)
		return 0;
	/*
	 * The scheduler sets se.prev_sum_exec_runtime to the runtime so far
	 * each time it picks the task: past curr_rt, the task has been picked
	 * again (maybe on another CPU) and the difference is exactly its time
	 * here; else the runtime counter itself. The task may have exited
	 * since: its memory then holds anything; delta bounds it.
	 */
	rt = BPF_CORE_READ(t, se.prev_sum_exec_runtime);
	if (rt <= c->curr_rt)
		rt = BPF_CORE_READ(t, se.sum_exec_runtime);
	ran = rt > c->curr_rt ? rt - c->curr_rt : 0;
	return ran < delta ? ran : delta;
}

static __always_inline void on_switch(bool btf, struct task_struct *prev, struct task_struct *next)
{
	__u32 prev_pid = RD(btf, prev, pid), next_pid = RD(btf, next, pid);
	struct pcb_cpu *c = this_cpu();
	__u64 now, delta, busy, waited;

	if (!c)
		return;
	now = switch_now(btf, c, next);
	delta = c->last_ns && now > c->last_ns ? now - c->last_ns : 0;
	/* prev's wait before it ran, if prev is the task switched in then. */
	waited = prev_pid && prev_pid == c->curr_pid ? c->curr_waited : 0;
	busy = delta ? busy_since(c, prev_pid, delta) : 0;
	/* Else that task's wait, and its time when the idle task followed it. */
	if (want_cgroup && prev_pid != c->curr_pid && c->curr_pid && c->curr_task)
		cgroup_add_unseen(c, prev_pid ? 0 : busy);
	c->switches++;
	c->last_ns = now;
	c->curr_busy = next_pid != 0;
	c->curr_pid = next_pid;
	c->curr_rt = RD(btf, next, se.sum_exec_runtime);
	c->curr_task = (__u64)next;
	c->busy_ns += busy;
	if (want_cgroup && prev_pid && (busy || waited))
		cgroup_add(btf, prev, c, busy, waited ? c->curr_wait : 0, waited);
	c->curr_waited = 0;
	if (want_runq && next_pid)
		runq_arrive(btf, c, next, now);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pc_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(true, prev, next);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(pc_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(false, prev, next);
	return 0;
}
