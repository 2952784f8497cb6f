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

/*
 * The CPU at an interval's end by three observers (observe.c): the workers'
 * thread clocks, the cgroup's accounting, /proc/stat; per worker, per CPU of
 * the machine, over the workers and over the machine.
 */
struct pc_cgroup;
struct observe {
	uint32_t nw, ncpu; /* workers; CPUs of the machine (cpu0 .. cpu<ncpu-1>) */
	const int *wcpu;   /* CPU each worker is pinned to */
	const struct load_cpu *cpu;
	const struct pc_cgroup *cg; /* NULL: no group */
	struct load_stat *st;
	uint64_t *w_prev, *w_cur, *pc_prev, *pc_cur, *mx_prev, *mx_cur, cg_prev;
	int cg_ok, pc_ok, mx_ok;
	uint64_t read_ns; /* CLOCK_MONOTONIC just after the group's counters were last read */
	double hz, user_hz;
	const char *pcpu_src; /* what the per-CPU cgroup figure is */
	/* The last interval, in % of one CPU (per worker, per CPU) or of all. */
	double *w_t, *w_a;		       /* worker: target, thread clock */
	double *c_t, *c_cg, *c_st, *c_noise;   /* CPU: target, cgroup, /proc/stat, tick noise */
	double *c_ot;			       /* CPU: other work (NaN: not known) */
	double *c_sl;			       /* CPU: steal (NaN: not known) */
	double *c_ran;			       /* scratch: what ran on each CPU */
	double cpu_t, cpu_a, cpu_cg;	       /* mean over the workers */
	double m_t, m_cg, m_st, m_noise, m_ot; /* the whole machine */
};

/* Sizes, and what the group can tell (cg NULL: no group). 0 or -ENOMEM. */
int observe__open(struct observe *o, uint32_t nw, const int *wcpu, const struct pc_cgroup *cg);
/* The baseline, at the replay's start, of the workers l. */
void observe__start(struct observe *o, const struct load_cpu *l);
/* At an interval's end, dt s after the last read, the workers' targets wpct. */
void observe__interval(struct observe *o, const double *wpct, double dt);
void observe__free(struct observe *o);

/* Series of the fidelity summary. */
enum { S_CPU, S_MEM, S_RD, S_WR, S_RIOPS, S_WIOPS, S_TX, S_RX, S_N };
/* The CPU series beside the thread clocks': per observer, over the workers and the machine. */
enum { O_CPU_CG, O_MACH_CG, O_MACH_ST, O_N };

struct report {
	FILE *csv;
	struct pc_fid fid[S_N];
	struct pc_fid obs[O_N];
	struct pc_fid *worker;		/* per worker CPU % */
	struct pc_fid *cpu_cg, *cpu_st; /* per CPU of the machine */
	double m_noise, *c_noise;	/* sums of the expected tick noise */
	double ot_sum, ot_secs, ot_max; /* other work: % x s, s, max % */
	uint32_t nworkers, ncpu, n_bpf, n_stat;
	double hz;
	const char *cg_name, *pcpu_src;
	int cg_total; /* the group has its own figure (else thread clocks stand in) */
};

extern volatile int replay_stop;

/* ob: the observer the rows will come from (its sizes and sources), NULL without CPU. */
int report__open(struct report *r, const char *path, uint32_t nworkers, const struct observe *ob,
		 const char *cg_name);
/*
 * One interval's row: how long it was and how late after its end deadline
 * it was measured, targets and achieved values per series (NaN = not
 * replayed), the CPU by every observer (ob NULL when CPU is not replayed).
 */
void report__row(struct report *r, uint32_t k, double t_s, double secs, double late_us,
		 const struct rp_interval *iv, const double *target, const double *achieved,
		 const struct observe *ob);
/* Summary lines on f; 0 or -EIO from closing the CSV. */
int report__close(struct report *r, FILE *f);

int replay__run(const struct rp_plan *p, const struct replay_cfg *c);

#endif
