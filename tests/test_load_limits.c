// SPDX-License-Identifier: MIT
/*
 * test_load_limits.c: the load generators respect the machine
 * (include/pc/load.h). A CPU schedule with a 1 ns slice runs on the minimum
 * slice and ends on time (it spun at 100 % and never ended); the memory check
 * refuses what MemAvailable or the cgroup cannot hold, giving both figures.
 * The cgroup limit itself is exercised by tests/load_limits.test.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/testutil.h"
#include "pc/load.h"
#include "pc/ticker.h"

static void test_tiny_slice_ends_on_time(void **state)
{
	uint64_t end[1] = {300000000ull}, t0 = pc_now_mono();
	double pct[1] = {50};
	struct load_sched s = {.n = 1, .nworkers = 1, .end_ns = end, .pct = pct};
	struct load_cpu_opts o = {.nworkers = 1, .slice_ns = 1};
	struct load_cpu *l = load_cpu__start(&o, &s, 0);

	(void)state;
	assert_non_null(l);
	while (!load_cpu__done(l) && pc_now_mono() - t0 < 5000000000ull) {
		struct timespec ts = {0, 10000000};

		nanosleep(&ts, NULL);
	}
	assert_true(load_cpu__done(l));
	/* 300 ms at 50 %: far less CPU than the 100 % a 1 ns slice burnt */
	assert_true(load_cpu__cpu_ns(l, 0) < 280000000ull);
	load_cpu__stop(l);
}

static void test_memory_check_gives_both_figures(void **state)
{
	struct load_mem_room r;
	char err[4500];

	(void)state;
	assert_int_equal(load_mem__room(&r), 0);
	assert_true(r.avail > 0);
	assert_true(load_mem__room_bytes(&r) <= r.avail);
	assert_int_equal(load_mem__check(1ull << 50, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "is more than this process can take: MemAvailable "));
	assert_true(strstr(err, "cgroup limit") || strstr(err, "no cgroup memory limit"));
	assert_int_equal(load_mem__check(1 << 20, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tiny_slice_ends_on_time),
	    cmocka_unit_test(test_memory_check_gives_both_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
