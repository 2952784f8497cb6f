// SPDX-License-Identifier: MIT
/*
 * export_fn.c: the export whose output is a function (export__open_fn): each
 * interval's computed values (host.csv's row, the proc/stat, proc/diskstats and
 * proc/net/dev rows, the eBPF histograms, containers.csv's rows) in one struct
 * pc_interval, for the stores. Every number comes from the helpers the csv and json modes use, with
 * the same rules: rows without a previous row are left out, a group's rates run
 * over its own interval (exp_itv).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_containers.h"
#include "export_int.h"

struct xfn {
	pc_interval_fn fn;
	void *ctx;
	struct pc_iv_cpu *cpu;
	struct pc_iv_disk *disk;
	struct pc_iv_net *net;
	struct pc_iv_hist *hist;
	struct exp_ct *t;	    /* containers.csv's values (export_containers.c) */
	struct pc_iv_container *ct; /* the latest sample's rows */
	uint32_t cap_cpu, cap_disk, cap_net, cap_hist, cap_ct, nct;
};

/* Room for n elements of size sz in *p (capacity *cap); 0 or -ENOMEM. */
static int grow(void *p, uint32_t *cap, uint32_t n, size_t sz)
{
	void *q;

	if (n <= *cap)
		return 0;
	q = realloc(*(void **)p, (size_t)n * sz);
	if (!q)
		return -ENOMEM;
	*(void **)p = q;
	*cap = n;
	return 0;
}

static int fn_open(struct pc_export *x, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return x->priv ? 0 : -EINVAL;
}

static uint32_t fill_cpu(struct xfn *f, const struct pc_table *p, const struct pc_table *c)
{
	uint32_t n = 0;
	struct exp_cpu u;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_cpu(p, c, r, &u))
			continue;
		f->cpu[n++] =
		    (struct pc_iv_cpu){c->key[r], u.usr, u.nice, u.sys, u.iowait, u.steal, u.idle};
	}
	return n;
}

static uint32_t fill_disk(struct xfn *f, const struct pc_table *p, const struct pc_table *c,
			  double itv)
{
	struct exp_disk d;
	uint32_t n = 0;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_disk_idle(c, r) || exp_disk(p, c, r, itv, &d))
			continue;
		f->disk[n++] = (struct pc_iv_disk){
		    c->key[r], exp_disk_whole(c, r), d.tps,	    d.rtps,	  d.wtps,
		    d.dtps,    d.rsect * 512,	     d.wsect * 512, d.dsect * 512};
	}
	return n;
}

static uint32_t fill_net(struct xfn *f, const struct pc_table *p, const struct pc_table *c,
			 double itv)
{
	struct exp_net e;
	uint32_t n = 0;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_net(p, c, r, itv, &e))
			continue;
		f->net[n++] = (struct pc_iv_net){c->key[r], e.rxpck, e.txpck,  e.rxbyt, e.txbyt,
						 e.rxcmp,   e.txcmp, e.rxmcst, e.ifutil};
	}
	return n;
}

static void put_hist(struct pc_iv_hist *o, const char *name, const struct exp_hist *h)
{
	o->name = name;
	o->count_s = h->count_s, o->avg_us = h->avg_us;
	o->p50 = h->p50, o->p90 = h->p90, o->p99 = h->p99;
	memcpy(o->d, h->d, sizeof(o->d));
}

/* The run-queue histogram, then one per disk of bpf/blk. */
static uint32_t fill_hist(struct xfn *f, const struct pc_export *x, const struct pc_sample *ps,
			  const struct pc_sample *cs)
{
	const struct pc_table *c = &cs->t[PC_G_BPF_RUNQ], *p = &ps->t[PC_G_BPF_RUNQ];
	struct exp_hist h;
	uint32_t n = 0;

	if (c->nrows && exp_prev_row(p, c, 0)) {
		exp_hist(exp_prev_row(p, c, 0), pc_table_row(c, 0), PC_RUNQ_B0, PC_RUNQ_COUNT,
			 PC_RUNQ_SUM_US, exp_itv(x, cs, PC_G_BPF_RUNQ), &h);
		put_hist(&f->hist[n++], "runq", &h);
	}
	c = &cs->t[PC_G_BPF_BLK], p = &ps->t[PC_G_BPF_BLK];
	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r);

		if (!pv)
			continue;
		exp_hist(pv, pc_table_row(c, r), PC_BLK_B0, PC_BLK_COUNT, PC_BLK_SUM_US,
			 exp_itv(x, cs, PC_G_BPF_BLK), &h);
		put_hist(&f->hist[n++], c->key[r], &h);
	}
	return n;
}

static int put_ct(void *ctx, size_t idx, const struct pc_iv_container *row)
{
	struct xfn *f = ctx;

	(void)idx;
	f->ct[f->nct++] = *row;
	return 0;
}

/* containers.csv's rows of s; a sample without an interval hands them on alone. */
static int fn_sample(struct pc_export *x, const struct pc_sample *s)
{
	struct xfn *f = x->priv;
	struct pc_interval iv = {.cur = s};
	uint32_t n = s->t[PC_G_CONTAINER].nrows;
	int rc;

	f->nct = 0;
	if (!n)
		return 0;
	if (grow(&f->ct, &f->cap_ct, n, sizeof(*f->ct)))
		return -ENOMEM;
	if ((rc = exp_ct_sample(&f->t, s, put_ct, f)))
		return rc;
	if (x->have_prev || !f->nct)
		return 0;
	for (int i = 0; i < PC_HOST_MAXCOLS; i++)
		iv.host[i] = NAN;
	iv.ct = f->ct, iv.nct = f->nct;
	return f->fn(f->ctx, &iv);
}

static int fn_interval(struct pc_export *x, const struct pc_sample *prev,
		       const struct pc_sample *cur, double itv)
{
	struct xfn *f = x->priv;
	struct pc_interval iv = {.prev = prev, .cur = cur, .itv = itv};

	if (grow(&f->cpu, &f->cap_cpu, cur->t[PC_G_CPU].nrows, sizeof(*f->cpu)) ||
	    grow(&f->disk, &f->cap_disk, cur->t[PC_G_DISK].nrows, sizeof(*f->disk)) ||
	    grow(&f->net, &f->cap_net, cur->t[PC_G_NET].nrows, sizeof(*f->net)) ||
	    grow(&f->hist, &f->cap_hist, cur->t[PC_G_BPF_BLK].nrows + 1, sizeof(*f->hist)))
		return -ENOMEM;
	exp_host_compute(x, prev, cur, itv, iv.host);
	iv.ncpu = fill_cpu(f, &prev->t[PC_G_CPU], &cur->t[PC_G_CPU]);
	iv.ndisk = fill_disk(f, &prev->t[PC_G_DISK], &cur->t[PC_G_DISK], itv);
	iv.nnet = fill_net(f, &prev->t[PC_G_NET], &cur->t[PC_G_NET], itv);
	iv.nhist = fill_hist(f, x, prev, cur);
	iv.cpu = f->cpu, iv.disk = f->disk, iv.net = f->net, iv.hist = f->hist;
	iv.ct = f->ct, iv.nct = f->nct;
	return f->fn(f->ctx, &iv);
}

static void fn_free(struct pc_export *x)
{
	struct xfn *f = x->priv;

	if (!f)
		return;
	free(f->cpu);
	free(f->disk);
	free(f->net);
	free(f->hist);
	free(f->ct);
	exp_ct_free(f->t);
	free(f);
	x->priv = NULL;
}

static int fn_commit(struct pc_export *x, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	fn_free(x);
	return 0;
}

const struct exp_ops exp_fn_ops = {.open = fn_open,
				   .sample = fn_sample,
				   .interval = fn_interval,
				   .commit = fn_commit,
				   .abort = fn_free};

unsigned export__host_ncols(void)
{
	return exp_host_ncols();
}

const char *export__host_col(unsigned i)
{
	unsigned n = H_NCOLS;

	if (i < H_NCOLS)
		return pc_host_cols[i];
	for (const struct exp_src *const *sp = exp_srcs; *sp; sp++)
		for (unsigned c = 0; c < (*sp)->n && n < H_MAX; c++)
			if ((*sp)->cols[c].host && n++ == i)
				return (*sp)->cols[c].host;
	return NULL;
}

struct pc_export *export__open_fn(pc_interval_fn fn, void *ctx, const struct pc_sysinfo *si)
{
	struct xfn *f = calloc(1, sizeof(*f));
	struct pc_export *x;
	char err[64];

	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->fn = fn, f->ctx = ctx;
	x = exp_open_priv(PC_EXPORT_FN, "(function)", si, f, err, sizeof(err));
	if (!x)
		free(f);
	return x;
}
