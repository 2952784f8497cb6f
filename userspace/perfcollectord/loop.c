// SPDX-License-Identifier: MIT
/*
 * loop.c: perfcollectord's sampling loop, the same for every mode (see
 * collectord.h): sample 0 at once (in the file modes written and synced
 * before we say "collecting", so a collection that cannot be written fails
 * at once), then one sample per tick on the ticker's absolute deadlines until
 * the sample count is reached, *stop is set (SIGINT / SIGTERM) or the sink
 * ends it. Missed deadlines become an explicit gap in the data and count
 * against the total. What becomes of a sample is the mode's sink: a
 * collection file (local.c), pcc's lines (pcc.c), spool batches
 * (server_run.c). Everything it needs comes in struct cd_loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectord.h"
#include "pc/config.h"
#include "pc/log.h"
#include "pc/sampler.h"
#include "pc/ticker.h"

struct loop_run {
	const struct cd_loop *l;
	const struct cd_sink *k;
	struct pc_sampler *sp;
	struct pc_ticker tk;
	struct pc_sample s;
	uint64_t deadline;
	uint64_t taken;	  /* ticks done, missed ones included when there is a count */
	uint64_t written; /* samples the sink accepted: what "done" reports */
};

static int ended(const struct loop_run *r)
{
	return *r->l->stop || (r->k->stopped && r->k->stopped(r->k->ctx));
}

static int counted_out(const struct loop_run *r)
{
	return r->l->count && r->taken >= r->l->count;
}

/* The file modes' word once sample 0 is safe. */
static void say_collecting(const struct loop_run *r)
{
	const struct cd_loop *l = r->l;
	char ival[32], dur[32];

	if (l->quiet)
		return;
	pc_format_duration(l->interval_ns, ival, sizeof(ival));
	pc_format_duration(l->duration_ns, dur, sizeof(dur));
	if (l->count)
		log_info("collecting: %s every %s for %s (%llu samples)", l->output, ival, dur,
			 (unsigned long long)l->count);
	else
		log_info("collecting: %s every %s until stopped", l->output, ival);
}

/* This tick's sample, taken and handed to the sink (sample 0 synced too): 0 or -1 to end. */
static int tick(struct loop_run *r)
{
	const struct cd_sink *k = r->k;
	int ret;

	if (k->full && k->full(k->ctx, r->sp)) {
		r->taken++;
		return 0;
	}
	ret = sampler__take(r->sp, &r->s, r->deadline);
	if (ret) {
		if (k->failed && !k->failed(k->ctx, r->deadline, ret))
			return 0;
		log_warnx("sample %llu: %s", (unsigned long long)r->taken, strerror(-ret));
		return -1;
	}
	ret = k->write(k->ctx, r->sp, &r->s);
	if (!ret && r->taken == 0 && k->sync)
		ret = k->sync(k->ctx);
	if (ret) {
		log_warnx("cannot write %s: %s", r->l->output ? r->l->output : "the sample",
			  strerror(-ret));
		return -1;
	}
	r->written++;
	if (r->taken++ == 0 && r->l->output)
		say_collecting(r);
	if (r->l->output && r->taken == 1 && sampler__first_parse_error(r->sp))
		log_warnx("skipping what /proc printed that is not understood: %s",
			  sampler__first_parse_error(r->sp));
	return 0;
}

/* Sleep to the next deadline; 0, or -1 when the loop ends instead. */
static int wait_next(struct loop_run *r)
{
	int ret;

	while ((ret = ticker__next(&r->tk, &r->deadline)) == -EINTR && !ended(r))
		;
	if (ret || ended(r))
		return -1;
	if (r->tk.last_skipped) {
		sampler__gap(r->sp, r->tk.last_skipped, PC_GAP_OVERRUN);
		if (r->l->count) /* missed samples count against the total */
			r->taken += r->tk.last_skipped;
	}
	return 0;
}

static int finish(struct loop_run *r)
{
	const struct cd_loop *l = r->l;
	int ret, status = 0;

	if (r->k->sync && (ret = r->k->sync(r->k->ctx))) {
		log_warnx("cannot sync %s: %s", l->output ? l->output : "the samples",
			  strerror(-ret));
		status = 1;
	}
	if (l->output && !l->quiet)
		log_info("done: %llu samples in %s%s", (unsigned long long)r->written, l->output,
			 r->tk.missed ? " (some deadlines missed: see the gaps)" : "");
	return status;
}

int cd_loop(const struct cd_loop *l, const struct cd_sink *k)
{
	struct loop_run r = {.l = l, .k = k};
	int status = 1;

	r.sp = sampler__open(l->root, l->sampler_flags, l->host, l->run);
	if (!r.sp) {
		log_warn("cannot read %s/proc", l->root ? l->root : "");
		return 1;
	}
	if (*sampler__missing(r.sp))
		log_warnx("running without: %s", sampler__missing(r.sp));
	pc_sample_init(&r.s);
	ticker__init(&r.tk, l->interval_ns);
	r.deadline = r.tk.start_real;
	if (k->start)
		k->start(k->ctx, r.sp, r.deadline);
	for (;;) {
		/* a run the sink ended takes no more samples; a signal lets sample 0 be written */
		if (k->stopped && k->stopped(k->ctx))
			break;
		if (tick(&r))
			goto cleanup;
		if (counted_out(&r) || ended(&r) || wait_next(&r) || counted_out(&r))
			break;
	}
	status = finish(&r);
cleanup:
	pc_sample_free(&r.s);
	sampler__close(r.sp);
	return status;
}
