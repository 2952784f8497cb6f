// SPDX-License-Identifier: MIT
/* sink_rw.c: Prometheus remote-write backend (to come). */
#include <errno.h>

#include "sink_int.h"

static int rw_open(struct pc_sink *k)
{
	return sink_fail(k, -ENOTSUP, "remote-write is not built yet");
}

static void rw_close(struct pc_sink *k)
{
	(void)k;
}

const struct sink_ops sink_rw_ops = {.open = rw_open, .close = rw_close};
