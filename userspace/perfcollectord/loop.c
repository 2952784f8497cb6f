// SPDX-License-Identifier: MIT
/*
 * loop.c: perfcollectord's sampling loop, the same for every mode: sample 0
 * at once (written and synced before we say "collecting", so a collection
 * that cannot be written fails at once), then one sample per tick on the
 * ticker's absolute deadlines until the sample count is reached or SIGINT /
 * SIGTERM arrives. Missed deadlines become an explicit gap in the data.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectord.h"
#include "pc/config.h"
#include "pc/log.h"
#include "pc/sampler.h"
#include "pc/ticker.h"

int cd_loop(const struct cd_opts *o, struct cd_writer *w)
{
	uint64_t want = cd_sample_count(o), taken = 0, deadline;
	struct pc_sampler *sp;
	struct pc_ticker tk;
	struct pc_sample s;
	char ival[32], dur[32];
	int ret, status = 1;

	sp = sampler__open(o->root, o->sampler_flags, o->host, o->run);
	if (!sp) {
		log_warn("cannot read %s/proc", o->root ? o->root : "");
		return 1;
	}
	if (*sampler__missing(sp))
		log_warnx("running without: %s", sampler__missing(sp));
	pc_sample_init(&s);
	ticker__init(&tk, o->interval_ns);
	deadline = tk.start_real;
	for (;;) {
		ret = sampler__take(sp, &s, deadline);
		if (ret) {
			log_warnx("sample %llu: %s", (unsigned long long)taken, strerror(-ret));
			goto cleanup;
		}
		ret = w->write(w->ctx, sp, &s);
		if (!ret && taken == 0 && w->sync)
			ret = w->sync(w->ctx);
		if (ret) {
			log_warnx("cannot write %s: %s", o->output, strerror(-ret));
			goto cleanup;
		}
		if (taken++ == 0 && !o->quiet) {
			pc_format_duration(o->interval_ns, ival, sizeof(ival));
			pc_format_duration(o->duration_ns, dur, sizeof(dur));
			if (want)
				log_info("collecting: %s every %s for %s (%llu samples)", o->output,
					 ival, dur, (unsigned long long)want);
			else
				log_info("collecting: %s every %s until stopped", o->output, ival);
		}
		if (sampler__first_parse_error(sp) && taken == 1)
			log_warnx("skipping what /proc printed that is not understood: %s",
				  sampler__first_parse_error(sp));
		if ((want && taken >= want) || cd_stop)
			break;
		while ((ret = ticker__next(&tk, &deadline)) == -EINTR && !cd_stop)
			;
		if (cd_stop)
			break;
		if (tk.last_skipped) {
			sampler__gap(sp, tk.last_skipped, PC_GAP_OVERRUN);
			if (want) /* missed samples count against the total */
				taken += tk.last_skipped;
			if (want && taken >= want)
				break;
		}
	}
	status = 0;
	if (w->sync && (ret = w->sync(w->ctx))) {
		log_warnx("cannot sync %s: %s", o->output, strerror(-ret));
		status = 1;
	}
	if (!o->quiet)
		log_info("done: %llu samples in %s%s", (unsigned long long)(taken - tk.missed),
			 o->output, tk.missed ? " (some deadlines missed: see the gaps)" : "");
cleanup:
	pc_sample_free(&s);
	sampler__close(sp);
	return status;
}
