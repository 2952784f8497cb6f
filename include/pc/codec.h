/* SPDX-License-Identifier: MIT */
/*
 * The sample codecs (docs/FORMAT.md):
 *  - binary: compact and versioned. An encoder keeps the previous sample so
 *    that unchanged row sets cost nothing and counters are stored as zigzag
 *    varint deltas; a decoder mirrors that state. pc_enc_reset() starts a new
 *    self-contained stream (every batch and every collection file is one).
 *  - JSON: one object per sample, raw counters, group and column names from
 *    pc_groups[]; decoding skips unknown groups and columns.
 */
#ifndef PC_CODEC_H
#define PC_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pc/sample.h"
#include "pc/sysinfo.h"

/* Growable byte buffer used by the codecs, spool and transport. */
struct pc_buf {
	uint8_t *p;
	size_t len, cap;
};
int pc_buf_reserve(struct pc_buf *b, size_t extra);
int pc_buf_put(struct pc_buf *b, const void *p, size_t n);
/* Append printf output (no NUL); 0, -ENOMEM or -EINVAL (bad format). */
int pc_buf_printf(struct pc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pc_buf_free(struct pc_buf *b);

struct pc_enc {
	struct pc_sample prev;
	struct pc_buf idx; /* scratch: rows of prev by key */
	int have_prev;
};
struct pc_dec {
	struct pc_sample prev;	/* the current sample, changed in place by each frame */
	struct pc_sample spare; /* tables with listed keys are decoded here, then swapped in */
	struct pc_buf idx;	/* scratch: rows of prev by key */
	int have_prev;
	char err[128]; /* why the last decode failed, with the byte offset */
};

void pc_enc_init(struct pc_enc *e);
void pc_enc_reset(struct pc_enc *e);
void pc_enc_free(struct pc_enc *e);
/* Append the encoding of s to out; 0 or negative errno. */
int pc_enc_sample(struct pc_enc *e, const struct pc_sample *s, struct pc_buf *out);

void pc_dec_init(struct pc_dec *d);
void pc_dec_reset(struct pc_dec *d);
void pc_dec_free(struct pc_dec *d);
/*
 * Decode one sample from p[0..len) into s; returns bytes consumed (> 0),
 * or -EINVAL (malformed; d->err says where), -EPROTO (needs a previous sample
 * the decoder does not have), -ENOMEM. Never reads outside p[0..len).
 */
long pc_dec_sample(struct pc_dec *d, const uint8_t *p, size_t len, struct pc_sample *s);

/* JSON: one line, newline-terminated. */
int pc_json_write_sample(FILE *f, const struct pc_sample *s);
int pc_json_read_sample(const char *line, size_t len, struct pc_sample *s, char *err,
			size_t errlen);

/* sysinfo <-> binary (for file headers) and JSON (system_info.json). */
int pc_sysinfo_encode(const struct pc_sysinfo *si, struct pc_buf *out);
long pc_sysinfo_decode(const uint8_t *p, size_t len, struct pc_sysinfo *si);
int pc_json_write_sysinfo(FILE *f, const struct pc_sysinfo *si);

#endif
