// SPDX-License-Identifier: MIT
/* test_capacity.c: training lines (the seed's and ours), the curve, unit conversion, hostile lines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/capacity.h"

static int parse(struct pc_capacity *c, const char *text, char *err)
{
	return capacity__parse(c, text, strlen(text), "t.json", err, 256);
}

static void load_fixture(struct pc_capacity *c)
{
	char err[256];

	assert_int_equal(
	    capacity__load(c, tu_shared("legacy/training-2cpu.jsonl"), err, sizeof(err)), 0);
}

static void test_seed_fixture_parses(void **state)
{
	struct pc_capacity c;

	(void)state;
	load_fixture(&c);
	assert_int_equal(c.npts, 10);
	assert_int_equal(c.siteid, 1);
	assert_int_equal(c.host, 0);
	assert_int_equal(c.ncpu, 0); /* the seed's lines do not say */
	assert_true(c.busy[0] == 10 && c.units[0] == 28);
	assert_true(c.busy[9] == 100 && c.units[9] == 274);
}

static void test_interpolates_between_points(void **state)
{
	struct pc_capacity c;

	(void)state;
	load_fixture(&c);
	assert_true(fabs(capacity__units(&c, 15) - 41) < 1e-9); /* halfway 28..54 */
	assert_true(fabs(capacity__units(&c, 5) - 14) < 1e-9);	/* through (0, 0) */
	assert_true(capacity__units(&c, 0) == 0);
	assert_true(capacity__units(&c, 100) == 274);
	assert_true(capacity__units(&c, 250) == 274); /* clamped */
	assert_true(capacity__units(&c, NAN) == 0);
}

static void test_inverse_round_trips(void **state)
{
	struct pc_capacity c;
	int sat;

	(void)state;
	load_fixture(&c);
	for (double b = 1; b <= 100; b += 0.5) {
		double u = capacity__units(&c, b);
		assert_true(fabs(capacity__busy(&c, u, &sat) - b) < 1e-9);
		assert_int_equal(sat, 0);
	}
	assert_true(capacity__busy(&c, 275, &sat) == 100);
	assert_int_equal(sat, 1);
}

static void test_convert_to_a_faster_machine(void **state)
{
	struct pc_capacity src, dst;
	int sat;

	(void)state;
	load_fixture(&src);
	src.ncpu = 2;
	/* Target: the same shape, twice as fast per CPU and four CPUs. */
	dst = src;
	dst.ncpu = 4;
	for (uint32_t i = 0; i < dst.npts; i++)
		dst.units[i] = src.units[i] * 4;
	/* A source CPU at 50 % does 68 units/s; a target CPU does 137 at 25 %... */
	double b = capacity__convert(&src, &dst, 50, &sat);
	assert_int_equal(sat, 0);
	assert_true(fabs(capacity__cpu_units(&dst, b) - capacity__cpu_units(&src, 50)) < 1e-9);
	assert_true(b > 24 && b < 26);
	/* ...and the other way a source CPU at 100 % saturates a CPU half as fast. */
	assert_true(capacity__convert(&dst, &src, 100, &sat) == 100);
	assert_int_equal(sat, 1);
	assert_true(capacity__convert(&dst, &src, 40, &sat) < 100);
	assert_int_equal(sat, 0);
}

static void test_per_cpu_needs_ncpu(void **state)
{
	struct pc_capacity c;
	int sat = 7;

	(void)state;
	load_fixture(&c);
	assert_true(capacity__cpu_units(&c, 50) == 0);
	assert_true(capacity__cpu_busy(&c, 10, &sat) == 0);
	assert_int_equal(sat, 0);
	c.ncpu = 2;
	assert_true(capacity__cpu_units(&c, 100) == 137);
}

static void test_extended_lines_round_trip(void **state)
{
	struct pc_capacity c, d;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	load_fixture(&c); /* first: it may skip, and nothing must be left open then */
	f = open_memstream(&buf, &len);
	c.ncpu = 2;
	c.spread[3] = 0.0125;
	snprintf(c.kernel, sizeof(c.kernel), "pcmix-1");
	snprintf(c.placement, sizeof(c.placement), "cgroup-v1");
	snprintf(c.machine, sizeof(c.machine), "AMD \"EPYC\"; 2 CPUs");
	c.units[4] = 136.25;
	assert_int_equal(capacity__write(&c, f), 0);
	fclose(f);
	/* The seed's four fields come first, as the original tool wrote them. */
	assert_true(!strncmp(buf, "{\"siteid\":1,\"host\":0,\"busy\":10,\"units\":28,", 41));
	assert_int_equal(capacity__parse(&d, buf, len, "mem", err, sizeof(err)), 0);
	assert_int_equal(d.ncpu, 2);
	assert_int_equal(d.npts, 10);
	assert_true(d.units[4] == 136.25); /* units_exact wins over the rounded units */
	assert_true(fabs(d.spread[3] - 0.0125) < 1e-9);
	assert_string_equal(d.kernel, "pcmix-1");
	assert_string_equal(d.placement, "cgroup-v1");
	assert_string_equal(d.machine, "AMD \"EPYC\"; 2 CPUs");
	free(buf);
}

static void test_points_sorted_and_made_monotonic(void **state)
{
	struct pc_capacity c;
	char err[256];
	int sat;

	(void)state;
	assert_int_equal(parse(&c,
			       "{\"busy\":100,\"units\":90}\n"
			       "\n{\"kind\":\"machine\",\"ncpu\":2}\r\n"
			       "{\"busy\":50,\"units\":60}\n"
			       "{\"busy\":70,\"units\":55}\n",
			       err),
			 0);
	assert_int_equal(c.npts, 3);
	assert_int_equal(c.ncpu, 2);
	assert_true(c.busy[0] == 50 && c.busy[1] == 70 && c.busy[2] == 100);
	assert_true(c.units[1] == 60); /* noise flattened: never less than a lower level */
	/* A flat stretch inverts to its lowest busy level. */
	assert_true(capacity__busy(&c, 60, &sat) == 50);
}

static void test_set_levels_mean_and_spread(void **state)
{
	double u[20];
	struct pc_capacity c = {0};

	(void)state;
	for (int p = 0; p < 2; p++)
		for (int l = 0; l < 10; l++)
			u[p * 10 + l] = (l + 1) * 100.0 + (p ? 10 : -10);
	assert_int_equal(capacity__set_levels(&c, u, 10, 2), 0);
	assert_int_equal(c.npts, 10);
	assert_true(c.busy[9] == 100 && c.units[9] == 1000);
	assert_true(fabs(c.spread[0] - 0.2) < 1e-9);
	u[3] = NAN;
	assert_int_equal(capacity__set_levels(&c, u, 10, 2), -EINVAL);
	assert_int_equal(capacity__set_levels(&c, u, 10, 0), -EINVAL);
}

static void test_hostile_lines_named(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"{\"busy\":0,\"units\":1}\n", "line 1: busy must be"},
	    {"{\"busy\":101,\"units\":1}\n", "line 1: busy must be"},
	    {"{\"busy\":10.5,\"units\":1}\n", "busy must be"},
	    {"{\"busy\":100,\"units\":-1}\n", "units missing, negative"},
	    {"{\"busy\":100,\"units\":18446744073709551615}\n", "too large"},
	    {"{\"busy\":100,\"units\":\"7\"}\n", "units missing"},
	    {"{\"busy\":100}\n", "units missing"},
	    {"{\"busy\":100,\"units\":5}\n{\"busy\":100,\"units\":5}\n",
	     "line 2: busy 100 given twice"},
	    {"{\"busy\":50,\"units\":5}\n", "no busy=100 line"},
	    {"", "no busy=100 line"},
	    {"{\"busy\":100,\"units\":0}\n", "does no work"},
	    {"{\"busy\":100,\"units\":5\n", "line 1: offset"},
	    {"garbage\n", "line 1:"},
	    {"[1,2]\n", "not a JSON object"},
	    {"{\"siteid\":1,\"busy\":90,\"units\":5}\n{\"siteid\":2,\"busy\":100,\"units\":5}\n",
	     "line 2: siteid 2 differs"},
	    {"{\"host\":-1,\"busy\":100,\"units\":5}\n", "host is not"},
	    {"{\"ncpu\":0,\"busy\":100,\"units\":5}\n", "ncpu must be"},
	    {"{\"kernel\":7,\"busy\":100,\"units\":5}\n", "must be strings"},
	};
	struct pc_capacity c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = 0;
		assert_int_equal(parse(&c, bad[i].text, err), -EINVAL);
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].want);
		assert_non_null(strstr(err, "t.json"));
	}
}

static void test_missing_file_named(void **state)
{
	struct pc_capacity c;
	char err[256];

	(void)state;
	assert_int_equal(capacity__load(&c, "/nonexistent/training.json", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/training.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_fixture_parses),
	    cmocka_unit_test(test_interpolates_between_points),
	    cmocka_unit_test(test_inverse_round_trips),
	    cmocka_unit_test(test_convert_to_a_faster_machine),
	    cmocka_unit_test(test_per_cpu_needs_ncpu),
	    cmocka_unit_test(test_extended_lines_round_trip),
	    cmocka_unit_test(test_points_sorted_and_made_monotonic),
	    cmocka_unit_test(test_set_levels_mean_and_spread),
	    cmocka_unit_test(test_hostile_lines_named),
	    cmocka_unit_test(test_missing_file_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
