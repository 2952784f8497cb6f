// SPDX-License-Identifier: MIT
/*
 * proc_util.c: what every /proc and /sys parser (proc_*.c) calls besides the
 * inline scanners of proc_internal.h: the parse-problem record (pc_perr),
 * errno names for messages, and rows keyed by spans of text. It knows no
 * parser and no reader, so the parsers depend on it and never on procfs.c.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "proc_internal.h"

void pc_perr_add(struct pc_perr *e, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return;
	if (e->count < UINT_MAX)
		e->count++;
	if (e->count != 1)
		return;
	if (line)
		n = snprintf(e->first, sizeof(e->first), "%s line %u: ", file, line);
	else
		n = snprintf(e->first, sizeof(e->first), "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof(e->first))
		return;
	va_start(ap, fmt);
	vsnprintf(e->first + n, sizeof(e->first) - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *ps_errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "unknown error";
}

uint64_t *ps_row(struct pc_sample *s, int g, const char *k, size_t n, struct pc_perr *perr,
		 const char *file, unsigned line, int *rc)
{
	char key[PC_KEY_MAX], show[PS_SHOW];
	uint64_t *row;

	if (n == 0) {
		pc_perr_add(perr, file, line, "empty name");
		return NULL;
	}
	if (n >= PC_KEY_MAX) {
		pc_perr_add(perr, file, line, "name %s longer than %d bytes",
			    ps_show(k, k + n, show), PC_KEY_MAX - 1);
		return NULL;
	}
	if (memchr(k, 0, n)) {
		pc_perr_add(perr, file, line, "name %s holds a NUL byte", ps_show(k, k + n, show));
		return NULL;
	}
	memcpy(key, k, n);
	key[n] = 0;
	row = pc_table_add(&s->t[g], key);
	if (!row && errno == ENOMEM)
		*rc = -ENOMEM;
	else if (!row)
		pc_perr_add(perr, file, line, "row %s refused: %s", ps_show(k, k + n, show),
			    ps_errname(errno));
	return row;
}
