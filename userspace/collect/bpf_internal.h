/* SPDX-License-Identifier: MIT */
/*
 * bpf_internal.h: the eBPF sampler's parts, which depend one way:
 * bpf_load.c loads and attaches the programs (struct bpf_loaded),
 * bpf_read.c drains their maps into a sample (struct bpf_reader, over a
 * loaded set), and bpf_sampler.c is the public sampler made of the two.
 * Not a public header: the collector sees include/pc/bpf_sampler.h.
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
	uint64_t cg_seq;    /* its element's cg_seq before this tick's cgroup map read */
};

struct cg_last {
	uint64_t id, ns, wait_ns, waits;
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
	int stats_fd;  /* BPF run-time statistics on while held (bpf_enable_stats), or -1 */
	char missing[768];
};

/* The reader: what draining the maps keeps between ticks (bpf_read.c). */
struct bpf_reader {
	const struct bpf_loaded *l;
	int want_cgroup, want_runq;	   /* the sched program's load-time constants */
	struct ring_buffer *rb;		   /* the proc program's events, consumed each read */
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

/* The public sampler: the loaded programs, their reader, BPF run-time stats. */
struct bpf_sampler {
	struct bpf_loaded l;
	struct bpf_reader rd;
};

/*
 * Load and attach the programs o asks for in a child process and receive
 * their fds in l (bpf_load.c): the kernel BTF that CO-RE relocation parses
 * (~10 MiB here) never enters the collector's memory. With a broker
 * (bpf_broker__use) the privileged part runs that child for us instead. 0,
 * or a negative errno with why filled when nothing could be loaded.
 */
int bpf_load(const struct bpf_sampler_opts *o, struct bpf_loaded *l, char *why, size_t whylen);
void bpf_loaded__close(struct bpf_loaded *l);
/* An empty set: no fds (-1), nothing on. */
void bpf_loaded__init(struct bpf_loaded *l);
/* 1 when loads go through the privileged part (bpf_broker__use). */
int bpf_broker__active(void);
/* Append "; " and a formatted note to buf (the operator's list of what is missing). */
void bpf_note(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run time and count of each loaded program (BPF stats); the count, or a negative errno. */
int bpf_loaded__costs(const struct bpf_loaded *l, struct bpf_prog_cost *out, int max);

/* The reader over the loaded set l (which must outlive it); 0 or a negative errno. */
int bpf_reader__init(struct bpf_reader *r, const struct bpf_loaded *l);
/* Map the sched program's CPU array (after the load); 0 or a negative errno. */
int bpf_reader__map_cpus(struct bpf_reader *r);
/* Consume the proc program's events from map fd (0, or -errno with the ring buffer off). */
int bpf_reader__events(struct bpf_reader *r, int fd);
/* Drain the maps into s, less the groups skip names (BPF_READ_NO_*). */
int bpf_reader__read(struct bpf_reader *r, struct pc_sample *s, unsigned skip);
void bpf_reader__fini(struct bpf_reader *r);

#endif
