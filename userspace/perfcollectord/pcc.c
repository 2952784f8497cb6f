// SPDX-License-Identifier: MIT
/*
 * pcc.c: perfcollectord's pcc mode: pcc's JSON-lines collection format
 * (docs/FORMAT.md), one line per subsystem per sample, in pcc's order:
 * /proc/stat, /proc/meminfo, /proc/net/dev, /proc/diskstats, statfs[*].
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

static const char *const pcc_files[] = { "/proc/stat", "/proc/meminfo", "/proc/net/dev",
					 "/proc/diskstats" };

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

static int write_sample(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	FILE *f = ctx;
	uint64_t ts = s->time_ns / 1000000000ULL;
	const struct pc_table *fs = &s->t[PC_G_FS];
	size_t len;
	const char *text;

	for (size_t i = 0; i < sizeof(pcc_files) / sizeof(*pcc_files); i++) {
		text = procfs__text(sampler__procfs(sp), pcc_files[i], &len);
		if (!text) {
			text = "";
			len = 0;
		}
		line_start(f, ts, pcc_files[i]);
		go_string(f, text, len);
		fputs("}\n", f);
	}
	line_start(f, ts, "statfs[*]");
	fputc('"', f);
	for (uint32_t r = 0; r < fs->nrows; r++) {
		const uint64_t *v = pc_table_row(fs, r);
		char *row = NULL;
		size_t rlen = 0;
		FILE *m = open_memstream(&row, &rlen);

		if (!m)
			return -errno;
		/* one JSON object per mount, itself escaped into the measurement string */
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
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static int sync_file(void *ctx)
{
	FILE *f = ctx;

	if (fflush(f))
		return -errno;
	return io_sync(fileno(f));
}

int cd_run_pcc(const struct cd_opts *o)
{
	struct cd_sink k = {.write = write_sample, .sync = sync_file};
	struct cd_loop l;
	FILE *f = fopen(o->output, "w");
	int status;

	cd_loop_of(&l, o);
	/* pcc's format has no place for eBPF figures: do not load the programs */
	l.sampler_flags |= PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET;
	if (!f) {
		log_warn("cannot create %s", o->output);
		return 1;
	}
	k.ctx = f;
	status = cd_loop(&l, &k);
	if (fclose(f)) {
		log_warn("closing %s", o->output);
		status = 1;
	}
	return status;
}
