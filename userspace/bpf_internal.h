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

#include "blk.skel.h"
#include "proc.skel.h"
#include "sched.skel.h"

#include "pc/bpf_sampler.h"
#include "pc/bpf_shared.h"

#define PC_BPF_MAX_DEAD 64 /* vanished cgroups forgotten per tick */

struct cg_last {
	uint64_t id, ns;
};

enum { PART_SCHED, PART_BLK, PART_PROC, PART_MAX };

struct bpf_sampler {
	struct sched_bpf *sched;
	struct blk_bpf *blk;
	struct proc_bpf *proc;
	struct ring_buffer *rb;
	int btf[PART_MAX]; /* 1: runs as tp_btf, 0: raw_tp (or off) */
	int stats_fd;
	char missing[768];

	/* bpf_read.c */
	int ncpu;	     /* possible CPUs: the stride of per-CPU map values */
	uint64_t *busy_prev; /* per CPU: last busy ns reported, so it never goes back */
	void *keys, *vals;   /* map dump buffers, sized for the largest map */
	struct bpf_names *names;
	uint64_t execs, exits, exit_cpu_ns;	    /* from ring-buffer events */
	uint64_t cost_at, cost_ns, cost_cnt, drops; /* BPF stats, ring-buffer drops, when read */
	unsigned warned;			    /* read problems already logged once (bits) */
	struct cg_last *cglast;			    /* last tick's cgroup totals, sorted by id */
	uint32_t ncglast;
	uint32_t cg_first;		/* first cgroup row of this tick in the sample */
	uint64_t dead[PC_BPF_MAX_DEAD]; /* ids of vanished cgroups seen this tick */
	unsigned ndead;
};

int bpf_read__init(struct bpf_sampler *b);
void bpf_read__fini(struct bpf_sampler *b);
/* ring_buffer__new callback: counts one pcb_event. */
int bpf_read__event(void *ctx, void *data, size_t len);

#endif
