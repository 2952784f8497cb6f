// SPDX-License-Identifier: MIT
/*
 * report.c: perfreplay's fidelity report: one CSV row per interval with the
 * target and the independently measured result of every replayed resource,
 * and at the end one summary line per series (include/pc/fidelity.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc/log.h"
#include "replay.h"

static const char *const series[S_N] = {
    "cpu_pct",	    "mem_mib",	    "disk_rd_bytes_s", "disk_wr_bytes_s",
    "disk_rd_iops", "disk_wr_iops", "net_tx_bytes_s",  "net_rx_bytes_s",
};

int report__open(struct report *r, const char *path, uint32_t nworkers)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < S_N; i++)
		fidelity__init(&r->fid[i]);
	r->worker = calloc(nworkers, sizeof(*r->worker));
	if (!r->worker)
		return -ENOMEM;
	r->nworkers = nworkers;
	if (!path)
		return 0;
	r->csv = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!r->csv)
		return -errno;
	fprintf(r->csv, "interval,t_s,secs,saturated");
	for (int i = 0; i < S_N; i++)
		fprintf(r->csv, ",%s_target,%s_achieved", series[i], series[i]);
	fprintf(r->csv, ",cpu_pct_cgroup");
	for (uint32_t w = 0; w < nworkers; w++)
		fprintf(r->csv, ",worker%u_target,worker%u_achieved", w, w);
	fprintf(r->csv, "\n");
	return 0;
}

static void put(FILE *f, double v)
{
	if (isnan(v))
		fputs(",", f);
	else
		fprintf(f, ",%.3f", v);
}

void report__row(struct report *r, uint32_t k, double t_s, double secs, int saturated,
		 const double *target, const double *achieved, double cg_cpu,
		 const double *w_target, const double *w_achieved)
{
	for (int i = 0; i < S_N; i++)
		if (!isnan(target[i]) && !isnan(achieved[i]))
			fidelity__add(&r->fid[i], target[i], achieved[i], secs,
				      i == S_CPU && saturated);
	for (uint32_t w = 0; w < r->nworkers && w_target; w++)
		fidelity__add(&r->worker[w], w_target[w], w_achieved[w], secs, saturated);
	if (!r->csv)
		return;
	fprintf(r->csv, "%u,%.3f,%.3f,%d", k, t_s, secs, saturated);
	for (int i = 0; i < S_N; i++) {
		put(r->csv, target[i]);
		put(r->csv, achieved[i]);
	}
	put(r->csv, cg_cpu);
	for (uint32_t w = 0; w < r->nworkers; w++) {
		put(r->csv, w_target ? w_target[w] : NAN);
		put(r->csv, w_achieved ? w_achieved[w] : NAN);
	}
	fputc('\n', r->csv);
}

static void summary(FILE *f, const char *name, const struct pc_fid *fid)
{
	struct pc_fid_summary s;

	fidelity__summary(fid, &s);
	if (!s.n)
		return;
	fprintf(f,
		"fidelity %s: n=%zu mae=%.3f bias=%.3f rmse=%.3f p95=%.3f max=%.3f r=%.4f "
		"work_err_pct=%.3f saturated=%llu\n",
		name, s.n, s.mae, s.bias, s.rmse, s.p95, s.max_abs, s.r, s.work_err_pct,
		(unsigned long long)s.saturated);
}

int report__close(struct report *r, FILE *f)
{
	char name[32];
	int rc = 0;

	for (int i = 0; i < S_N; i++)
		summary(f, series[i], &r->fid[i]);
	for (uint32_t w = 0; w < r->nworkers; w++) {
		snprintf(name, sizeof(name), "worker%u_pct", w);
		summary(f, name, &r->worker[w]);
	}
	if (r->csv && r->csv != stdout && fclose(r->csv))
		rc = -EIO;
	else if (r->csv == stdout && fflush(stdout))
		rc = -EIO;
	r->csv = NULL;
	for (int i = 0; i < S_N; i++)
		fidelity__free(&r->fid[i]);
	for (uint32_t w = 0; w < r->nworkers; w++)
		fidelity__free(&r->worker[w]);
	free(r->worker);
	r->worker = NULL;
	return rc;
}
