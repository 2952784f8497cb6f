// SPDX-License-Identifier: MIT
/*
 * report_series.c: the arithmetic of the HTML report on computed series
 * (userspace/export/report_int.h): statistics of every sample, decimation
 * into levels of detail, constant-size heatmaps and the base64 the page
 * reads. Pure functions of their arguments, tested in tests/test_report.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

int rs_vec_set(struct rs_vec *s, size_t i, double v)
{
	if (i >= s->cap) {
		size_t cap = s->cap ? s->cap : 1024;
		double *nv;

		while (cap <= i)
			cap *= 2;
		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	while (s->n < i)
		s->v[s->n++] = NAN;
	s->v[i] = v;
	if (s->n <= i)
		s->n = i + 1;
	return 0;
}

int rs_vec_pad(struct rs_vec *s, size_t n)
{
	if (s->n >= n)
		return 0;
	int rc = rs_vec_set(s, n - 1, NAN);

	return rc;
}

void rs_vec_free(struct rs_vec *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- statistics ---- */

double rs_pct_sorted(const double *x, size_t n, double q)
{
	double h, fl;
	size_t lo;

	if (!n)
		return NAN;
	h = q * (double)(n - 1);
	fl = floor(h);
	lo = (size_t)fl;
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - fl) * (x[lo + 1] - x[lo]);
}

static void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Put the k-th smallest of x[lo..hi] at x[k], none larger before it and none smaller after
 * (Wirth's selection): O(n) on average, where a sort is O(n log n).
 */
static void select_kth(double *x, long lo, long hi, long k)
{
	while (lo < hi) {
		double p = x[k];
		long i = lo, j = hi;

		do {
			while (x[i] < p)
				i++;
			while (p < x[j])
				j--;
			if (i <= j)
				swap(&x[i++], &x[j--]);
		} while (i <= j);
		if (j < k)
			lo = i;
		if (k < i)
			hi = j;
	}
}

/* Percentile q of x[from..m) once x[0..from) holds only values <= those (rs_pct_sorted's rule). */
static double pct_select(double *x, size_t m, size_t from, double q)
{
	double h = q * (double)(m - 1), fl = floor(h), next;
	size_t lo = (size_t)fl;

	select_kth(x, (long)from, (long)m - 1, (long)lo);
	if (lo + 1 >= m)
		return x[lo];
	next = x[lo + 1];
	for (size_t i = lo + 2; i < m; i++)
		next = x[i] < next ? x[i] : next;
	return x[lo] + (h - fl) * (next - x[lo]);
}

size_t rs_stats(const double *v, size_t n, double st[RS_NSTATS])
{
	static const double qs[] = {0.50, 0.90, 0.95, 0.99};
	double *x = malloc((n ? n : 1) * sizeof(*x)), sum = 0;
	size_t m = 0, from = 0;

	for (int i = 0; i < RS_NSTATS; i++)
		st[i] = NAN;
	if (!x)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			x[m] = v[i];
			sum += v[i];
			st[RS_MIN] = m && st[RS_MIN] <= v[i] ? st[RS_MIN] : v[i];
			st[RS_MAX] = m && st[RS_MAX] >= v[i] ? st[RS_MAX] : v[i];
			m++;
		}
	if (m) {
		st[RS_AVG] = sum / (double)m;
		/* Ascending quantiles: each selection leaves the smaller values before its rank. */
		for (int k = 0; k < 4; k++) {
			st[RS_P50 + k] = pct_select(x, m, from, qs[k]);
			from = (size_t)floor(qs[k] * (double)(m - 1));
		}
	}
	free(x);
	return m;
}

/* ---- levels of detail ---- */

void rs_levels_plan(size_t npoints, struct rs_levels *l)
{
	size_t b = RS_LEVEL0;

	memset(l, 0, sizeof(*l));
	while (l->n < RS_MAX_LEVELS - 1 && 2 * b < npoints) {
		l->buckets[l->n++] = b;
		b *= RS_LEVEL_STEP;
	}
	if (npoints <= RS_RAW_MAX || !l->n)
		l->buckets[l->n++] = 0;
}

void rs_decimate(const uint64_t *t, const double *v, size_t n, size_t buckets, double *out)
{
	double w;
	size_t cur = SIZE_MAX, imin = 0, imax = 0;

	for (size_t i = 0; i < 2 * buckets; i++)
		out[i] = NAN;
	if (!n || !buckets)
		return;
	w = (double)(t[n - 1] - t[0]) / (double)buckets;
	for (size_t i = 0; i <= n; i++) {
		size_t b = SIZE_MAX;

		if (i < n) {
			if (isnan(v[i]))
				continue;
			b = w > 0 ? (size_t)((double)(t[i] - t[0]) / w) : 0;
			if (b >= buckets)
				b = buckets - 1;
		}
		if (b == cur) {
			if (v[i] < v[imin])
				imin = i;
			if (v[i] > v[imax])
				imax = i;
			continue;
		}
		if (cur != SIZE_MAX) {
			/* The bucket is complete: its extremes, in the order they happened. */
			out[2 * cur] = imin <= imax ? v[imin] : v[imax];
			out[2 * cur + 1] = imin <= imax ? v[imax] : v[imin];
		}
		cur = b;
		imin = imax = i;
	}
}

/* ---- heatmaps ---- */

int rs_heat_init(struct rs_heat *h, unsigned rows)
{
	memset(h, 0, sizeof(*h));
	h->rows = rows;
	h->per = 1;
	h->cell = calloc((size_t)RS_HEAT_COLS * rows, sizeof(*h->cell));
	h->t0 = calloc(RS_HEAT_COLS, sizeof(*h->t0));
	h->nitv = calloc(RS_HEAT_COLS, sizeof(*h->nitv));
	if (!h->cell || !h->t0 || !h->nitv) {
		rs_heat_free(h);
		return -ENOMEM;
	}
	return 0;
}

/* Columns full: merge each pair, so every column holds twice as many intervals. */
static void heat_halve(struct rs_heat *h)
{
	size_t half = h->ncols / 2;

	for (size_t c = 0; c < half; c++) {
		double *dst = h->cell + c * h->rows, *a = h->cell + 2 * c * h->rows;

		for (unsigned r = 0; r < h->rows; r++)
			dst[r] = a[r] + a[h->rows + r];
		h->t0[c] = h->t0[2 * c];
		h->nitv[c] = h->nitv[2 * c] + h->nitv[2 * c + 1];
	}
	memset(h->cell + half * h->rows, 0, (h->ncols - half) * h->rows * sizeof(*h->cell));
	h->ncols = half;
	h->per *= 2;
	h->fill = h->ncols ? h->nitv[h->ncols - 1] : 0;
}

void rs_heat_add(struct rs_heat *h, uint64_t t, const double *v)
{
	double *col;

	if (!h->ncols || h->fill >= h->per) {
		if (h->ncols == RS_HEAT_COLS)
			heat_halve(h);
		if (!h->ncols || h->fill >= h->per) {
			h->t0[h->ncols] = t;
			h->nitv[h->ncols] = 0;
			h->ncols++;
			h->fill = 0;
		}
	}
	col = h->cell + (h->ncols - 1) * h->rows;
	for (unsigned r = 0; r < h->rows; r++)
		if (!isnan(v[r]))
			col[r] += v[r];
	h->nitv[h->ncols - 1]++;
	h->fill++;
}

void rs_heat_free(struct rs_heat *h)
{
	free(h->cell);
	free(h->t0);
	free(h->nitv);
	memset(h, 0, sizeof(*h));
}

/* ---- encoding ---- */

void rs_b64(FILE *f, const void *p, size_t len)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	char out[4];

	for (size_t i = 0; i < len; i += 3) {
		uint32_t x = (uint32_t)s[i] << 16;

		if (i + 1 < len)
			x |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			x |= s[i + 2];
		out[0] = a[x >> 18 & 63];
		out[1] = a[x >> 12 & 63];
		out[2] = i + 1 < len ? a[x >> 6 & 63] : '=';
		out[3] = i + 2 < len ? a[x & 63] : '=';
		fwrite(out, 1, 4, f);
	}
}

void rs_range(const double *v, size_t n, double *lo, double *hi)
{
	int any = 0;

	*lo = *hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		if (!any || v[i] < *lo)
			*lo = v[i];
		if (!any || v[i] > *hi)
			*hi = v[i];
		any = 1;
	}
}

int rs_put_u16(FILE *f, const double *v, size_t n, double lo, double hi)
{
	unsigned char *b = malloc(n ? 2 * n : 1);
	double span = hi - lo;

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		long q = 65535;

		if (!isnan(v[i])) {
			q = span > 0 ? lround((v[i] - lo) / span * 65534) : 0;
			q = q < 0 ? 0 : q > 65534 ? 65534 : q;
		}
		b[2 * i] = (unsigned char)(q & 0xff);
		b[2 * i + 1] = (unsigned char)(q >> 8);
	}
	rs_b64(f, b, 2 * n);
	free(b);
	return 0;
}
