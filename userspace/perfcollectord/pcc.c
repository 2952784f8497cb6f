// SPDX-License-Identifier: MIT
/*
 * pcc.c: perfcollectord's pcc mode: pcc's JSON-lines collection format
 * (docs/FORMAT.md), one line per subsystem per sample, in pcc's order:
 * /proc/stat, /proc/meminfo, /proc/net/dev, /proc/diskstats, statfs[*]
 * (the registry's pcc_order, pc/source.h).
 * Measurements are the files' verbatim text; strings are escaped as Go's
 * encoding/json does (HTML-safe: <, > and & as \u003c, \u003e, \u0026),
 * so files are byte-for-byte what pcc would write for the same text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/io.h"
#include "pc/log.h"
#include "pc/proc.h"
#include "pc/sampler.h"
#include "pc/source.h"

static void go_escape(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '<':
		case '>':
		case '&':
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			else
				fputc(c, f);
		}
	}
}

static void go_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	go_escape(f, s, len);
	fputc('"', f);
}

static void line_start(FILE *f, uint64_t ts, const char *subsystem)
{
	fprintf(f, "{\"timestamp\":%" PRIu64 ",\"subsystem\":", ts);
	go_string(f, subsystem, strlen(subsystem));
	fputs(",\"measurement\":", f);
}

/* One verbatim /proc text as a line. */
static void write_text(FILE *f, uint64_t ts, struct pc_sampler *sp, const struct pc_source *src)
{
	size_t len;
	const char *text = procfs__text(sampler__procfs(sp), src->path, &len);

	if (!text) {
		text = "";
		len = 0;
	}
	line_start(f, ts, src->pcc);
	go_string(f, text, len);
	fputs("}\n", f);
}

/* The statfs line: one JSON object per mount, itself escaped into the measurement string. */
static int write_statfs(FILE *f, uint64_t ts, const struct pc_source *src,
			const struct pc_table *fs)
{
	line_start(f, ts, src->pcc);
	fputc('"', f);
	for (uint32_t r = 0; r < fs->nrows; r++) {
		const uint64_t *v = pc_table_row(fs, r);
		char *row = NULL;
		size_t rlen = 0;
		FILE *m = open_memstream(&row, &rlen);

		if (!m)
			return -errno;
		fputs("{\"mount_point\":", m);
		go_string(m, fs->key[r], strlen(fs->key[r]));
		fprintf(m,
			",\"block_size\":%" PRIu64 ",\"blocks_total\":%" PRIu64
			",\"blocks_free\":%" PRIu64 ",\"blocks_available\":%" PRIu64 "}\n",
			v[PC_FS_BSIZE], v[PC_FS_BLOCKS], v[PC_FS_BFREE], v[PC_FS_BAVAIL]);
		fclose(m);
		go_escape(f, row, rlen);
		free(row);
	}
	fputs("\"}\n", f);
	return 0;
}

/* The registry row pcc writes at position pos (from 1), or NULL past the last. */
static const struct pc_source *pcc_source(unsigned pos)
{
	for (unsigned i = 0; i < pc_nsources; i++)
		if (pc_sources[i].pcc_order == pos)
			return &pc_sources[i];
	return NULL;
}

struct pcc_out {
	FILE *f;
	int kept; /* the sampler reads only what pcc writes (from sample 1 on) */
};

static int write_sample(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	struct pcc_out *o = ctx;
	FILE *f = o->f;
	uint64_t ts = s->time_ns / 1000000000ULL;
	const struct pc_source *src;
	uint32_t groups = 0;
	int rc;

	if (!o->kept) {
		for (unsigned pos = 1; (src = pcc_source(pos)); pos++)
			groups |= src->groups;
		sampler__keep(sp, groups);
		o->kept = 1;
	}
	for (unsigned pos = 1; (src = pcc_source(pos)); pos++) {
		if (src->path) {
			write_text(f, ts, sp, src);
			continue;
		}
		rc = write_statfs(f, ts, src, &s->t[PC_G_FS]);
		if (rc)
			return rc;
	}
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static int sync_file(void *ctx)
{
	FILE *f = ((struct pcc_out *)ctx)->f;

	if (fflush(f))
		return -errno;
	return io_sync(fileno(f));
}

int cd_run_pcc(const struct cd_opts *o)
{
	struct cd_sink k = {.write = write_sample, .sync = sync_file};
	struct cd_loop l;
	FILE *f = fopen(o->output, "w");
	struct pcc_out out = {f, 0};
	int status;

	cd_loop_of(&l, o);
	/* pcc's format has no place for eBPF figures: do not load the programs */
	l.sampler_flags |= PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET;
	if (!f) {
		log_warn("cannot create %s", o->output);
		return 1;
	}
	k.ctx = &out;
	status = cd_loop(&l, &k);
	if (fclose(f)) {
		log_warn("closing %s", o->output);
		status = 1;
	}
	return status;
}
