/* SPDX-License-Identifier: MIT */
/*
 * report_int.h: the parts of the HTML report (mode html) that are plain
 * arithmetic on series and so are tested on their own: growable series of
 * computed values, the summary statistics of every sample (min, avg, P50,
 * P90, P95, P99, max), the per-pixel-column decimation into levels of detail
 * (min and max per bucket, M4 style), heatmaps of constant size however long
 * the run, and the base64 encoding the page decodes. The values themselves
 * come from export_int.h's helpers (export_html.c); nothing here knows what a
 * column means.
 */
#ifndef PC_REPORT_INT_H
#define PC_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One series of doubles (NaN = no value at that interval). */
struct rs_vec {
	double *v;
	size_t n, cap;
};
/* Append v at index i, padding with NaN from n to i; 0 or -ENOMEM. */
int rs_vec_set(struct rs_vec *s, size_t i, double v);
/* Pad with NaN up to n entries. */
int rs_vec_pad(struct rs_vec *s, size_t n);
void rs_vec_free(struct rs_vec *s);

/* Of every non-NaN value: count, min, mean, P50, P90, P95, P99, max. */
enum { RS_MIN, RS_AVG, RS_P50, RS_P90, RS_P95, RS_P99, RS_MAX, RS_NSTATS };
/*
 * Percentile q of sorted x[0..n): linear between the closest ranks,
 * rank q*(n-1) (numpy's default, Excel's PERCENTILE.INC).
 */
double rs_pct_sorted(const double *x, size_t n, double q);
/* The statistics of v[0..n) (NaN skipped); returns the count, 0 (stats NaN) when none. */
size_t rs_stats(const double *v, size_t n, double st[RS_NSTATS]);

/*
 * Decimation. Level k of a series of n points over [t0, t1] has
 * RS_LEVEL0 * RS_LEVEL_STEP^k buckets of equal width, as long as a level
 * has fewer than n/2 buckets; after those, the raw points themselves when
 * n <= RS_RAW_MAX. Each bucket gives two values, its min and its max in the
 * order they occurred (NaN, NaN when empty), drawn at the bucket's start and
 * middle: every peak and trough survives at any zoom.
 */
#define RS_LEVEL0     1000
#define RS_LEVEL_STEP 8
#define RS_RAW_MAX    131072
#define RS_MAX_LEVELS 8
struct rs_levels {
	int n;			       /* levels */
	size_t buckets[RS_MAX_LEVELS]; /* 0 = the raw points */
};
void rs_levels_plan(size_t npoints, struct rs_levels *l);
/* out[2*buckets]: min/max of each bucket of the level; t in ns. */
void rs_decimate(const uint64_t *t, const double *v, size_t n, size_t buckets, double *out);

/*
 * A heatmap of rows x columns that stays at most RS_HEAT_COLS columns: a
 * column holds `per` consecutive intervals, and when the columns are full
 * each pair is merged and `per` doubles. cell = sum of the intervals' values.
 */
#define RS_HEAT_COLS 2048
struct rs_heat {
	unsigned rows;
	size_t ncols, per, fill; /* fill: intervals in the last column */
	double *cell;		 /* [RS_HEAT_COLS][rows] */
	uint64_t *t0;		 /* start time (ns) of each column */
	uint32_t *nitv;		 /* intervals in each column */
};
int rs_heat_init(struct rs_heat *h, unsigned rows);
/* One interval at time t: row values v[rows] (added). */
void rs_heat_add(struct rs_heat *h, uint64_t t, const double *v);
void rs_heat_free(struct rs_heat *h);

/* Base64 of len bytes to f. */
void rs_b64(FILE *f, const void *p, size_t len);
/* lo and hi of the non-NaN values of v[0..n) (0, 0 when none). */
void rs_range(const double *v, size_t n, double *lo, double *hi);
/*
 * v[0..n) as little-endian uint16 steps from lo to hi (0..65534, 65535 =
 * NaN), base64, to f: value = lo + q * (hi - lo) / 65534. 0 or -ENOMEM.
 */
int rs_put_u16(FILE *f, const double *v, size_t n, double lo, double hi);

#endif
