// SPDX-License-Identifier: MIT
/*
 * sink.c: the sink dispatcher of include/pc/sink.h. It keeps one stream per
 * (site, host, run), each with an export__open_fn export that turns samples
 * into intervals with the export layer's formulas, and passes every interval
 * after the stream's cursor to the backend (sink_pg.c, sink_rw.c). Also the
 * URI redaction every message goes through.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/log.h"
#include "sink_int.h"

/* Full-buffer hint: about this many bytes buffered. */
#define SINK_FULL_BYTES (8u << 20)

char *sink__redact(const char *uri, char *buf, size_t len)
{
	const char *scheme = strstr(uri, "://"), *at, *colon, *pw;
	size_t n;

	snprintf(buf, len, "%s", uri);
	/* scheme://user:password@host... */
	if (scheme) {
		const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#");

		at = memchr(auth, '@', (size_t)(end - auth));
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon)
			snprintf(buf, len, "%.*s:***%s", (int)(colon - uri), uri, at);
	}
	/* ...?password=secret&... or a keyword string "password=secret" */
	pw = strstr(buf, "password=");
	if (pw && (pw == buf || strchr("?& ", pw[-1]))) {
		char rest[1024];

		n = strcspn(pw + 9, "& ");
		snprintf(rest, sizeof(rest), "%.1000s", pw + 9 + n);
		snprintf((char *)pw + 9, len - (size_t)(pw + 9 - buf), "***%s", rest);
	}
	return buf;
}

int sink_fail(struct pc_sink *k, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(k->err, sizeof(k->err), "%s: %s", k->safe, msg);
	return rc;
}

struct pc_sink *sink__open(const struct pc_sink_opts *o, char *err, size_t errlen)
{
	struct pc_sink *k = calloc(1, sizeof(*k));
	int rc;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	k->o = *o;
	snprintf(k->uri, sizeof(k->uri), "%s", o->uri ? o->uri : "");
	sink__redact(k->uri, k->safe, sizeof(k->safe));
	k->o.uri = k->uri;
	k->ops = o->kind == PC_SINK_PGSQL ? &sink_pg_ops : &sink_rw_ops;
	rc = k->ops->open(k);
	if (rc < 0) {
		snprintf(err, errlen, "%s", k->err);
		sink__close(k);
		errno = -rc;
		return NULL;
	}
	return k;
}

static int on_interval(void *ctx, const struct pc_interval *iv)
{
	struct sink_stream *st = ctx;
	struct pc_sink *k = st->k;
	int rc;

	if (iv->cur->time_ns <= st->cursor_ns) {
		k->skipped += iv->prev != NULL; /* a first sample's containers are no interval */
		return 0;
	}
	rc = k->ops->interval(k, st, iv);
	if (rc < 0)
		return rc;
	st->pending_ns = iv->cur->time_ns;
	return 0;
}

static struct sink_stream *stream(struct pc_sink *k, const struct pc_sink_id *id,
				  const struct pc_sysinfo *si)
{
	struct sink_stream *st, **v;
	int rc;

	for (size_t i = 0; i < k->nst; i++) {
		st = k->st[i];
		if (st->site == id->site && st->host == id->host && st->run == id->run &&
		    (id->site != PC_SINK_BY_NAME || (!strcmp(st->sitename, id->sitename) &&
						     !strcmp(st->machinename, id->machinename))))
			return st;
	}
	v = realloc(k->st, (k->nst + 1) * sizeof(*v));
	st = calloc(1, sizeof(*st));
	if (v)
		k->st = v;
	if (!v || !st) {
		free(st);
		sink_fail(k, -ENOMEM, "out of memory");
		return NULL;
	}
	*st = (struct sink_stream){.k = k, .site = id->site, .host = id->host, .run = id->run};
	snprintf(st->sitename, sizeof(st->sitename), "%s", id->sitename ? id->sitename : "");
	snprintf(st->machinename, sizeof(st->machinename), "%s",
		 id->machinename ? id->machinename : "");
	rc = k->ops->stream(k, st, id);
	if (rc >= 0 && si) {
		st->x = export__open_fn(on_interval, st, si);
		if (!st->x)
			rc = sink_fail(k, -ENOMEM, "out of memory");
	}
	if (rc < 0) {
		free(st);
		return NULL;
	}
	st->pending_ns = st->cursor_ns;
	k->st[k->nst++] = st;
	return st;
}

int sink__add(struct pc_sink *k, const struct pc_sink_id *id, const struct pc_sysinfo *si,
	      const struct pc_sample *s)
{
	struct pc_sysinfo none = {0};
	struct sink_stream *st = stream(k, id, si ? si : &none);
	int rc;

	if (!st)
		return -EIO;
	/* already given (a batch read twice: live and from the journal) */
	if (s->time_ns <= st->fed_ns)
		return 0;
	st->fed_ns = s->time_ns;
	rc = export__add(st->x, s);
	if (rc < 0 && !k->err[0])
		sink_fail(k, rc, "%s", strerror(-rc));
	return rc;
}

int sink__cursor(struct pc_sink *k, const struct pc_sink_id *id, uint64_t *ns)
{
	struct pc_sysinfo none = {0};
	struct sink_stream *st = stream(k, id, &none);

	if (!st)
		return -EIO;
	*ns = st->cursor_ns;
	return 0;
}

int sink__add_host_row(struct pc_sink *k, const struct pc_sink_id *id, uint64_t time_ns,
		       const double v[PC_HOST_MAXCOLS])
{
	struct sink_stream *st = stream(k, id, NULL);
	int rc;

	if (!st)
		return -EIO;
	if (time_ns <= st->cursor_ns || time_ns <= st->pending_ns) {
		k->skipped++;
		return 0;
	}
	rc = k->ops->host_row(k, st, time_ns, v);
	if (rc < 0)
		return rc;
	st->pending_ns = time_ns;
	return 0;
}

int sink__full(const struct pc_sink *k)
{
	static size_t limit;

	/* PC_SINK_FLUSH_KB: smaller flushes, for tests of interrupted imports */
	if (!limit) {
		const char *e = getenv("PC_SINK_FLUSH_KB");

		limit = e && atol(e) > 0 ? (size_t)atol(e) << 10 : SINK_FULL_BYTES;
	}
	return k->ops->buffered(k) >= limit;
}

int sink__flush(struct pc_sink *k)
{
	int rc = k->ops->flush(k);

	if (rc < 0) {
		sink__reset(k);
		return rc;
	}
	for (size_t i = 0; i < k->nst; i++)
		k->st[i]->cursor_ns = k->st[i]->pending_ns;
	return 0;
}

int sink__finish(struct pc_sink *k)
{
	return k->ops->finish ? k->ops->finish(k) : 0;
}

void sink__reset(struct pc_sink *k)
{
	k->ops->discard(k);
	for (size_t i = 0; i < k->nst; i++) {
		export__abort(k->st[i]->x);
		free(k->st[i]);
	}
	free(k->st);
	k->st = NULL;
	k->nst = 0;
}

const char *sink__error(const struct pc_sink *k)
{
	return k->err;
}

void sink__stats(const struct pc_sink *k, uint64_t *rows, uint64_t *values, uint64_t *skipped)
{
	*rows = k->rows, *values = k->values, *skipped = k->skipped;
}

void sink__close(struct pc_sink *k)
{
	if (!k)
		return;
	sink__reset(k);
	k->ops->close(k);
	free(k);
}
