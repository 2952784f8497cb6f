// SPDX-License-Identifier: MIT
/*
 * fidelity.c: the error statistics of include/pc/fidelity.h, computed from
 * the stored per-interval pairs once at the end (a p95 needs them all).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc/fidelity.h"

void fidelity__init(struct pc_fid *f)
{
	memset(f, 0, sizeof(*f));
}

void fidelity__free(struct pc_fid *f)
{
	free(f->target);
	free(f->achieved);
	free(f->secs);
	fidelity__init(f);
}

static int grow(double **p, size_t cap)
{
	double *n = realloc(*p, cap * sizeof(**p));

	if (!n)
		return -ENOMEM;
	*p = n;
	return 0;
}

int fidelity__add(struct pc_fid *f, double target, double achieved, double secs, int saturated)
{
	if (!isfinite(target) || !isfinite(achieved) || !isfinite(secs) || secs <= 0)
		return -EINVAL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		if (grow(&f->target, cap) || grow(&f->achieved, cap) || grow(&f->secs, cap))
			return -ENOMEM;
		f->cap = cap;
	}
	f->target[f->n] = target;
	f->achieved[f->n] = achieved;
	f->secs[f->n] = secs;
	f->n++;
	if (saturated)
		f->saturated++;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void fidelity__summary(const struct pc_fid *f, struct pc_fid_summary *o)
{
	double st = 0, sa = 0, stt = 0, saa = 0, sta = 0, se = 0, sae = 0, sse = 0;
	double *abs_err;
	size_t n = f->n;

	memset(o, 0, sizeof(*o));
	o->r = NAN;
	o->work_err_pct = NAN;
	o->saturated = f->saturated;
	o->n = n;
	if (!n)
		return;
	for (size_t i = 0; i < n; i++) {
		double t = f->target[i], a = f->achieved[i], e = a - t;
		st += t, sa += a, stt += t * t, saa += a * a, sta += t * a;
		se += e, sae += fabs(e), sse += e * e;
		if (fabs(e) > o->max_abs)
			o->max_abs = fabs(e);
		o->work_target += t * f->secs[i];
		o->work_achieved += a * f->secs[i];
	}
	o->mae = sae / n;
	o->bias = se / n;
	o->rmse = sqrt(sse / n);
	/* Pearson r from centred sums; a constant series has none. */
	double vt = stt - st * st / n, va = saa - sa * sa / n, cov = sta - st * sa / n;
	if (vt > 1e-12 * (stt + 1) && va > 1e-12 * (saa + 1))
		o->r = cov / sqrt(vt * va);
	if (o->work_target != 0)
		o->work_err_pct = (o->work_achieved - o->work_target) / o->work_target * 100;
	abs_err = malloc(n * sizeof(*abs_err));
	if (!abs_err) {
		o->p95 = o->max_abs; /* an upper bound rather than nothing */
		return;
	}
	for (size_t i = 0; i < n; i++)
		abs_err[i] = fabs(f->achieved[i] - f->target[i]);
	qsort(abs_err, n, sizeof(*abs_err), cmp_double);
	/* Nearest rank: the smallest error at least 95 % of intervals do not exceed. */
	size_t rank = (size_t)ceil(0.95 * n);
	o->p95 = abs_err[rank ? rank - 1 : 0];
	free(abs_err);
}

double fidelity__tick_noise(const double *pct, uint32_t n, double secs, double hz, double user_hz)
{
	double ticks = hz * secs, var = 0, units;

	if (!(hz > 0) || !(secs > 0) || !n)
		return NAN;
	for (uint32_t i = 0; i < n; i++) {
		double p = fmin(fmax(pct[i] / 100, 0), 1);
		var += p * (1 - p) * ticks;
	}
	var /= (ticks * n) * (ticks * n); /* as a share of the row's time */
	units = user_hz * secs * n;	  /* the row's time in the units it is shown in */
	if (units > 0)
		var += 2.0 / 6 / (units * units);
	return sqrt(2 / M_PI * var) * 100;
}
