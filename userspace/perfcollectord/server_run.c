// SPDX-License-Identifier: MIT
/*
 * server_run.c: server mode's run (see server.c for the whole):
 *  - the run state (running, run number, interval, systems), persisted in
 *    <datadir>/state so that a restarted collector resumes the run it was
 *    in, continuing its batch and sample numbering from the spool and
 *    marking the samples it could not take as a PC_GAP_RESTART gap;
 *  - the sampling thread: while a run is on, one sample per tick on the
 *    ticker's absolute deadlines, grouped into batches (one codec stream
 *    each, numbered without a hole: a gap begins a new batch) sealed into
 *    the spool. When the spool has no room the sample is
 *    not taken: it is counted and the next one carries a PC_GAP_SPOOL_FULL
 *    gap. The ticks are cd_loop's (loop.c), as in the other modes; this is
 *    its sink (a spool batch), and the thread runs the loop again whenever
 *    the processor starts, stops or changes the run.
 *  - start, stop and status as the sessions ask for them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"
#include "pc/config.h"
#include "pc/io.h"
#include "pc/log.h"
#include "pc/sampler.h"
#include "pc/source.h"
#include "pc/ticker.h"
#include "server_int.h"

#define AWAY_BATCH_NS 60000000000ull /* bigger batches while nobody is listening */

/* --- run state file */

void srv_state_save(struct srv *S)
{
	char *text = NULL, err[PATH_MAX + 64];
	int n;

	/* state.tmp is made O_EXCL | O_NOFOLLOW, 0600, and renamed: a planted link is not followed
	 */
	n = asprintf(&text,
		     "running=%d\nrun=%u\nhost=%u\ninterval_ns=%llu\nstart_ns=%llu\nsystems=%s\n",
		     S->running, S->run, S->host, (unsigned long long)S->interval_ns,
		     (unsigned long long)S->start_ns, S->systems);
	if (n < 0) {
		log_warnx("cannot write %s: out of memory", S->statepath);
		return;
	}
	if (io_replace_file(S->statepath, text, (size_t)n, 0600, IO_TMP_FIXED, err, sizeof(err)))
		log_warnx("cannot write the run state: %s", err);
	free(text);
}

void srv_state_load(struct srv *S)
{
	char line[PC_WIRE_MAX_TEXT + 64];
	unsigned lineno = 0;
	uint64_t v;
	FILE *f = fopen(S->statepath, "r");
	uint32_t mask;
	char why[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!eq)
			goto bad;
		*eq = 0;
		val = eq + 1;
		if (!strcmp(line, "systems")) {
			snprintf(S->systems, sizeof(S->systems), "%s", val);
			continue;
		}
		if (pc_parse_u64(val, UINT64_MAX, &v))
			goto bad;
		if (!strcmp(line, "running"))
			S->running = v == 1;
		else if (!strcmp(line, "run") && v <= UINT32_MAX)
			S->run = (uint32_t)v;
		else if (!strcmp(line, "host") && v <= UINT32_MAX)
			S->host = (uint32_t)v;
		else if (!strcmp(line, "interval_ns"))
			S->interval_ns = v;
		else if (!strcmp(line, "start_ns"))
			S->start_ns = v;
		else
			goto bad;
		continue;
	bad:
		log_warnx("%s line %u: '%.80s' not understood; ignored", S->statepath, lineno,
			  line);
	}
	fclose(f);
	if (S->running && (!pc_interval_ok(S->interval_ns) ||
			   pc_systems_mask(S->systems, &mask, why, sizeof(why)))) {
		log_warnx("%s: interval %llu ns or systems '%s' invalid: not resuming run %u",
			  S->statepath, (unsigned long long)S->interval_ns, S->systems, S->run);
		S->running = 0;
	}
	S->resume = S->running;
}

/* --- sampling thread */

struct runctx {
	struct srv *S;
	unsigned gen; /* S->gen when the run began */
	struct pc_enc enc;
	struct pc_buf batch;
	uint32_t host, run, mask;
	uint64_t interval, start_ns;
	int resume;	   /* the run was on when the collector last stopped */
	uint64_t seq_base; /* added to the sampler's numbers: they go on from the spool */
	uint64_t bseq, first_seq, first_ns, last_ns, opened_mono;
	uint32_t nb;
	uint64_t est;		/* room the next sample needs */
	int full_since;		/* the spool is full: samples are being dropped */
	uint64_t lost_unsealed; /* samples lost after they were taken (spool refused their batch) */
};

static void seal(struct runctx *r)
{
	struct spool_batch b = {r->host,     r->run,	 r->bseq,	r->first_seq, r->nb,
				r->first_ns, r->last_ns, pc_now_real(), r->batch.p,   r->batch.len};
	int ret;

	if (!r->nb)
		return;
	ret = spool__append(r->S->spool, &b);
	if (ret) {
		log_warnx("run %u batch %llu (%u samples): cannot spool: %s; marked as a gap",
			  r->run, (unsigned long long)r->bseq, r->nb, strerror(-ret));
		spool__drop(r->S->spool, r->nb);
		r->lost_unsealed += r->nb;
	}
	r->bseq++;
	r->nb = 0;
	r->batch.len = 0;
}

static void add_sample(struct runctx *r, struct pc_sample *s)
{
	int ret;

	s->seq += r->seq_base;
	/* a batch's samples are consecutive (first_seq + nsamples is the next one:
	 * run_start and the processor rely on it), so a gap begins a new batch */
	if (s->flags & PC_SF_GAP_BEFORE && r->nb)
		seal(r);
	if (r->lost_unsealed) {
		s->flags |= PC_SF_GAP_BEFORE;
		s->gap_reason = PC_GAP_SPOOL_FULL;
		s->gap_count += r->lost_unsealed;
		r->lost_unsealed = 0;
	}
	for (int g = 0; g < PC_G_MAX; g++)
		if (!(r->mask & (1u << g)))
			s->t[g].nrows = 0;
	if (!r->nb) {
		pc_enc_reset(&r->enc);
		r->batch.len = 0;
		r->first_seq = s->seq;
		r->first_ns = s->time_ns;
		r->opened_mono = pc_now_mono();
	}
	ret = pc_enc_sample(&r->enc, s, &r->batch);
	if (ret) {
		log_warnx("run %u: encoding sample %llu: %s", r->run, (unsigned long long)s->seq,
			  strerror(-ret));
		return;
	}
	r->nb++;
	r->last_ns = s->time_ns;
	pthread_mutex_lock(&r->S->mu);
	if (r->S->run == r->run) /* not one in flight when the next run started */
		r->S->samples++;
	pthread_mutex_unlock(&r->S->mu);
}

/* The run was stopped or restarted, or the collector stops. */
static int changed(void *ctx)
{
	struct runctx *r = ctx;
	int c;

	pthread_mutex_lock(&r->S->mu);
	c = r->S->gen != r->gen || cd_stop;
	pthread_mutex_unlock(&r->S->mu);
	return c;
}

/* Seal the open batch when it is old enough (sooner while a processor listens) or big. */
static void seal_if_due(struct runctx *r)
{
	struct srv *S = r->S;
	int sink;

	pthread_mutex_lock(&S->mu);
	sink = S->sink;
	pthread_mutex_unlock(&S->mu);
	if (r->nb && (pc_now_mono() - r->opened_mono + r->interval / 2 >=
			  (sink ? S->o->batch_ns : AWAY_BATCH_NS) ||
		      r->batch.len >= MAX_BATCH_BYTES))
		seal(r);
}

/* Sample 0 is due at deadline: number on from the spool; a resumed run marks what it lost. */
static void run_start(void *ctx, struct pc_sampler *sp, uint64_t deadline)
{
	struct runctx *r = ctx;
	struct spool_batch last;
	char ival[32];

	sampler__keep(sp, r->mask); /* not even read: what the run does not keep */
	if (spool__last(r->S->spool, &last) && last.run == r->run) {
		r->seq_base = last.first_seq + last.nsamples;
		r->bseq = last.bseq + 1;
	}
	if (r->resume) {
		/* samples due after the last one spooled and before now were lost */
		uint64_t from = last.run == r->run && last.nsamples ? last.last_ns
				: r->start_ns > r->interval	    ? r->start_ns - r->interval
								    : 0;
		uint64_t lost = deadline > from + 1 ? (deadline - from - 1) / r->interval : 0;

		if (lost)
			sampler__gap(sp, lost, PC_GAP_RESTART);
		log_info("resuming run %u after a restart at batch %llu, sample %llu: %llu samples "
			 "lost, marked as a gap",
			 r->run, (unsigned long long)r->bseq,
			 (unsigned long long)(r->seq_base + lost), (unsigned long long)lost);
	} else {
		log_info("run %u: sampling every %s", r->run,
			 (pc_format_duration(r->interval, ival, sizeof(ival)), ival));
	}
}

/* No room in the spool for another sample: it is not taken but counted as a gap. */
static int run_full(void *ctx, struct pc_sampler *sp)
{
	struct runctx *r = ctx;

	if (spool__fits(r->S->spool, r->batch.len + r->est)) {
		if (r->full_since)
			log_info("run %u: spool has room again", r->run);
		r->full_since = 0;
		return 0;
	}
	if (!r->full_since)
		log_warnx("run %u: spool full: dropping samples (counted, marked as a "
			  "gap) until the processor acknowledges",
			  r->run);
	r->full_since = 1;
	if (r->nb)
		seal(r); /* what fits goes in; then drop */
	sampler__gap(sp, 1, PC_GAP_SPOOL_FULL);
	spool__drop(r->S->spool, 1);
	return 1;
}

/* A sample that cannot be taken is logged and skipped: the run goes on. */
static int run_failed(void *ctx, uint64_t deadline, int err)
{
	struct runctx *r = ctx;

	log_warnx("run %u: sample at %llu: %s", r->run, (unsigned long long)deadline,
		  strerror(-err));
	seal_if_due(r);
	return 0;
}

/* The sample into the open batch, numbered on from the spool, trimmed to the run's systems. */
static int run_write(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	struct runctx *r = ctx;
	size_t before = r->batch.len;

	(void)sp;
	add_sample(r, s);
	/* room for the next sample: twice the largest seen, so the open batch
	 * always fits; at most a quarter of the spool, so a small one works */
	if (r->batch.len > before && (r->batch.len - before) * 2 > r->est)
		r->est = (r->batch.len - before) * 2;
	if (r->est > r->S->o->spool_file / 4)
		r->est = r->S->o->spool_file / 4;
	seal_if_due(r);
	return 0;
}

/* One run of the sampling loop, until it is stopped or changed; the last batch is sealed. */
static void run_one(struct srv *S, unsigned gen, uint64_t interval, const char *systems, int resume,
		    uint64_t start_ns)
{
	struct runctx r = {.S = S,
			   .gen = gen,
			   .interval = interval,
			   .resume = resume,
			   .start_ns = start_ns,
			   .est = 16384};
	struct cd_sink k = {.write = run_write,
			    .start = run_start,
			    .full = run_full,
			    .failed = run_failed,
			    .stopped = changed,
			    .ctx = &r};
	struct cd_loop l = {.root = S->o->root,
			    .sampler_flags = S->o->sampler_flags,
			    .interval_ns = interval,
			    .stop = &cd_stop};
	char why[256];

	pthread_mutex_lock(&S->mu);
	r.host = l.host = S->host;
	r.run = l.run = S->run;
	pthread_mutex_unlock(&S->mu);
	pc_systems_mask(systems, &r.mask, why, sizeof(why));
	pc_enc_init(&r.enc);
	if (cd_loop(&l, &k))
		log_warnx("run %u: cannot sample", r.run);
	seal(&r);
	pc_buf_free(&r.batch);
	pc_enc_free(&r.enc);
}

void *srv_sampler_main(void *arg)
{
	struct srv *S = arg;

	pthread_mutex_lock(&S->mu);
	while (!cd_stop) {
		unsigned gen;
		uint64_t interval, start_ns;
		char systems[sizeof(S->systems)];
		int resume;

		if (!S->running) {
			pthread_cond_wait(&S->cv, &S->mu);
			continue;
		}
		gen = S->gen;
		interval = S->interval_ns;
		start_ns = S->start_ns;
		resume = S->resume;
		S->resume = 0;
		memcpy(systems, S->systems, sizeof(systems));
		pthread_mutex_unlock(&S->mu);
		run_one(S, gen, interval, systems, resume, start_ns);
		pthread_mutex_lock(&S->mu);
		if (S->gen == gen && !cd_stop && S->running) {
			/* the run could not continue: say so rather than spin */
			S->running = 0;
			srv_state_save(S);
		}
	}
	pthread_mutex_unlock(&S->mu);
	return NULL;
}

void srv_wake_sampler(struct srv *S)
{
	pthread_cond_broadcast(&S->cv);
	pthread_kill(S->sampler, SIGUSR1); /* interrupts the tick's sleep */
}

/* --- requests */

void srv_fill_status(struct srv *S, struct pc_wire_status *st)
{
	struct spool_stats ss;

	spool__stats(S->spool, &ss);
	pthread_mutex_lock(&S->mu);
	st->running = (uint8_t)S->running;
	st->sink = (uint8_t)S->sink;
	st->host = S->host;
	st->run = S->run;
	st->interval_ns = S->interval_ns;
	st->samples = S->samples;
	pthread_mutex_unlock(&S->mu);
	st->dropped = ss.dropped;
	st->spool_batches = ss.batches;
	st->spool_bytes = ss.bytes;
	st->spool_free = ss.free;
	st->spool_mem = ss.mem;
}

int srv_start(struct srv *S, uint64_t interval, const char *systems, struct pc_buf *out)
{
	char why[512], ival[32];
	uint32_t mask;
	int n;

	if (!pc_interval_ok(interval)) {
		n = snprintf(why, sizeof(why), "frequency %llu ns: must be between 10ms and 1h",
			     (unsigned long long)interval);
		pc_buf_put(out, why, (size_t)n);
		return -EINVAL;
	}
	if (pc_systems_mask(systems, &mask, why, sizeof(why))) {
		pc_buf_put(out, why, strlen(why));
		return -EINVAL;
	}
	pthread_mutex_lock(&S->mu);
	if (S->running) {
		n = snprintf(why, sizeof(why), "already running run %u (stop it first)", S->run);
		pthread_mutex_unlock(&S->mu);
		pc_buf_put(out, why, (size_t)n);
		return -EALREADY;
	}
	S->running = 1;
	S->run++;
	S->interval_ns = interval;
	S->start_ns = pc_now_real();
	snprintf(S->systems, sizeof(S->systems), "%s", systems);
	S->samples = 0;
	S->gen++;
	S->resume = 0;
	srv_state_save(S);
	pc_format_duration(interval, ival, sizeof(ival));
	n = snprintf(why, sizeof(why), "started run %u every %s", S->run, ival);
	pthread_mutex_unlock(&S->mu);
	srv_wake_sampler(S);
	pc_buf_put(out, why, (size_t)n);
	return 0;
}

int srv_stop(struct srv *S, struct pc_buf *out)
{
	char msg[128];
	int n;

	pthread_mutex_lock(&S->mu);
	if (!S->running) {
		pthread_mutex_unlock(&S->mu);
		pc_buf_put(out, "not running", 11);
		return 0;
	}
	S->running = 0;
	S->gen++;
	srv_state_save(S);
	n = snprintf(msg, sizeof(msg), "stopped run %u after %llu samples", S->run,
		     (unsigned long long)S->samples);
	pthread_mutex_unlock(&S->mu);
	srv_wake_sampler(S);
	pc_buf_put(out, msg, (size_t)n);
	return 0;
}
