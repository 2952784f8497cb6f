// SPDX-License-Identifier: MIT
/*
 * export_html.c: mode html, the gathering half. Every interval of every
 * host becomes values of named series through the shared helpers of
 * export.c and export_host.c (the host.csv row, sar's per-CPU, per-disk and
 * per-interface rates, the eBPF rates and histograms), so the report and the
 * CSV/JSON exports can never disagree. The values are kept whole until the
 * end: the percentiles come from every sample; report_write.c decimates and
 * writes the page. Several hosts (export__host) are kept apart.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Overview series: the host.csv columns drawn, by chart. */
static const struct {
	int col;
	const char *chart, *label;
} overview[] = {
    {H_CPU_USER, "cpu", "user"},	 {H_CPU_SYSTEM, "cpu", "system"},
    {H_CPU_IOWAIT, "cpu", "iowait"},	 {H_CPU_STEAL, "cpu", "steal"},
    {H_MEM_USED, "mem", "used"},	 {H_MEM_CACHED, "mem", "cached"},
    {H_MEM_AVAIL, "mem", "available"},	 {H_DISK_RD_BYTES, "diskb", "read"},
    {H_DISK_WR_BYTES, "diskb", "write"}, {H_DISK_RD_OPS, "disko", "read"},
    {H_DISK_WR_OPS, "disko", "write"},	 {H_NET_RX_BYTES, "netb", "rx"},
    {H_NET_TX_BYTES, "netb", "tx"},	 {H_NET_RX_PKTS, "netp", "rx"},
    {H_NET_TX_PKTS, "netp", "tx"},
};

#define MAX_CGROUPS 32

static struct rh_host *host_new(struct rh *r, const struct pc_sysinfo *si)
{
	struct rh_host *h, *nh = realloc(r->h, (r->nh + 1) * sizeof(*nh));

	if (!nh)
		return NULL;
	r->h = nh;
	h = &r->h[r->nh++];
	memset(h, 0, sizeof(*h));
	h->si = *si;
	return h;
}

/* The series (chart, label) of h; NULL when there is none. */
struct rh_series *rh_series_find(struct rh_host *h, const char *chart, const char *label)
{
	/* Series come in the same order every interval: try the one after the last first. */
	for (size_t k = 0; k < h->ns; k++) {
		struct rh_series *s = &h->s[(h->hint + k) % h->ns];

		if (!strcmp(s->label, label) && !strcmp(s->chart, chart)) {
			h->hint = (size_t)(s - h->s) + 1;
			return s;
		}
	}
	return NULL;
}

/* The series (chart, label) of h, made when new; NULL when out of memory. */
struct rh_series *rh_series_get(struct rh_host *h, const char *chart, const char *label)
{
	struct rh_series *s = rh_series_find(h, chart, label);

	if (s)
		return s;
	if (h->ns == h->scap) {
		size_t cap = h->scap ? 2 * h->scap : 32;
		struct rh_series *ns = realloc(h->s, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		h->s = ns;
		h->scap = cap;
	}
	s = &h->s[h->ns++];
	memset(s, 0, sizeof(*s));
	snprintf(s->chart, sizeof(s->chart), "%s", chart);
	snprintf(s->label, sizeof(s->label), "%s", label);
	h->hint = h->ns;
	return s;
}

static int put(struct rh_host *h, const char *chart, const char *label, double v)
{
	struct rh_series *s = rh_series_get(h, chart, label);

	return s ? rs_vec_set(&s->v, h->n - 1, v) : -ENOMEM;
}

/* sar's busy % of every CPU (100 - %idle), per disk and per interface bytes/s. */
static int put_rows(struct rh_host *h, const struct pc_sample *ps, const struct pc_sample *cs,
		    double itv)
{
	const struct pc_table *pc = &ps->t[PC_G_CPU], *cc = &cs->t[PC_G_CPU];
	const struct pc_table *pd = &ps->t[PC_G_DISK], *cd = &cs->t[PC_G_DISK];
	const struct pc_table *pn = &ps->t[PC_G_NET], *cn = &cs->t[PC_G_NET];
	char chart[PC_KEY_MAX + 8];
	int rc = 0;

	for (uint32_t r = 0; r < cc->nrows && !rc; r++) {
		struct exp_cpu u;

		if (strcmp(cc->key[r], "all") && !exp_cpu(pc, cc, r, &u))
			rc = put(h, "percpu", cc->key[r], 100 - u.idle);
	}
	for (uint32_t r = 0; r < cd->nrows && !rc; r++) {
		struct exp_disk d;

		if (!exp_disk_whole(cd, r) || exp_disk(pd, cd, r, itv, &d))
			continue;
		snprintf(chart, sizeof(chart), "disk:%s", cd->key[r]);
		rc = put(h, chart, "read", d.rsect * 512);
		if (!rc)
			rc = put(h, chart, "write", d.wsect * 512);
	}
	for (uint32_t r = 0; r < cn->nrows && !rc; r++) {
		struct exp_net e;

		if (!strcmp(cn->key[r], "lo") || exp_net(pn, cn, r, itv, &e))
			continue;
		snprintf(chart, sizeof(chart), "net:%s", cn->key[r]);
		rc = put(h, chart, "rx", e.rxbyt);
		if (!rc)
			rc = put(h, chart, "tx", e.txbyt);
	}
	return rc;
}

/* A heatmap of h made on first use with rows rows; NULL when out of memory. */
static struct rs_heat *heat(struct rh_host *h, int k, unsigned rows)
{
	if (!h->heat[k].cell && rs_heat_init(&h->heat[k], rows))
		return NULL;
	return &h->heat[k];
}

/* Latency histograms: the bucket increments of the interval (block: summed over disks). */
static int put_hists(struct rh_host *h, const struct pc_export *x, const struct pc_sample *ps,
		     const struct pc_sample *cs)
{
	const struct pc_table *p = &ps->t[PC_G_BPF_RUNQ], *c = &cs->t[PC_G_BPF_RUNQ];
	double d[PC_HIST_BUCKETS] = {0};
	const uint64_t *pv = exp_prev_row(p, c, 0);
	struct exp_hist hist;
	struct rs_heat *hm;
	int any = 0;

	if (pv) {
		exp_hist(pv, pc_table_row(c, 0), PC_RUNQ_B0, PC_RUNQ_COUNT, PC_RUNQ_SUM_US,
			 exp_itv(x, cs, PC_G_BPF_RUNQ), &hist);
		if (!(hm = heat(h, RH_HEAT_RUNQ, PC_HIST_BUCKETS)))
			return -ENOMEM;
		for (int i = 0; i < PC_HIST_BUCKETS; i++)
			d[i] = (double)hist.d[i];
		rs_heat_add(hm, cs->time_ns, d);
	}
	p = &ps->t[PC_G_BPF_BLK], c = &cs->t[PC_G_BPF_BLK];
	memset(d, 0, sizeof(d));
	for (uint32_t r = 0; r < c->nrows; r++) {
		if (!(pv = exp_prev_row(p, c, r)))
			continue;
		exp_hist(pv, pc_table_row(c, r), PC_BLK_B0, PC_BLK_COUNT, PC_BLK_SUM_US,
			 exp_itv(x, cs, PC_G_BPF_BLK), &hist);
		for (int i = 0; i < PC_HIST_BUCKETS; i++)
			d[i] += (double)hist.d[i];
		any = 1;
	}
	if (any) {
		if (!(hm = heat(h, RH_HEAT_BLK, PC_HIST_BUCKETS)))
			return -ENOMEM;
		rs_heat_add(hm, cs->time_ns, d);
	}
	return 0;
}

/* Exact busy % of every CPU (a heatmap and series) and % of one core per cgroup. */
static int put_bpf(struct rh_host *h, const struct pc_export *x, const struct pc_sample *ps,
		   const struct pc_sample *cs)
{
	const struct pc_table *p = &ps->t[PC_G_BPF_CPU], *c = &cs->t[PC_G_BPF_CPU];
	double itv = exp_itv(x, cs, PC_G_BPF_CPU), busy[RH_MAX_HEAT_ROWS];
	int rc = 0, any = 0;

	for (unsigned r = 0; r < RH_MAX_HEAT_ROWS; r++)
		busy[r] = NAN;
	for (uint32_t r = 0; r < c->nrows && !rc; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r);
		double b;

		if (!pv)
			continue;
		b = exp_cpu_pct(pv, pc_table_row(c, r), PC_BCPU_BUSY_NS, itv);
		rc = put(h, "bpfcpu", c->key[r], b);
		if (r < RH_MAX_HEAT_ROWS)
			busy[r] = b, any = 1;
	}
	if (any && !rc) {
		struct rs_heat *hm = heat(
		    h, RH_HEAT_BUSY, c->nrows < RH_MAX_HEAT_ROWS ? c->nrows : RH_MAX_HEAT_ROWS);
		if (!hm)
			return -ENOMEM;
		rs_heat_add(hm, cs->time_ns, busy);
	}
	p = &ps->t[PC_G_BPF_CGROUP], c = &cs->t[PC_G_BPF_CGROUP],
	itv = exp_itv(x, cs, PC_G_BPF_CGROUP);
	/* The first MAX_CGROUPS rows, and no more than twice as many series over the run. */
	for (uint32_t r = 0; r < c->nrows && r < MAX_CGROUPS && !rc; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r);
		int known = pv && rh_series_find(h, "cgroup", c->key[r]);

		if (!pv || (!known && h->ncgroups >= 2 * MAX_CGROUPS))
			continue;
		h->ncgroups += !known;
		rc = put(h, "cgroup", c->key[r],
			 exp_cpu_pct(pv, pc_table_row(c, r), PC_CG_CPU_NS, itv));
	}
	return rc;
}

static int hx_interval(struct pc_export *x, const struct pc_sample *ps, const struct pc_sample *cs,
		       double itv)
{
	struct rh *r = x->priv;
	struct rh_host *h = &r->h[r->nh - 1];
	double v[H_MAX];
	int rc = 0;

	if (h->n == h->tcap) {
		size_t cap = h->tcap ? 2 * h->tcap : 1024;
		uint64_t *nt = realloc(h->t, cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		h->t = nt;
		h->tcap = cap;
	}
	if (!h->n)
		h->first_ns = ps->time_ns;
	h->t[h->n++] = cs->time_ns;
	exp_host_compute(x, ps, cs, itv, v);
	for (size_t i = 0; i < sizeof(overview) / sizeof(*overview) && !rc; i++)
		if (!isnan(v[overview[i].col]))
			rc = put(h, overview[i].chart, overview[i].label, v[overview[i].col]);
	if (!rc && !isnan(v[H_CPU_IDLE]))
		rc = put(h, "busy", "busy", 100 - v[H_CPU_IDLE]);
	if (!rc)
		rc = put_rows(h, ps, cs, itv);
	if (!rc)
		rc = put_hists(h, x, ps, cs);
	if (!rc)
		rc = put_bpf(h, x, ps, cs);
	return rc;
}

static int hx_host(struct pc_export *x)
{
	return host_new(x->priv, &x->si) ? 0 : -ENOMEM;
}

static int hx_open(struct pc_export *x, char *err, size_t errlen)
{
	int rc = exp_single_open(x, sizeof(struct rh), err, errlen);

	if (rc < 0)
		return rc;
	if (hx_host(x)) {
		exp_single_abort(x);
		snprintf(err, errlen, "html: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void hx_free(struct pc_export *x)
{
	struct rh *r = x->priv;

	if (!r)
		return;
	for (size_t i = 0; i < r->nh; i++) {
		struct rh_host *h = &r->h[i];

		for (size_t k = 0; k < h->ns; k++)
			rs_vec_free(&h->s[k].v);
		for (int k = 0; k < RH_HEAT_N; k++)
			rs_heat_free(&h->heat[k]);
		free(h->s);
		free(h->t);
	}
	free(r->h);
	r->h = NULL;
}

static int hx_commit(struct pc_export *x, char *err, size_t errlen)
{
	struct rh *r = x->priv;
	int rc = rh_write(r, r->f.f);

	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", x->out, strerror(-rc));
		hx_free(x);
		exp_single_abort(x);
		return rc;
	}
	hx_free(x);
	return exp_single_commit(x, err, errlen);
}

static void hx_abort(struct pc_export *x)
{
	hx_free(x);
	exp_single_abort(x);
}

const struct exp_ops exp_html_ops = {
    .open = hx_open,
    .interval = hx_interval,
    .commit = hx_commit,
    .abort = hx_abort,
    .host = hx_host,
};
