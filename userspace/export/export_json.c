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
#include "pc/sample_container.h"
#include "export_containers.h"
#include "export_int.h"

struct jx {
	struct exp_file f; /* first: exp_single_open */
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

/* Row r of table c (its previous values pv, current v) of an interval of itv seconds. */
struct j_row {
	const struct pc_table *p, *c;
	uint32_t r;
	const uint64_t *pv, *v;
	double itv;
};

/* Writes the members of one row (it has a previous row) after the *n already written. */
typedef void j_row_fn(FILE *f, int *n, const struct j_row *w);

static double j_rate(const struct j_row *w, unsigned col)
{
	return exp_rate(w->pv, w->v, col, w->itv);
}

/* One interval: the export (for each group's own interval), previous and current sample. */
struct j_itv {
	const struct pc_export *x;
	const struct pc_sample *ps, *cs;
};

/*
 * Member name: an array of one object per row of group g that has a
 * previous row (a new row has no rates yet; with from_zero it counts from
 * zero), its name the object's member key. None when the sample has no
 * rows of g.
 */
static void j_rows_from(FILE *f, const char *name, const char *key, const struct j_itv *ji, int g,
			j_row_fn *fn, int from_zero)
{
	const struct pc_table *p = &ji->ps->t[g], *c = &ji->cs->t[g];
	double itv = exp_itv(ji->x, ji->cs, g);
	int k = 0;

	if (!c->nrows)
		return;
	fprintf(f, ",\"%s\":[", name);
	for (uint32_t r = 0; r < c->nrows; r++) {
		struct j_row w = {p,
				  c,
				  r,
				  from_zero ? exp_prev_or_zero(p, c, r) : exp_prev_row(p, c, r),
				  pc_table_row(c, r),
				  itv};
		int n = 0;

		if (!w.pv)
			continue;
		fputs(k++ ? ",{" : "{", f);
		kstr(f, &n, key, c->key[r]);
		fn(f, &n, &w);
		fputc('}', f);
	}
	fputc(']', f);
}

static void j_rows(FILE *f, const char *name, const char *key, const struct j_itv *ji, int g,
		   j_row_fn *fn)
{
	j_rows_from(f, name, key, ji, g, fn, 0);
}

/* Member name: one object from the single row of group g, once it has a previous row. */
static void j_object(FILE *f, const char *name, const struct j_itv *ji, int g, j_row_fn *fn)
{
	const struct pc_table *p = &ji->ps->t[g], *c = &ji->cs->t[g];
	struct j_row w = {
	    p, c, 0, exp_prev_row(p, c, 0), pc_table_row(c, 0), exp_itv(ji->x, ji->cs, g)};
	int n = 0;

	if (!w.pv)
		return;
	fprintf(f, ",\"%s\":{", name);
	fn(f, &n, &w);
	fputc('}', f);
}

static void j_cpu(FILE *f, int *n, const struct j_row *w)
{
	struct exp_cpu u;

	if (exp_cpu(w->p, w->c, w->r, &u))
		return;
	kv(f, n, "usr", u.usr);
	kv(f, n, "nice", u.nice);
	kv(f, n, "system", u.sys);
	kv(f, n, "iowait", u.iowait);
	kv(f, n, "steal", u.steal);
	kv(f, n, "idle", u.idle);
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

static void j_disk(FILE *f, int *n, const struct j_row *w)
{
	struct exp_disk d;

	if (exp_disk(w->p, w->c, w->r, w->itv, &d))
		return;
	fprintf(f, ",\"whole\":%s", exp_disk_whole(w->c, w->r) ? "true" : "false");
	kv(f, n, "tps", d.tps);
	kv(f, n, "rtps", d.rtps);
	kv(f, n, "wtps", d.wtps);
	kv(f, n, "dtps", d.dtps);
	kv(f, n, "rd_bytes_s", d.rsect * 512);
	kv(f, n, "wr_bytes_s", d.wsect * 512);
	kv(f, n, "dc_bytes_s", d.dsect * 512);
}

static void j_net(FILE *f, int *n, const struct j_row *w)
{
	struct exp_net e;

	if (exp_net(w->p, w->c, w->r, w->itv, &e))
		return;
	kv(f, n, "rx_pkt_s", e.rxpck);
	kv(f, n, "tx_pkt_s", e.txpck);
	kv(f, n, "rx_bytes_s", e.rxbyt);
	kv(f, n, "tx_bytes_s", e.txbyt);
	kv(f, n, "rx_cmp_s", e.rxcmp);
	kv(f, n, "tx_cmp_s", e.txcmp);
	kv(f, n, "rx_mcast_s", e.rxmcst);
	kv(f, n, "ifutil_pct", e.ifutil);
}

static void j_fs(FILE *f, const struct pc_table *c)
{
	if (!c->nrows)
		return;
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

	if (!v)
		return;
	fputs(",\"load\":{", f);
	kv(f, &n, "avg1", (double)v[PC_LOAD_AVG1] / 100);
	kv(f, &n, "avg5", (double)v[PC_LOAD_AVG5] / 100);
	kv(f, &n, "avg15", (double)v[PC_LOAD_AVG15] / 100);
	kv(f, &n, "runnable", (double)v[PC_LOAD_RUNNABLE]);
	kv(f, &n, "threads", (double)v[PC_LOAD_THREADS]);
	fputc('}', f);
}

static void j_psi(FILE *f, int *n, const struct j_row *w)
{
	const uint64_t *v = w->v;

	kv(f, n, "some_avg10", (double)v[PC_PSI_SOME_AVG10] / 100);
	kv(f, n, "some_avg60", (double)v[PC_PSI_SOME_AVG60] / 100);
	kv(f, n, "some_avg300", (double)v[PC_PSI_SOME_AVG300] / 100);
	/* Stalled us per second of interval, as a percentage. */
	kv(f, n, "some_pct", j_rate(w, PC_PSI_SOME_TOTAL) / 1e4);
	kv(f, n, "full_avg10", (double)v[PC_PSI_FULL_AVG10] / 100);
	kv(f, n, "full_avg60", (double)v[PC_PSI_FULL_AVG60] / 100);
	kv(f, n, "full_avg300", (double)v[PC_PSI_FULL_AVG300] / 100);
	kv(f, n, "full_pct", j_rate(w, PC_PSI_FULL_TOTAL) / 1e4);
}

static void j_stat(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "intr_s", j_rate(w, PC_STAT_INTR));
	kv(f, n, "ctxt_s", j_rate(w, PC_STAT_CTXT));
	kv(f, n, "forks_s", j_rate(w, PC_STAT_PROCESSES));
	kv(f, n, "procs_running", (double)w->v[PC_STAT_PROCS_RUNNING]);
	kv(f, n, "procs_blocked", (double)w->v[PC_STAT_PROCS_BLOCKED]);
}

/* Increment of a counter column that is shown as is, not per second. */
static double j_delta(const struct j_row *w, unsigned col)
{
	return (double)pc_counter_delta(w->pv[col], w->v[col]);
}

static void j_self(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "cpu_pct", (j_rate(w, PC_SELF_UTIME_NS) + j_rate(w, PC_SELF_STIME_NS)) / 1e7);
	kv(f, n, "rss_kb", (double)w->v[PC_SELF_RSS_KB]);
	kv(f, n, "latency_ns", (double)w->v[PC_SELF_LATENCY_NS]);
	kv(f, n, "duration_ns", (double)w->v[PC_SELF_DURATION_NS]);
	kv(f, n, "missed", j_delta(w, PC_SELF_MISSED));
	kv(f, n, "parse_errors", j_delta(w, PC_SELF_PARSE_ERRORS));
	kv(f, n, "bpf_cpu_pct", exp_cpu_pct(w->pv, w->v, PC_SELF_BPF_RUN_NS, w->itv));
	kv(f, n, "bpf_runs_s", j_rate(w, PC_SELF_BPF_RUN_CNT));
	kv(f, n, "rb_drops", j_delta(w, PC_SELF_RB_DROPS));
}

/* Bucket deltas, events/s, mean and percentiles of one cumulative log2 histogram. */
static void j_hist(FILE *f, int *n, const struct j_row *w, unsigned b0, unsigned count,
		   unsigned sum)
{
	struct exp_hist h;

	exp_hist(w->pv, w->v, b0, count, sum, w->itv, &h);
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

static void j_bpf_cpu(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "busy_pct", exp_cpu_pct(w->pv, w->v, PC_BCPU_BUSY_NS, w->itv));
	kv(f, n, "switches_s", j_rate(w, PC_BCPU_SWITCHES));
	kv(f, n, "unseen_s", j_rate(w, PC_BCPU_UNSEEN));
}

static void j_bpf_runq(FILE *f, int *n, const struct j_row *w)
{
	j_hist(f, n, w, PC_RUNQ_B0, PC_RUNQ_COUNT, PC_RUNQ_SUM_US);
}

static void j_bpf_blk(FILE *f, int *n, const struct j_row *w)
{
	j_hist(f, n, w, PC_BLK_B0, PC_BLK_COUNT, PC_BLK_SUM_US);
	kv(f, n, "rd_ios_s", j_rate(w, PC_BLK_RD_IOS));
	kv(f, n, "rd_bytes_s", j_rate(w, PC_BLK_RD_BYTES));
	kv(f, n, "wr_ios_s", j_rate(w, PC_BLK_WR_IOS));
	kv(f, n, "wr_bytes_s", j_rate(w, PC_BLK_WR_BYTES));
}

static void j_bpf_cgroup(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "cpu_pct", exp_cpu_pct(w->pv, w->v, PC_CG_CPU_NS, w->itv));
}

static void j_bpf_exited(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "exits_s", j_rate(w, PC_EXITED_TASKS));
	kv(f, n, "cpu_pct", exp_cpu_pct(w->pv, w->v, PC_EXITED_CPU_NS, w->itv));
}

static void j_bpf_proc(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "execs_s", j_rate(w, PC_PROC_EXECS));
	kv(f, n, "exits_s", j_rate(w, PC_PROC_EXITS));
	kv(f, n, "exit_cpu_pct", exp_cpu_pct(w->pv, w->v, PC_PROC_EXIT_CPU_NS, w->itv));
}

/*
 * A container's eBPF figures (the sched program's, joined by the collector):
 * CPU and run-queue wait in % of one core (wait summed over its tasks), the
 * mean wait in µs (null without a wait in the interval).
 */
static void j_container_ebpf(FILE *f, int *n, const struct j_row *w)
{
	double waits = j_rate(w, PC_CT_RUNQ_WAITS) * w->itv;

	kv(f, n, "cpu_pct_ebpf", exp_cpu_pct(w->pv, w->v, PC_CT_BPF_CPU_NS, w->itv));
	kv(f, n, "runq_wait_pct", exp_cpu_pct(w->pv, w->v, PC_CT_RUNQ_WAIT_NS, w->itv));
	kv(f, n, "runq_wait_avg_us",
	   waits > 0 ? j_rate(w, PC_CT_RUNQ_WAIT_NS) * w->itv / waits / 1e3 : NAN);
}

/* A container (docs/CONTAINERS.md): CPU in % of one core, bytes, rates per second. */
static void j_container(FILE *f, int *n, const struct j_row *w)
{
	kv(f, n, "cpu_pct", j_rate(w, PC_CT_CPU_USAGE_US) / 1e4);
	kv(f, n, "cpu_user_pct", j_rate(w, PC_CT_CPU_USER_US) / 1e4);
	kv(f, n, "cpu_system_pct", j_rate(w, PC_CT_CPU_SYSTEM_US) / 1e4);
	kv(f, n, "throttled_pct", j_rate(w, PC_CT_CPU_THROTTLED_US) / 1e4);
	kv(f, n, "mem_current", (double)w->v[PC_CT_MEM_CURRENT]);
	kv(f, n, "mem_max", (double)w->v[PC_CT_MEM_MAX]);
	kv(f, n, "rd_bytes_s", j_rate(w, PC_CT_IO_READ_BYTES));
	kv(f, n, "wr_bytes_s", j_rate(w, PC_CT_IO_WRITE_BYTES));
	kv(f, n, "pids", (double)w->v[PC_CT_PIDS_CURRENT]);
	if (exp_ct_has_ebpf(w->v) && exp_ct_has_ebpf(w->pv))
		j_container_ebpf(f, n, w);
}

/* Members of the sources exported through export_src.c, once they have a previous row. */
static void j_srcs(FILE *f, const struct j_itv *ji)
{
	double v[EXP_SRC_MAXV];

	for (const struct exp_src *const *sp = exp_srcs; *sp; sp++) {
		int n = 0;

		if (exp_src_values(ji->x, ji->ps, ji->cs, *sp, v))
			continue;
		fprintf(f, ",\"%s\":{", (*sp)->json);
		for (unsigned i = 0; i < (*sp)->n; i++)
			kv(f, &n, (*sp)->cols[i].json, v[i]);
		fputc('}', f);
	}
}

static int jx_open(struct pc_export *x, char *err, size_t errlen)
{
	return exp_single_open(x, sizeof(struct jx), err, errlen);
}

static int jx_interval(struct pc_export *x, const struct pc_sample *ps, const struct pc_sample *cs,
		       double itv)
{
	struct jx *j = x->priv;
	struct j_itv ji = {x, ps, cs};
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
	/*
	 * Each writer leaves out a group the sample does not carry; rates run
	 * from the last sample that carried the group (exp_itv).
	 */
	j_rows(f, "cpu", "cpu", &ji, PC_G_CPU, j_cpu);
	j_object(f, "stat", &ji, PC_G_STAT, j_stat);
	j_mem(f, &cs->t[PC_G_MEM]);
	j_rows(f, "disks", "dev", &ji, PC_G_DISK, j_disk);
	j_rows(f, "nets", "iface", &ji, PC_G_NET, j_net);
	j_fs(f, &cs->t[PC_G_FS]);
	j_load(f, &cs->t[PC_G_LOAD]);
	j_rows(f, "psi", "resource", &ji, PC_G_PSI, j_psi);
	j_object(f, "self", &ji, PC_G_SELF, j_self);
	j_rows(f, "bpf_cpu", "cpu", &ji, PC_G_BPF_CPU, j_bpf_cpu);
	j_object(f, "bpf_runq", &ji, PC_G_BPF_RUNQ, j_bpf_runq);
	j_rows(f, "bpf_blk", "dev", &ji, PC_G_BPF_BLK, j_bpf_blk);
	j_rows(f, "bpf_cgroup", "cgroup", &ji, PC_G_BPF_CGROUP, j_bpf_cgroup);
	j_object(f, "bpf_proc", &ji, PC_G_BPF_PROC, j_bpf_proc);
	j_rows_from(f, "bpf_exited", "command", &ji, PC_G_BPF_EXITED, j_bpf_exited, 1);
	j_rows(f, "containers", "container", &ji, PC_G_CONTAINER, j_container);
	j_srcs(f, &ji);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

const struct exp_ops exp_json_ops = {
    .open = jx_open,
    .interval = jx_interval,
    .commit = exp_single_commit,
    .abort = exp_single_abort,
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
    .commit = exp_single_commit,
    .abort = exp_single_abort,
};
