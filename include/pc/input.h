/* SPDX-License-Identifier: MIT */
/*
 * Reading recorded data whatever wrote it: a native collection, a pcc
 * JSON-lines collection, a capture of the original Go tools (one JSON
 * object per measurement), an encrypted journal of perfprocessord, or a
 * journal of the original Go tools. The format is detected from the first
 * bytes (journals of the Go tools have no header: a file that is none of the
 * others is tried as one when an identity is given).
 * pcc and legacy captures hold verbatim /proc text: it goes through the same
 * parsers as live collection, grouped by timestamp into one sample.
 */
#ifndef PC_INPUT_H
#define PC_INPUT_H

#include <stdio.h>

#include "pc/sample.h"
#include "pc/sysinfo.h"

enum pc_input_kind { PC_IN_NATIVE, PC_IN_PCC, PC_IN_LEGACY, PC_IN_JOURNAL, PC_IN_LEGACY_JOURNAL };

struct pc_input;

struct pc_site;

/*
 * What to read and how: the identity that decrypts journals (site->mac is
 * ignored when macs are given: each is tried in turn), and a selection of
 * host, run and time span applied to every kind of input.
 */
struct pc_input_opts {
	const struct pc_site *site;
	const uint8_t (*macs)[6];
	int nmacs;
	int64_t host, run;	      /* -1: any */
	uint64_t from_ns, to_ns;      /* 0: unbounded; samples with from <= time < to */
	int all_runs;		      /* deliver every host and run, interleaved (sinks) */
};

/* NULL with errno, and a message in err naming the file and the reason. */
struct pc_input *input__open(const char *path, char *err, size_t errlen);
/* The same with options (NULL: none). Journals need o->site. */
struct pc_input *input__open_opts(const char *path, const struct pc_input_opts *o, char *err,
				  size_t errlen);
enum pc_input_kind input__kind(const struct pc_input *in);
/*
 * 1 when path is (or can only be) a journal, the one kind an identity opens;
 * 0 for a collection, pcc file or capture; negative errno when unreadable.
 */
int input__is_journal(const char *path);
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

/*
 * Check a whole input and report to out: records (or samples), hosts, runs,
 * time span, gaps and damage with its byte offsets. 0 when intact, 1 when
 * damage or gaps were found, negative errno (err says why) when it cannot
 * be read at all (wrong identity, not a recognised file).
 */
int input__verify(const char *path, const struct pc_input_opts *o, FILE *out, char *err,
		  size_t errlen);

/* A time as the selection flags take it: unix seconds (1767977160, 1767977160.5) or RFC 3339. */
int input__parse_time(const char *s, uint64_t *ns);

#endif
