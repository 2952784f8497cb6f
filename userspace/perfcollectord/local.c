// SPDX-License-Identifier: MIT
/* local.c: perfcollectord's local mode: the sampling loop's sink is a native collection file. */
#include <errno.h>
#include <string.h>

#include "collectord.h"
#include "pc/collection.h"
#include "pc/log.h"
#include "pc/sysinfo.h"
#include "pc/ticker.h"

#define COLL_GROUP_NS 100000000ull

static int write_sample(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	(void)sp;
	return coll__append(ctx, s);
}

static int sync_coll(void *ctx)
{
	return coll__sync(ctx);
}

int cd_run_local(const struct cd_opts *o)
{
	struct pc_sysinfo si;
	struct pc_coll *c;
	struct cd_sink k = {.write = write_sample, .sync = sync_coll, .start = cd_privsep_start};
	struct cd_loop l;
	int status, ret;

	if (cd_privsep_file_mode(o))
		return 1;
	if (pc_sysinfo_read(&si, o->root))
		log_warn("reading system information");
	si.host = o->host;
	si.run = o->run;
	si.interval_ns = o->interval_ns;
	si.start_ns = pc_now_real();
	c = coll__create(o->output, &si);
	if (!c) {
		log_warn("cannot create %s", o->output);
		return 1;
	}
	/* Below 100 ms a write(2) per sample is a tenth of the cost: group them by 100 ms. */
	if (o->interval_ns < COLL_GROUP_NS)
		coll__set_flush(c, COLL_GROUP_NS);
	k.ctx = c;
	cd_loop_of(&l, o);
	status = cd_loop(&l, &k);
	ret = coll__close(c);
	if (ret) {
		log_warnx("closing %s: %s", o->output, strerror(-ret));
		status = 1;
	}
	return status;
}
