// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proc: one ring-buffer event per exec and per task exit (pid, parent,
 * comm, cgroup, and at exit the task's total CPU time), so that work done by
 * processes living less than a sampling interval is still attributed.
 * These are rare discrete events; every failed reserve is counted in a
 * per-CPU counter that the sampler reports as ring-buffer drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pc_common.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PCB_RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcb_proc_stats);
} proc_stats SEC(".maps");

/* Both tracepoints run in the context of the task itself: current == p. */
static __always_inline void emit(struct task_struct *p, __u32 type)
{
	struct pcb_proc_stats *st;
	struct pcb_event *ev;
	__u32 zero = 0;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		st = bpf_map_lookup_elem(&proc_stats, &zero);
		if (st)
			st->rb_drops++;
		return;
	}
	ev->type = type;
	ev->pid = BPF_CORE_READ(p, pid);
	ev->tgid = BPF_CORE_READ(p, tgid);
	ev->ppid = BPF_CORE_READ(p, real_parent, tgid);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->cpu_ns = type == PCB_EV_EXIT ? BPF_CORE_READ(p, se.sum_exec_runtime) : 0;
	ev->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pc_exec_btf, struct task_struct *p)
{
	emit(p, PCB_EV_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pc_exit_btf, struct task_struct *p)
{
	emit(p, PCB_EV_EXIT);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(pc_exec_raw, struct task_struct *p)
{
	emit(p, PCB_EV_EXEC);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(pc_exit_raw, struct task_struct *p)
{
	emit(p, PCB_EV_EXIT);
	return 0;
}
