/* SPDX-License-Identifier: MIT */
/*
 * input_int.h: the reader of JSON-lines captures (pcc collections and the
 * original Go tools' captures, userspace/input_pcc.c) as seen by the format
 * dispatcher userspace/input.c. Nothing else includes it.
 */
#ifndef PC_INPUT_INT_H
#define PC_INPUT_INT_H

#include <stdio.h>

#include "pc/input.h"

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

#endif
