/* SPDX-License-Identifier: MIT */
/*
 * How faithfully a replay reproduced its targets: one series per replayed
 * quantity (aggregate CPU %, one CPU's %, memory MiB, disk bytes/s, ...),
 * fed one interval at a time with the target, what an independent measurement
 * says was achieved, and the interval's length, then summarised: mean
 * absolute error, bias (achieved - target), RMSE, 95th percentile and maximum
 * of the absolute error, Pearson r, total work error (sum of value x seconds,
 * relative to the target's), and the intervals marked saturated.
 */
#ifndef PC_FIDELITY_H
#define PC_FIDELITY_H

#include <stddef.h>
#include <stdint.h>

struct pc_fid {
	double *target, *achieved, *secs;
	size_t n, cap;
	uint64_t saturated;
};

struct pc_fid_summary {
	size_t n;
	double mae, bias, rmse, p95, max_abs;
	double r;			   /* NaN when either series is constant */
	double work_target, work_achieved; /* sum of value x seconds */
	double work_err_pct;		   /* NaN when the target's work is 0 */
	uint64_t saturated;
};

void fidelity__init(struct pc_fid *f);
void fidelity__free(struct pc_fid *f);
/* 0, -EINVAL for a non-finite value or secs <= 0, -ENOMEM. */
int fidelity__add(struct pc_fid *f, double target, double achieved, double secs, int saturated);
/* Summary of everything added; all zero (r, work_err_pct NaN) when empty. */
void fidelity__summary(const struct pc_fid *f, struct pc_fid_summary *o);

/*
 * The error to expect from tick-sampled accounting alone (/proc/stat on a
 * CONFIG_TICK_CPU_ACCOUNTING kernel): the mean absolute error, in points, of
 * the busy % of n CPUs' aggregate row over secs when CPU i is busy pct[i] %
 * of the time with no relation to the tick. Each of the hz * secs ticks of a
 * CPU is then a Bernoulli draw: the row's busy ticks vary by
 * sum(p(1-p)) * hz * secs; the row is shown in 1/user_hz units, rounded down
 * at both reads (user and system each: variance 2 x 1/6 unit^2). Normal
 * approximation: MAE = sqrt(2/pi) * sd. NaN for hz or secs <= 0.
 */
double fidelity__tick_noise(const double *pct, uint32_t n, double secs, double hz, double user_hz);

#endif
