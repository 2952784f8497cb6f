// SPDX-License-Identifier: MIT
/*
 * export_sar.c: the pcprocess tree (mode csv). Under the output directory:
 * proc/stat, proc/meminfo, proc/net/dev, proc/diskstats, statfs_ALL with
 * pcprocess's headers and sar's formulas, system_info.json, and host.csv.
 * One row set per interval (N samples give N-1 timestamps; see
 * docs/EXPORT.md for how that differs from pcprocess). Every file is written
 * under a temporary name and renamed only when the whole export succeeded,
 * so a failed export leaves the previous output as it was. Timestamps are
 * unix seconds as pcprocess prints them; samples off the whole second
 * (sub-second collections) get milliseconds (1767977170.100). The eBPF groups
 * go to bpf/ (export_sar_bpf.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"
#include "export_int.h"

enum { F_STAT, F_MEM, F_NET, F_DISK, F_STATFS, F_SYSINFO, F_HOST, F_N };

static const struct {
	const char *rel, *header;
} sar_files[F_N] = {
    [F_STAT] = {"proc/stat", "#timestamp,CPU,%usr,%nice,%system,%iowait,%steal,%idle"},
    [F_MEM] = {"proc/meminfo", "#timestamp,kbmemfree,kbavail,kbmemused,%memused,kbbuffers,"
			       "kbcached,kbcommit,%commit,kbactive,kbinact,kbdirty"},
    [F_NET] = {"proc/net/dev", "#timestamp,IFACE,rxpck/s,txpck/s,rxkB/s,txkB/s,rxcmp/s,"
			       "txcmp/s,rxmcst/s,%ifutil"},
    [F_DISK] = {"proc/diskstats", "#timestamp,DEV,tps,rtps,wtps,dtps,bread/s,bwrtn/s,bdscd/s"},
    [F_STATFS] = {"statfs_ALL", "#timestamp,mount,blocksize,blockstotal,blocksavail,use"},
    [F_SYSINFO] = {"system_info.json", NULL},
    [F_HOST] = {"host.csv", NULL},
};

struct sar {
	struct exp_file f[F_N];
	struct exp_bpf_csv bpf; /* bpf/ files, opened when the samples carry eBPF groups */
};

static void sar_abort(struct pc_export *x)
{
	struct sar *s = x->priv;

	if (!s)
		return;
	for (int i = 0; i < F_N; i++)
		exp_file_abort(&s->f[i]);
	exp_bpf_csv_abort(&s->bpf);
	free(s);
	x->priv = NULL;
}

static int sar_open(struct pc_export *x, char *err, size_t errlen)
{
	static const char *const dirs[] = {"", "/proc", "/proc/net"};
	char path[PATH_MAX];
	struct sar *s;
	int rc;

	if (!strcmp(x->out, "-")) {
		snprintf(err, errlen, "output -: csv mode writes a directory, not standard output");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		if (snprintf(path, sizeof(path), "%s%s", x->out, dirs[i]) >= (int)sizeof(path)) {
			snprintf(err, errlen, "%.64s...: path too long", x->out);
			return -ENAMETOOLONG;
		}
		rc = exp_mkdirs(path, err, errlen);
		if (rc < 0)
			return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "export: out of memory");
		return -ENOMEM;
	}
	x->priv = s;
	for (int i = 0; i < F_N; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", x->out, sar_files[i].rel) >=
		    (int)sizeof(path)) {
			snprintf(err, errlen, "%.64s...: path too long", x->out);
			rc = -ENAMETOOLONG;
			goto cleanup;
		}
		rc = exp_file_open(&s->f[i], path, err, errlen);
		if (rc < 0)
			goto cleanup;
		if (sar_files[i].header)
			fprintf(s->f[i].f, "%s\n", sar_files[i].header);
	}
	exp_host_header(s->f[F_HOST].f);
	rc = pc_json_write_sysinfo(s->f[F_SYSINFO].f, &x->si);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", s->f[F_SYSINFO].path, strerror(-rc));
		goto cleanup;
	}
	return 0;
cleanup:
	sar_abort(x);
	return rc;
}

static void put_vals(FILE *f, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(',', f);
		exp_putd(f, v[i]);
	}
	fputc('\n', f);
}

static void sar_cpu(FILE *f, uint64_t ts, const struct pc_table *p, const struct pc_table *c)
{
	struct exp_cpu u;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_cpu(p, c, r, &u))
			continue;
		double v[] = {u.usr, u.nice, u.sys, u.iowait, u.steal, u.idle};

		exp_put_ts(f, ts);
		fputc(',', f);
		exp_put_csv(f, strcmp(c->key[r], "all") ? c->key[r] : "-1");
		put_vals(f, v, sizeof(v) / sizeof(*v));
	}
}

static void sar_mem(FILE *f, uint64_t ts, const struct pc_table *c)
{
	struct exp_mem m;

	if (exp_mem(c, &m))
		return;
	double v[] = {m.free,	m.avail,      m.used,	m.pct_used, m.buffers, m.cached,
		      m.commit, m.pct_commit, m.active, m.inact,    m.dirty};
	exp_put_ts(f, ts);
	put_vals(f, v, sizeof(v) / sizeof(*v));
}

static void sar_net(FILE *f, uint64_t ts, const struct pc_table *p, const struct pc_table *c,
		    double itv)
{
	struct exp_net n;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_net(p, c, r, itv, &n))
			continue;
		double v[] = {n.rxpck, n.txpck, n.rxbyt / 1024, n.txbyt / 1024,
			      n.rxcmp, n.txcmp, n.rxmcst,	n.ifutil};

		exp_put_ts(f, ts);
		fputc(',', f);
		exp_put_csv(f, c->key[r]);
		put_vals(f, v, sizeof(v) / sizeof(*v));
	}
}

static void sar_disk(FILE *f, uint64_t ts, const struct pc_table *p, const struct pc_table *c,
		     double itv)
{
	struct exp_disk d;

	for (uint32_t r = 0; r < c->nrows; r++) {
		if (exp_disk_idle(c, r) || exp_disk(p, c, r, itv, &d))
			continue;
		double v[] = {d.tps, d.rtps, d.wtps, d.dtps, d.rsect, d.wsect, d.dsect};

		exp_put_ts(f, ts);
		fputc(',', f);
		exp_put_csv(f, c->key[r]);
		put_vals(f, v, sizeof(v) / sizeof(*v));
	}
}

static void sar_statfs(FILE *f, uint64_t ts, const struct pc_table *c)
{
	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *v = pc_table_row(c, r);
		uint64_t blocks = v[PC_FS_BLOCKS], avail = v[PC_FS_BAVAIL];
		double use = 0;

		if (blocks && avail < blocks)
			use = round((double)(blocks - avail) * 100 / (double)blocks);
		exp_put_ts(f, ts);
		fputc(',', f);
		exp_put_csv(f, c->key[r]);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.0f\n", v[PC_FS_BSIZE], blocks,
			avail, use);
	}
}

static int sar_interval(struct pc_export *x, const struct pc_sample *prev,
			const struct pc_sample *cur, double itv)
{
	struct sar *s = x->priv;
	uint64_t ts = cur->time_ns;
	double hv[H_NCOLS];

	sar_cpu(s->f[F_STAT].f, ts, &prev->t[PC_G_CPU], &cur->t[PC_G_CPU]);
	sar_mem(s->f[F_MEM].f, ts, &cur->t[PC_G_MEM]);
	sar_net(s->f[F_NET].f, ts, &prev->t[PC_G_NET], &cur->t[PC_G_NET], itv);
	sar_disk(s->f[F_DISK].f, ts, &prev->t[PC_G_DISK], &cur->t[PC_G_DISK], itv);
	sar_statfs(s->f[F_STATFS].f, ts, &cur->t[PC_G_FS]);
	exp_host_compute(prev, cur, itv, hv);
	exp_host_row(s->f[F_HOST].f, cur->time_ns, hv);
	return exp_bpf_csv_interval(&s->bpf, x, prev, cur);
}

static int sar_commit(struct pc_export *x, char *err, size_t errlen)
{
	struct sar *s = x->priv;
	char scratch[256];
	int rc = 0;

	/* Find write errors (ENOSPC...) in every file before any of them replaces an old one. */
	for (int i = 0; i < F_N; i++) {
		if (fflush(s->f[i].f) || ferror(s->f[i].f)) {
			rc = -(errno ? errno : EIO);
			snprintf(err, errlen, "%s: %s", s->f[i].path, strerror(-rc));
			sar_abort(x);
			return rc;
		}
	}
	rc = exp_bpf_csv_flush(&s->bpf, err, errlen);
	if (rc < 0) {
		sar_abort(x);
		return rc;
	}
	for (int i = 0; i < F_N; i++) {
		int r =
		    exp_file_commit(&s->f[i], rc ? scratch : err, rc ? sizeof(scratch) : errlen);

		if (r < 0 && !rc)
			rc = r;
	}
	{
		int r =
		    exp_bpf_csv_commit(&s->bpf, rc ? scratch : err, rc ? sizeof(scratch) : errlen);

		if (r < 0 && !rc)
			rc = r;
	}
	free(s);
	x->priv = NULL;
	return rc;
}

const struct exp_ops exp_sar_ops = {
    .open = sar_open,
    .interval = sar_interval,
    .commit = sar_commit,
    .abort = sar_abort,
};
