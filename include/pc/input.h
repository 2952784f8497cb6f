/* SPDX-License-Identifier: MIT */
/*
 * Reading recorded data whatever wrote it: a native collection, a pcc
 * JSON-lines collection, or a capture of the original Go tools (one JSON
 * object per measurement). The format is detected from the first bytes.
 * pcc and legacy captures hold verbatim /proc text: it goes through the same
 * parsers as live collection, grouped by timestamp into one sample.
 */
#ifndef PC_INPUT_H
#define PC_INPUT_H

#include "pc/sample.h"
#include "pc/sysinfo.h"

enum pc_input_kind { PC_IN_NATIVE, PC_IN_PCC, PC_IN_LEGACY };

struct pc_input;

/* NULL with errno, and a message in err naming the file and the reason. */
struct pc_input *input__open(const char *path, char *err, size_t errlen);
enum pc_input_kind input__kind(const struct pc_input *in);
/* What is known of the host (native: the header; others: derived). */
const struct pc_sysinfo *input__sysinfo(const struct pc_input *in);
/* 1 = a sample, 0 = end, negative = error (input__error says where). */
int input__next(struct pc_input *in, struct pc_sample *s);
const char *input__error(const struct pc_input *in);
/* Lines/records skipped as damaged or unknown, for the end-of-run report. */
unsigned long input__skipped(const struct pc_input *in);
/* The first skipped line/record in words ("f.json line 7: ..."); "" when none. */
const char *input__skip_reason(const struct pc_input *in);
void input__close(struct pc_input *in);

#endif
