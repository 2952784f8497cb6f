/* SPDX-License-Identifier: MIT */
/*
 * bpf_internal.h: the eBPF sampler's state, shared by its two halves only
 * (bpf_sampler.c loads and attaches, bpf_read.c drains). Not a public
 * header: the collector sees include/pc/bpf_sampler.h.
 */
#ifndef PC_BPF_INTERNAL_H
#define PC_BPF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pc/bpf_sampler.h"
#include "pc/bpf_shared.h"

#define PC_BPF_MAX_DEAD	    64	/* vanished cgroups forgotten per tick */
#define PC_BPF_MAX_COMMS    256 /* commands with their own exited row; the rest are "(other)" */
#define PC_BPF_EXITED_SLOTS 512 /* the index of exited rows by command: at most half full */

/* Exited tasks of one command, since the sampler started. */
struct exited {
	char comm[16];
	uint64_t tasks, cpu_ns;
};

/* What the reader keeps per CPU between ticks. */
struct cpu_read {
	uint64_t busy_prev; /* last busy ns reported, so it never goes back */
	uint64_t rt_tid;    /* the task whose /proc/TID/schedstat rt_fd holds open */
	int rt_fd;	    /* -1: none */
	char key[12];	    /* the row key: the CPU number */
};

struct cg_last {
	uint64_t id, ns;
};

enum { PART_SCHED, PART_BLK, PART_PROC, PART_MAX };

/* The maps userspace reads, by what they hold. */
enum { M_CPUS, M_CGROUPS, M_DISKS, M_DISK_SLOTS, M_BLK_ERR, M_PROC_STATS, M_EVENTS, M_MAX };

#define PC_BPF_MAX_PROGS 24

/* One map as the reader needs it: its fd and sizes (fd -1 when its part is off). */
struct bpf_map_ref {
	int fd;
	uint32_t key_size, value_size, max_entries;
};

/*
 * What the loader (bpf_load.c, run in a short-lived child) hands over: for
 * each part whether it runs and as tp_btf, the maps, and the programs with
 * their links (held here: the programs stay attached as long as we live).
 */
struct bpf_loaded {
	int on[PART_MAX];
	int btf[PART_MAX];
	struct bpf_map_ref map[M_MAX];
	int nprogs;
	int prog_fd[PC_BPF_MAX_PROGS];
	int link_fd[PC_BPF_MAX_PROGS];
	char prog_name[PC_BPF_MAX_PROGS][32];
	int want_runq; /* the sched program times run-queue latency */
	char missing[768];
};

struct bpf_sampler {
	struct bpf_loaded l;
	int want_cgroup, want_runq; /* the sched program's load-time constants */
	struct ring_buffer *rb;
	int stats_fd;

	/* bpf_read.c */
	int ncpu;			   /* possible CPUs: the stride of per-CPU map values */
	struct cpu_read *cpu;		   /* per possible CPU */
	const volatile uint64_t *cpus_map; /* the sched program's CPU array, mapped */
	size_t cpus_map_len;
	struct pcb_cpu *cpus; /* this tick's copy of it */
	void *keys, *vals;    /* map dump buffers, sized for the largest map */
	struct bpf_names *names;
	uint64_t execs, exits, exit_cpu_ns; /* from ring-buffer events */
	struct exited *exited;		    /* per command, PC_BPF_MAX_COMMS */
	uint32_t nexited;
	uint16_t exited_slot[PC_BPF_EXITED_SLOTS];  /* 1 + index into exited; 0: free */
	uint64_t cost_at, cost_ns, cost_cnt, drops; /* BPF stats, ring-buffer drops, when read */
	unsigned warned;			    /* read problems already logged once (bits) */
	struct cg_last *cglast;			    /* last tick's cgroup totals, sorted by id */
	uint32_t ncglast;
	uint32_t cg_first;		/* first cgroup row of this tick in the sample */
	uint64_t dead[PC_BPF_MAX_DEAD]; /* ids of vanished cgroups seen this tick */
	unsigned ndead;
};

/*
 * Load and attach the programs o asks for in a child process and receive
 * their fds in l (bpf_load.c): the kernel BTF that CO-RE relocation parses
 * (~10 MiB here) never enters the collector's memory. 0, or a negative
 * errno with why filled when nothing could be loaded.
 */
int bpf_load(const struct bpf_sampler_opts *o, struct bpf_loaded *l, char *why, size_t whylen);
void bpf_loaded__close(struct bpf_loaded *l);
/* Append "; " and a formatted note to buf (the operator's list of what is missing). */
void bpf_note(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int bpf_read__init(struct bpf_sampler *b);
/* Map the sched program's CPU array (after the load); 0 or a negative errno. */
int bpf_read__map_cpus(struct bpf_sampler *b);
void bpf_read__fini(struct bpf_sampler *b);
/* ring_buffer__new callback: counts one pcb_event. */
int bpf_read__event(void *ctx, void *data, size_t len);

#endif
