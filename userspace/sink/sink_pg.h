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

/*
 * pc_host_metric's columns after host.csv's fixed ones (schema version 3): the
 * TCP/UDP columns host.csv appends for the snmp and netstat sources. Frozen
 * here as the migration added them; sink_pg.c finds each one's value by name
 * among export__host_col's, so an export column added later is not mistaken
 * for one of these (a new column needs a new migration).
 */
#define PG_HOST_NET(X)                                                                             \
	X(tcp_active_opens)                                                                        \
	X(tcp_passive_opens)                                                                       \
	X(tcp_in_segs)                                                                             \
	X(tcp_out_segs)                                                                            \
	X(tcp_attempt_fails)                                                                       \
	X(tcp_estab_resets)                                                                        \
	X(tcp_retrans_segs)                                                                        \
	X(tcp_in_errs)                                                                             \
	X(tcp_out_rsts)                                                                            \
	X(udp_in_datagrams)                                                                        \
	X(udp_out_datagrams)                                                                       \
	X(udp_no_ports)                                                                            \
	X(udp_in_errors)                                                                           \
	X(tcp_listen_overflows)                                                                    \
	X(tcp_listen_drops)                                                                        \
	X(tcp_timeouts)                                                                            \
	X(tcp_syn_retrans)
#define PG_COUNT(n)	 +1
#define PG_COMMA_NAME(n) ", " #n
#define PG_NAME(n)	 #n,
#define PG_HOST_NNET	 (0 PG_HOST_NET(PG_COUNT))

/* The schema version this build creates and understands. */
int pg_schema_version(void);
/* Create the schema or bring it up to date; refuses a newer one. 0 or -errno. */
int pg_migrate(struct pc_sink *k, PGconn *c);
/* Run sql (no parameters); 0, or -EIO with k->err = "<uri>: <what>: <server's message>". */
int pg_exec(struct pc_sink *k, PGconn *c, const char *sql, const char *what);
/* k->err from a failed result (r may be NULL: the connection's message); returns -EIO. */
int pg_fail(struct pc_sink *k, PGconn *c, const PGresult *r, const char *what);

#endif
