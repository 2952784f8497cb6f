// SPDX-License-Identifier: MIT
/*
 * proc_mem.c: the /proc/meminfo and /proc/vmstat parsers. Both are lists of
 * named counters, so every key becomes a row of its group with one column:
 * meminfo's value as printed (kB, or a bare count for the HugePages_* lines),
 * vmstat's count. Keys are whatever the kernel prints; nothing is filtered,
 * so a newer kernel's keys arrive without a code change.
 */
#include "proc_internal.h"

static const char MEMINFO[] = "/proc/meminfo";
static const char VMSTAT[] = "/proc/vmstat";

int proc_meminfo_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	char show[PS_SHOW], bad[PS_BAD];
	unsigned line = 0;
	size_t pos = 0, n;
	const char *colon, *at, *w, *key;
	uint64_t v, *row;
	struct ps l;
	int rc = 0, r;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		if (ps_done(&l))
			continue;
		key = l.p;
		colon = memchr(l.p, ':', (size_t)(l.end - l.p));
		if (!colon) {
			pc_perr_add(perr, MEMINFO, line, "no ':' in %s", ps_show(l.p, l.end, show));
			continue;
		}
		l.p = colon + 1;
		ps_blank(&l);
		at = l.p;
		r = ps_u64(&l, &v);
		if (r <= 0) {
			pc_perr_add(perr, MEMINFO, line, "value %s", ps_bad(at, l.end, r, bad));
			continue;
		}
		/* The unit is kB or nothing; anything else would change the meaning. */
		if (ps_word(&l, &w, &n) && (n != 2 || memcmp(w, "kB", 2) || !ps_done(&l))) {
			pc_perr_add(perr, MEMINFO, line, "unexpected %s after the value",
				    ps_show(w, l.end, show));
			continue;
		}
		/* Leading blanks are padding, not part of the key. */
		row = ps_row(s, PC_G_MEM, key, (size_t)(colon - key), perr, MEMINFO, line, &rc);
		if (row)
			row[PC_KV_VALUE] = v;
	}
	return rc;
}

int proc_vmstat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	char show[PS_SHOW], bad[PS_BAD];
	unsigned line = 0;
	size_t pos = 0, n;
	const char *w, *at;
	uint64_t v, *row;
	struct ps l;
	int rc = 0, r;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		if (!ps_word(&l, &w, &n))
			continue;
		ps_blank(&l);
		at = l.p;
		r = ps_u64(&l, &v);
		if (r <= 0) {
			pc_perr_add(perr, VMSTAT, line, "value %s", ps_bad(at, l.end, r, bad));
			continue;
		}
		if (!ps_done(&l)) {
			pc_perr_add(perr, VMSTAT, line, "unexpected %s after the value",
				    ps_show(l.p, l.end, show));
			continue;
		}
		row = ps_row(s, PC_G_VMSTAT, w, n, perr, VMSTAT, line, &rc);
		if (row)
			row[PC_KV_VALUE] = v;
	}
	return rc;
}
