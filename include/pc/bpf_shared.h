/* SPDX-License-Identifier: MIT */
/*
 * The plain structs the BPF programs (the bpf/ directory) and the sampler
 * (userspace/collect/bpf_*.c) share: map values and ring-buffer events. Fixed-width
 * types only and no libc, because this header is compiled both by clang
 * -target bpf (with vmlinux.h, which defines __u64 and friends) and by the
 * userspace compiler (with linux/types.h). Layouts are the ABI between the
 * two halves: change both together.
 */
#ifndef PC_BPF_SHARED_H
#define PC_BPF_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* log2 buckets, bucket i counts [2^i, 2^(i+1)) us; equal to PC_HIST_BUCKETS. */
#define PCB_HIST_BUCKETS 27

/* Capacities of the hash maps; an update beyond them is counted, not lost silently. */
#define PCB_MAX_CGROUPS	  4096
#define PCB_DISK_BITS	  8
#define PCB_MAX_DISKS	  (1u << PCB_DISK_BITS)
#define PCB_INFLIGHT_BITS 12 /* slots for block requests between issue and completion */
#define PCB_RINGBUF_BYTES (256 * 1024)

/* count and sum first: every event writes them, and one bucket somewhere after. */
struct pcb_hist {
	__u64 count;
	__u64 sum_ns; /* the exact total; the sample stores it in us */
	__u64 slot[PCB_HIST_BUCKETS];
};

/*
 * sched: one per CPU, element N of an mmap-able array for CPU N: the
 * collector reads every CPU's element from its mapping each tick, without
 * a bpf() call (at 10 ms the copy of a per-CPU map was 8 % of the
 * collector's time). Each element starts a cache line of its own, so CPUs
 * never write the same line; what every switch touches comes first, the
 * first 64 bytes; the rarely written counters after it.
 */
struct __attribute__((aligned(64))) pcb_cpu {
	__u64 busy_ns;	/* non-idle task time, summed at each switch */
	__u64 last_ns;	/* the run queue's clock at the last switch (+ clk_off: monotonic) */
	__u64 switches; /* context switches */
	/*
	 * The task switched in at last_ns: its pid, its se.sum_exec_runtime then
	 * and its address. Some kernels do not report every switch (a switch
	 * away from a task is sometimes missing: the next one on the CPU names
	 * another prev); the task's own runtime then says how much of the
	 * time since last_ns it ran. unseen counts such switches.
	 */
	__u64 curr_pid;
	__u64 curr_rt;
	__u64 curr_task;
	/*
	 * CPU time of cgroup cg_id not yet added to the cgroup map: the map is
	 * only touched when the cgroup running on this CPU changes, so the
	 * reader adds cg_pending to cg_id's total itself. cg_ptr is the address
	 * of cg_id's struct cgroup (tp_btf) and cg_serial its serial number:
	 * while the switched-out task's cgroup has both its id is not read again.
	 */
	__u64 cg_pending;
	__u64 cg_ptr;
	/* -- 64 bytes -- */
	__u64 cg_id;
	__u64 cg_serial;
	__u64 curr_busy; /* 1 if the task switched in at last_ns is not the idle task */
	__u64 unseen;
	__u64 cg_full; /* cgroup map full: CPU time not attributed to any cgroup */
	/*
	 * CLOCK_MONOTONIC minus the run queue's clock, measured when the rq
	 * clock read clk_at (sched.bpf.c switch_now); 0 where last_ns is
	 * already bpf_ktime_get_ns().
	 */
	__u64 clk_off;
	__u64 clk_at;
	/*
	 * Run-queue wait of the task switched in at last_ns (curr_waited: 1 if
	 * it came through the run queue), charged to its cgroup when it is
	 * switched out, with its CPU time: cg_wait/cg_waits are cg_id's wait
	 * not yet in the cgroup map, as cg_pending is for CPU time.
	 */
	__u64 curr_wait;
	__u64 curr_waited;
	__u64 cg_wait;
	__u64 cg_waits;
	/*
	 * Odd while cgroup_flush moves the pending figures into the map: a
	 * reader that saw it even and the same before its map read and after
	 * its copy of this element counted every flushed nanosecond once.
	 */
	__u64 cg_seq;
	struct pcb_hist runq; /* run-queue latency of tasks switched in on this CPU */
};

/* sched: a cgroup's totals (per-CPU hash keyed by cgroup v2 id). */
struct pcb_cg {
	__u64 cpu_ns;  /* CPU time of its tasks */
	__u64 wait_ns; /* time its tasks waited runnable on a run queue */
	__u64 waits;   /* how many such waits ended (the task got the CPU) */
};

/*
 * blk: per-CPU array of PCB_MAX_DISKS slots; a disk's slot is found by
 * hashing its dev_t (MKDEV as the kernel encodes it: major << 20 | minor)
 * and probing. Each CPU claims slots in its own copy, so two CPUs may hold
 * different disks in one slot: readers sum per CPU by dev, never by slot.
 */
struct pcb_disk {
	__u32 dev; /* 0: the slot is free on this CPU */
	__u32 pad;
	/*
	 * What every completion writes, with the histogram's count and sum
	 * right after: 56 contiguous bytes (the lines an I/O touches are cold
	 * at a thousand I/Os a second: each one is a miss).
	 */
	__u64 rd_ios;
	__u64 rd_bytes;
	__u64 wr_ios;
	__u64 wr_bytes;
	struct pcb_hist lat;
};

/* blk: array key 0; which disk slots any CPU has claimed (0: none), for the reader. */
struct pcb_disk_slots {
	__u32 dev[PCB_MAX_DISKS];
};

/* blk: per-CPU array key 0; requests the program could not time. */
struct pcb_blk_err {
	__u64 inflight_full; /* issue not recorded: its in-flight slots all taken */
	__u64 disks_full;    /* completion not counted: the disk's slots all taken */
};

/* proc: ring-buffer event, one per exec and per task exit. */
enum pcb_event_type { PCB_EV_EXEC = 1, PCB_EV_EXIT = 2 };

struct pcb_event {
	__u32 type;
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__u32 ppid;
	__u64 cgroup_id; /* cgroup v2 id */
	__u64 cpu_ns;	 /* exit: the task's total CPU time (sum_exec_runtime) */
	__u64 ts_ns;	 /* bpf_ktime_get_ns() */
	char comm[16];
};

/* proc: per-CPU array key 0. */
struct pcb_proc_stats {
	__u64 rb_drops; /* failed ring-buffer reserves */
};

#endif
