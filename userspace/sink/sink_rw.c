// SPDX-License-Identifier: MIT
/*
 * sink_rw.c: the Prometheus remote-write backend of the sinks. Each interval
 * becomes series with site and host labels: node_exporter's names for the raw
 * counters it has a name for (node_cpu_seconds_total{cpu,mode},
 * node_memory_<Key>_bytes, node_disk_read_bytes_total{device},
 * node_network_receive_bytes_total{device}, node_load1, ...), and
 * perfcollector_* for the computed values of the export (host.csv's columns,
 * sar's CPU %, the eBPF latency percentiles); per container cAdvisor's names
 * for the raw counters (container_cpu_usage_seconds_total{id,name,runtime},
 * container_memory_usage_bytes, ...) and perfcollector_container_* for
 * containers.csv's percentages. A flush is one POST; the cursors
 * move only when the endpoint accepted it, and are kept in a file (--cursor)
 * written atomically, since remote-write has nothing to read them back from.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc/log.h"
#include "pc/sample_container.h"
#include "sink_rw.h"

struct rw_cursor {
	uint64_t site;
	uint32_t host, run;
	char name[256];
	uint64_t last_ns;
};

struct rw {
	struct rw_url u;
	struct pc_buf req, scratch, z;
	struct rw_cursor *c;
	size_t nc;
	/* labels of the interval being encoded */
	char site[256], host[256];
	int64_t ms;
	unsigned ct_capped; /* intervals with more than RW_CT_MAX containers */
};

/* Containers sent per host and interval at most: bounds the series a host can make. */
#define RW_CT_MAX 256

/* ---- cursors: "site host run last_ns name" lines */

static int load_cursors(struct pc_sink *k, struct rw *r)
{
	char line[512];
	FILE *f;

	if (!k->o.cursor)
		return 0;
	f = fopen(k->o.cursor, "r");
	if (!f)
		return errno == ENOENT ? 0 : sink_fail(k, -errno, "%s: cannot read", k->o.cursor);
	while (fgets(line, sizeof(line), f)) {
		struct rw_cursor c = {0}, *v;

		if (sscanf(line, "%" SCNu64 " %" SCNu32 " %" SCNu32 " %" SCNu64 " %255[^\n]",
			   &c.site, &c.host, &c.run, &c.last_ns, c.name) < 4)
			continue;
		v = realloc(r->c, (r->nc + 1) * sizeof(*v));
		if (!v) {
			fclose(f);
			return sink_fail(k, -ENOMEM, "out of memory");
		}
		r->c = v;
		r->c[r->nc++] = c;
	}
	fclose(f);
	return 0;
}

static struct rw_cursor *find_cursor(struct rw *r, const struct sink_stream *st)
{
	const char *name = st->site == PC_SINK_BY_NAME ? st->machinename : "";

	for (size_t i = 0; i < r->nc; i++)
		if (r->c[i].site == st->site && r->c[i].host == st->host &&
		    r->c[i].run == st->run && !strcmp(r->c[i].name, name))
			return &r->c[i];
	return NULL;
}

static int save_cursors(struct pc_sink *k, struct rw *r)
{
	char tmp[4200];
	FILE *f;
	int bad;

	if (!k->o.cursor)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", k->o.cursor);
	f = fopen(tmp, "w");
	if (!f)
		return sink_fail(k, -errno, "%s: cannot write", tmp);
	for (size_t i = 0; i < r->nc; i++)
		fprintf(f, "%" PRIu64 " %u %u %" PRIu64 " %s\n", r->c[i].site, r->c[i].host,
			r->c[i].run, r->c[i].last_ns, r->c[i].name);
	bad = fflush(f) || fsync(fileno(f));
	bad |= fclose(f);
	if (bad || rename(tmp, k->o.cursor)) {
		unlink(tmp);
		return sink_fail(k, -EIO, "%s: cannot write the cursors", k->o.cursor);
	}
	return 0;
}

/* ---- ops */

static int rw_open(struct pc_sink *k)
{
	struct rw *r = calloc(1, sizeof(*r));

	if (!r)
		return sink_fail(k, -ENOMEM, "out of memory");
	k->priv = r;
	if (rw_parse_url(k->uri, &r->u))
		return sink_fail(k, -EINVAL, "not a remote-write URL (want http://host:port/path)");
	return load_cursors(k, r);
}

static int rw_stream(struct pc_sink *k, struct sink_stream *st, const struct pc_sink_id *id)
{
	struct rw_cursor *c = find_cursor(k->priv, st);

	(void)id;
	st->cursor_ns = c ? c->last_ns : 0;
	return 0;
}

/* One series: __name__, then the extra labels (sorted by the caller), host, site. */
static int put(struct pc_sink *k, const char *name, const struct rw_label *extra, int nextra,
	       double v)
{
	struct rw *r = k->priv;
	struct rw_label l[8];
	int n = 0;

	if (isnan(v))
		return 0;
	l[n++] = (struct rw_label){"__name__", name};
	for (int i = 0; i < nextra && strcmp(extra[i].name, "host") < 0; i++)
		l[n++] = extra[i];
	l[n++] = (struct rw_label){"host", r->host};
	for (int i = 0; i < nextra; i++)
		if (strcmp(extra[i].name, "host") > 0)
			l[n++] = extra[i];
	l[n++] = (struct rw_label){"site", r->site};
	k->rows++;
	k->values++;
	if (rw_series(&r->req, &r->scratch, l, n, v, r->ms))
		return sink_fail(k, -ENOMEM, "out of memory");
	return 0;
}

static void labels(struct rw *r, const struct sink_stream *st, uint64_t time_ns)
{
	if (st->site == PC_SINK_BY_NAME) {
		snprintf(r->site, sizeof(r->site), "%s", st->sitename);
		snprintf(r->host, sizeof(r->host), "%s", st->machinename);
	} else {
		snprintf(r->site, sizeof(r->site), "%" PRIu64, st->site);
		snprintf(r->host, sizeof(r->host), "%u", st->host);
	}
	r->ms = (int64_t)(time_ns / 1000000);
}

static int host_values(struct pc_sink *k, const double *v)
{
	char name[96];
	int rc = 0;

	for (unsigned i = 0; i < export__host_ncols() && i < PC_HOST_MAXCOLS && !rc; i++) {
		snprintf(name, sizeof(name), "perfcollector_host_%s", export__host_col(i));
		rc = put(k, name, NULL, 0, v[i]);
	}
	return rc;
}

static int rw_host_row(struct pc_sink *k, struct sink_stream *st, uint64_t time_ns, const double *v)
{
	labels(k->priv, st, time_ns);
	return host_values(k, v);
}

static const char *const cpu_modes[] = {"user",	  "nice", "system",  "idle",
					"iowait", "irq",  "softirq", "steal"};

/* node_cpu_seconds_total{cpu,mode} (USER_HZ 100) and sar's % per CPU. */
static int cpus(struct pc_sink *k, const struct pc_interval *iv)
{
	const struct pc_table *t = &iv->cur->t[PC_G_CPU];
	int rc = 0;

	for (uint32_t r = 0; r < t->nrows && !rc; r++) {
		const uint64_t *v = pc_table_row(t, r);

		if (!strcmp(t->key[r], "all"))
			continue;
		for (int m = 0; m < 8 && !rc; m++) {
			struct rw_label l[] = {{"cpu", t->key[r]}, {"mode", cpu_modes[m]}};

			rc = put(k, "node_cpu_seconds_total", l, 2, (double)v[m] / 100);
		}
	}
	for (uint32_t i = 0; i < iv->ncpu && !rc; i++) {
		const struct pc_iv_cpu *c = &iv->cpu[i];
		double pv[] = {c->usr, c->nice, c->sys, c->iowait, c->steal, c->idle};
		static const char *const mode[] = {"user",   "nice",  "system",
						   "iowait", "steal", "idle"};

		for (int m = 0; m < 6 && !rc; m++) {
			struct rw_label l[] = {{"cpu", c->cpu}, {"mode", mode[m]}};

			rc = put(k, "perfcollector_cpu_percent", l, 2, pv[m]);
		}
	}
	return rc;
}

/* node_memory_<Key>_bytes from meminfo (kB; HugePages_* are counts). */
static int memory(struct pc_sink *k, const struct pc_table *t)
{
	char name[PC_KEY_MAX + 32];
	int rc = 0;

	for (uint32_t r = 0; r < t->nrows && !rc; r++) {
		const char *key = t->key[r];
		int pages = !strncmp(key, "HugePages_", 10);
		size_t n = (size_t)snprintf(name, sizeof(name), "node_memory_");

		for (const char *p = key; *p && n < sizeof(name) - 8; p++)
			if (*p != ')')
				name[n++] = *p == '(' ? '_' : *p;
		snprintf(name + n, sizeof(name) - n, "%s", pages ? "" : "_bytes");
		rc = put(k, name, NULL, 0, (double)pc_table_row(t, r)[0] * (pages ? 1 : 1024));
	}
	return rc;
}

/* node_disk_* and node_network_* counters, {device}. */
static int devices(struct pc_sink *k, const struct pc_sample *s)
{
	static const struct {
		int g, col;
		double mul;
		const char *name;
	} m[] = {
	    {PC_G_DISK, PC_DISK_RD_IOS, 1, "node_disk_reads_completed_total"},
	    {PC_G_DISK, PC_DISK_RD_SECTORS, 512, "node_disk_read_bytes_total"},
	    {PC_G_DISK, PC_DISK_WR_IOS, 1, "node_disk_writes_completed_total"},
	    {PC_G_DISK, PC_DISK_WR_SECTORS, 512, "node_disk_written_bytes_total"},
	    {PC_G_NET, PC_NET_RX_BYTES, 1, "node_network_receive_bytes_total"},
	    {PC_G_NET, PC_NET_TX_BYTES, 1, "node_network_transmit_bytes_total"},
	    {PC_G_NET, PC_NET_RX_PACKETS, 1, "node_network_receive_packets_total"},
	    {PC_G_NET, PC_NET_TX_PACKETS, 1, "node_network_transmit_packets_total"},
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof(m) / sizeof(*m) && !rc; i++) {
		const struct pc_table *t = &s->t[m[i].g];

		for (uint32_t r = 0; r < t->nrows && !rc; r++) {
			struct rw_label l[] = {{"device", t->key[r]}};

			rc = put(k, m[i].name, l, 1,
				 (double)pc_table_row(t, r)[m[i].col] * m[i].mul);
		}
	}
	return rc;
}

/* node_load*, node_context_switches_total, node_intr_total, node_forks_total, node_procs_*. */
static int scalars(struct pc_sink *k, const struct pc_sample *s)
{
	const struct pc_table *ld = &s->t[PC_G_LOAD], *st = &s->t[PC_G_STAT];
	int rc = 0;

	if (ld->nrows) {
		const uint64_t *v = pc_table_row(ld, 0);

		rc = put(k, "node_load1", NULL, 0, (double)v[PC_LOAD_AVG1] / 100);
		rc = rc ? rc : put(k, "node_load5", NULL, 0, (double)v[PC_LOAD_AVG5] / 100);
		rc = rc ? rc : put(k, "node_load15", NULL, 0, (double)v[PC_LOAD_AVG15] / 100);
	}
	if (st->nrows && !rc) {
		const uint64_t *v = pc_table_row(st, 0);

		rc = put(k, "node_context_switches_total", NULL, 0, (double)v[PC_STAT_CTXT]);
		rc = rc ? rc : put(k, "node_intr_total", NULL, 0, (double)v[PC_STAT_INTR]);
		rc = rc ? rc : put(k, "node_forks_total", NULL, 0, (double)v[PC_STAT_PROCESSES]);
		rc = rc ? rc
			: put(k, "node_procs_running", NULL, 0, (double)v[PC_STAT_PROCS_RUNNING]);
		rc = rc ? rc
			: put(k, "node_procs_blocked", NULL, 0, (double)v[PC_STAT_PROCS_BLOCKED]);
	}
	return rc;
}

/* perfcollector_bpf_latency_microseconds{hist,quantile} and ..._events_per_second{hist}. */
static int hists(struct pc_sink *k, const struct pc_interval *iv)
{
	int rc = 0;

	for (uint32_t i = 0; i < iv->nhist && !rc; i++) {
		const struct pc_iv_hist *h = &iv->hist[i];
		double q[] = {h->p50, h->p90, h->p99};
		static const char *const qn[] = {"0.5", "0.9", "0.99"};
		struct rw_label one[] = {{"hist", h->name}};

		rc = put(k, "perfcollector_bpf_events_per_second", one, 1, h->count_s);
		for (int j = 0; j < 3 && !rc; j++) {
			struct rw_label l[] = {{"hist", h->name}, {"quantile", qn[j]}};

			rc = put(k, "perfcollector_bpf_latency_microseconds", l, 2, q[j]);
		}
	}
	return rc;
}

/*
 * Per container: cAdvisor's names for the raw counters and gauges (I/O summed over devices,
 * so without its device label), perfcollector_container_* for containers.csv's percentages.
 * Labels id, name, runtime; at most RW_CT_MAX containers per host and interval.
 */
static int containers(struct pc_sink *k, const struct pc_interval *iv)
{
	static const struct {
		const char *name;
		int col; /* a raw PC_CT_* column, or -1 - the index into the computed values */
		double mul;
	} m[] = {
	    {"container_cpu_usage_seconds_total", PC_CT_CPU_USAGE_US, 1e-6},
	    {"container_cpu_user_seconds_total", PC_CT_CPU_USER_US, 1e-6},
	    {"container_cpu_system_seconds_total", PC_CT_CPU_SYSTEM_US, 1e-6},
	    {"container_memory_usage_bytes", PC_CT_MEM_CURRENT, 1},
	    {"container_spec_memory_limit_bytes", PC_CT_MEM_MAX, 1},
	    {"container_fs_reads_bytes_total", PC_CT_IO_READ_BYTES, 1},
	    {"container_fs_writes_bytes_total", PC_CT_IO_WRITE_BYTES, 1},
	    {"container_fs_reads_total", PC_CT_IO_READ_OPS, 1},
	    {"container_fs_writes_total", PC_CT_IO_WRITE_OPS, 1},
	    {"container_threads", PC_CT_PIDS_CURRENT, 1},
	    {"perfcollector_container_cpu_percent", -1, 1},
	    {"perfcollector_container_cpu_user_percent", -2, 1},
	    {"perfcollector_container_cpu_system_percent", -3, 1},
	    {"perfcollector_container_memory_percent", -4, 1},
	};
	uint32_t n = iv->nct < RW_CT_MAX ? iv->nct : RW_CT_MAX;
	int rc = 0;

	if (iv->nct > RW_CT_MAX && !((struct rw *)k->priv)->ct_capped++)
		log_warnx("%s: %u containers in one sample; only the first %d are sent (series "
			  "cardinality)",
			  k->safe, iv->nct, RW_CT_MAX);
	for (uint32_t i = 0; i < n && !rc; i++) {
		const struct pc_iv_container *c = &iv->ct[i];
		const double pct[] = {c->cpu_pct, c->cpu_user_pct, c->cpu_system_pct, c->mem_pct};
		struct rw_label l[] = {{"id", c->id}, {"name", c->name}, {"runtime", c->runtime}};

		for (size_t j = 0; j < sizeof(m) / sizeof(*m) && !rc; j++)
			rc = put(k, m[j].name, l, 3,
				 m[j].col >= 0 ? (double)c->raw[m[j].col] * m[j].mul
					       : pct[-1 - m[j].col]);
	}
	return rc;
}

static int rw_interval(struct pc_sink *k, struct sink_stream *st, const struct pc_interval *iv)
{
	int rc;

	labels(k->priv, st, iv->cur->time_ns);
	rc = containers(k, iv);
	if (!iv->prev) /* a sample without an interval: its containers only */
		return rc;
	rc = rc ? rc : host_values(k, iv->host);
	rc = rc ? rc : cpus(k, iv);
	rc = rc ? rc : memory(k, &iv->cur->t[PC_G_MEM]);
	rc = rc ? rc : devices(k, iv->cur);
	rc = rc ? rc : scalars(k, iv->cur);
	return rc ? rc : hists(k, iv);
}

static size_t rw_buffered(const struct pc_sink *k)
{
	return ((const struct rw *)k->priv)->req.len;
}

static int rw_flush(struct pc_sink *k)
{
	struct rw *r = k->priv;
	char err[512];
	int rc, moved = 0;

	if (r->req.len) {
		rc = rw_post(&r->u, &r->req, &r->z, err, sizeof(err));
		if (rc < 0)
			return sink_fail(k, rc, "%s", err);
		r->req.len = 0;
	}
	for (size_t i = 0; i < k->nst; i++) {
		struct sink_stream *st = k->st[i];
		struct rw_cursor *c;

		if (st->pending_ns <= st->cursor_ns)
			continue;
		c = find_cursor(r, st);
		if (!c) {
			struct rw_cursor *v = realloc(r->c, (r->nc + 1) * sizeof(*v));

			if (!v)
				return sink_fail(k, -ENOMEM, "out of memory");
			r->c = v;
			c = &r->c[r->nc++];
			*c = (struct rw_cursor){st->site, st->host, st->run, "", 0};
			if (st->site == PC_SINK_BY_NAME)
				snprintf(c->name, sizeof(c->name), "%s", st->machinename);
		}
		c->last_ns = st->pending_ns;
		moved = 1;
	}
	return moved ? save_cursors(k, r) : 0;
}

static void rw_discard(struct pc_sink *k)
{
	struct rw *r = k->priv;

	if (r)
		r->req.len = 0;
}

static void rw_close(struct pc_sink *k)
{
	struct rw *r = k->priv;

	if (!r)
		return;
	pc_buf_free(&r->req);
	pc_buf_free(&r->scratch);
	pc_buf_free(&r->z);
	free(r->c);
	free(r);
	k->priv = NULL;
}

const struct sink_ops sink_rw_ops = {
    .open = rw_open,
    .stream = rw_stream,
    .interval = rw_interval,
    .host_row = rw_host_row,
    .buffered = rw_buffered,
    .flush = rw_flush,
    .discard = rw_discard,
    .close = rw_close,
};
