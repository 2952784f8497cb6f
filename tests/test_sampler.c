// SPDX-License-Identifier: MIT
/*
 * test_sampler.c: which sources a tick reads. Every tick carries /proc/stat,
 * meminfo, diskstats, net/dev and the collector's own row; at short
 * intervals vmstat, statfs, loadavg and uptime come on the first tick of
 * each wall-clock second and the pressure files on the first of each 100 ms;
 * at 1 s every tick carries everything; with eBPF, /proc/stat, CPU per cgroup
 * and block latency come on the first tick of each 100 ms too (eBPF's exact
 * CPU busy time is in every tick). Real /proc of this machine; the
 * deadlines are given, so no test waits for them.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/sampler.h"

#define MS 1000000ULL
/* A whole second on the wall clock: where the grids of every interval meet. */
#define BASE (1800000000ULL * 1000 * MS)

static int have_psi(void)
{
	return access("/proc/pressure/cpu", R_OK) == 0;
}

/* Take n ticks ivl_ms apart; check each group's presence against its period. */
static void ticks(uint64_t ivl_ms, int n)
{
	struct pc_sampler *sp = sampler__open(NULL, PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET, 0, 0);
	struct pc_sample s;
	int psi = have_psi();

	assert_non_null(sp);
	pc_sample_init(&s);
	for (int k = 0; k < n; k++) {
		uint64_t t = BASE + (uint64_t)k * ivl_ms * MS, prev = t - ivl_ms * MS;
		int second = k == 0 || t / (1000 * MS) != prev / (1000 * MS);
		int tenth = k == 0 || t / (100 * MS) != prev / (100 * MS);

		assert_int_equal(sampler__take(sp, &s, t), 0);
		if (!s.t[PC_G_CPU].nrows || !s.t[PC_G_MEM].nrows || !s.t[PC_G_NET].nrows ||
		    !s.t[PC_G_SELF].nrows)
			fail_msg("%llu ms interval, tick %d: cpu/meminfo/net/self missing",
				 (unsigned long long)ivl_ms, k);
		if (!!s.t[PC_G_VMSTAT].nrows != second || !!s.t[PC_G_LOAD].nrows != second ||
		    !!s.t[PC_G_UPTIME].nrows != second)
			fail_msg(
			    "%llu ms interval, tick %d: vmstat %u, loadavg %u, uptime %u rows; "
			    "want them %s",
			    (unsigned long long)ivl_ms, k, s.t[PC_G_VMSTAT].nrows,
			    s.t[PC_G_LOAD].nrows, s.t[PC_G_UPTIME].nrows,
			    second ? "read (first tick of a second)" : "left out");
		if (psi && !!s.t[PC_G_PSI].nrows != tenth)
			fail_msg("%llu ms interval, tick %d: %u pressure rows; want them %s",
				 (unsigned long long)ivl_ms, k, s.t[PC_G_PSI].nrows,
				 tenth ? "read (first tick of a 100 ms)" : "left out");
		if (!second && s.t[PC_G_FS].nrows)
			fail_msg("%llu ms interval, tick %d: statfs read inside a second",
				 (unsigned long long)ivl_ms, k);
	}
	pc_sample_free(&s);
	sampler__close(sp);
}

static void test_10ms_reads_slow_sources_once_a_second(void **state)
{
	(void)state;
	if (!have_psi())
		print_message("  no /proc/pressure here: pressure rows not checked\n");
	ticks(10, 250);
}

/*
 * With eBPF: CPU busy time every tick; /proc/stat, CPU per cgroup and block
 * latency per disk on the first tick of each 100 ms only.
 */
static void test_10ms_reads_ebpf_cgroups_every_100ms(void **state)
{
	struct pc_sampler *sp = sampler__open(NULL, 0, 0, 0);
	struct timespec ms = {0, 1000000};
	struct pc_sample s;
	int with = 0;

	(void)state;
	assert_non_null(sp);
	pc_sample_init(&s);
	for (int k = 0; k < 100; k++) {
		uint64_t t = BASE + (uint64_t)k * 10 * MS;

		nanosleep(&ms, NULL); /* let tasks switch, so that cgroups have time */
		assert_int_equal(sampler__take(sp, &s, t), 0);
		if (!s.t[PC_G_BPF_CPU].nrows) { /* a skip does not return: free first */
			char why[512];

			snprintf(why, sizeof(why), "%s", sampler__missing(sp));
			pc_sample_free(&s);
			sampler__close(sp);
			tu_skip("no eBPF here: %s", why);
		}
		if (k % 10 && (s.t[PC_G_BPF_CGROUP].nrows || s.t[PC_G_BPF_BLK].nrows))
			fail_msg("tick %d: %u cgroup and %u block rows inside a 100 ms period", k,
				 s.t[PC_G_BPF_CGROUP].nrows, s.t[PC_G_BPF_BLK].nrows);
		if (!!s.t[PC_G_CPU].nrows != !(k % 10) || !!s.t[PC_G_STAT].nrows != !(k % 10))
			fail_msg("tick %d: %u cpu and %u stat rows; want /proc/stat %s", k,
				 s.t[PC_G_CPU].nrows, s.t[PC_G_STAT].nrows,
				 k % 10 ? "left out inside a 100 ms period" : "read");
		if (!s.t[PC_G_MEM].nrows || !s.t[PC_G_DISK].nrows || !s.t[PC_G_NET].nrows)
			fail_msg("tick %d: meminfo, diskstats or net/dev missing", k);
		with += k % 10 == 0 && s.t[PC_G_BPF_CGROUP].nrows > 0;
	}
	assert_true(with > 0);
	pc_sample_free(&s);
	sampler__close(sp);
}

/*
 * A run that keeps only some groups (server mode's systems=) does not read
 * the other sources: their groups stay empty, the kept ones are there.
 */
static void test_kept_groups_are_the_only_ones_read(void **state)
{
	struct pc_sampler *sp = sampler__open(NULL, PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET, 0, 0);
	struct pc_sample s;

	(void)state;
	assert_non_null(sp);
	pc_sample_init(&s);
	sampler__keep(sp, 1u << PC_G_MEM | 1u << PC_G_LOAD);
	assert_int_equal(sampler__take(sp, &s, BASE), 0);
	assert_true(s.t[PC_G_MEM].nrows > 0);
	assert_true(s.t[PC_G_LOAD].nrows > 0);
	assert_true(s.t[PC_G_UPTIME].nrows > 0); /* read with loadavg: the caller drops it */
	assert_true(s.t[PC_G_SELF].nrows > 0);	 /* the collector's own row always */
	for (int g = 0; g < PC_G_SELF; g++)
		if (g != PC_G_MEM && g != PC_G_LOAD && g != PC_G_UPTIME && s.t[g].nrows)
			fail_msg("group %d has %u rows: its source was read", g, s.t[g].nrows);
	sampler__keep(sp, UINT32_MAX);
	assert_int_equal(sampler__take(sp, &s, BASE + 1000 * MS), 0);
	assert_true(s.t[PC_G_CPU].nrows > 0 && s.t[PC_G_NET].nrows > 0);
	pc_sample_free(&s);
	sampler__close(sp);
}

static void test_250ms_reads_pressure_every_tick(void **state)
{
	(void)state;
	ticks(250, 9);
}

static void test_1s_reads_everything_every_tick(void **state)
{
	(void)state;
	ticks(1000, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_10ms_reads_slow_sources_once_a_second),
	    cmocka_unit_test(test_10ms_reads_ebpf_cgroups_every_100ms),
	    cmocka_unit_test(test_kept_groups_are_the_only_ones_read),
	    cmocka_unit_test(test_250ms_reads_pressure_every_tick),
	    cmocka_unit_test(test_1s_reads_everything_every_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
