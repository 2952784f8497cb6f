// SPDX-License-Identifier: MIT
/*
 * proc_misc.c: the small one-line files: /proc/loadavg (load averages as x100
 * fixed point, runnable/threads, last pid), /proc/uptime (centiseconds, as
 * printed) and /proc/pressure/<resource> (PSI: "some" and "full" lines of
 * avg10/avg60/avg300 percentages x100 and a total stall time in us). The
 * decimals go through the fixed-point scanner: no floating point anywhere.
 */
#include "proc_internal.h"

static const char LOADAVG[] = "/proc/loadavg";
static const char UPTIME[] = "/proc/uptime";

/* The first non-blank line of a one-line file, and its number. */
static int first_line(const char *buf, size_t len, struct ps *l, unsigned *line)
{
	size_t pos = 0;

	*line = 0;
	while (ps_line(buf, len, &pos, l)) {
		++*line;
		if (!ps_done(l))
			return 1;
	}
	return 0;
}

/* A fixed-point number ending at a blank or the end of the line. */
static int fixed_word(struct ps *l, unsigned frac, uint64_t *v)
{
	int r;

	ps_blank(l);
	if (l->p == l->end)
		return 0;
	r = ps_fixed(l, frac, v);
	if (r == 1 && !ps_at_sep(l))
		return -EINVAL;
	return r;
}

/* Nothing but blanks after the last field: 0, or -EINVAL with the excess reported. */
static int line_end(struct ps *l, const char *file, unsigned line, struct pc_perr *perr)
{
	char show[PS_SHOW];

	if (ps_done(l))
		return 0;
	pc_perr_add(perr, file, line, "unexpected %s at the end", ps_show(l->p, l->end, show));
	return -EINVAL;
}

/* A file of one line of numbers that becomes one row of a group. */
struct one_line {
	const char *file; /* for messages */
	int group;
	const char *key; /* the row's key, keylen bytes */
	size_t keylen;
	unsigned ncols;
	const char *const *what; /* each column's name, for messages */
	/* Column i from the line (blanks skipped); as ps_u64: 1, 0 when missing, or -errno. */
	int (*field)(struct ps *l, unsigned i, uint64_t *v);
};

/* The longest of them: /proc/loadavg. */
#define ONE_LINE_MAX PC_LOAD_NCOLS
_Static_assert((int)PC_UPTIME_NCOLS <= (int)ONE_LINE_MAX,
	       "a one-line file has at most ONE_LINE_MAX columns");

static int one_line_parse(const struct one_line *d, const char *buf, size_t len,
			  struct pc_sample *s, struct pc_perr *perr)
{
	uint64_t v[ONE_LINE_MAX], *row;
	char bad[PS_BAD];
	const char *at;
	unsigned line, i;
	struct ps l;
	int r, rc = 0;

	if (!first_line(buf, len, &l, &line)) {
		pc_perr_add(perr, d->file, 1, "empty");
		return 0;
	}
	for (i = 0; i < d->ncols; i++) {
		ps_blank(&l);
		at = l.p;
		r = d->field(&l, i, &v[i]);
		if (r <= 0) {
			pc_perr_add(perr, d->file, line, "%s: %s", d->what[i],
				    ps_bad(at, l.end, r, bad));
			return 0;
		}
	}
	if (line_end(&l, d->file, line, perr))
		return 0;
	row = ps_row(s, d->group, d->key, d->keylen, perr, d->file, line, &rc);
	if (row)
		memcpy(row, v, d->ncols * sizeof(*v));
	return rc;
}

static int loadavg_field(struct ps *l, unsigned i, uint64_t *v)
{
	int r;

	if (i < 3)
		return fixed_word(l, 2, v);
	if (i != PC_LOAD_RUNNABLE)
		return ps_u64(l, v);
	/* "3/96": runnable, then the thread count after the slash. */
	r = ps_digits(l, v);
	if (r > 0 && (l->p == l->end || *l->p != '/'))
		return -EINVAL;
	if (r > 0)
		l->p++;
	else if (r == 0)
		r = l->p == l->end ? 0 : -EINVAL;
	return r;
}

int proc_loadavg_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	static const char *const what[] = {"avg1",     "avg5",	  "avg15",
					   "runnable", "threads", "last pid"};
	static const struct one_line d = {.file = LOADAVG,
					  .group = PC_G_LOAD,
					  .key = "loadavg",
					  .keylen = 7,
					  .ncols = PC_LOAD_NCOLS,
					  .what = what,
					  .field = loadavg_field};

	return one_line_parse(&d, buf, len, s, perr);
}

static int uptime_field(struct ps *l, unsigned i, uint64_t *v)
{
	(void)i;
	return fixed_word(l, 2, v);
}

int proc_uptime_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	static const char *const what[] = {"uptime", "idle time"};
	static const struct one_line d = {.file = UPTIME,
					  .group = PC_G_UPTIME,
					  .key = "uptime",
					  .keylen = 6,
					  .ncols = PC_UPTIME_NCOLS,
					  .what = what,
					  .field = uptime_field};

	return one_line_parse(&d, buf, len, s, perr);
}

/* "avg10=1.23 avg60=1.33 avg300=0.64 total=5607881" into v[0..3]. */
static int psi_fields(struct ps *l, uint64_t v[4], const char *file, unsigned line,
		      struct pc_perr *perr)
{
	static const struct {
		const char *name;
		size_t len;
		unsigned frac;
	} keys[4] = {{"avg10=", 6, 2}, {"avg60=", 6, 2}, {"avg300=", 7, 2}, {"total=", 6, 0}};
	char show[PS_SHOW], bad[PS_BAD];
	const char *at;
	unsigned i;
	int r;

	for (i = 0; i < 4; i++) {
		ps_blank(l);
		at = l->p;
		if ((size_t)(l->end - l->p) < keys[i].len ||
		    memcmp(l->p, keys[i].name, keys[i].len)) {
			pc_perr_add(perr, file, line, "%s where %.*s was expected",
				    ps_show(at, l->end, show), (int)keys[i].len - 1, keys[i].name);
			return -EINVAL;
		}
		l->p += keys[i].len;
		r = fixed_word(l, keys[i].frac, &v[i]);
		if (r <= 0) {
			pc_perr_add(perr, file, line, "%s",
				    ps_bad(at, l->end, r == 0 ? -EINVAL : r, bad));
			return -EINVAL;
		}
	}
	return line_end(l, file, line, perr);
}

int proc_pressure_parse(const char *resource, const char *buf, size_t len, struct pc_sample *s,
			struct pc_perr *perr)
{
	uint64_t v[PC_PSI_NCOLS] = {0}, tmp[4], *row;
	char file[PC_KEY_MAX + 16], show[PS_SHOW];
	unsigned line = 0, got = 0;
	size_t pos = 0, n;
	const char *w;
	struct ps l;
	int rc = 0, off;

	if (!resource || !*resource || strlen(resource) >= PC_KEY_MAX)
		return -EINVAL;
	/* The file's name for messages, without stdio on the hot path. */
	memcpy(file, "/proc/pressure/", 15);
	memcpy(file + 15, resource, strlen(resource) + 1);
	while (ps_line(buf, len, &pos, &l)) {
		line++;
		if (!ps_word(&l, &w, &n))
			continue;
		if (n == 4 && !memcmp(w, "some", 4)) {
			off = PC_PSI_SOME_AVG10;
		} else if (n == 4 && !memcmp(w, "full", 4)) {
			off = PC_PSI_FULL_AVG10;
		} else {
			pc_perr_add(perr, file, line, "unknown line %s", ps_show(w, l.end, show));
			continue;
		}
		if (got & (1u << off)) {
			pc_perr_add(perr, file, line, "%.4s repeated", w);
			continue;
		}
		/* Into a copy first: a half-read line must not leave half its values. */
		if (psi_fields(&l, tmp, file, line, perr) == 0) {
			memcpy(v + off, tmp, sizeof(tmp));
			got |= 1u << off;
		}
	}
	/* Kernels before 5.13 print no "full" line for cpu: it reads as zero. */
	if (got) {
		row = ps_row(s, PC_G_PSI, resource, strlen(resource), perr, file, line, &rc);
		if (row)
			memcpy(row, v, sizeof(v));
	}
	return rc;
}
