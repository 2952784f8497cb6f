/* SPDX-License-Identifier: MIT */
/*
 * sink_pg.h: what the PostgreSQL backend's two files share: the schema and its
 * migrations (sink_pg_schema.c) and the connection, COPY and cursor code
 * (sink_pg.c).
 */
#ifndef PC_SINK_PG_H
#define PC_SINK_PG_H

#include <libpq-fe.h>

#include "sink_int.h"

/* The schema version this build creates and understands. */
int pg_schema_version(void);
/* Create the schema or bring it up to date; refuses a newer one. 0 or -errno. */
int pg_migrate(struct pc_sink *k, PGconn *c);
/* Run sql (no parameters); 0, or -EIO with k->err = "<uri>: <what>: <server's message>". */
int pg_exec(struct pc_sink *k, PGconn *c, const char *sql, const char *what);
/* k->err from a failed result (r may be NULL: the connection's message); returns -EIO. */
int pg_fail(struct pc_sink *k, PGconn *c, const PGresult *r, const char *what);

#endif
