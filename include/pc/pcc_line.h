/* SPDX-License-Identifier: MIT */
/*
 * Writing pcc's JSON lines (docs/FORMAT.md): strings escaped as Go's
 * encoding/json does (HTML-safe: <, > and & as \u003c, \u003e, \u0026), so
 * lines are byte for byte what pcc and pcc-container write for the same
 * values. perfcollectord's pcc and pcc-container modes use it. And reading
 * them back a line at a time, bounded (the capture reader, input_pcc.c).
 */
#ifndef PC_PCC_LINE_H
#define PC_PCC_LINE_H

#include <stdint.h>
#include <stdio.h>

#include "pc/sample.h"

void pc_go_escape(FILE *f, const char *s, size_t len);
void pc_go_string(FILE *f, const char *s, size_t len);
/* {"timestamp":TS,"subsystem":"...","measurement":  (the caller writes the rest) */
void pc_pcc_line_start(FILE *f, uint64_t ts, const char *subsystem);
/*
 * pcc-container's lines of one tick: one per row of ct (PC_G_CONTAINER),
 * subsystem container/<runtime>/<short id>, the measurement an object of
 * the members of pc_ct_pcc_fields plus container_id, container_name and
 * runtime, in Go's member order; a limit of 0 (none) as -1. 0, or -errno.
 */
int pc_pcc_container_lines(FILE *f, uint64_t ts, const struct pc_table *ct);

/* The longest line the capture reader takes: a /proc text of 64 MiB is not a /proc text. */
#define PC_PCC_LINE_MAX ((size_t)64 << 20)
/* What the line reader reads ahead of the line, at most, in one piece. */
#define PC_LINE_CHUNK ((size_t)64 << 10)

/*
 * Lines of a stream, bounded while reading: a line is gathered a chunk at a
 * time and refused as soon as it passes max bytes, so the reader never holds
 * more than max + 1 + PC_LINE_CHUNK bytes whatever the file holds. Every byte
 * counts (a NUL byte is part of the line); a last line without its newline
 * is a line. Set it up with pc_line_init(), read with pc_line_next().
 */
struct pc_line_reader {
	FILE *f;
	size_t max;	      /* the longest line taken, in bytes without its '\n' */
	char *chunk;	      /* PC_LINE_CHUNK bytes read ahead of the line */
	size_t pos, end;      /* what of chunk is not yet the line's */
	char *line;	      /* the line, NUL-terminated, its '\n' removed */
	size_t len, cap;      /* cap never passes max + 1 */
	unsigned long lineno; /* of the line returned, or of the line an error stopped */
};
/* Read f (not taken over: the caller closes it), lines of at most max bytes. */
void pc_line_init(struct pc_line_reader *lr, FILE *f, size_t max);
/*
 * The next line into lr->line[0..lr->len): 1; 0 at end of file; -E2BIG when
 * it is longer than max (lr->len bytes of it held; the rest is not read);
 * -ENOMEM; a read error as negative errno (-EIO when the stream gave none).
 */
int pc_line_next(struct pc_line_reader *lr);
/*
 * pc_line_next()'s error rc in words, naming path and the line: "PATH line 3:
 * longer than 67108864 bytes, the limit of a line", "... out of memory
 * reading the line (N bytes of it held)", "... read error: <strerror>".
 */
void pc_line_error(const struct pc_line_reader *lr, int rc, const char *path, char *err,
		   size_t errlen);
/* Back to the start of the stream (fseek); line numbers start again. 0 or -errno. */
int pc_line_rewind(struct pc_line_reader *lr);
/* What the reader holds (not the stream). */
void pc_line_free(struct pc_line_reader *lr);

#endif
