// SPDX-License-Identifier: MIT
/*
 * input_derive.c: what the readers of userspace/input/ share, so that the
 * dispatcher (input.c) depends on the readers (input_pcc.c, input_journal.c)
 * and never the other way: the host description a header would have given,
 * derived from the first samples, and RFC 3339 timestamps (Go-tool captures,
 * --from/--to).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "input_int.h"

void si_derive_add(struct si_derive *d, struct pc_sysinfo *si, const struct pc_sample *s)
{
	if (!d->n++) {
		si->start_ns = s->time_ns;
		si->host = s->host;
		si->run = s->run;
	} else if (s->time_ns > d->prev && d->nd < SI_DERIVE_SAMPLES) {
		d->diffs[d->nd++] = s->time_ns - d->prev;
	}
	d->prev = s->time_ns;
	if (s->t[PC_G_CPU].nrows) {
		uint32_t ncpu = s->t[PC_G_CPU].nrows;

		if (pc_table_find(&s->t[PC_G_CPU], "all") >= 0)
			ncpu--;
		if (ncpu > si->ncpu)
			si->ncpu = ncpu;
	}
	if (!si->mem_total_kb)
		si->mem_total_kb = pc_table_get(&s->t[PC_G_MEM], "MemTotal", PC_KV_VALUE, 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void si_derive_end(struct si_derive *d, struct pc_sysinfo *si, uint64_t freq_ns)
{
	qsort(d->diffs, d->nd, sizeof(*d->diffs), cmp_u64);
	si->interval_ns = d->nd ? d->diffs[d->nd / 2] : freq_ns;
	si->user_hz = 100; /* USER_HZ: 100 on every architecture Linux builds for */
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, const char *end, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++, (*p)++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (unsigned)(**p - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 (Go's RFC3339Nano): 2026-01-10T18:06:07.784822869Z or +02:00 offsets. */
int input_parse_rfc3339(const char *s, size_t len, uint64_t *ns)
{
	const char *p = s, *end = s + len;
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	uint64_t frac = 0, scale = 100000000;
	int64_t t, sign = 0;

	if (digits(&p, end, 4, &y) || p >= end || *p++ != '-' || digits(&p, end, 2, &mo) ||
	    p >= end || *p++ != '-' || digits(&p, end, 2, &d) || p >= end ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' || digits(&p, end, 2, &mi) ||
	    p >= end || *p++ != ':' || digits(&p, end, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -EINVAL;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			frac += (uint64_t)(*p - '0') * scale; /* digits past ns are dropped */
			scale /= 10;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, end, 2, &oh) || p >= end || *p++ != ':' || digits(&p, end, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (p != end)
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (int64_t)(oh * 3600 + om * 60);
	if (t < 0 || (uint64_t)t > UINT64_MAX / 1000000000ull - 1)
		return -ERANGE;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return 0;
}
