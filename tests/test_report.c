// SPDX-License-Identifier: MIT
/*
 * test_report.c: the arithmetic of the HTML report (userspace/export/report_series.c)
 * against brute force on real data: the host.csv values of every interval of a
 * capture of a real 2-CPU machine (shared/fixtures/legacy/capture-2cpu.jsonl),
 * computed by exp_host_compute as the exports do. Percentiles against a
 * selection by counting; each decimated bucket against a scan of the points
 * that fall in it; heatmap totals; level plans; the uint16/base64 encoding
 * decoded back.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/export.h"
#include "pc/input.h"
#include "../userspace/export/export_int.h"
#include "../userspace/export/report_int.h"

/* The host.csv columns of every interval of the capture: t[n], v[H_NCOLS][n]. */
struct real {
	uint64_t *t;
	double *v[H_NCOLS];
	size_t n;
};

static void load_real(struct real *r)
{
	const char *path = tu_shared("legacy/capture-2cpu.jsonl");
	char err[512];
	struct pc_input *in = input__open(path, err, sizeof(err));
	struct pc_sample prev, s;
	int have = 0;

	assert_non_null(in);
	memset(r, 0, sizeof(*r));
	r->t = calloc(4096, sizeof(*r->t));
	for (int c = 0; c < H_NCOLS; c++)
		r->v[c] = calloc(4096, sizeof(double));
	pc_sample_init(&prev);
	pc_sample_init(&s);
	while (input__next(in, &s) > 0 && r->n < 4096) {
		if (have && s.time_ns > prev.time_ns) {
			double row[H_MAX];
			struct pc_export x;

			/* only the interval's start is read of the export (exp_itv) */
			memset(&x, 0, sizeof(x));
			x.prev.time_ns = prev.time_ns;
			exp_host_compute(&x, &prev, &s, (double)(s.time_ns - prev.time_ns) / 1e9, row);
			r->t[r->n] = s.time_ns;
			for (int c = 0; c < H_NCOLS; c++)
				r->v[c][r->n] = row[c];
			r->n++;
		}
		assert_int_equal(pc_sample_copy(&prev, &s), 0);
		have = 1;
	}
	pc_sample_free(&prev);
	pc_sample_free(&s);
	input__close(in);
	assert_true(r->n >= 100);
}

static void free_real(struct real *r)
{
	free(r->t);
	for (int c = 0; c < H_NCOLS; c++)
		free(r->v[c]);
}

/* The k-th smallest (0-based) of the non-NaN values, by counting (no sort). */
static double kth(const double *v, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++) {
		size_t below = 0, equal = 0;

		if (isnan(v[i]))
			continue;
		for (size_t j = 0; j < n; j++) {
			if (isnan(v[j]))
				continue;
			below += v[j] < v[i];
			equal += v[j] == v[i];
		}
		if (below <= k && k < below + equal)
			return v[i];
	}
	return NAN;
}

static double brute_pct(const double *v, size_t n, size_t m, double q)
{
	double h = q * (double)(m - 1);
	size_t lo = (size_t)floor(h);
	double a = kth(v, n, lo), b = lo + 1 < m ? kth(v, n, lo + 1) : a;

	return a + (h - floor(h)) * (b - a);
}

static void percentiles_match_brute_force(void **state)
{
	static const double qs[] = {0.50, 0.90, 0.95, 0.99};
	static const int idx[] = {RS_P50, RS_P90, RS_P95, RS_P99};
	struct real r;
	(void)state;

	load_real(&r);
	for (int c = 0; c < H_NCOLS; c++) {
		double st[RS_NSTATS], sum = 0, mn = INFINITY, mx = -INFINITY;
		size_t m = 0;

		for (size_t i = 0; i < r.n; i++)
			if (!isnan(r.v[c][i])) {
				m++;
				sum += r.v[c][i];
				mn = fmin(mn, r.v[c][i]);
				mx = fmax(mx, r.v[c][i]);
			}
		assert_int_equal(rs_stats(r.v[c], r.n, st), m);
		if (!m)
			continue;
		assert_true(st[RS_MIN] == mn && st[RS_MAX] == mx);
		assert_true(fabs(st[RS_AVG] - sum / (double)m) <= 1e-9 * fmax(1, fabs(sum)));
		for (int k = 0; k < 4; k++)
			assert_true(fabs(st[idx[k]] - brute_pct(r.v[c], r.n, m, qs[k])) <=
				    1e-9 * fmax(1, fabs(mx)));
	}
	free_real(&r);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The selection against a sort on long series: ties, sorted, reversed, NaN holes. */
static void percentiles_match_a_sort_on_long_series(void **state)
{
	static const double qs[] = {0.50, 0.90, 0.95, 0.99};
	const size_t n = 200003;
	double *v = malloc(n * sizeof(*v)), *x = malloc(n * sizeof(*x));
	(void)state;

	srand(15);
	for (int kind = 0; kind < 4; kind++) {
		double st[RS_NSTATS];
		size_t m = 0;

		for (size_t i = 0; i < n; i++) {
			v[i] = kind == 0   ? (double)(rand() % 50)
			       : kind == 1 ? (double)i
			       : kind == 2 ? (double)(n - i)
					   : (i % 7 ? (double)rand() / RAND_MAX : NAN);
			if (!isnan(v[i]))
				x[m++] = v[i];
		}
		qsort(x, m, sizeof(*x), cmp);
		assert_int_equal(rs_stats(v, n, st), m);
		assert_true(st[RS_MIN] == x[0] && st[RS_MAX] == x[m - 1]);
		for (int k = 0; k < 4; k++)
			assert_true(st[RS_P50 + k] == rs_pct_sorted(x, m, qs[k]));
	}
	free(v);
	free(x);
}

static void percentile_edges(void **state)
{
	double one[] = {7}, two[] = {1, 3}, none[] = {NAN, NAN}, st[RS_NSTATS];
	(void)state;

	assert_true(rs_pct_sorted(one, 1, 0.95) == 7);
	assert_true(fabs(rs_pct_sorted(two, 2, 0.95) - 2.9) < 1e-12);
	assert_true(rs_pct_sorted(two, 2, 0) == 1 && rs_pct_sorted(two, 2, 1) == 3);
	assert_int_equal(rs_stats(none, 2, st), 0);
	assert_true(isnan(st[RS_P95]));
}

/* Every bucket of a level holds the min and max of exactly its points, in their order. */
static void check_decimation(const uint64_t *t, const double *v, size_t n, size_t b)
{
	double *out = malloc(2 * b * sizeof(*out)), w = (double)(t[n - 1] - t[0]) / (double)b;
	double gmax = -INFINITY, dmax = -INFINITY;

	rs_decimate(t, v, n, b, out);
	for (size_t k = 0; k < b; k++) {
		double mn = INFINITY, mx = -INFINITY;
		size_t imn = 0, imx = 0, cnt = 0;

		for (size_t i = 0; i < n; i++) {
			double pos = (double)(t[i] - t[0]) / w;

			if (isnan(v[i]) ||
			    !(pos >= (double)k && (pos < (double)(k + 1) || k == b - 1)))
				continue;
			if (!cnt || v[i] < mn)
				mn = v[i], imn = i;
			if (!cnt || v[i] > mx)
				mx = v[i], imx = i;
			cnt++;
		}
		if (!cnt) {
			assert_true(isnan(out[2 * k]) && isnan(out[2 * k + 1]));
			continue;
		}
		assert_true(out[2 * k] == (imn <= imx ? mn : mx));
		assert_true(out[2 * k + 1] == (imn <= imx ? mx : mn));
		dmax = fmax(dmax, mx);
	}
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			gmax = fmax(gmax, v[i]);
	assert_true(gmax == dmax); /* the peak survives */
	free(out);
}

static void decimation_matches_brute_force(void **state)
{
	static const size_t buckets[] = {1, 2, 7, 13, 50};
	struct real r;
	(void)state;

	load_real(&r);
	for (int c = 0; c < H_NCOLS; c++)
		for (size_t k = 0; k < sizeof(buckets) / sizeof(*buckets); k++)
			if (!isnan(r.v[c][0]) || !isnan(r.v[c][1]))
				check_decimation(r.t, r.v[c], r.n, buckets[k]);
	/* With holes: every third interval has no CPU value (eBPF below 100 ms). */
	for (size_t i = 0; i < r.n; i += 3)
		r.v[H_CPU_USER][i] = NAN;
	check_decimation(r.t, r.v[H_CPU_USER], r.n, 13);
	free_real(&r);
}

static void level_plans(void **state)
{
	struct rs_levels l;
	(void)state;

	rs_levels_plan(864000, &l); /* a day at 100 ms: three levels, no raw */
	assert_int_equal(l.n, 3);
	assert_int_equal(l.buckets[0], 1000);
	assert_int_equal(l.buckets[2], 64000);
	rs_levels_plan(86400, &l); /* a day at 1 s: two levels and the raw points */
	assert_int_equal(l.n, 3);
	assert_int_equal(l.buckets[1], 8000);
	assert_int_equal(l.buckets[2], 0);
	rs_levels_plan(50, &l); /* short: the points themselves */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.buckets[0], 0);
}

static void heatmap_keeps_totals_in_bounded_columns(void **state)
{
	struct rs_heat h;
	double total = 0, sum = 0, v[3];
	size_t nitv = 0;
	(void)state;

	assert_int_equal(rs_heat_init(&h, 3), 0);
	for (size_t i = 0; i < 100000; i++) {
		v[0] = (double)(i % 7), v[1] = 1, v[2] = i % 2 ? NAN : 2;
		total += v[0] + v[1] + (i % 2 ? 0 : 2);
		rs_heat_add(&h, 1000 + i, v);
	}
	assert_true(h.ncols <= RS_HEAT_COLS && h.ncols > RS_HEAT_COLS / 2);
	for (size_t c = 0; c < h.ncols; c++) {
		for (unsigned r = 0; r < 3; r++)
			sum += h.cell[c * 3 + r];
		nitv += h.nitv[c];
		assert_true(c == 0 || h.t0[c] == h.t0[c - 1] + h.nitv[c - 1]);
	}
	assert_true(sum == total);
	assert_int_equal(nitv, 100000);
	rs_heat_free(&h);
}

static int b64v(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);

	return p ? (int)(p - a) : -1;
}

static void u16_encoding_decodes_back(void **state)
{
	double v[] = {0, 5, NAN, 10, 7.5, 2.5, 10};
	unsigned char bytes[16];
	char *text;
	size_t len, nb = 0;
	FILE *f;
	(void)state;

	f = open_memstream(&text, &len);
	assert_int_equal(rs_put_u16(f, v, 7, 0, 10), 0);
	fclose(f);
	assert_int_equal(len, 20); /* 14 bytes -> 5 groups of 4 */
	for (size_t i = 0; i + 3 < len; i += 4) {
		int a = b64v(text[i]), b = b64v(text[i + 1]), c = b64v(text[i + 2]),
		    d = b64v(text[i + 3]);
		uint32_t x = (uint32_t)a << 18 | (uint32_t)b << 12 |
			     (uint32_t)(c < 0 ? 0 : c) << 6 | (uint32_t)(d < 0 ? 0 : d);

		bytes[nb++] = (unsigned char)(x >> 16);
		if (c >= 0)
			bytes[nb++] = (unsigned char)(x >> 8);
		if (d >= 0)
			bytes[nb++] = (unsigned char)x;
	}
	assert_int_equal(nb, 14);
	for (int i = 0; i < 7; i++) {
		unsigned q = bytes[2 * i] | (unsigned)bytes[2 * i + 1] << 8;

		if (isnan(v[i]))
			assert_int_equal(q, 65535);
		else
			assert_true(fabs(q * 10.0 / 65534 - v[i]) <= 10.0 / 65534);
	}
	free(text);
}

/* Several hosts in one export: html mode only; the others refuse rather than mix two hosts' deltas.
 */
static void only_html_takes_several_hosts(void **state)
{
	char *dir = tu_tmpdir(), err[512], *page;
	struct pc_sysinfo si = {.ncpu = 2};
	struct pc_export *x;
	(void)state;

	x = export__open(PC_EXPORT_CSV, tu_path(dir, "csv"), &si, err, sizeof(err));
	assert_non_null(x);
	assert_int_equal(export__host(x, &si), -EINVAL);
	export__abort(x);
	x = export__open(PC_EXPORT_HTML, tu_path(dir, "r.html"), &si, err, sizeof(err));
	assert_non_null(x);
	assert_int_equal(export__host(x, &si), 0);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	page = tu_read_file(tu_path(dir, "r.html"), NULL);
	assert_non_null(page);
	/* Neither host had an interval: only one is written, to say so. */
	assert_non_null(strstr(page, "\"hosts\":[{\"name\":\"host 0"));
	assert_null(strstr(page, "},{\"name\""));
	free(page);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(percentiles_match_brute_force),
	    cmocka_unit_test(percentiles_match_a_sort_on_long_series),
	    cmocka_unit_test(percentile_edges),
	    cmocka_unit_test(decimation_matches_brute_force),
	    cmocka_unit_test(level_plans),
	    cmocka_unit_test(heatmap_keeps_totals_in_bounded_columns),
	    cmocka_unit_test(u16_encoding_decodes_back),
	    cmocka_unit_test(only_html_takes_several_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
