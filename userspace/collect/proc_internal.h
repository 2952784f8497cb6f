/* SPDX-License-Identifier: MIT */
/*
 * proc_internal.h: what the /proc and /sys readers (userspace/collect/proc_*.c,
 * procfs.c, sysinfo.c) share and nobody else needs: a cursor over one line,
 * the hand-written number scanners (no sscanf, no stdio on the hot path),
 * row keys taken from spans of text, and the mount table behind live statfs.
 * Everything here works on (pointer, end) spans: input is never assumed to be
 * NUL-terminated, and no scanner reads past end.
 */
#ifndef PC_PROC_INTERNAL_H
#define PC_PROC_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pc/proc.h"

/* A cursor over one line (p..end, no '\n'). */
struct ps {
	const char *p, *end;
};

/* Next line of buf[*pos..len) into *l; 0 when the text is exhausted. */
static inline int ps_line(const char *buf, size_t len, size_t *pos, struct ps *l)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	l->p = buf + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->end = nl ? nl : buf + len;
	*pos = (size_t)(l->end - buf) + 1;
	return 1;
}

static inline int ps_isblank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static inline int ps_isdigit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static inline void ps_blank(struct ps *l)
{
	while (l->p < l->end && ps_isblank(*l->p))
		l->p++;
}

/* True when only blanks are left. */
static inline int ps_done(struct ps *l)
{
	ps_blank(l);
	return l->p == l->end;
}

/* Next blank-separated word as a span; 0 when none is left. */
static inline int ps_word(struct ps *l, const char **w, size_t *n)
{
	const char *q;

	ps_blank(l);
	if (l->p == l->end)
		return 0;
	for (q = l->p; q < l->end && !ps_isblank(*q); q++)
		;
	*w = l->p;
	*n = (size_t)(q - l->p);
	l->p = q;
	return 1;
}

/*
 * Decimal digits at the cursor, no sign, no blanks skipped. Returns how many
 * digits were read (0: none), or -ERANGE past 20 digits or 2^64-1.
 */
static inline int ps_digits(struct ps *l, uint64_t *v)
{
	const char *p = l->p, *e = l->end;
	uint64_t x = 0;
	unsigned d;
	int n = 0;

	/* 19 digits always fit: only the 20th needs an overflow check. */
	for (; p < e && ps_isdigit(*p) && n < 19; p++, n++)
		x = x * 10 + (unsigned)(*p - '0');
	if (p < e && ps_isdigit(*p)) {
		d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
		p++;
		n++;
		if (p < e && ps_isdigit(*p))
			return -ERANGE;
	}
	l->p = p;
	*v = x;
	return n;
}

/* True when the cursor is at a word boundary (blank or end of line). */
static inline int ps_at_sep(const struct ps *l)
{
	return l->p == l->end || ps_isblank(*l->p);
}

/*
 * The next blank-separated unsigned number. 1 read, 0 nothing left on the
 * line, -EINVAL not a number, -ERANGE does not fit u64.
 */
static inline int ps_u64(struct ps *l, uint64_t *v)
{
	int n;

	ps_blank(l);
	if (l->p == l->end)
		return 0;
	n = ps_digits(l, v);
	if (n < 0)
		return n;
	if (n == 0 || !ps_at_sep(l))
		return -EINVAL;
	return 1;
}

/*
 * A decimal with an optional fraction ("0.07", "2249.998", "464") at the
 * cursor, as fixed point with frac digits after the point: extra fraction
 * digits are truncated, missing ones are zero. 1, -EINVAL or -ERANGE; the
 * caller checks what follows.
 */
static inline int ps_fixed(struct ps *l, unsigned frac, uint64_t *v)
{
	uint64_t x, f = 0;
	unsigned i;
	int n = ps_digits(l, &x);

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	if (l->p < l->end && *l->p == '.') {
		l->p++;
		for (i = 0; l->p < l->end && ps_isdigit(*l->p); i++, l->p++)
			if (i < frac)
				f = f * 10 + (unsigned)(*l->p - '0');
		if (i == 0)
			return -EINVAL;
	} else {
		i = 0;
	}
	for (; i < frac; i++)
		f *= 10;
	for (i = 0; i < frac; i++) {
		if (x > UINT64_MAX / 10)
			return -ERANGE;
		x *= 10;
	}
	if (x > UINT64_MAX - f)
		return -ERANGE;
	*v = x + f;
	return 1;
}

/* Size of a printable excerpt for messages (ps_show). */
#define PS_SHOW 40

/*
 * The word at p (up to a blank or end), printable and short, for error
 * messages: control bytes and non-ASCII become '?', long words end in "...".
 */
static inline const char *ps_show(const char *p, const char *end, char out[PS_SHOW])
{
	size_t i = 0;

	while (p < end && ps_isblank(*p))
		p++;
	for (; p < end && !ps_isblank(*p) && i < PS_SHOW - 4; p++)
		out[i++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	if (p < end && !ps_isblank(*p)) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = 0;
	return out;
}

/* Size of a ps_bad message. */
#define PS_BAD (PS_SHOW + 32)

/*
 * Why the number at p was refused (rc from ps_u64 and friends), for
 * messages: "missing", "12x is not a number", "1844... does not fit 64 bits".
 */
static inline const char *ps_bad(const char *p, const char *end, int rc, char out[PS_BAD])
{
	char show[PS_SHOW];
	size_t n;

	if (rc == 0)
		return "missing";
	ps_show(p, end, show);
	n = strlen(show);
	memcpy(out, show, n);
	if (rc == -ERANGE)
		memcpy(out + n, " does not fit 64 bits", 22);
	else
		memcpy(out + n, " is not a number", 17);
	return out;
}

/*
 * Append a row keyed by the span k[0..n) to table g of s. NULL when the key
 * is refused (empty, NUL inside, too long: noted in perr) or on ENOMEM, in
 * which case *rc is set to -ENOMEM.
 */
uint64_t *ps_row(struct pc_sample *s, int g, const char *k, size_t n, struct pc_perr *perr,
		 const char *file, unsigned line, int *rc);

/* Short errno name for messages ("ENOENT"). */
const char *ps_errname(int err);

/* --- live statfs: the mount table (proc_statfs.c) */

struct pf_mount {
	char key[PC_KEY_MAX];  /* mount point as the row key, unescaped */
	char *path;	       /* root-prefixed path given to statfs(2) */
	uint64_t major, minor; /* the device, to skip its bind mounts */
};

struct pf_mounts {
	struct pf_mount *m;
	uint32_t n, cap;
};

/*
 * Build the list of real filesystems from mountinfo text: types that the
 * filesystems text marks "nodev" are skipped, a device mounted twice keeps
 * its first mount point. Lines it cannot read go to perr. 0 or -ENOMEM.
 */
int mounts_parse(struct pf_mounts *mt, const char *root, const char *mi, size_t milen,
		 const char *fs, size_t fslen, struct pc_perr *perr);
void mounts_free(struct pf_mounts *mt);
/* statfs(2) every mount into PC_G_FS rows; failures go to perr. 0 or -ENOMEM. */
int mounts_statfs(const struct pf_mounts *mt, struct pc_sample *s, struct pc_perr *perr);

/* --- /sys/class/net/<if>/{speed,duplex} (proc_net.c) */

/* Link speed in Mbit/s and duplex code (PC_NET_DUPLEX) from the text of those files. */
uint64_t sysnet_speed_parse(const char *buf, size_t len);
uint64_t sysnet_duplex_parse(const char *buf, size_t len);

#endif
