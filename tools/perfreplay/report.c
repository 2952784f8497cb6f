// SPDX-License-Identifier: MIT
/*
 * report.c: perfreplay's fidelity report: one CSV row per interval with the
 * target and the independently measured result of every replayed resource,
 * the CPU by each observer (observe.c), and at the end one summary line per
 * series (include/pc/fidelity.h), the /proc/stat ones with the tick noise
 * expected for their targets, then which observer is which and where the
 * CPU targets came from.
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
static const char *const obs_series[O_N] = {"cpu_pct_cgroup", "machine_pct_cgroup",
					    "machine_pct_stat"};

static struct pc_fid *fids(uint32_t n)
{
	struct pc_fid *f = calloc(n ? n : 1, sizeof(*f));

	for (uint32_t i = 0; f && i < n; i++)
		fidelity__init(&f[i]);
	return f;
}

static void header(struct report *r)
{
	fprintf(r->csv, "interval,t_s,secs,late_us,saturated");
	for (int i = 0; i < S_N; i++)
		fprintf(r->csv, ",%s_target,%s_achieved", series[i], series[i]);
	fprintf(r->csv, ",cpu_pct_cgroup");
	for (uint32_t w = 0; w < r->nworkers; w++)
		fprintf(r->csv, ",worker%u_target,worker%u_achieved", w, w);
	fprintf(r->csv, ",cpu_source,machine_pct_target,machine_pct_cgroup,machine_pct_stat,"
			"machine_stat_noise,machine_pct_other");
	for (uint32_t c = 0; c < r->ncpu; c++)
		fprintf(r->csv,
			",cpu%u_target,cpu%u_cgroup,cpu%u_stat,cpu%u_stat_noise,cpu%u_other,"
			"cpu%u_steal",
			c, c, c, c, c, c);
	fprintf(r->csv, "\n");
}

int report__open(struct report *r, const char *path, uint32_t nworkers, const struct observe *ob,
		 const char *cg_name)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < S_N; i++)
		fidelity__init(&r->fid[i]);
	for (int i = 0; i < O_N; i++)
		fidelity__init(&r->obs[i]);
	r->nworkers = nworkers;
	r->ncpu = ob ? ob->ncpu : 0;
	r->hz = ob ? ob->hz : 0;
	r->cg_name = cg_name;
	r->pcpu_src = ob ? ob->pcpu_src : NULL;
	r->cg_total = ob && ob->cg_ok;
	r->worker = fids(nworkers);
	r->cpu_cg = fids(r->ncpu);
	r->cpu_st = fids(r->ncpu);
	r->c_noise = calloc(r->ncpu ? r->ncpu : 1, sizeof(*r->c_noise));
	if (!r->worker || !r->cpu_cg || !r->cpu_st || !r->c_noise)
		return -ENOMEM;
	if (!path)
		return 0;
	r->csv = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!r->csv)
		return -errno;
	header(r);
	return 0;
}

static void put(FILE *f, double v)
{
	if (isnan(v))
		fputs(",", f);
	else
		fprintf(f, ",%.3f", v);
}

/* Into a series, when both figures are there. */
static void add(struct pc_fid *f, double target, double got, double secs, int saturated)
{
	if (!isnan(target) && !isnan(got))
		fidelity__add(f, target, got, secs, saturated);
}

static void add_cpu(struct report *r, const struct observe *ob, double secs, int sat)
{
	add(&r->obs[O_CPU_CG], ob->cpu_t, ob->cpu_cg, secs, sat);
	add(&r->obs[O_MACH_CG], ob->m_t, ob->m_cg, secs, sat);
	add(&r->obs[O_MACH_ST], ob->m_t, ob->m_st, secs, sat);
	r->m_noise += ob->m_noise;
	if (!isnan(ob->m_ot)) {
		r->ot_sum += ob->m_ot * secs, r->ot_secs += secs;
		r->ot_max = fmax(r->ot_max, ob->m_ot);
	}
	for (uint32_t w = 0; w < r->nworkers; w++)
		add(&r->worker[w], ob->w_t[w], ob->w_a[w], secs, sat);
	for (uint32_t c = 0; c < r->ncpu; c++) {
		add(&r->cpu_cg[c], ob->c_t[c], ob->c_cg[c], secs, sat);
		add(&r->cpu_st[c], ob->c_t[c], ob->c_st[c], secs, sat);
		r->c_noise[c] += ob->c_noise[c];
	}
}

static void put_cpu(FILE *f, const struct observe *ob, const struct rp_interval *iv, uint32_t nw,
		    uint32_t ncpu)
{
	put(f, ob ? ob->cpu_cg : NAN);
	for (uint32_t w = 0; w < nw; w++) {
		put(f, ob ? ob->w_t[w] : NAN);
		put(f, ob ? ob->w_a[w] : NAN);
	}
	fprintf(f, ",%s", replay_plan__cpu_source(iv));
	put(f, ob ? ob->m_t : NAN);
	put(f, ob ? ob->m_cg : NAN);
	put(f, ob ? ob->m_st : NAN);
	put(f, ob ? ob->m_noise : NAN);
	put(f, ob ? ob->m_ot : NAN);
	for (uint32_t c = 0; c < ncpu; c++) {
		put(f, ob ? ob->c_t[c] : NAN);
		put(f, ob ? ob->c_cg[c] : NAN);
		put(f, ob ? ob->c_st[c] : NAN);
		put(f, ob ? ob->c_noise[c] : NAN);
		put(f, ob ? ob->c_ot[c] : NAN);
		put(f, ob ? ob->c_sl[c] : NAN);
	}
}

void report__row(struct report *r, uint32_t k, double t_s, double secs, double late_us,
		 const struct rp_interval *iv, const double *target, const double *achieved,
		 const struct observe *ob)
{
	for (int i = 0; i < S_N; i++)
		add(&r->fid[i], target[i], achieved[i], secs, i == S_CPU && iv->saturated);
	if (ob) {
		add_cpu(r, ob, secs, iv->saturated);
		if (iv->has & RP_HAS_CPU)
			*(iv->cpu_bpf ? &r->n_bpf : &r->n_stat) += 1;
	}
	if (!r->csv)
		return;
	fprintf(r->csv, "%u,%.3f,%.6f,%.0f,%d", k, t_s, secs, late_us, iv->saturated);
	for (int i = 0; i < S_N; i++) {
		put(r->csv, target[i]);
		put(r->csv, achieved[i]);
	}
	put_cpu(r->csv, ob, iv, r->nworkers, r->ncpu);
	fputc('\n', r->csv);
}

/* One series' line; noise_sum (NaN: none) is the expected tick noise summed over its rows. */
static void summary(FILE *f, const char *name, const struct pc_fid *fid, double noise_sum)
{
	struct pc_fid_summary s;

	fidelity__summary(fid, &s);
	if (!s.n)
		return;
	fprintf(f,
		"fidelity %s: n=%zu mae=%.3f bias=%.3f rmse=%.3f p95=%.3f max=%.3f r=%.4f "
		"work_err_pct=%.3f saturated=%llu",
		name, s.n, s.mae, s.bias, s.rmse, s.p95, s.max_abs, s.r, s.work_err_pct,
		(unsigned long long)s.saturated);
	if (!isnan(noise_sum))
		fprintf(f, " tick_noise_mae=%.3f", noise_sum / (double)s.n);
	fputc('\n', f);
}

static void summaries(struct report *r, FILE *f)
{
	char name[48];

	for (int i = 0; i < S_N; i++)
		summary(f, series[i], &r->fid[i], NAN);
	for (int i = 0; i < O_N; i++)
		summary(f, obs_series[i], &r->obs[i], i == O_MACH_ST ? r->m_noise : NAN);
	for (uint32_t c = 0; c < r->ncpu; c++) {
		snprintf(name, sizeof(name), "cpu%u_pct_cgroup", c);
		summary(f, name, &r->cpu_cg[c], NAN);
		snprintf(name, sizeof(name), "cpu%u_pct_stat", c);
		summary(f, name, &r->cpu_st[c], r->c_noise[c]);
	}
	for (uint32_t w = 0; w < r->nworkers; w++) {
		snprintf(name, sizeof(name), "worker%u_pct", w);
		summary(f, name, &r->worker[w], NAN);
	}
	if (!r->ncpu)
		return;
	if (r->cg_total)
		fprintf(f,
			"fidelity observers: cpu_pct and worker = the workers' thread clocks; "
			"cgroup = %s accounting of the workers (per CPU: %s)",
			r->cg_name, r->pcpu_src);
	else
		fprintf(f,
			"fidelity observers: cpu_pct and worker = the workers' thread clocks; "
			"cgroup = none (%s placement): the workers' thread clocks there too",
			r->cg_name);
	fprintf(f,
		"; stat = /proc/stat, everything that ran, sampled at %.0f Hz ticks "
		"(tick_noise_mae: what sampling alone gives a load unrelated to the tick)\n",
		r->hz);
	fprintf(f, "fidelity cpu targets: eBPF busy time in %u intervals, /proc/stat in %u\n",
		r->n_bpf, r->n_stat);
	if (r->ot_secs > 0)
		fprintf(f,
			"fidelity other work: %.3f %% of the machine on average, %.3f %% at most "
			"in one interval (every task's exact CPU time less the workers')\n",
			r->ot_sum / r->ot_secs, r->ot_max);
}

static void free_fids(struct pc_fid *f, uint32_t n)
{
	for (uint32_t i = 0; f && i < n; i++)
		fidelity__free(&f[i]);
	free(f);
}

int report__close(struct report *r, FILE *f)
{
	int rc = 0;

	summaries(r, f);
	if (r->csv && r->csv != stdout && fclose(r->csv))
		rc = -EIO;
	else if (r->csv == stdout && fflush(stdout))
		rc = -EIO;
	r->csv = NULL;
	for (int i = 0; i < S_N; i++)
		fidelity__free(&r->fid[i]);
	for (int i = 0; i < O_N; i++)
		fidelity__free(&r->obs[i]);
	free_fids(r->worker, r->nworkers);
	free_fids(r->cpu_cg, r->ncpu);
	free_fids(r->cpu_st, r->ncpu);
	free(r->c_noise);
	r->worker = r->cpu_cg = r->cpu_st = NULL;
	r->c_noise = NULL;
	return rc;
}
