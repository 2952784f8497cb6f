/* SPDX-License-Identifier: MIT */
/*
 * sink_rw.h: what the remote-write backend's two files share: the wire
 * (sink_rw_wire.c: protobuf, snappy, HTTP) and the metric mapping, cursors and
 * ops (sink_rw.c).
 */
#ifndef PC_SINK_RW_H
#define PC_SINK_RW_H

#include "sink_int.h"

struct rw_label {
	const char *name, *value;
};

struct rw_url {
	char host[256], port[16], path[512];
	char auth[300]; /* base64 of user:password, "" for none */
};

/* http://[user:password@]host[:port][/path]; 0 or -EINVAL. */
int rw_parse_url(const char *url, struct rw_url *u);
/* Append one TimeSeries (labels sorted by name, one sample) to a WriteRequest in out. */
int rw_series(struct pc_buf *out, struct pc_buf *scratch, const struct rw_label *l, int nl,
	      double v, int64_t ms);
/* snappy-compress body into z and POST it; 0, or -errno with err (HTTP status and body). */
int rw_post(const struct rw_url *u, const struct pc_buf *body, struct pc_buf *z, char *err,
	    size_t errlen);

#endif
