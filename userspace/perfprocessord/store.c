// SPDX-License-Identifier: MIT
/*
 * store.c: perfprocessord's store (see store.h) over the encrypted journal.
 * Session threads only queue a copy of each batch (store__put, under one
 * mutex); a committer thread owns the journal: each round it takes every
 * batch queued since the last, appends them (journal__append_batch: host,
 * run, first sample seq, count, times, payload = the batch's codec stream as
 * received) and calls journal__commit once, then wakes every waiter. So one
 * fdatasync covers the batches of all hosts that arrived while the previous
 * one ran. Also the duplicate index: one past the highest sample seq stored
 * per host and run (collectors send a run's batches in order and never
 * overlap them), seeded from journal__runs when the journal opens, and
 * reading the journal back for `perfprocessord dump`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "pc/log.h"
#include "store.h"

struct runpos {
	uint32_t host, run;
	uint64_t next_seq; /* one past the highest sample seq stored or queued */
};

/* A queued batch in a pending buffer: this header, then len payload bytes, 8-aligned. */
struct qhead {
	struct journal_meta m;
	uint64_t len;
};

struct store {
	char path[4096];
	struct journal *j; /* the committer's alone once it runs */
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* committer: work to do */
	pthread_cond_t done; /* waiters: a round finished */
	struct pc_buf pend;  /* queued batches, under mu */
	size_t npend;
	struct runpos *runs;
	size_t nruns;
	uint64_t next_ticket, synced;
	int sync_err; /* sticky: after a failed commit nothing more is acknowledged */
	int stop, started;
	pthread_t committer;
	store_durable_fn durable;
	void *durable_ctx;
};

static struct runpos *runpos(struct store *st, uint32_t host, uint32_t run)
{
	struct runpos *r;

	for (size_t i = 0; i < st->nruns; i++)
		if (st->runs[i].host == host && st->runs[i].run == run)
			return &st->runs[i];
	r = realloc(st->runs, (st->nruns + 1) * sizeof(*r));
	if (!r)
		return NULL;
	st->runs = r;
	r = &st->runs[st->nruns++];
	*r = (struct runpos){host, run, 0};
	return r;
}

/* Append one round's batches to the journal and commit them; 0 or -errno. */
static int commit_round(struct store *st, const struct pc_buf *work, size_t n)
{
	size_t off = 0;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		struct qhead q;

		memcpy(&q, work->p + off, sizeof(q));
		ret = journal__append_batch(st->j, &q.m, work->p + off + sizeof(q), (size_t)q.len);
		if (ret)
			log_warnx("%s: host %u run %u sample %llu: cannot append: %s", st->path,
				  q.m.host, q.m.run, (unsigned long long)q.m.first_seq,
				  strerror(-ret));
		off += sizeof(q) + ((q.len + 7) & ~(uint64_t)7);
	}
	/*
	 * After a failed append, commit the records before it (they are in order)
	 * and none after, so no later batch of a run is stored ahead of a hole.
	 */
	if (journal__pending(st->j)) {
		int r = journal__commit(st->j);

		if (r)
			log_warnx("%s: commit: %s", st->path, strerror(-r));
		if (!ret)
			ret = r;
	}
	return ret;
}

/* Hand a committed round's batches to the durable hook. */
static void announce(struct store *st, const struct pc_buf *work, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		struct qhead q;

		memcpy(&q, work->p + off, sizeof(q));
		st->durable(st->durable_ctx, q.m.host, q.m.run, work->p + off + sizeof(q),
			    (size_t)q.len);
		off += sizeof(q) + ((q.len + 7) & ~(uint64_t)7);
	}
}

void store__on_durable(struct store *st, store_durable_fn fn, void *ctx)
{
	st->durable = fn;
	st->durable_ctx = ctx;
}

static void *committer(void *arg)
{
	struct store *st = arg;
	struct pc_buf work = {0};

	pthread_mutex_lock(&st->mu);
	while (!st->stop) {
		struct pc_buf t;
		uint64_t target;
		size_t n;
		int err;

		if (!st->npend) {
			pthread_cond_wait(&st->cv, &st->mu);
			continue;
		}
		/* take the queue, leave an empty one (the old work buffer) for the next round */
		t = st->pend;
		st->pend = work;
		st->pend.len = 0;
		work = t;
		n = st->npend;
		st->npend = 0;
		target = st->next_ticket;
		pthread_mutex_unlock(&st->mu);
		err = st->sync_err ? 0 : commit_round(st, &work, n);
		pthread_mutex_lock(&st->mu);
		if (err && !st->sync_err) {
			st->sync_err = err;
			log_warnx(
			    "%s: %s; no further batch is acknowledged (restart once fixed: the "
			    "collectors keep the rest)",
			    st->path, strerror(-err));
		}
		st->synced = target;
		pthread_cond_broadcast(&st->done);
		if (!err && !st->sync_err && st->durable) {
			/* after the waiters are woken: the live sink never delays an ack */
			pthread_mutex_unlock(&st->mu);
			announce(st, &work, n);
			pthread_mutex_lock(&st->mu);
		}
	}
	pthread_mutex_unlock(&st->mu);
	pc_buf_free(&work);
	return NULL;
}

/* Seed the duplicate index from the journal and say what it holds. */
static int load_state(struct store *st, int created)
{
	const struct journal_damage *d;
	const struct journal_run *r;
	uint64_t records = 0, samples = 0;
	uint32_t hosts = 0;
	size_t n, nd;

	r = journal__runs(st->j, &n);
	for (size_t i = 0; i < n; i++) {
		struct runpos *p = runpos(st, r[i].host, r[i].run);
		size_t k;

		if (!p)
			return -ENOMEM;
		p->next_seq = r[i].next_seq;
		records += r[i].records;
		samples += r[i].samples;
		for (k = 0; k < i && r[k].host != r[i].host; k++)
			;
		hosts += k == i;
	}
	d = journal__damage(st->j, &nd);
	for (size_t i = 0; i < nd; i++)
		log_warnx("journal %s: byte %llu: %s", st->path, (unsigned long long)d[i].offset,
			  d[i].reason);
	if (created)
		log_info("journal %s: created for this identity", st->path);
	else
		log_info("journal %s: %llu records verified, identity ok (%llu samples, %u "
			 "host(s), %zu run(s)%s)",
			 st->path, (unsigned long long)records, (unsigned long long)samples, hosts,
			 n, nd ? ", damage above" : "");
	return 0;
}

struct store *store__open(const char *path, const struct pc_site *site, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	struct stat sb;
	int created = stat(path, &sb) || sb.st_size == 0;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(st->path, sizeof(st->path), "%s", path);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	pthread_cond_init(&st->done, NULL);
	st->j = journal__open_append(path, site, NULL, err, errlen);
	if (!st->j)
		goto cleanup;
	if (load_state(st, created)) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	if (pthread_create(&st->committer, NULL, committer, st)) {
		snprintf(err, errlen, "cannot start the committer thread");
		goto cleanup;
	}
	st->started = 1;
	return st;
cleanup:
	store__close(st);
	return NULL;
}

void store__close(struct store *st)
{
	int ret;

	if (!st)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_broadcast(&st->cv);
	pthread_cond_broadcast(&st->done);
	pthread_mutex_unlock(&st->mu);
	if (st->started)
		pthread_join(st->committer, NULL);
	/* batches still queued were never acknowledged: the collectors resend them */
	ret = journal__close(st->j);
	if (ret)
		log_warnx("%s: closing: %s", st->path, strerror(-ret));
	pc_buf_free(&st->pend);
	free(st->runs);
	pthread_cond_destroy(&st->done);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

int store__put(struct store *st, const struct pc_wire_batch *b, uint64_t *ticket)
{
	struct qhead q = {
	    .m = {b->host, b->run, b->first_seq, b->nsamples, b->first_ns, b->last_ns},
	    .len = b->payload.len};
	static const uint8_t pad[8];
	struct runpos *r;
	int ret;

	if (b->first_seq > UINT64_MAX - b->nsamples)
		return -ERANGE; /* a hostile collector: its session is closed */
	pthread_mutex_lock(&st->mu);
	if (st->sync_err) {
		ret = st->sync_err;
		goto cleanup;
	}
	r = runpos(st, b->host, b->run);
	if (!r) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (b->first_seq < r->next_seq) {
		/* stored, or queued in a round not yet durable: wait for the newest ticket */
		*ticket = st->next_ticket;
		ret = 1;
		goto cleanup;
	}
	ret = pc_buf_reserve(&st->pend, sizeof(q) + b->payload.len + 8);
	if (ret)
		goto cleanup;
	pc_buf_put(&st->pend, &q, sizeof(q));
	pc_buf_put(&st->pend, b->payload.p, b->payload.len);
	pc_buf_put(&st->pend, pad, (8 - b->payload.len % 8) % 8);
	st->npend++;
	r->next_seq = b->first_seq + b->nsamples;
	*ticket = ++st->next_ticket;
	pthread_cond_signal(&st->cv);
cleanup:
	pthread_mutex_unlock(&st->mu);
	return ret;
}

int store__wait(struct store *st, uint64_t ticket)
{
	int ret;

	pthread_mutex_lock(&st->mu);
	while (st->synced < ticket && !st->stop && !st->sync_err)
		pthread_cond_wait(&st->done, &st->mu);
	ret = st->sync_err ? st->sync_err : st->synced >= ticket ? 0 : -ECANCELED;
	pthread_mutex_unlock(&st->mu);
	return ret;
}

/* --- reading back */

int store__dump(const char *path, const struct pc_site *site, FILE *f, char *err, size_t errlen)
{
	struct journal *j = journal__open(path, site, err, errlen);
	uint64_t samples = 0, records = 0, bad = 0;
	const struct journal_damage *d;
	struct journal_rec rec;
	struct pc_sample s;
	struct pc_dec dec;
	size_t nd;
	int ret;

	if (!j)
		return -errno;
	pc_dec_init(&dec);
	pc_sample_init(&s);
	while ((ret = journal__next(j, &rec)) > 0) {
		size_t off = 0;
		uint32_t n = 0;

		records++;
		pc_dec_reset(&dec); /* each batch is one self-contained stream */
		while (off < rec.len) {
			long used = pc_dec_sample(&dec, rec.payload + off, rec.len - off, &s);

			if (used <= 0) {
				log_warnx("%s: record at byte %llu (host %u run %u) sample %u: %s",
					  path, (unsigned long long)rec.offset, rec.meta.host,
					  rec.meta.run, n, dec.err);
				bad++;
				break;
			}
			fprintf(f, "%u %u %llu %llu %u %u %llu\n", rec.meta.host, rec.meta.run,
				(unsigned long long)s.seq, (unsigned long long)s.time_ns, s.flags,
				s.gap_reason, (unsigned long long)s.gap_count);
			off += (size_t)used;
			n++;
		}
		samples += n;
	}
	d = journal__damage(j, &nd);
	for (size_t i = 0; i < nd; i++)
		log_warnx("%s: byte %llu: %s", path, (unsigned long long)d[i].offset, d[i].reason);
	log_info("%s: %llu records, %llu samples, %zu damaged, %llu undecodable", path,
		 (unsigned long long)records, (unsigned long long)samples, nd,
		 (unsigned long long)bad);
	pc_dec_free(&dec);
	pc_sample_free(&s);
	journal__close(j);
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (nd || bad) {
		snprintf(err, errlen, "%s: damage found (see above)", path);
		return -EBADMSG;
	}
	return 0;
}
