// SPDX-License-Identifier: MIT
/*
 * export_sar_bpf.c: the eBPF groups in csv mode, beside the pcprocess tree,
 * under bpf/: exact per-CPU busy time (cpu), run-queue latency (runq), block
 * I/O latency and bytes per disk (blk), CPU per cgroup (cgroup),
 * short-lived processes (proc) and the tasks that exited, per command
 * (exited). Histograms are written as p50/p90/p99 and
 * mean in microseconds plus the bucket increments (bucket i counts
 * [2^i, 2^(i+1)) us). The files appear only when the samples carry eBPF
 * groups, so exports of pcc or /proc-only collections are unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "export_int.h"

#define HIST_HDR "count/s,avg_us,p50_us,p90_us,p99_us"

static const struct {
	const char *rel, *header;
} bx_files[BX_N] = {
    [BX_CPU] = {"bpf/cpu", "#timestamp,CPU,%busy,cswch/s,unseen/s"},
    [BX_RUNQ] = {"bpf/runq", "#timestamp," HIST_HDR ",buckets..."},
    [BX_BLK] = {"bpf/blk",
		"#timestamp,DEV," HIST_HDR ",rd_ios/s,rd_bytes/s,wr_ios/s,wr_bytes/s,buckets..."},
    [BX_CGROUP] = {"bpf/cgroup", "#timestamp,cgroup,%cpu"},
    [BX_PROC] = {"bpf/proc", "#timestamp,execs/s,exits/s,exit_%cpu"},
    [BX_EXITED] = {"bpf/exited", "#timestamp,command,exits/s,%cpu"},
};

static int bx_open(struct exp_bpf_csv *b, const char *outdir)
{
	char path[PATH_MAX], err[256];
	int rc;

	if (snprintf(path, sizeof(path), "%s/bpf", outdir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = io_mkdirs(path, 0777, err, sizeof(err));
	if (rc < 0)
		return rc;
	for (int i = 0; i < BX_N; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", outdir, bx_files[i].rel) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		rc = exp_file_open(&b->f[i], path, err, sizeof(err));
		if (rc < 0)
			return rc;
		fprintf(b->f[i].f, "%s\n", bx_files[i].header);
	}
	b->open = 1;
	return 0;
}

static void put_hist(FILE *f, const struct exp_hist *h, int buckets_now)
{
	const double v[] = {h->count_s, h->avg_us, h->p50, h->p90, h->p99};

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		fputc(',', f);
		exp_putd(f, v[i]);
	}
	if (!buckets_now)
		return;
	for (unsigned i = 0; i < PC_HIST_BUCKETS; i++)
		fprintf(f, ",%llu", (unsigned long long)h->d[i]);
}

static void put_key(FILE *f, uint64_t ts, const char *key)
{
	exp_put_ts(f, ts);
	if (key) {
		fputc(',', f);
		exp_put_csv(f, key);
	}
}

/* A column of an eBPF csv file: a counter as a per-second rate, or CPU ns as % of a CPU. */
struct bx_col {
	unsigned col;
	int pct;
};

#define BX_RATE(c)                                                                                 \
	{                                                                                          \
		(c), 0                                                                             \
	}
#define BX_PCT(c)                                                                                  \
	{                                                                                          \
		(c), 1                                                                             \
	}
#define BX_N(a) (sizeof(a) / sizeof(*(a)))

static void put_cols(FILE *f, const uint64_t *pv, const uint64_t *v, double itv,
		     const struct bx_col *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(',', f);
		exp_putd(f, cols[i].pct ? exp_cpu_pct(pv, v, cols[i].col, itv)
					: exp_rate(pv, v, cols[i].col, itv));
	}
}

/* One eBPF group of an interval: its tables in both samples and its own interval. */
struct bx_group {
	const struct pc_table *p, *c;
	double itv;
	uint64_t ts;
};

static void bx_cpu(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	static const struct bx_col cols[] = {BX_PCT(PC_BCPU_BUSY_NS), BX_RATE(PC_BCPU_SWITCHES),
					     BX_RATE(PC_BCPU_UNSEEN)};
	const struct pc_table *p = gr->p, *c = gr->c;
	FILE *f = b->f[BX_CPU].f;

	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);

		if (!pv)
			continue;
		put_key(f, gr->ts, c->key[r]);
		put_cols(f, pv, v, gr->itv, cols, BX_N(cols));
		fputc('\n', f);
	}
}

static void bx_runq(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	const struct pc_table *p = gr->p, *c = gr->c;
	struct exp_hist h;

	if (!c->nrows || !exp_prev_row(p, c, 0))
		return;
	exp_hist(exp_prev_row(p, c, 0), pc_table_row(c, 0), PC_RUNQ_B0, PC_RUNQ_COUNT,
		 PC_RUNQ_SUM_US, gr->itv, &h);
	put_key(b->f[BX_RUNQ].f, gr->ts, NULL);
	put_hist(b->f[BX_RUNQ].f, &h, 1);
	fputc('\n', b->f[BX_RUNQ].f);
}

static void bx_blk(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	static const struct bx_col cols[] = {BX_RATE(PC_BLK_RD_IOS), BX_RATE(PC_BLK_RD_BYTES),
					     BX_RATE(PC_BLK_WR_IOS), BX_RATE(PC_BLK_WR_BYTES)};
	const struct pc_table *p = gr->p, *c = gr->c;
	FILE *f = b->f[BX_BLK].f;
	struct exp_hist h;

	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);

		if (!pv)
			continue;
		exp_hist(pv, v, PC_BLK_B0, PC_BLK_COUNT, PC_BLK_SUM_US, gr->itv, &h);
		put_key(f, gr->ts, c->key[r]);
		put_hist(f, &h, 0);
		put_cols(f, pv, v, gr->itv, cols, BX_N(cols));
		for (unsigned i = 0; i < PC_HIST_BUCKETS; i++)
			fprintf(f, ",%llu", (unsigned long long)h.d[i]);
		fputc('\n', f);
	}
}

static void bx_cgroup(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	static const struct bx_col cols[] = {BX_PCT(PC_CG_CPU_NS)};
	const struct pc_table *p = gr->p, *c = gr->c;
	FILE *f = b->f[BX_CGROUP].f;

	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);

		if (!pv)
			continue;
		put_key(f, gr->ts, c->key[r]);
		put_cols(f, pv, v, gr->itv, cols, BX_N(cols));
		fputc('\n', f);
	}
}

static void bx_proc(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	static const struct bx_col cols[] = {BX_RATE(PC_PROC_EXECS), BX_RATE(PC_PROC_EXITS),
					     BX_PCT(PC_PROC_EXIT_CPU_NS)};
	const struct pc_table *p = gr->p, *c = gr->c;
	const uint64_t *pv, *v;
	FILE *f = b->f[BX_PROC].f;

	if (!c->nrows || !exp_prev_row(p, c, 0))
		return;
	pv = exp_prev_row(p, c, 0);
	v = pc_table_row(c, 0);
	put_key(f, gr->ts, NULL);
	put_cols(f, pv, v, gr->itv, cols, BX_N(cols));
	fputc('\n', f);
}

static void bx_exited(struct exp_bpf_csv *b, const struct bx_group *gr)
{
	static const struct bx_col cols[] = {BX_RATE(PC_EXITED_TASKS), BX_PCT(PC_EXITED_CPU_NS)};
	const struct pc_table *p = gr->p, *c = gr->c;
	FILE *f = b->f[BX_EXITED].f;

	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_or_zero(p, c, r), *v = pc_table_row(c, r);

		if (!pv || v[PC_EXITED_TASKS] == pv[PC_EXITED_TASKS])
			continue; /* none of it exited this interval */
		put_key(f, gr->ts, c->key[r]);
		put_cols(f, pv, v, gr->itv, cols, BX_N(cols));
		fputc('\n', f);
	}
}

/*
 * The collector reads some eBPF groups less often than every tick (block,
 * cgroup and exited rows every 100 ms at 10 ms): prev then holds the group's
 * table from the last sample that had it, and its rates run over that
 * group's own interval, never the sample's.
 */
int exp_bpf_csv_interval(struct exp_bpf_csv *b, const struct pc_export *x,
			 const struct pc_sample *ps, const struct pc_sample *cs)
{
	static const struct {
		int g;
		void (*write)(struct exp_bpf_csv *b, const struct bx_group *gr);
	} groups[] = {
	    {PC_G_BPF_CPU, bx_cpu},	  {PC_G_BPF_RUNQ, bx_runq}, {PC_G_BPF_BLK, bx_blk},
	    {PC_G_BPF_CGROUP, bx_cgroup}, {PC_G_BPF_PROC, bx_proc}, {PC_G_BPF_EXITED, bx_exited},
	};
	int rc;

	if (!b->open) {
		int any = 0;

		for (int g = PC_G_BPF_CPU; g <= PC_G_BPF_EXITED; g++)
			any |= cs->t[g].nrows > 0;
		if (!any)
			return 0;
		rc = bx_open(b, x->out);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(*groups); i++) {
		int g = groups[i].g;
		struct bx_group gr = {&ps->t[g], &cs->t[g], exp_itv(x, cs, g), cs->time_ns};

		groups[i].write(b, &gr);
	}
	return 0;
}

int exp_bpf_csv_flush(struct exp_bpf_csv *b, char *err, size_t errlen)
{
	for (int i = 0; b->open && i < BX_N; i++) {
		if (fflush(b->f[i].f) || ferror(b->f[i].f)) {
			int rc = -(errno ? errno : EIO);

			snprintf(err, errlen, "%s: %s", b->f[i].r.path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int exp_bpf_csv_commit(struct exp_bpf_csv *b, char *err, size_t errlen)
{
	int rc = 0;

	for (int i = 0; b->open && i < BX_N; i++) {
		int r = exp_file_commit(&b->f[i], err, errlen);

		if (r < 0 && !rc)
			rc = r;
	}
	b->open = 0;
	return rc;
}

void exp_bpf_csv_abort(struct exp_bpf_csv *b)
{
	for (int i = 0; i < BX_N; i++)
		exp_file_abort(&b->f[i]);
	b->open = 0;
}
