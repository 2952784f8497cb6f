// SPDX-License-Identifier: MIT
/*
 * dbsink.c: perfprocessord's live sink (--db=postgres|remote-write). The
 * committer hands every batch here once it is durable in the journal
 * (dbsink__put: a copy into a queue, never a wait); one thread of its own
 * decodes the batches and writes them through include/pc/sink.h. When the
 * database is away the queue is dropped, the outage is logged once, and the
 * thread retries every second; once it is back it catches up from the journal
 * itself (the records after the cursors kept in the database; those before
 * are skipped undecoded, but for the last one, the baseline), then goes on
 * with the queue, which it kept from the moment the catch-up started. A batch
 * both in the journal read and in the queue is given once (the streams skip
 * samples not after the last one given). The same catch-up runs at start, for
 * what was stored while no processor (or no database) was there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "pc/log.h"
#include "pc/sink.h"
#include "dbsink.h"

/* A queue bigger than this is dropped: the journal has it, catch-up reads it from there. */
#define QUEUE_MAX (64u << 20)

struct qbatch {
	uint32_t host, run;
	uint64_t len;
};

struct dbsink {
	struct pc_sink_opts o;
	char uri[1024];	   /* redacted, for messages */
	char cursor[4200]; /* remote-write's cursor file */
	char journal[4096];
	struct pc_site site;
	char sitename[256];
	char license[64];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pc_buf q; /* qbatch + payload, 8-aligned, under mu */
	int accept;	 /* queue batches (0 while the database is away) */
	int stop;
	struct pc_sink *k; /* the thread's */
	struct pc_dec dec;
	struct pc_sample s;
	int down; /* the outage was logged */
};

void dbsink__put(struct dbsink *d, uint32_t host, uint32_t run, const void *payload, size_t len)
{
	struct qbatch b = {host, run, len};
	static const uint8_t pad[8];

	pthread_mutex_lock(&d->mu);
	if (d->accept && d->q.len + len < QUEUE_MAX &&
	    !pc_buf_reserve(&d->q, sizeof(b) + len + 8)) {
		pc_buf_put(&d->q, &b, sizeof(b));
		pc_buf_put(&d->q, payload, len);
		pc_buf_put(&d->q, pad, (8 - len % 8) % 8);
		pthread_cond_signal(&d->cv);
	} else if (d->accept) {
		/* too far behind: the journal has it all, catch up from there */
		d->accept = 0;
		d->q.len = 0;
		pthread_cond_signal(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
}

static struct pc_sink_id sink_id(const struct dbsink *d, uint32_t host, uint32_t run)
{
	return (struct pc_sink_id){.site = d->site.siteid,
				   .host = host,
				   .run = run,
				   .sitename = d->site.sitename,
				   .machinename = "",
				   .description = ""};
}

/* The database failed: say so once, forget the connection, catch up when it is back. */
static void outage(struct dbsink *d)
{
	if (!d->down)
		log_warnx("database %s; the journal keeps everything, catching up when the "
			  "database is back",
			  d->k ? sink__error(d->k) : "unreachable");
	d->down = 1;
	sink__close(d->k);
	d->k = NULL;
	pthread_mutex_lock(&d->mu);
	d->accept = 0;
	d->q.len = 0;
	pthread_mutex_unlock(&d->mu);
}

/* The samples of one batch (a self-contained codec stream) into the sink; 0 or -errno. */
static int feed(struct dbsink *d, uint32_t host, uint32_t run, const uint8_t *p, size_t len)
{
	struct pc_sink_id id = sink_id(d, host, run);
	int rc = 0;

	pc_dec_reset(&d->dec);
	for (size_t off = 0; off < len && rc >= 0;) {
		long used = pc_dec_sample(&d->dec, p + off, len - off, &d->s);

		if (used <= 0) {
			log_warnx("sink: host %u run %u: batch does not decode: %s", host, run,
				  d->dec.err);
			break;
		}
		off += (size_t)used;
		rc = sink__add(d->k, &id, NULL, &d->s);
	}
	return rc;
}

/*
 * Catch-up skips the records a stream has stored (t_last <= its cursor) without
 * decoding them, but keeps those of the last CATCH_BASELINE_NS before the cursor
 * (and always the last one): their samples are the baselines of the first
 * intervals still to store, also of the groups read less often than every tick
 * (containers, snmp, netstat, loadavg: every second, collect/sources.c), whose
 * previous rows are up to a second back.
 */
#define CATCH_BASELINE_NS 2000000000ull

struct held {
	uint32_t host, run;
	struct held_rec {
		struct pc_buf b;
		uint64_t t_last;
	} * r; /* payloads of the last records skipped, oldest first, until one is fed */
	size_t n, cap;
};

static struct held *held(struct held **h, size_t *n, uint32_t host, uint32_t run)
{
	struct held *v;

	for (size_t i = 0; i < *n; i++)
		if ((*h)[i].host == host && (*h)[i].run == run)
			return &(*h)[i];
	v = realloc(*h, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*h = v;
	v[*n] = (struct held){.host = host, .run = run};
	return &v[(*n)++];
}

/* Keep a skipped record, dropping those older than the window before the cursor. */
static int hold(struct held *h, const struct journal_rec *r, uint64_t cursor)
{
	size_t drop = 0;

	while (drop < h->n && h->r[drop].t_last + CATCH_BASELINE_NS < cursor)
		pc_buf_free(&h->r[drop++].b);
	if (drop)
		memmove(h->r, h->r + drop, (h->n - drop) * sizeof(*h->r));
	h->n -= drop;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 8;
		struct held_rec *v = realloc(h->r, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->r = v, h->cap = cap;
	}
	h->r[h->n] = (struct held_rec){.t_last = r->meta.t_last};
	return pc_buf_put(&h->r[h->n++].b, r->payload, r->len);
}

static void held_free(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		pc_buf_free(&h->r[i].b);
	free(h->r);
	h->r = NULL, h->n = h->cap = 0;
}

/* One journal record during catch-up; 0 or -errno. */
static int catch_record(struct dbsink *d, const struct journal_rec *r, struct held *h)
{
	struct pc_sink_id id = sink_id(d, r->meta.host, r->meta.run);
	uint64_t cursor;
	int rc = sink__cursor(d->k, &id, &cursor);

	if (rc < 0)
		return rc;
	if (r->meta.t_last && r->meta.t_last <= cursor)
		return hold(h, r, cursor);
	for (size_t i = 0; i < h->n && rc >= 0; i++)
		rc = feed(d, r->meta.host, r->meta.run, h->r[i].b.p, h->r[i].b.len);
	held_free(h);
	return rc < 0 ? rc : feed(d, r->meta.host, r->meta.run, r->payload, r->len);
}

/* Every sample of the journal after the cursors; 0 or -errno. */
static int catch_up(struct dbsink *d)
{
	struct held *h = NULL;
	size_t nh = 0;
	struct timespec t0, t1;
	struct journal_rec r;
	struct journal *j;
	uint64_t n = 0, fed = 0, rows0, rows, v, skipped;
	char err[512];
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sink__stats(d->k, &rows0, &v, &skipped);
	j = journal__open(d->journal, &d->site, err, sizeof(err));
	if (!j) {
		log_debug("sink catch-up: %s", err); /* no journal yet: nothing to catch up */
		return 0;
	}
	while ((rc = journal__next(j, &r)) > 0 && !d->stop) {
		struct held *x = held(&h, &nh, r.meta.host, r.meta.run);

		n++;
		rc = x ? catch_record(d, &r, x) : -ENOMEM;
		fed += x && !x->n;
		if (rc >= 0 && sink__full(d->k))
			rc = sink__flush(d->k);
		if (rc < 0)
			break;
	}
	journal__close(j);
	for (size_t i = 0; i < nh; i++)
		held_free(&h[i]);
	free(h);
	rc = rc < 0 ? rc : sink__flush(d->k);
	if (rc < 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sink__stats(d->k, &rows, &v, &skipped);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	log_info("sink %s: caught up from the journal: %llu records, %llu decoded, %llu rows "
		 "written in %.2f s",
		 d->uri, (unsigned long long)n, (unsigned long long)fed,
		 (unsigned long long)(rows - rows0), s);
	return 0;
}

/* The batches of one queue buffer; 0 or -errno. */
static int drain(struct dbsink *d, const struct pc_buf *w)
{
	size_t off = 0;
	int rc = 0;

	while (off < w->len && rc >= 0) {
		struct qbatch b;

		memcpy(&b, w->p + off, sizeof(b));
		rc = feed(d, b.host, b.run, w->p + off + sizeof(b), (size_t)b.len);
		off += sizeof(b) + ((b.len + 7) & ~(uint64_t)7);
	}
	return rc < 0 ? rc : sink__flush(d->k);
}

/* Connect (or not yet) and catch up; 0 when the sink is ready for the queue. */
static int ready(struct dbsink *d)
{
	char err[2048];

	if (d->k)
		return 0;
	d->k = sink__open(&d->o, err, sizeof(err));
	if (!d->k) {
		if (!d->down)
			log_warnx("database %s; the journal keeps everything, catching up when "
				  "the database is back",
				  err);
		d->down = 1;
		return -EAGAIN;
	}
	if (d->down)
		log_info("database %s is back: catching up from the journal", d->uri);
	/* keep what arrives from now on: the journal read below may end before it */
	pthread_mutex_lock(&d->mu);
	d->accept = 1;
	pthread_mutex_unlock(&d->mu);
	if (catch_up(d) < 0) {
		outage(d);
		return -EAGAIN;
	}
	d->down = 0;
	return 0;
}

static void wait_a_second(struct dbsink *d)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&d->mu);
	if (!d->stop)
		pthread_cond_timedwait(&d->cv, &d->mu, &until);
	pthread_mutex_unlock(&d->mu);
}

static void *run(void *arg)
{
	struct dbsink *d = arg;
	struct pc_buf w = {0};

	while (!d->stop) {
		struct pc_buf t;

		if (ready(d)) {
			wait_a_second(d);
			continue;
		}
		pthread_mutex_lock(&d->mu);
		while (!d->stop && d->accept && !d->q.len)
			pthread_cond_wait(&d->cv, &d->mu);
		if (!d->accept && !d->stop) {
			/* the queue overflowed: read the journal again */
			pthread_mutex_unlock(&d->mu);
			sink__close(d->k);
			d->k = NULL;
			continue;
		}
		t = d->q, d->q = w, d->q.len = 0, w = t;
		pthread_mutex_unlock(&d->mu);
		if (w.len && drain(d, &w) < 0)
			outage(d);
	}
	pc_buf_free(&w);
	return NULL;
}

struct dbsink *dbsink__start(const struct pc_sink_opts *o, const char *journal,
			     const struct pc_site *site)
{
	struct dbsink *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->o = *o;
	if (o->cursor) {
		snprintf(d->cursor, sizeof(d->cursor), "%s", o->cursor);
		d->o.cursor = d->cursor;
	}
	sink__redact(o->uri, d->uri, sizeof(d->uri));
	snprintf(d->journal, sizeof(d->journal), "%s", journal);
	d->site = *site;
	snprintf(d->sitename, sizeof(d->sitename), "%s", site->sitename);
	snprintf(d->license, sizeof(d->license), "%s", site->license ? site->license : "");
	d->site.sitename = d->sitename;
	d->site.license = d->license;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	pc_dec_init(&d->dec);
	pc_sample_init(&d->s);
	if (pthread_create(&d->thread, NULL, run, d)) {
		free(d);
		return NULL;
	}
	return d;
}

void dbsink__stop(struct dbsink *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	/* what is still queued is in the journal: the next start catches it up */
	sink__close(d->k);
	pc_buf_free(&d->q);
	pc_dec_free(&d->dec);
	pc_sample_free(&d->s);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}
