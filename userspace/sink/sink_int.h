/* SPDX-License-Identifier: MIT */
/*
 * sink_int.h: what the sink dispatcher (sink.c) and its backends (sink_pg.c:
 * PostgreSQL, sink_rw.c: Prometheus remote-write) share. The dispatcher owns the
 * streams (one per site, host and run: its export and its cursor) and hands a
 * backend every interval after the cursor; the backend buffers, and on flush
 * writes the buffer and the cursors of the streams that moved, all or nothing.
 */
#ifndef PC_SINK_INT_H
#define PC_SINK_INT_H

#include "pc/codec.h"
#include "pc/sink.h"

struct sink_stream {
	struct pc_sink *k;
	uint64_t site;
	uint32_t host, run;
	int64_t cid;	     /* the backend's collector id */
	uint64_t cursor_ns;  /* time of the last interval stored (0: none) */
	uint64_t pending_ns; /* time of the last interval buffered */
	uint64_t fed_ns;     /* time of the last sample given to the export */
	char sitename[256], machinename[256];
	struct pc_export *x;
};

struct sink_ops {
	int (*open)(struct pc_sink *k); /* connect, create or migrate the schema */
	/* Fill st->cid and st->cursor_ns for a new stream. */
	int (*stream)(struct pc_sink *k, struct sink_stream *st, const struct pc_sink_id *id);
	/* iv->prev NULL: a stream's first sample, with its containers only (no host row). */
	int (*interval)(struct pc_sink *k, struct sink_stream *st, const struct pc_interval *iv);
	int (*host_row)(struct pc_sink *k, struct sink_stream *st, uint64_t time_ns,
			const double *v);
	/* Bytes buffered. */
	size_t (*buffered)(const struct pc_sink *k);
	/* Write the buffer and every stream's cursor_ns -> pending_ns; all or nothing. */
	int (*flush)(struct pc_sink *k);
	int (*finish)(struct pc_sink *k);   /* after the last flush (optional) */
	void (*discard)(struct pc_sink *k); /* drop the buffer (after a failure) */
	void (*close)(struct pc_sink *k);
};

extern const struct sink_ops sink_pg_ops, sink_rw_ops;

struct pc_sink {
	struct pc_sink_opts o;
	char uri[1024];
	char safe[1024]; /* uri for messages: no password */
	const struct sink_ops *ops;
	void *priv;
	struct sink_stream **st;
	size_t nst;
	uint64_t rows, values, skipped;
	char err[1600];
};

/* err = "<uri>: <printf>" (the URI redacted); returns rc. */
int sink_fail(struct pc_sink *k, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Big-endian appenders into a buffer whose room the caller reserved (pc_buf_reserve). */
static inline void sink_be16(struct pc_buf *b, uint16_t v)
{
	uint8_t *p = b->p + b->len;

	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
	b->len += 2;
}
static inline void sink_be32(struct pc_buf *b, uint32_t v)
{
	uint8_t *p = b->p + b->len;

	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	b->len += 4;
}
static inline void sink_be64(struct pc_buf *b, uint64_t v)
{
	sink_be32(b, (uint32_t)(v >> 32));
	sink_be32(b, (uint32_t)v);
}

#endif
