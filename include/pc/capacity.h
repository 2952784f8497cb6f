/* SPDX-License-Identifier: MIT */
/*
 * A machine's CPU capacity curve: work units per second of the fixed busy-loop
 * kernel (include/pc/load.h) at 10, 20, ... 100 % utilization with every CPU
 * active, as perfcpumeasure writes it and perfreplay reads it. The file is
 * JSON lines; the original tool's lines ({"siteid":1,"host":0,"busy":10,
 * "units":28}) are read as they are, and ours add the CPU count, per-CPU
 * units, the spread of repeated measurements, the kernel version and the
 * machine. Conversion between machines goes through units: a source CPU at u %
 * does units(u)/ncpu per second; the target CPU needs the busy % that yields
 * the same units. Between measured points the curve is linear, through (0, 0).
 */
#ifndef PC_CAPACITY_H
#define PC_CAPACITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PC_CAP_MAXPTS 100 /* busy levels 1..100 */

struct pc_capacity {
	uint32_t siteid, host;
	uint32_t ncpu; /* CPUs active while measuring; 0 = not said (the seed's lines) */
	uint32_t npts; /* points, busy ascending, the last one at 100 */
	double busy[PC_CAP_MAXPTS];   /* % of every CPU */
	double units[PC_CAP_MAXPTS];  /* units/s of the whole machine (made non-decreasing) */
	double spread[PC_CAP_MAXPTS]; /* relative spread (max-min)/mean of repeats; 0 = unknown */
	char kernel[32];	      /* busy-loop kernel version; "" when not said */
	char placement[32]; /* how the workers were placed: cgroup-v2, cgroup-v1, affinity */
	char machine[160];  /* CPU model and kernel, free text */
};

/*
 * Parse a training file's text; name is used in messages. Lines without
 * "busy" (our machine line, unknown kinds) are skipped. 0, or -EINVAL with err
 * naming the line and value (busy outside 1..100, negative or non-finite
 * units, a level twice, no busy=100 line, siteid/host changing), -ENOMEM.
 */
int capacity__parse(struct pc_capacity *c, const char *text, size_t len, const char *name,
		    char *err, size_t errlen);
int capacity__load(struct pc_capacity *c, const char *path, char *err, size_t errlen);
/*
 * Set the points 10, 20, ... 10 x nlevels % from repeated measurements:
 * units[pass * nlevels + level]; the mean is the point, (max - min) / mean
 * its spread. -EINVAL for no passes or a non-finite value.
 */
int capacity__set_levels(struct pc_capacity *c, const double *units, unsigned nlevels,
			 unsigned passes);
struct pc_cgroup;
/*
 * Measure this machine's curve (capacity_measure.c): one worker per CPU of
 * cpus[0..n), each placed in cg, passes x 10 levels of step_ns each
 * (load_cpu__measure), then the levels, CPU count, placement and kernel set
 * in c. 0, -EINTR when *stop was set, or a negative errno.
 */
int capacity__measure(struct pc_capacity *c, const int *cpus, uint32_t n, struct pc_cgroup *cg,
		      uint64_t step_ns, unsigned passes, const volatile int *stop,
		      void (*progress)(unsigned pass, unsigned level));
/* Write the curve as training lines (seed's fields first). 0 or -EIO. */
int capacity__write(const struct pc_capacity *c, FILE *f);

/* Units/s of the whole machine with every CPU at busy_pct (clamped to 0..100). */
double capacity__units(const struct pc_capacity *c, double busy_pct);
/* Inverse: busy % giving units/s; above the 100 % point returns 100 and sets *saturated. */
double capacity__busy(const struct pc_capacity *c, double units, int *saturated);
/* Per CPU (needs ncpu > 0): units/s of one CPU at busy_pct, and its inverse. */
double capacity__cpu_units(const struct pc_capacity *c, double busy_pct);
double capacity__cpu_busy(const struct pc_capacity *c, double units, int *saturated);
/*
 * Source CPU at src_pct -> the target CPU's busy % doing the same work.
 * Saturated (returns 100) when one target CPU cannot do it.
 */
double capacity__convert(const struct pc_capacity *src, const struct pc_capacity *dst,
			 double src_pct, int *saturated);

#endif
