/* SPDX-License-Identifier: MIT */
/*
 * Sinks: the computed values of recorded samples written downstream, to
 * PostgreSQL (the schema of docs/STORE.md, libpq COPY binary) or to a
 * Prometheus remote-write endpoint. The journal stays the source of truth: a
 * sink keeps a cursor per collector and run (the time of the last interval
 * written), so feeding it the same samples again adds nothing, and an
 * interrupted import or a sink that was down resumes where it stopped.
 *
 * Samples of many collectors and runs may be interleaved: each (site, host,
 * run) is its own stream with its own export (export__open_fn) and cursor.
 * sink__add only buffers; sink__flush writes what is buffered together with
 * the cursors, in one transaction (PostgreSQL) or after the endpoint accepted
 * it (remote-write). On any failure the buffered rows are dropped and the
 * streams forgotten (sink__add rebuilds them from the cursors), so the caller
 * just feeds the samples again from the journal.
 *
 * Messages name the URI with its password replaced by "***" (sink__redact).
 */
#ifndef PC_SINK_H
#define PC_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "pc/export.h"
#include "pc/sample.h"
#include "pc/sysinfo.h"

enum pc_sink_kind { PC_SINK_PGSQL, PC_SINK_REMOTE_WRITE };

struct pc_sink_opts {
	enum pc_sink_kind kind;
	const char *uri;    /* postgresql://... or http://host:port/path */
	const char *cursor; /* remote-write: the file keeping the cursors (NULL: none) */
	int bulk;	    /* an import: new day partitions are indexed by sink__finish */
};

/* Who a stream's samples come from: a journal's collector is (site, host); with site =
 * PC_SINK_BY_NAME (files, host.csv) it is (sitename, machinename). */
#define PC_SINK_BY_NAME UINT64_MAX
struct pc_sink_id {
	uint64_t site;
	uint32_t host, run;
	const char *sitename;	 /* "" when unknown */
	const char *machinename; /* "" when unknown: "host N" */
	const char *description;
};

struct pc_sink;

/* Connect and create or migrate the schema; NULL with err (URI redacted). */
struct pc_sink *sink__open(const struct pc_sink_opts *o, char *err, size_t errlen);
/* Buffer the intervals that end at s and are after the stream's cursor. 0 or -errno. */
int sink__add(struct pc_sink *k, const struct pc_sink_id *id, const struct pc_sysinfo *si,
	      const struct pc_sample *s);
/* The stream's cursor (the time of its last interval stored, 0: none); 0 or -errno. */
int sink__cursor(struct pc_sink *k, const struct pc_sink_id *id, uint64_t *ns);
/*
 * One already computed host.csv row, as the seed's import_performance: v[i] is the
 * column export__host_col(i) names (NaN = empty or not in the file).
 */
int sink__add_host_row(struct pc_sink *k, const struct pc_sink_id *id, uint64_t time_ns,
		       const double v[PC_HOST_MAXCOLS]);
/* Buffered rows worth a flush (the caller flushes whenever it likes; this is a hint). */
int sink__full(const struct pc_sink *k);
/* Write what is buffered and move the cursors; 0 or -errno (sink__error says why). */
int sink__flush(struct pc_sink *k);
/* After the last flush of an import: build what a bulk load left for later (indexes). */
int sink__finish(struct pc_sink *k);
/* Forget every stream (after a failure: the next sink__add reloads the cursors). */
void sink__reset(struct pc_sink *k);
const char *sink__error(const struct pc_sink *k);
/* Rows and values written so far; intervals skipped as already stored. */
void sink__stats(const struct pc_sink *k, uint64_t *rows, uint64_t *values, uint64_t *skipped);
void sink__close(struct pc_sink *k);

/* uri with the password (user:PASSWORD@, password=...) replaced by "***". */
char *sink__redact(const char *uri, char *buf, size_t len);

#endif
