// SPDX-License-Identifier: MIT
/*
 * proc_stat.c: the /proc/stat parser. Every cpu line becomes a PC_G_CPU row
 * ("all" for the aggregate line, then the CPU number as printed, so offline
 * CPUs simply have no row) with all ten columns; older kernels print fewer
 * and the missing ones stay zero. The scalar lines (intr and softirq: their
 * first number, the total) fill the single PC_G_STAT row "stat".
 */
#include <stdio.h>

#include "proc_internal.h"

static const char STAT[] = "/proc/stat";

/* The oldest kernels we accept print user, nice, system and idle. */
#define CPU_MIN_COLS 4

/* Scalar lines, in PC_STAT_* column order. */
static const struct {
	const char *name;
	size_t len;
	int total; /* a list of numbers follows: take the first, skip the rest */
} scalars[PC_STAT_NCOLS] = {
    [PC_STAT_INTR] = {"intr", 4, 1},
    [PC_STAT_CTXT] = {"ctxt", 4, 0},
    [PC_STAT_BTIME] = {"btime", 5, 0},
    [PC_STAT_PROCESSES] = {"processes", 9, 0},
    [PC_STAT_PROCS_RUNNING] = {"procs_running", 13, 0},
    [PC_STAT_PROCS_BLOCKED] = {"procs_blocked", 13, 0},
    [PC_STAT_SOFTIRQ] = {"softirq", 7, 1},
};

/*
 * One cpu line; w/n is its first word ("cpu" or "cpuN"). *last is the
 * previous CPU number + 1 (0 before any): the kernel prints CPUs in rising
 * order, so a repeat or a step back means damaged input, not a new CPU.
 */
static int cpu_line(struct ps *l, const char *w, size_t n, unsigned line, uint64_t *last,
		    struct pc_sample *s, struct pc_perr *perr)
{
	uint64_t v[PC_CPU_NCOLS] = {0}, cpu = 0, x, *row;
	char show[PS_SHOW], bad[PS_BAD];
	const char *key = "all";
	size_t klen = 3;
	int rc = 0, r;
	unsigned i;

	if (n > 3) {
		struct ps id = {w + 3, w + n};

		r = ps_digits(&id, &cpu);
		if (r <= 0 || id.p != id.end || cpu >= UINT32_MAX) {
			pc_perr_add(perr, STAT, line, "bad cpu name %s", ps_show(w, w + n, show));
			return 0;
		}
		if (cpu + 1 <= *last) {
			pc_perr_add(perr, STAT, line, "cpu%llu repeated or out of order",
				    (unsigned long long)cpu);
			return 0;
		}
		key = w + 3;
		klen = n - 3;
	}
	for (i = 0;; i++) {
		const char *at = l->p;

		r = ps_u64(l, &x);
		if (r == 0)
			break;
		if (r < 0) {
			pc_perr_add(perr, STAT, line, "%.*s column %u: %s", (int)n, w, i + 1,
				    ps_bad(at, l->end, r, bad));
			return 0;
		}
		/* Columns a future kernel adds are not ours to name: ignore them. */
		if (i < PC_CPU_NCOLS)
			v[i] = x;
	}
	if (i < CPU_MIN_COLS) {
		pc_perr_add(perr, STAT, line, "%.*s: %u columns, want at least %d", (int)n, w, i,
			    CPU_MIN_COLS);
		return 0;
	}
	row = ps_row(s, PC_G_CPU, key, klen, perr, STAT, line, &rc);
	if (!row)
		return rc;
	memcpy(row, v, sizeof(v));
	if (n > 3)
		*last = cpu + 1;
	return 0;
}

/* One scalar line (col) into the "stat" row, added on first use. */
static int scalar_line(struct ps *l, int col, unsigned line, uint64_t **row, struct pc_sample *s,
		       struct pc_perr *perr)
{
	char show[PS_SHOW], bad[PS_BAD];
	const char *at;
	uint64_t v;
	int r, rc = 0;

	ps_blank(l);
	at = l->p;
	r = ps_u64(l, &v);
	if (r <= 0) {
		pc_perr_add(perr, STAT, line, "%s value %s", scalars[col].name,
			    ps_bad(at, l->end, r, bad));
		return 0;
	}
	if (!scalars[col].total && !ps_done(l)) {
		pc_perr_add(perr, STAT, line, "%s: unexpected %s after the value",
			    scalars[col].name, ps_show(l->p, l->end, show));
		return 0;
	}
	if (!*row) {
		*row = ps_row(s, PC_G_STAT, "stat", 4, perr, STAT, line, &rc);
		if (!*row)
			return rc;
	}
	(*row)[col] = v;
	return 0;
}

int proc_stat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	uint64_t *stat = NULL, last = 0;
	unsigned line = 0;
	size_t pos = 0, n;
	const char *w;
	struct ps l;
	char show[PS_SHOW];
	unsigned seen = 0;
	int rc = 0, col;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		if (!ps_word(&l, &w, &n))
			continue; /* blank line */
		if (n >= 3 && !memcmp(w, "cpu", 3)) {
			rc = cpu_line(&l, w, n, line, &last, s, perr);
			continue;
		}
		for (col = 0; col < PC_STAT_NCOLS; col++)
			if (n == scalars[col].len && !memcmp(w, scalars[col].name, n))
				break;
		if (col < PC_STAT_NCOLS) {
			/* A repeated line would silently overwrite the first. */
			if (seen & (1u << col)) {
				pc_perr_add(perr, STAT, line, "%s repeated", scalars[col].name);
				continue;
			}
			seen |= 1u << col;
			rc = scalar_line(&l, col, line, &stat, s, perr);
			continue;
		}
		pc_perr_add(perr, STAT, line, "unknown line %s", ps_show(w, l.end, show));
	}
	return rc;
}
