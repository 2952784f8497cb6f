// SPDX-License-Identifier: MIT
/*
 * export_json.c: mode json. One object per interval, one per line, holding
 * the computed values of every group the samples carry: per-CPU sar
 * percentages, memory, disks, interfaces, filesystems, load, pressure, the
 * collector's own cost, and the bpf_* groups (histograms as bucket deltas
 * plus p50/p90/p99). Rates are per second over the interval; the formulas
 * are the shared ones of export.c. Field names are listed in docs/EXPORT.md.
 * Also mode raw: each sample as stored (pc_json_write_sample), no arithmetic.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"
#include "pc/json.h"
#include "export_int.h"

struct jx {
	struct exp_file f;
};

/* One member of the object being written; n counts members so far. */
static void kv(FILE *f, int *n, const char *key, double v)
{
	fprintf(f, "%s\"%s\":", (*n)++ ? "," : "", key);
	if (isnan(v) || isinf(v))
		fputs("null", f); /* JSON has no NaN */
	else
		exp_putd(f, v);
}

static void kstr(FILE *f, int *n, const char *key, const char *s)
{
	fprintf(f, "%s\"%s\":", (*n)++ ? "," : "", key);
	json_write_string(f, s, strlen(s));
}

static void j_cpu(FILE *f, const struct pc_table *p, const struct pc_table *c)
{
	struct exp_cpu u;
	int k = 0;

	fputs(",\"cpu\":[", f);
	for (uint32_t r = 0; r < c->nrows; r++) {
		int n = 0;

		if (exp_cpu(p, c, r, &u))
			continue;
		fputs(k++ ? ",{" : "{", f);
		kstr(f, &n, "cpu", c->key[r]);
		kv(f, &n, "usr", u.usr);
		kv(f, &n, "nice", u.nice);
		kv(f, &n, "system", u.sys);
		kv(f, &n, "iowait", u.iowait);
		kv(f, &n, "steal", u.steal);
		kv(f, &n, "idle", u.idle);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_mem(FILE *f, const struct pc_table *c)
{
	struct exp_mem m;
	int n = 0;

	if (exp_mem(c, &m))
		return;
	fputs(",\"memory\":{", f);
	kv(f, &n, "total_kb", (double)m.total);
	kv(f, &n, "free_kb", (double)m.free);
	kv(f, &n, "avail_kb", (double)m.avail);
	kv(f, &n, "used_kb", (double)m.used);
	kv(f, &n, "used_pct", m.pct_used);
	kv(f, &n, "buffers_kb", (double)m.buffers);
	kv(f, &n, "cached_kb", (double)m.cached);
	kv(f, &n, "commit_kb", (double)m.commit);
	kv(f, &n, "commit_pct", m.pct_commit);
	kv(f, &n, "active_kb", (double)m.active);
	kv(f, &n, "inactive_kb", (double)m.inact);
	kv(f, &n, "dirty_kb", (double)m.dirty);
	fputc('}', f);
}

static void j_disks(FILE *f, const struct pc_table *p, const struct pc_table *c, double itv)
{
	struct exp_disk d;
	int k = 0;

	fputs(",\"disks\":[", f);
	for (uint32_t r = 0; r < c->nrows; r++) {
		int n = 0;

		if (exp_disk(p, c, r, itv, &d))
			continue;
		fputs(k++ ? ",{" : "{", f);
		kstr(f, &n, "dev", c->key[r]);
		fprintf(f, ",\"whole\":%s", exp_disk_whole(c, r) ? "true" : "false");
		kv(f, &n, "tps", d.tps);
		kv(f, &n, "rtps", d.rtps);
		kv(f, &n, "wtps", d.wtps);
		kv(f, &n, "dtps", d.dtps);
		kv(f, &n, "rd_bytes_s", d.rsect * 512);
		kv(f, &n, "wr_bytes_s", d.wsect * 512);
		kv(f, &n, "dc_bytes_s", d.dsect * 512);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_nets(FILE *f, const struct pc_table *p, const struct pc_table *c, double itv)
{
	struct exp_net e;
	int k = 0;

	fputs(",\"nets\":[", f);
	for (uint32_t r = 0; r < c->nrows; r++) {
		int n = 0;

		if (exp_net(p, c, r, itv, &e))
			continue;
		fputs(k++ ? ",{" : "{", f);
		kstr(f, &n, "iface", c->key[r]);
		kv(f, &n, "rx_pkt_s", e.rxpck);
		kv(f, &n, "tx_pkt_s", e.txpck);
		kv(f, &n, "rx_bytes_s", e.rxbyt);
		kv(f, &n, "tx_bytes_s", e.txbyt);
		kv(f, &n, "rx_cmp_s", e.rxcmp);
		kv(f, &n, "tx_cmp_s", e.txcmp);
		kv(f, &n, "rx_mcast_s", e.rxmcst);
		kv(f, &n, "ifutil_pct", e.ifutil);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_fs(FILE *f, const struct pc_table *c)
{
	fputs(",\"fs\":[", f);
	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *v = pc_table_row(c, r);
		uint64_t blocks = v[PC_FS_BLOCKS], avail = v[PC_FS_BAVAIL];
		int n = 0;

		fputs(r ? ",{" : "{", f);
		kstr(f, &n, "mount", c->key[r]);
		kv(f, &n, "bsize", (double)v[PC_FS_BSIZE]);
		kv(f, &n, "blocks", (double)blocks);
		kv(f, &n, "bavail", (double)avail);
		kv(f, &n, "use_pct",
		   blocks && avail < blocks ? (double)(blocks - avail) * 100 / (double)blocks : 0);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_load(FILE *f, const struct pc_table *c)
{
	const uint64_t *v = pc_table_row(c, 0);
	int n = 0;

	fputs(",\"load\":{", f);
	kv(f, &n, "avg1", (double)v[PC_LOAD_AVG1] / 100);
	kv(f, &n, "avg5", (double)v[PC_LOAD_AVG5] / 100);
	kv(f, &n, "avg15", (double)v[PC_LOAD_AVG15] / 100);
	kv(f, &n, "runnable", (double)v[PC_LOAD_RUNNABLE]);
	kv(f, &n, "threads", (double)v[PC_LOAD_THREADS]);
	fputc('}', f);
}

static void j_psi(FILE *f, const struct pc_table *p, const struct pc_table *c, double itv)
{
	int k = 0;

	fputs(",\"psi\":[", f);
	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);
		int n = 0;

		if (!pv)
			continue;
		fputs(k++ ? ",{" : "{", f);
		kstr(f, &n, "resource", c->key[r]);
		kv(f, &n, "some_avg10", (double)v[PC_PSI_SOME_AVG10] / 100);
		kv(f, &n, "some_avg60", (double)v[PC_PSI_SOME_AVG60] / 100);
		kv(f, &n, "some_avg300", (double)v[PC_PSI_SOME_AVG300] / 100);
		/* Stalled us per second of interval, as a percentage. */
		kv(f, &n, "some_pct", exp_rate(pv, v, PC_PSI_SOME_TOTAL, itv) / 1e4);
		kv(f, &n, "full_avg10", (double)v[PC_PSI_FULL_AVG10] / 100);
		kv(f, &n, "full_avg60", (double)v[PC_PSI_FULL_AVG60] / 100);
		kv(f, &n, "full_avg300", (double)v[PC_PSI_FULL_AVG300] / 100);
		kv(f, &n, "full_pct", exp_rate(pv, v, PC_PSI_FULL_TOTAL, itv) / 1e4);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_stat(FILE *f, const struct pc_table *p, const struct pc_table *c, double itv)
{
	const uint64_t *pv = exp_prev_row(p, c, 0), *v = pc_table_row(c, 0);
	int n = 0;

	if (!pv)
		return;
	fputs(",\"stat\":{", f);
	kv(f, &n, "intr_s", exp_rate(pv, v, PC_STAT_INTR, itv));
	kv(f, &n, "ctxt_s", exp_rate(pv, v, PC_STAT_CTXT, itv));
	kv(f, &n, "forks_s", exp_rate(pv, v, PC_STAT_PROCESSES, itv));
	kv(f, &n, "procs_running", (double)v[PC_STAT_PROCS_RUNNING]);
	kv(f, &n, "procs_blocked", (double)v[PC_STAT_PROCS_BLOCKED]);
	fputc('}', f);
}

static void j_self(FILE *f, const struct pc_table *p, const struct pc_table *c, double itv)
{
	const uint64_t *pv = exp_prev_row(p, c, 0), *v = pc_table_row(c, 0);
	int n = 0;

	if (!pv)
		return;
	fputs(",\"self\":{", f);
	kv(f, &n, "cpu_pct",
	   (exp_rate(pv, v, PC_SELF_UTIME_NS, itv) + exp_rate(pv, v, PC_SELF_STIME_NS, itv)) / 1e7);
	kv(f, &n, "rss_kb", (double)v[PC_SELF_RSS_KB]);
	kv(f, &n, "latency_ns", (double)v[PC_SELF_LATENCY_NS]);
	kv(f, &n, "duration_ns", (double)v[PC_SELF_DURATION_NS]);
	kv(f, &n, "missed", (double)pc_counter_delta(pv[PC_SELF_MISSED], v[PC_SELF_MISSED]));
	kv(f, &n, "parse_errors",
	   (double)pc_counter_delta(pv[PC_SELF_PARSE_ERRORS], v[PC_SELF_PARSE_ERRORS]));
	kv(f, &n, "bpf_cpu_pct", exp_rate(pv, v, PC_SELF_BPF_RUN_NS, itv) / 1e7);
	kv(f, &n, "bpf_runs_s", exp_rate(pv, v, PC_SELF_BPF_RUN_CNT, itv));
	kv(f, &n, "rb_drops", (double)pc_counter_delta(pv[PC_SELF_RB_DROPS], v[PC_SELF_RB_DROPS]));
	fputc('}', f);
}

/* Bucket deltas, events/s, mean and percentiles of one cumulative log2 histogram. */
static void j_hist(FILE *f, int *n, const uint64_t *pv, const uint64_t *v, unsigned b0,
		   unsigned count, unsigned sum, double itv)
{
	struct exp_hist h;

	exp_hist(pv, v, b0, count, sum, itv, &h);
	fprintf(f, "%s\"buckets\":[", (*n)++ ? "," : "");
	for (unsigned i = 0; i < PC_HIST_BUCKETS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)h.d[i]);
	fputc(']', f);
	kv(f, n, "count_s", h.count_s);
	kv(f, n, "avg_us", h.avg_us);
	kv(f, n, "p50_us", h.p50);
	kv(f, n, "p90_us", h.p90);
	kv(f, n, "p99_us", h.p99);
}

static void j_bpf(FILE *f, const struct pc_sample *ps, const struct pc_sample *cs, double itv)
{
	const struct pc_table *p, *c;
	int k;

	c = &cs->t[PC_G_BPF_CPU], p = &ps->t[PC_G_BPF_CPU];
	if (c->nrows) {
		fputs(",\"bpf_cpu\":[", f);
		k = 0;
		for (uint32_t r = 0; r < c->nrows; r++) {
			const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);
			int n = 0;

			if (!pv)
				continue;
			fputs(k++ ? ",{" : "{", f);
			kstr(f, &n, "cpu", c->key[r]);
			kv(f, &n, "busy_pct", exp_rate(pv, v, PC_BCPU_BUSY_NS, itv) / 1e7);
			kv(f, &n, "switches_s", exp_rate(pv, v, PC_BCPU_SWITCHES, itv));
			fputc('}', f);
		}
		fputc(']', f);
	}
	c = &cs->t[PC_G_BPF_RUNQ], p = &ps->t[PC_G_BPF_RUNQ];
	if (c->nrows && exp_prev_row(p, c, 0)) {
		int n = 0;

		fputs(",\"bpf_runq\":{", f);
		j_hist(f, &n, exp_prev_row(p, c, 0), pc_table_row(c, 0), PC_RUNQ_B0, PC_RUNQ_COUNT,
		       PC_RUNQ_SUM_US, itv);
		fputc('}', f);
	}
	c = &cs->t[PC_G_BPF_BLK], p = &ps->t[PC_G_BPF_BLK];
	if (c->nrows) {
		fputs(",\"bpf_blk\":[", f);
		k = 0;
		for (uint32_t r = 0; r < c->nrows; r++) {
			const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);
			int n = 0;

			if (!pv)
				continue;
			fputs(k++ ? ",{" : "{", f);
			kstr(f, &n, "dev", c->key[r]);
			j_hist(f, &n, pv, v, PC_BLK_B0, PC_BLK_COUNT, PC_BLK_SUM_US, itv);
			kv(f, &n, "rd_ios_s", exp_rate(pv, v, PC_BLK_RD_IOS, itv));
			kv(f, &n, "rd_bytes_s", exp_rate(pv, v, PC_BLK_RD_BYTES, itv));
			kv(f, &n, "wr_ios_s", exp_rate(pv, v, PC_BLK_WR_IOS, itv));
			kv(f, &n, "wr_bytes_s", exp_rate(pv, v, PC_BLK_WR_BYTES, itv));
			fputc('}', f);
		}
		fputc(']', f);
	}
	c = &cs->t[PC_G_BPF_CGROUP], p = &ps->t[PC_G_BPF_CGROUP];
	if (c->nrows) {
		fputs(",\"bpf_cgroup\":[", f);
		k = 0;
		for (uint32_t r = 0; r < c->nrows; r++) {
			const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);
			int n = 0;

			if (!pv)
				continue;
			fputs(k++ ? ",{" : "{", f);
			kstr(f, &n, "cgroup", c->key[r]);
			kv(f, &n, "cpu_pct", exp_rate(pv, v, PC_CG_CPU_NS, itv) / 1e7);
			fputc('}', f);
		}
		fputc(']', f);
	}
	c = &cs->t[PC_G_BPF_PROC], p = &ps->t[PC_G_BPF_PROC];
	if (c->nrows && exp_prev_row(p, c, 0)) {
		const uint64_t *pv = exp_prev_row(p, c, 0), *v = pc_table_row(c, 0);
		int n = 0;

		fputs(",\"bpf_proc\":{", f);
		kv(f, &n, "execs_s", exp_rate(pv, v, PC_PROC_EXECS, itv));
		kv(f, &n, "exits_s", exp_rate(pv, v, PC_PROC_EXITS, itv));
		kv(f, &n, "exit_cpu_pct", exp_rate(pv, v, PC_PROC_EXIT_CPU_NS, itv) / 1e7);
		fputc('}', f);
	}
}

static int jx_open(struct pc_export *x, char *err, size_t errlen)
{
	struct jx *j = calloc(1, sizeof(*j));
	int rc;

	if (!j) {
		snprintf(err, errlen, "export: out of memory");
		return -ENOMEM;
	}
	rc = exp_file_open(&j->f, x->out, err, errlen);
	if (rc < 0) {
		free(j);
		return rc;
	}
	x->priv = j;
	return 0;
}

static int jx_interval(struct pc_export *x, const struct pc_sample *ps, const struct pc_sample *cs,
		       double itv)
{
	struct jx *j = x->priv;
	FILE *f = j->f.f;
	char ts[32];
	int n = 0;

	/* 64-bit integers printed as such: a double would round time_ns. */
	fprintf(f, "{\"time_ns\":%llu", (unsigned long long)cs->time_ns);
	n++;
	kstr(f, &n, "timestamp", exp_iso8601(ts, cs->time_ns));
	kv(f, &n, "interval_s", itv);
	fprintf(f, ",\"host\":%u,\"run\":%u,\"seq\":%llu", cs->host, cs->run,
		(unsigned long long)cs->seq);
	if (cs->t[PC_G_CPU].nrows)
		j_cpu(f, &ps->t[PC_G_CPU], &cs->t[PC_G_CPU]);
	if (cs->t[PC_G_STAT].nrows)
		j_stat(f, &ps->t[PC_G_STAT], &cs->t[PC_G_STAT], itv);
	if (cs->t[PC_G_MEM].nrows)
		j_mem(f, &cs->t[PC_G_MEM]);
	if (cs->t[PC_G_DISK].nrows)
		j_disks(f, &ps->t[PC_G_DISK], &cs->t[PC_G_DISK], itv);
	if (cs->t[PC_G_NET].nrows)
		j_nets(f, &ps->t[PC_G_NET], &cs->t[PC_G_NET], itv);
	if (cs->t[PC_G_FS].nrows)
		j_fs(f, &cs->t[PC_G_FS]);
	if (cs->t[PC_G_LOAD].nrows)
		j_load(f, &cs->t[PC_G_LOAD]);
	if (cs->t[PC_G_PSI].nrows)
		j_psi(f, &ps->t[PC_G_PSI], &cs->t[PC_G_PSI], itv);
	if (cs->t[PC_G_SELF].nrows)
		j_self(f, &ps->t[PC_G_SELF], &cs->t[PC_G_SELF], itv);
	j_bpf(f, ps, cs, itv);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

static int jx_commit(struct pc_export *x, char *err, size_t errlen)
{
	struct jx *j = x->priv;
	int rc = exp_file_commit(&j->f, err, errlen);

	free(j);
	x->priv = NULL;
	return rc;
}

static void jx_abort(struct pc_export *x)
{
	struct jx *j = x->priv;

	if (!j)
		return;
	exp_file_abort(&j->f);
	free(j);
	x->priv = NULL;
}

const struct exp_ops exp_json_ops = {
    .open = jx_open,
    .interval = jx_interval,
    .commit = jx_commit,
    .abort = jx_abort,
};

/* raw mode: the samples themselves, as stored (shares the json file handling). */
static int raw_sample(struct pc_export *x, const struct pc_sample *s)
{
	struct jx *j = x->priv;

	return pc_json_write_sample(j->f.f, s);
}

const struct exp_ops exp_raw_ops = {
    .open = jx_open,
    .sample = raw_sample,
    .commit = jx_commit,
    .abort = jx_abort,
};
