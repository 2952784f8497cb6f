/* SPDX-License-Identifier: MIT */
/*
 * perfreplay's parts: main.c reads options, the recording and the curves and
 * builds the plan; run.c replays it live and measures; report.c writes the
 * per-interval CSV and the fidelity summary.
 */
#ifndef PERFREPLAY_H
#define PERFREPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "pc/fidelity.h"
#include "pc/load.h"
#include "pc/replay_plan.h"

#define MODE_CPU  (1u << 0)
#define MODE_MEM  (1u << 1)
#define MODE_DISK (1u << 2)
#define MODE_NET  (1u << 3)

enum mem_base { MEM_BASE_TARGET, MEM_BASE_RECORDING };

struct replay_cfg {
	unsigned modes;
	double speed;
	const char *cpus;   /* target CPU list */
	int cpu_list[4096]; /* the same, expanded */
	uint32_t ncpu;
	const char *cgroup_root; /* NULL = /sys/fs/cgroup */
	const char *scratch;	 /* disk scratch directory */
	const char *sink;	 /* NULL: no network; "netns"; or host:port */
	const char *report;	 /* CSV path or NULL */
	enum mem_base mem_base;
	uint64_t slice_ns;
	enum load_phase_mode phase;
};

/* Series of the fidelity summary. */
enum { S_CPU, S_MEM, S_RD, S_WR, S_RIOPS, S_WIOPS, S_TX, S_RX, S_N };

struct report {
	FILE *csv;
	struct pc_fid fid[S_N];
	struct pc_fid *worker; /* per worker CPU % */
	uint32_t nworkers;
};

extern volatile int replay_stop;

int report__open(struct report *r, const char *path, uint32_t nworkers);
/* One interval's row: v[] targets and achieved values per series (NaN = not replayed). */
void report__row(struct report *r, uint32_t k, double t_s, double secs, int saturated,
		 const double *target, const double *achieved, double cg_cpu,
		 const double *w_target, const double *w_achieved);
/* Summary lines on f; 0 or -EIO from closing the CSV. */
int report__close(struct report *r, FILE *f);

int replay__run(const struct rp_plan *p, const struct replay_cfg *c);

#endif
