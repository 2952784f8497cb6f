// SPDX-License-Identifier: MIT
/*
 * proc_disk.c: the /proc/diskstats parser. A line is "major minor name" and
 * then the statistics, whose number depends on the kernel: 11 before 4.18,
 * 15 from 4.18 (discards), 17 from 5.5 (flushes), i.e. lines of 14, 18 or 20
 * fields. Each device becomes a PC_G_DISK row keyed by its name, with the
 * number of statistics the kernel printed in PC_DISK_NSTATS so that an
 * exporter can tell "zero discards" from "this kernel does not count them".
 * Any other field count is a parse error for that line.
 */
#include "proc_internal.h"

static const char DISKSTATS[] = "/proc/diskstats";

/* Fields beyond the longest known layout are only counted, never stored. */
#define DISK_MAX_FIELDS 20

int proc_diskstats_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	const char *w[DISK_MAX_FIELDS];
	size_t wn[DISK_MAX_FIELDS], n;
	uint64_t v[DISK_MAX_FIELDS], *row;
	char bad[PS_BAD];
	unsigned line = 0, nf, i;
	size_t pos = 0;
	const char *x;
	struct ps l, f;
	int rc = 0, r;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		for (nf = 0; ps_word(&l, &x, &n); nf++) {
			if (nf < DISK_MAX_FIELDS) {
				w[nf] = x;
				wn[nf] = n;
			}
		}
		if (nf == 0)
			continue;
		if (nf != 14 && nf != 18 && nf != 20) {
			pc_perr_add(perr, DISKSTATS, line, "%u fields, want 14, 18 or 20", nf);
			continue;
		}
		for (i = 0; i < nf; i++) {
			if (i == 2)
				continue; /* the name */
			f.p = w[i];
			f.end = w[i] + wn[i];
			r = ps_u64(&f, &v[i]);
			if (r <= 0) {
				pc_perr_add(perr, DISKSTATS, line, "field %u: %s", i + 1,
					    ps_bad(w[i], w[i] + wn[i], r, bad));
				break;
			}
		}
		if (i < nf)
			continue;
		row = ps_row(s, PC_G_DISK, w[2], wn[2], perr, DISKSTATS, line, &rc);
		if (!row)
			continue;
		row[PC_DISK_MAJOR] = v[0];
		row[PC_DISK_MINOR] = v[1];
		row[PC_DISK_NSTATS] = nf - 3;
		for (i = 3; i < nf; i++)
			row[PC_DISK_RD_IOS + i - 3] = v[i];
	}
	return rc;
}
