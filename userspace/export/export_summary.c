// SPDX-License-Identifier: MIT
/*
 * export_summary.c: mode summary, what `make run` prints for a person: the
 * host, how many samples over what span, and average / peak of CPU busy,
 * memory used, disk and network throughput (the host.csv quantities, so the
 * numbers agree with the CSV), plus what the collector itself cost when the
 * samples carry its self group. MB here is 2^20 bytes, as in host.csv.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_int.h"

struct acc {
	uint64_t n;
	double sum, peak;
};

enum { S_CPU, S_MEM, S_RD, S_WR, S_RX, S_TX, S_N };

struct sm {
	struct exp_file f; /* first: exp_single_open */
	struct acc a[S_N];
	int have_self;
	uint64_t self_cpu0, self_cpu1, self_t0, self_t1, max_rss_kb;
};

static void acc_add(struct acc *a, double v)
{
	if (isnan(v))
		return;
	if (!a->n || v > a->peak)
		a->peak = v;
	a->sum += v;
	a->n++;
}

static int sm_open(struct pc_export *x, char *err, size_t errlen)
{
	return exp_single_open(x, sizeof(struct sm), err, errlen);
}

static int sm_sample(struct pc_export *x, const struct pc_sample *cs)
{
	struct sm *s = x->priv;
	const uint64_t *v = pc_table_row(&cs->t[PC_G_SELF], 0);
	struct exp_mem m;

	if (!exp_mem(&cs->t[PC_G_MEM], &m))
		acc_add(&s->a[S_MEM], (double)m.used / 1024);
	if (!v)
		return 0;
	if (!s->have_self) {
		s->self_cpu0 = v[PC_SELF_UTIME_NS] + v[PC_SELF_STIME_NS];
		s->self_t0 = cs->time_ns;
		s->have_self = 1;
	}
	s->self_cpu1 = v[PC_SELF_UTIME_NS] + v[PC_SELF_STIME_NS];
	s->self_t1 = cs->time_ns;
	if (v[PC_SELF_RSS_KB] > s->max_rss_kb)
		s->max_rss_kb = v[PC_SELF_RSS_KB];
	return 0;
}

static int sm_interval(struct pc_export *x, const struct pc_sample *ps, const struct pc_sample *cs,
		       double itv)
{
	struct sm *s = x->priv;
	double v[H_NCOLS];

	exp_host_compute(ps, cs, itv, v);
	acc_add(&s->a[S_CPU], 100 - v[H_CPU_IDLE]);
	acc_add(&s->a[S_RD], v[H_DISK_RD_BYTES] / 1048576);
	acc_add(&s->a[S_WR], v[H_DISK_WR_BYTES] / 1048576);
	acc_add(&s->a[S_RX], v[H_NET_RX_BYTES] / 1048576);
	acc_add(&s->a[S_TX], v[H_NET_TX_BYTES] / 1048576);
	return 0;
}

static void line(FILE *f, const char *what, const struct acc *a)
{
	if (!a->n)
		fprintf(f, "%-18s %12s\n", what, "n/a");
	else
		fprintf(f, "%-18s %12.3f %12.3f\n", what, a->sum / (double)a->n, a->peak);
}

static int sm_commit(struct pc_export *x, char *err, size_t errlen)
{
	struct sm *s = x->priv;
	const struct pc_sysinfo *si = &x->si;
	FILE *f = s->f.f;
	double span = x->nsamples ? (double)(x->last_ns - x->first_ns) / 1e9 : 0;
	double itv = si->interval_ns ? (double)si->interval_ns / 1e9
				     : (x->nintervals ? span / (double)x->nintervals : 0);
	char t0[32], t1[32];

	if (si->hostname[0])
		fprintf(f, "host               %s", si->hostname);
	else
		fprintf(f, "host               #%u", si->host);
	if (si->ncpu)
		fprintf(f, " (%u CPUs%s%s)", si->ncpu, si->kernel[0] ? ", " : "", si->kernel);
	fputc('\n', f);
	fprintf(f, "samples            %llu (%llu intervals", (unsigned long long)x->nsamples,
		(unsigned long long)x->nintervals);
	if (x->skipped)
		fprintf(f, ", %lu out of order skipped", x->skipped);
	fputs(")\n", f);
	fprintf(f, "interval           %g s\n", itv);
	if (x->nsamples)
		fprintf(f, "span               %g s (%s .. %s)\n", span,
			exp_iso8601(t0, x->first_ns), exp_iso8601(t1, x->last_ns));
	fprintf(f, "%-18s %12s %12s\n", "", "avg", "peak");
	line(f, "cpu busy %", &s->a[S_CPU]);
	line(f, "memory used MB", &s->a[S_MEM]);
	line(f, "disk read MB/s", &s->a[S_RD]);
	line(f, "disk write MB/s", &s->a[S_WR]);
	line(f, "net rx MB/s", &s->a[S_RX]);
	line(f, "net tx MB/s", &s->a[S_TX]);
	if (si->mem_total_kb)
		fprintf(f, "memory total MB    %12.2f\n", (double)si->mem_total_kb / 1024);
	if (s->have_self && s->self_t1 > s->self_t0)
		fprintf(f, "collector cost     %.3f %% of one core, max RSS %.1f MB\n",
			(double)pc_counter_delta(s->self_cpu0, s->self_cpu1) * 100 /
			    (double)(s->self_t1 - s->self_t0),
			(double)s->max_rss_kb / 1024);
	else if (s->have_self)
		fprintf(f, "collector cost     max RSS %.1f MB\n", (double)s->max_rss_kb / 1024);
	return exp_single_commit(x, err, errlen);
}

const struct exp_ops exp_summary_ops = {
    .open = sm_open,
    .sample = sm_sample,
    .interval = sm_interval,
    .commit = sm_commit,
    .abort = exp_single_abort,
};
