// SPDX-License-Identifier: MIT
/*
 * sink_pg.c: the PostgreSQL backend of the sinks. Intervals are encoded
 * straight into COPY binary rows, one buffer per table; a flush is one
 * transaction: the day partitions the rows need (pc_partition), one
 * COPY ... FROM STDIN (FORMAT binary) per table, and each moved cursor
 * (pc_cursor), updated only if it still holds the value this writer read, so
 * two writers of the same collector can never both store an interval: the
 * second one's transaction rolls back.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc/log.h"
#include "sink_pg.h"

enum { T_HOST, T_CPU, T_DISK, T_NET, T_HIST, T_CT, T_N };

static const struct {
	const char *name, *cols;
	uint16_t nfields; /* including collector_id, run, time */
	uint16_t nvalues; /* numbers per row, for the values count */
} tables[T_N] = {
    [T_HOST] = {"pc_host_metric",
		"collector_id, run, time, itv, cpu_user, cpu_system, cpu_iowait, cpu_idle, "
		"cpu_steal, mem_total, mem_used, mem_available, mem_buffers, mem_cached, "
		"disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops, net_rx_bytes, "
		"net_tx_bytes, net_rx_packets, net_tx_packets" PG_HOST_NET(PG_COMMA_NAME),
		4 + PC_HOST_NCOLS + PG_HOST_NNET, PC_HOST_NCOLS + PG_HOST_NNET},
    [T_CPU] = {"pc_cpu_metric",
	       "collector_id, run, time, cpu, usr, nice, system, iowait, steal, idle", 10, 6},
    [T_DISK] = {"pc_disk_metric",
		"collector_id, run, time, device, whole, tps, rtps, wtps, dtps, read_bytes, "
		"write_bytes, discard_bytes",
		12, 7},
    [T_NET] = {"pc_net_metric",
	       "collector_id, run, time, iface, rx_packets, tx_packets, rx_bytes, tx_bytes, "
	       "rx_compressed, tx_compressed, rx_multicast, ifutil",
	       12, 8},
    [T_HIST] = {"pc_bpf_hist",
		"collector_id, run, time, hist, count_s, avg_us, p50_us, p90_us, p99_us, buckets",
		10, 5 + PC_HIST_BUCKETS},
    [T_CT] = {"pc_container_metric",
	      "collector_id, run, time, runtime, container, name, cpu_percent, cpu_user_percent, "
	      "cpu_system_percent, memory_current_bytes, memory_max_bytes, memory_percent, "
	      "io_read_bytes, io_write_bytes, io_read_ops, io_write_ops, pids_current",
	      17, 11},
};

#define DAY_NS (86400ull * 1000000000ull)
/* microseconds from the unix epoch to PostgreSQL's (2000-01-01) */
#define PG_EPOCH_US 946684800000000ll

struct pg {
	PGconn *c;
	struct pc_buf t[T_N];
	uint64_t nrows[T_N];
	uint32_t *days; /* days (since 1970) whose partitions exist */
	size_t ndays, nknown, capdays;
	int net[PG_HOST_NNET]; /* where PG_HOST_NET's columns are in host.csv's row; -1: none */
};

int pg_fail(struct pc_sink *k, PGconn *c, const PGresult *r, const char *what)
{
	const char *m = r ? PQresultErrorMessage(r) : "";
	char msg[400];
	size_t n;

	if (!m || !*m)
		m = c ? PQerrorMessage(c) : "out of memory";
	snprintf(msg, sizeof(msg), "%s", m);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return sink_fail(k, -EIO, "%s: %s", what, msg);
}

static void quiet_notice(void *arg, const char *msg)
{
	(void)arg, (void)msg;
}

/* Each of PG_HOST_NET's columns: its index among export__host_col's, or -1. */
static void find_net_cols(int *idx)
{
	static const char *const names[] = {PG_HOST_NET(PG_NAME)};

	for (int j = 0; j < PG_HOST_NNET; j++) {
		idx[j] = -1;
		for (unsigned i = PC_HOST_NCOLS; i < export__host_ncols() && idx[j] < 0; i++)
			if (!strcmp(export__host_col(i), names[j]))
				idx[j] = (int)i;
	}
}

static int pg_open(struct pc_sink *k)
{
	struct pg *g = calloc(1, sizeof(*g));

	if (!g)
		return sink_fail(k, -ENOMEM, "out of memory");
	k->priv = g;
	find_net_cols(g->net);
	if (strncmp(k->uri, "postgresql://", 13) && strncmp(k->uri, "postgres://", 11))
		return sink_fail(k, -EINVAL, "not a PostgreSQL URI (want postgresql://...)");
	g->c = PQconnectdb(k->uri);
	if (!g->c || PQstatus(g->c) != CONNECTION_OK)
		return pg_fail(k, g->c, NULL, "cannot connect");
	PQsetNoticeProcessor(g->c, quiet_notice, NULL);
	return pg_migrate(k, g->c);
}

/* One parameterised statement; its result (caller clears), NULL after a failure. */
static PGresult *query(struct pc_sink *k, const char *sql, int n, const char *const *v,
		       const char *what)
{
	struct pg *g = k->priv;
	PGresult *r = PQexecParams(g->c, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		return r;
	pg_fail(k, g->c, r, what);
	PQclear(r);
	return NULL;
}

static int pg_stream(struct pc_sink *k, struct sink_stream *st, const struct pc_sink_id *id)
{
	char site[24], host[16], run[16], cid[24], name[64];
	const char *mn = st->machinename;
	PGresult *r;

	snprintf(site, sizeof(site), "%" PRIu64, st->site);
	snprintf(host, sizeof(host), "%u", st->host);
	snprintf(run, sizeof(run), "%u", st->run);
	if (!*mn) {
		snprintf(name, sizeof(name), "host %u", st->host);
		mn = name;
	}
	const char *v[] = {site, host, mn, st->sitename, id->description ? id->description : ""};
	if (st->site == PC_SINK_BY_NAME)
		r = query(k,
			  "WITH f AS (SELECT id FROM pc_collector WHERE sitename = $2 AND"
			  " machinename = $1 ORDER BY id LIMIT 1), i AS (INSERT INTO pc_collector"
			  " (machinename, sitename, description) SELECT $1, $2, $3 WHERE NOT EXISTS"
			  " (SELECT 1 FROM f) RETURNING id) SELECT id FROM f UNION ALL SELECT id"
			  " FROM i",
			  3, v + 2, "registering the collector");
	else
		r = query(
		    k,
		    "INSERT INTO pc_collector (site, host, machinename, sitename, description)"
		    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, host) DO UPDATE SET"
		    " sitename = CASE WHEN pc_collector.sitename = '' THEN EXCLUDED.sitename"
		    " ELSE pc_collector.sitename END RETURNING id",
		    5, v, "registering the collector");
	if (!r)
		return -EIO;
	snprintf(cid, sizeof(cid), "%s", PQgetvalue(r, 0, 0));
	st->cid = strtoll(cid, NULL, 10);
	PQclear(r);
	const char *c[] = {cid, run};
	r = query(k, "SELECT last_ns FROM pc_cursor WHERE collector_id = $1 AND run = $2", 2, c,
		  "reading the cursor");
	if (!r)
		return -EIO;
	st->cursor_ns = PQntuples(r) ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

/* ---- COPY binary rows */

static void f8(struct pc_buf *b, double d)
{
	uint64_t u;

	if (isnan(d)) {
		sink_be32(b, UINT32_MAX); /* NULL */
		return;
	}
	memcpy(&u, &d, 8);
	sink_be32(b, 8);
	sink_be64(b, u);
}

static void i8(struct pc_buf *b, int64_t v)
{
	sink_be32(b, 8);
	sink_be64(b, (uint64_t)v);
}

static void text(struct pc_buf *b, const char *s)
{
	size_t n = strlen(s);

	sink_be32(b, (uint32_t)n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Start a row of table t: room for it, field count, collector_id, run, time. */
static int row(struct pc_sink *k, struct sink_stream *st, int t, uint64_t time_ns, size_t extra)
{
	struct pg *g = k->priv;
	struct pc_buf *b = &g->t[t];
	uint32_t day = (uint32_t)(time_ns / DAY_NS);
	size_t i;

	if (pc_buf_reserve(b, 2 + (size_t)tables[t].nfields * 12 + extra))
		return sink_fail(k, -ENOMEM, "out of memory");
	for (i = g->ndays; i-- > 0 && g->days[i] != day;)
		;
	if (i == (size_t)-1) {
		if (g->ndays == g->capdays) {
			size_t cap = g->capdays ? 2 * g->capdays : 16;
			uint32_t *d = realloc(g->days, cap * sizeof(*d));

			if (!d)
				return sink_fail(k, -ENOMEM, "out of memory");
			g->days = d, g->capdays = cap;
		}
		g->days[g->ndays++] = day;
	}
	sink_be16(b, tables[t].nfields);
	i8(b, st->cid);
	i8(b, st->run);
	i8(b, (int64_t)(time_ns / 1000) - PG_EPOCH_US);
	g->nrows[t]++;
	k->rows++;
	k->values += tables[t].nvalues;
	return 0;
}

static int host_row(struct pc_sink *k, struct sink_stream *st, uint64_t time_ns, double itv,
		    const double *v)
{
	struct pg *g = k->priv;
	struct pc_buf *b = &g->t[T_HOST];

	if (row(k, st, T_HOST, time_ns, 0))
		return -ENOMEM;
	f8(b, itv);
	for (int i = 0; i < PC_HOST_NCOLS; i++)
		f8(b, v[i]);
	for (int j = 0; j < PG_HOST_NNET; j++)
		f8(b, g->net[j] < 0 ? NAN : v[g->net[j]]);
	return 0;
}

static int pg_host_row(struct pc_sink *k, struct sink_stream *st, uint64_t time_ns, const double *v)
{
	return host_row(k, st, time_ns, NAN, v);
}

/* A row of table t: key text, optional boolean, then n doubles. */
static int keyed(struct pc_sink *k, struct sink_stream *st, int t, uint64_t time_ns,
		 const char *key, int whole, const double *v, int n)
{
	struct pc_buf *b = &((struct pg *)k->priv)->t[t];

	if (row(k, st, t, time_ns, strlen(key)))
		return -ENOMEM;
	text(b, key);
	if (whole >= 0) {
		sink_be32(b, 1);
		b->p[b->len++] = (uint8_t) !!whole;
	}
	for (int i = 0; i < n; i++)
		f8(b, v[i]);
	return 0;
}

/* bigint[] of the bucket increments: the array's binary form. */
static void buckets(struct pc_buf *b, const uint64_t *d)
{
	sink_be32(b, 20 + PC_HIST_BUCKETS * 12);
	sink_be32(b, 1);  /* dimensions */
	sink_be32(b, 0);  /* no NULLs */
	sink_be32(b, 20); /* int8 */
	sink_be32(b, PC_HIST_BUCKETS);
	sink_be32(b, 1); /* lower bound */
	for (int i = 0; i < PC_HIST_BUCKETS; i++)
		i8(b, (int64_t)d[i]);
}

/* containers.csv's rows of the interval's end (or of a sample without an interval). */
static int containers(struct pc_sink *k, struct sink_stream *st, const struct pc_interval *iv)
{
	struct pc_buf *b = &((struct pg *)k->priv)->t[T_CT];

	for (uint32_t i = 0; i < iv->nct; i++) {
		const struct pc_iv_container *c = &iv->ct[i];
		double v[] = {c->cpu_pct,
			      c->cpu_user_pct,
			      c->cpu_system_pct,
			      (double)c->mem_current,
			      (double)c->mem_max,
			      c->mem_pct,
			      (double)c->io_read_bytes,
			      (double)c->io_write_bytes,
			      (double)c->io_read_ops,
			      (double)c->io_write_ops,
			      (double)c->pids};

		if (row(k, st, T_CT, iv->cur->time_ns,
			strlen(c->runtime) + strlen(c->id) + strlen(c->name) + 8))
			return -ENOMEM;
		text(b, c->runtime);
		text(b, c->id);
		text(b, c->name);
		for (size_t j = 0; j < sizeof(v) / sizeof(*v); j++)
			f8(b, v[j]);
	}
	return 0;
}

static int pg_interval(struct pc_sink *k, struct sink_stream *st, const struct pc_interval *iv)
{
	struct pg *g = k->priv;
	uint64_t t = iv->cur->time_ns;
	int rc = containers(k, st, iv);

	if (!iv->prev) /* a sample without an interval: its containers only */
		return rc;
	rc = rc ? rc : host_row(k, st, t, iv->itv, iv->host);

	for (uint32_t i = 0; i < iv->ncpu && !rc; i++) {
		const struct pc_iv_cpu *c = &iv->cpu[i];
		double v[] = {c->usr, c->nice, c->sys, c->iowait, c->steal, c->idle};

		rc = keyed(k, st, T_CPU, t, c->cpu, -1, v, 6);
	}
	for (uint32_t i = 0; i < iv->ndisk && !rc; i++) {
		const struct pc_iv_disk *d = &iv->disk[i];
		double v[] = {d->tps,	   d->rtps,	d->wtps,    d->dtps,
			      d->rd_bytes, d->wr_bytes, d->dc_bytes};

		rc = keyed(k, st, T_DISK, t, d->dev, d->whole, v, 7);
	}
	for (uint32_t i = 0; i < iv->nnet && !rc; i++) {
		const struct pc_iv_net *n = &iv->net[i];
		double v[] = {n->rxpck, n->txpck, n->rxbyt,  n->txbyt,
			      n->rxcmp, n->txcmp, n->rxmcst, n->ifutil};

		rc = keyed(k, st, T_NET, t, n->iface, -1, v, 8);
	}
	for (uint32_t i = 0; i < iv->nhist && !rc; i++) {
		const struct pc_iv_hist *h = &iv->hist[i];
		double v[] = {h->count_s, h->avg_us, h->p50, h->p90, h->p99};

		rc = keyed(k, st, T_HIST, t, h->name, -1, v, 5);
		if (!rc && pc_buf_reserve(&g->t[T_HIST], 24 + PC_HIST_BUCKETS * 12))
			rc = sink_fail(k, -ENOMEM, "out of memory");
		if (!rc)
			buckets(&g->t[T_HIST], h->d);
	}
	return rc;
}

static size_t pg_buffered(const struct pc_sink *k)
{
	const struct pg *g = k->priv;
	size_t n = 0;

	for (int t = 0; t < T_N; t++)
		n += g->t[t].len;
	return n;
}

/* ---- flush: one transaction */

static int copy_table(struct pc_sink *k, int t)
{
	static const char head[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	static const char trail[2] = {'\377', '\377'};
	struct pg *g = k->priv;
	char sql[1024], what[64];
	PGresult *r;
	int ok;

	snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN (FORMAT binary)", tables[t].name,
		 tables[t].cols);
	snprintf(what, sizeof(what), "COPY into %s", tables[t].name);
	r = PQexec(g->c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		pg_fail(k, g->c, r, what);
		PQclear(r);
		return -EIO;
	}
	PQclear(r);
	ok = PQputCopyData(g->c, head, sizeof(head)) == 1;
	for (size_t off = 0; ok && off < g->t[t].len; off += 1u << 20) {
		size_t n = g->t[t].len - off < (1u << 20) ? g->t[t].len - off : 1u << 20;

		ok = PQputCopyData(g->c, (const char *)g->t[t].p + off, (int)n) == 1;
	}
	ok = ok && PQputCopyData(g->c, trail, 2) == 1;
	if (PQputCopyEnd(g->c, ok ? NULL : "client failed") != 1)
		ok = 0;
	r = PQgetResult(g->c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ok = 0, pg_fail(k, g->c, r, what);
	else if (!ok)
		pg_fail(k, g->c, NULL, what);
	PQclear(r);
	while ((r = PQgetResult(g->c)))
		PQclear(r);
	return ok ? 0 : -EIO;
}

/* The day partitions this flush's rows fall in and no earlier flush made sure of. */
static int partitions(struct pc_sink *k)
{
	struct pg *g = k->priv;

	for (size_t i = g->nknown; i < g->ndays; i++) {
		time_t day = (time_t)g->days[i] * 86400;
		char d[16];
		struct tm tm;
		const char *v[] = {d};
		PGresult *r;

		gmtime_r(&day, &tm);
		strftime(d, sizeof(d), "%Y-%m-%d", &tm);
		/* a bulk load indexes its new days at the end (sink__finish) */
		r = query(k,
			  k->o.bulk ? "SELECT pc_partition($1::date, false)"
				    : "SELECT pc_partition($1::date, true)",
			  1, v, "creating a day's partitions");
		if (!r)
			return -EIO;
		PQclear(r);
	}
	return 0;
}

/* Move one stream's cursor, if nobody else moved it since we read it. */
static int cursor(struct pc_sink *k, const struct sink_stream *st)
{
	char cid[24], run[16], to[24], from[24];
	const char *v[] = {cid, run, to, from};
	PGresult *r;
	int moved;

	snprintf(cid, sizeof(cid), "%" PRId64, st->cid);
	snprintf(run, sizeof(run), "%u", st->run);
	snprintf(to, sizeof(to), "%" PRIu64, st->pending_ns);
	snprintf(from, sizeof(from), "%" PRIu64, st->cursor_ns);
	r = query(k,
		  "INSERT INTO pc_cursor (collector_id, run, last_ns) VALUES ($1, $2, $3)"
		  " ON CONFLICT (collector_id, run) DO UPDATE SET last_ns = EXCLUDED.last_ns,"
		  " updated = now() WHERE pc_cursor.last_ns = $4",
		  4, v, "moving the cursor");
	if (!r)
		return -EIO;
	moved = !strcmp(PQcmdTuples(r), "1");
	PQclear(r);
	if (!moved)
		return sink_fail(k, -ESTALE,
				 "collector %" PRId64 " run %u: another writer stored these "
				 "intervals meanwhile (rolled back; they are not stored twice)",
				 st->cid, st->run);
	return 0;
}

static int flush_locked(struct pc_sink *k)
{
	int rc = partitions(k);

	for (int t = 0; t < T_N && !rc; t++)
		if (((struct pg *)k->priv)->nrows[t])
			rc = copy_table(k, t);
	for (size_t i = 0; i < k->nst && !rc; i++)
		if (k->st[i]->pending_ns > k->st[i]->cursor_ns)
			rc = cursor(k, k->st[i]);
	return rc;
}

/* Index every day partition that has no indexes yet (a bulk load's, or an interrupted one's). */
static int pg_finish(struct pc_sink *k)
{
	PGresult *r = query(k,
			    "SELECT count(pc_index_day(to_date(right(c.relname, 8), 'YYYYMMDD')))"
			    " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
			    " WHERE i.inhparent = 'pc_host_metric'::regclass",
			    0, NULL, "indexing the days loaded");

	if (!r)
		return -EIO;
	PQclear(r);
	return 0;
}

static void pg_discard(struct pc_sink *k)
{
	struct pg *g = k->priv;

	if (!g)
		return;
	for (int t = 0; t < T_N; t++)
		g->t[t].len = 0, g->nrows[t] = 0;
	g->ndays = g->nknown; /* days of the dropped rows may not exist */
}

static int pg_flush(struct pc_sink *k)
{
	struct pg *g = k->priv;
	int rc, any = 0;

	for (size_t i = 0; i < k->nst; i++)
		any |= k->st[i]->pending_ns > k->st[i]->cursor_ns;
	if (!any)
		return 0;
	if (pg_exec(k, g->c, "BEGIN", "starting a transaction"))
		return -EIO;
	rc = flush_locked(k);
	if (!rc)
		rc = pg_exec(k, g->c, "COMMIT", "committing");
	if (rc) {
		PQclear(PQexec(g->c, "ROLLBACK"));
		return rc;
	}
	g->nknown = g->ndays;
	for (int t = 0; t < T_N; t++)
		g->t[t].len = 0, g->nrows[t] = 0;
	return 0;
}

static void pg_close(struct pc_sink *k)
{
	struct pg *g = k->priv;

	if (!g)
		return;
	PQfinish(g->c);
	g->c = NULL;
	for (int t = 0; t < T_N; t++)
		pc_buf_free(&g->t[t]);
	free(g->days);
	free(g);
	k->priv = NULL;
}

const struct sink_ops sink_pg_ops = {
    .open = pg_open,
    .stream = pg_stream,
    .interval = pg_interval,
    .host_row = pg_host_row,
    .buffered = pg_buffered,
    .flush = pg_flush,
    .finish = pg_finish,
    .discard = pg_discard,
    .close = pg_close,
};
