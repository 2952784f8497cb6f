// SPDX-License-Identifier: MIT
/* test_fidelity.c: the error statistics of a replay, on series whose answers are known. */
#include <errno.h>
#include <math.h>

#include "common/testutil.h"
#include "pc/fidelity.h"

static void test_known_series(void **state)
{
	/* Errors -2, 0, +1, +3 on targets 10, 20, 30, 40 (1 s each). */
	static const double t[] = {10, 20, 30, 40}, a[] = {8, 20, 31, 43};
	struct pc_fid f;
	struct pc_fid_summary s;

	(void)state;
	fidelity__init(&f);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fidelity__add(&f, t[i], a[i], 1, i == 3), 0);
	fidelity__summary(&f, &s);
	assert_int_equal(s.n, 4);
	assert_true(fabs(s.mae - 1.5) < 1e-12);
	assert_true(fabs(s.bias - 0.5) < 1e-12);
	assert_true(fabs(s.rmse - sqrt(14.0 / 4)) < 1e-12);
	assert_true(s.max_abs == 3);
	assert_true(s.p95 == 3); /* nearest rank: the 4th of 4 */
	assert_true(fabs(s.work_target - 100) < 1e-12);
	assert_true(fabs(s.work_achieved - 102) < 1e-12);
	assert_true(fabs(s.work_err_pct - 2) < 1e-12);
	assert_int_equal(s.saturated, 1);
	/* Pearson r of the two series, computed by hand: cov 53.33 / sqrt(166.67 x 206.25)... */
	double mt = 25, ma = 25.5, c = 0, vt = 0, va = 0;
	for (int i = 0; i < 4; i++)
		c += (t[i] - mt) * (a[i] - ma), vt += (t[i] - mt) * (t[i] - mt),
		    va += (a[i] - ma) * (a[i] - ma);
	assert_true(fabs(s.r - c / sqrt(vt * va)) < 1e-12);
	fidelity__free(&f);
}

static void test_p95_of_many(void **state)
{
	struct pc_fid f;
	struct pc_fid_summary s;

	(void)state;
	fidelity__init(&f);
	/* 100 intervals with absolute errors 1..100 in a shuffled order. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(fidelity__add(&f, 50, 50 + ((i * 37) % 100 + 1), 1, 0), 0);
	fidelity__summary(&f, &s);
	assert_true(s.p95 == 95);
	assert_true(s.max_abs == 100);
	assert_true(isnan(s.r)); /* the target is constant */
	fidelity__free(&f);
}

static void test_weighted_work(void **state)
{
	struct pc_fid f;
	struct pc_fid_summary s;

	(void)state;
	fidelity__init(&f);
	/* Uneven intervals: work is value x seconds, not a plain mean. */
	assert_int_equal(fidelity__add(&f, 100, 90, 0.1, 0), 0);
	assert_int_equal(fidelity__add(&f, 10, 10, 10, 0), 0);
	fidelity__summary(&f, &s);
	assert_true(fabs(s.work_err_pct - (-1.0 / 110 * 100)) < 1e-9);
	fidelity__free(&f);
}

static void test_empty_and_zero_work(void **state)
{
	struct pc_fid f;
	struct pc_fid_summary s;

	(void)state;
	fidelity__init(&f);
	fidelity__summary(&f, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.r) && isnan(s.work_err_pct));
	assert_int_equal(fidelity__add(&f, 0, 0.5, 1, 0), 0);
	fidelity__summary(&f, &s);
	assert_true(isnan(s.work_err_pct)); /* no target work: no relative error */
	assert_true(s.mae == 0.5);
	fidelity__free(&f);
}

static void test_hostile_values_refused(void **state)
{
	struct pc_fid f;

	(void)state;
	fidelity__init(&f);
	assert_int_equal(fidelity__add(&f, NAN, 1, 1, 0), -EINVAL);
	assert_int_equal(fidelity__add(&f, 1, INFINITY, 1, 0), -EINVAL);
	assert_int_equal(fidelity__add(&f, 1, 1, 0, 0), -EINVAL);
	assert_int_equal(fidelity__add(&f, 1, 1, -1, 0), -EINVAL);
	assert_int_equal(f.n, 0);
	/* Many values grow the arrays. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(fidelity__add(&f, i, i, 1, 0), 0);
	assert_int_equal(f.n, 10000);
	fidelity__free(&f);
}

/* xorshift64*: a fixed sequence, so the simulation below is the same every run. */
static double uniform(uint64_t *x)
{
	*x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
	return (double)((*x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

/*
 * The expected tick noise against a simulation of what it models: 2 CPUs at
 * 250 Hz over 1 s, every tick an independent draw (a tenth of the busy ones in
 * system), user and system shown in 1/100 s, each rounded down at both reads. 4000 simulated
 * seconds: the MAE's own sampling error is ~1.2 % of it; the normal approximation of a skewed count
 * at 5 % and the rounding taken as uniform in both fields put the formula up to ~7 % high there: 10
 * % allowed.
 */
static void test_tick_noise_matches_simulation(void **state)
{
	static const double pct[][2] = {{50, 50}, {20, 80}, {5, 0}, {95, 60}};
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (size_t c = 0; c < sizeof(pct) / sizeof(*pct); c++) {
		double want = fidelity__tick_noise(pct[c], 2, 1, 250, 100), sum = 0;
		for (int run = 0; run < 4000; run++) {
			double usr = 0, sys = 0, shown = 0;
			for (int cpu = 0; cpu < 2; cpu++)
				for (int t = 0; t < 250; t++)
					if (uniform(&x) * 100 < pct[c][cpu])
						*(uniform(&x) < 0.1 ? &sys : &usr) += 0.4;
			/* Each field in 10 ms units from a random start, rounded down at both
			 * reads. */
			for (int f = 0; f < 2; f++) {
				double start = uniform(&x) * 100;
				shown += floor(start + (f ? sys : usr)) - floor(start);
			}
			sum += fabs(shown / 200 * 100 - (pct[c][0] + pct[c][1]) / 2);
		}
		print_message("%g/%g %%: simulated MAE %.3f pp, expected %.3f pp\n", pct[c][0],
			      pct[c][1], sum / 4000, want);
		assert_true(fabs(sum / 4000 - want) < 0.10 * want);
	}
	/* 2 CPUs at 50 %: sd sqrt(2 x 0.25 x 250) / 500 = 2.24 pp of ticks, MAE ~1.8 pp. */
	assert_true(fabs(fidelity__tick_noise(pct[0], 2, 1, 250, 100) - 1.80) < 0.02);
	assert_true(isnan(fidelity__tick_noise(pct[0], 2, 1, 0, 100)));
	assert_true(isnan(fidelity__tick_noise(pct[0], 2, 0, 250, 100)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_series),
	    cmocka_unit_test(test_p95_of_many),
	    cmocka_unit_test(test_weighted_work),
	    cmocka_unit_test(test_empty_and_zero_work),
	    cmocka_unit_test(test_hostile_values_refused),
	    cmocka_unit_test(test_tick_noise_matches_simulation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
