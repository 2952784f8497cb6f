/* SPDX-License-Identifier: MIT */
/*
 * input_int.h: the readers behind the format dispatcher userspace/input/input.c:
 * JSON-lines captures (pcc collections and the original Go tools' captures,
 * userspace/input/input_pcc.c) and journals (userspace/input/input_journal.c). Nothing
 * else includes it.
 */
#ifndef PC_INPUT_INT_H
#define PC_INPUT_INT_H

#include <stdio.h>

#include "pc/input.h"
#include "pc/license.h"

struct pcc_reader;

/*
 * Take over f (closed by pcc__close), find out whether it holds pcc or legacy
 * lines, and derive what can be known of the host into si (reading ahead a
 * few samples, then rewinding). NULL with errno and err filled.
 */
struct pcc_reader *pcc__open(FILE *f, const char *path, struct pc_sysinfo *si, char *err,
			     size_t errlen);
enum pc_input_kind pcc__kind(const struct pcc_reader *r);
/* 1 sample, 0 end, negative errno (ENOMEM, EIO: pcc__error says what). */
int pcc__next(struct pcc_reader *r, struct pc_sample *s);
const char *pcc__error(const struct pcc_reader *r);
unsigned long pcc__skipped(const struct pcc_reader *r);
/* The first skipped line in words ("capture.jsonl line 7: ..."), "" if none. */
const char *pcc__first_skip(const struct pcc_reader *r);
void pcc__close(struct pcc_reader *r);

/* RFC 3339 time (2026-01-10T18:06:07.784822869Z, +02:00 offsets) to ns; -EINVAL, -ERANGE. */
int input_parse_rfc3339(const char *s, size_t len, uint64_t *ns);

/* Encrypted journals of perfprocessord (input_journal.c). */
struct jrn_reader;
struct jrn_reader *jrn__open(const char *path, const struct pc_input_opts *o, char *err,
			     size_t errlen);
int jrn__next(struct jrn_reader *r, struct pc_sample *s);
const char *jrn__error(const struct jrn_reader *r);
/* Damaged or undecodable records so far; *first describes the first ("" if none). */
unsigned long jrn__skipped(const struct jrn_reader *r, const char **first);
void jrn__close(struct jrn_reader *r);
/* input__verify for an encrypted journal. */
int jrn__verify(const char *path, const struct pc_input_opts *o, FILE *out, char *err,
		size_t errlen);
/* A journal of the Go tools as a stream of its decrypted JSON lines (rewindable). */
FILE *jrn__legacy_stream(const char *path, const struct pc_site *site, char *err, size_t errlen);

/* What a header would have said, from the first samples: see input.c. */
#define SI_DERIVE_SAMPLES 16
struct si_derive {
	uint64_t diffs[SI_DERIVE_SAMPLES];
	size_t nd;
	uint64_t prev;
	unsigned n;
};
void si_derive_add(struct si_derive *d, struct pc_sysinfo *si, const struct pc_sample *s);
/* freq_ns: the interval the records state, used when timestamps cannot tell. */
void si_derive_end(struct si_derive *d, struct pc_sysinfo *si, uint64_t freq_ns);

#endif
