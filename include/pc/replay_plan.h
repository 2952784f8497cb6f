/* SPDX-License-Identifier: MIT */
/*
 * A recorded run turned into per-interval replay targets. Reading takes
 * every interval of one host and run from an input (include/pc/input.h):
 * per-CPU and aggregate busy % (exact eBPF busy time when recorded, else
 * /proc/stat ticks through the exporters' formulas), used memory, disk bytes
 * and I/Os per second over whole disks, network bytes per second over every
 * interface but lo. Converting maps CPU through both capacity curves onto the
 * target's workers (shape "same": one worker per source CPU; "fit": the work
 * spread over the target's CPUs), marks intervals the target cannot supply as
 * saturated and applies the backlog policy (drop the excess, or carry it into
 * the following intervals). With a container selected, the targets are that
 * container's (CPU and memory only).
 */
#ifndef PC_REPLAY_PLAN_H
#define PC_REPLAY_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pc/capacity.h"
#include "pc/input.h"
#include "pc/load.h"
#include "pc/sysinfo.h"

enum rp_shape { RP_SHAPE_SAME, RP_SHAPE_FIT };
enum rp_backlog { RP_BACKLOG_DROP, RP_BACKLOG_CARRY };

#define RP_HAS_CPU  (1u << 0)
#define RP_HAS_MEM  (1u << 1)
#define RP_HAS_DISK (1u << 2)
#define RP_HAS_NET  (1u << 3)

struct rp_interval {
	uint64_t time_ns; /* recorded end of the interval (CLOCK_REALTIME) */
	double secs;	  /* recorded length */
	unsigned has;	  /* RP_HAS_* */
	double src_all;	  /* recorded aggregate busy % */
	double tgt_all;	  /* planned busy %, mean over the workers */
	double units;	  /* source work asked for, units/s (busy % when no curves) */
	double unmet;	  /* work the target could not do in it, units/s */
	int saturated;
	int cpu_bpf;	    /* busy from eBPF busy time (else /proc/stat ticks) */
	double mem_used_kb; /* recorded used memory at the interval's end */
	double rd_bps, wr_bps, rd_iops, wr_iops;
	double rx_bps, tx_bps;
};

struct rp_plan {
	uint32_t n, cap;
	uint32_t src_ncpu; /* CPUs recorded (highest CPU number + 1 in the first interval) */
	uint32_t nworkers; /* after convert */
	struct rp_interval *iv;
	double *src_pct;  /* n x src_ncpu, recorded per-CPU busy % */
	double *pct;	  /* n x nworkers, the target workers' busy % (load_sched) */
	uint64_t *end_ns; /* n, recorded interval ends from the first sample */
	struct pc_sysinfo si;
	uint32_t host, run;
	uint64_t skipped; /* samples of other hosts/runs or not after their predecessor */
	int bpf_cpu;	  /* per-CPU busy came from eBPF busy time */
	uint32_t saturated;
	/*
	 * Set before reading: replay this container of the recording (its name,
	 * id, 12+ hex id prefix or row key) instead of the host: its CPU spread
	 * over its CPUs (its quota rounded up, else the host's) and its memory.
	 */
	const char *container;
	double ct_cpus;	   /* the container's largest quota in CPUs, 0 without one */
	uint32_t ct_found; /* intervals that had it */
};

struct rp_opts {
	enum rp_shape shape;
	enum rp_backlog backlog;
	uint32_t tgt_ncpu;	       /* CPUs the target workers may use */
	const struct pc_capacity *src; /* NULL (with dst NULL): same machine, no conversion */
	const struct pc_capacity *dst;
};

void replay_plan__init(struct rp_plan *p);
void replay_plan__free(struct rp_plan *p);
/*
 * Read every interval of host/run (host < 0: the first sample's host and run)
 * from in. 0, or negative errno with err naming the input position.
 */
int replay_plan__read(struct rp_plan *p, struct pc_input *in, int64_t host, int64_t run, char *err,
		      size_t errlen);
/* One interval prev -> cur (same host and run, cur later); used by read and tests. */
int replay_plan__add(struct rp_plan *p, const struct pc_sample *prev, const struct pc_sample *cur);
/* Fill pct / tgt_all / saturation for the target. -EINVAL with err when impossible. */
int replay_plan__convert(struct rp_plan *p, const struct rp_opts *o, char *err, size_t errlen);
/* The CPU schedule of a converted plan (points into p). */
void replay_plan__sched(const struct rp_plan *p, struct load_sched *s);
/* Where an interval's CPU target came from: "ebpf" (busy time), "stat" (ticks) or "none". */
const char *replay_plan__cpu_source(const struct rp_interval *iv);
/* The plan as CSV, one line per interval (--dry-run). 0 or -EIO. */
int replay_plan__write(const struct rp_plan *p, FILE *f);

#endif
