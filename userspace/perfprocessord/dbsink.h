/* SPDX-License-Identifier: MIT */
/*
 * dbsink.h: perfprocessord's live sink into PostgreSQL or a remote-write
 * endpoint (dbsink.c): batches durable in the journal are written on a thread of
 * their own; an outage never slows the store, and the journal is read again to
 * catch up once the database is back.
 */
#ifndef PD_DBSINK_H
#define PD_DBSINK_H

#include <stddef.h>
#include <stdint.h>

#include "pc/license.h"
#include "pc/sink.h"

struct dbsink;

/* Start the thread (it connects, and catches up from journal, by itself); NULL: no memory. */
struct dbsink *dbsink__start(const struct pc_sink_opts *o, const char *journal,
			     const struct pc_site *site);
/* One batch, durable in the journal: queued (a copy), or dropped if the sink is behind. */
void dbsink__put(struct dbsink *d, uint32_t host, uint32_t run, const void *payload, size_t len);
void dbsink__stop(struct dbsink *d);

#endif
