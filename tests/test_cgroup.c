// SPDX-License-Identifier: MIT
/*
 * test_cgroup.c: the replay cgroup on a fake v2 tree (pure and hybrid
 * layouts, a tree without the controllers), on this machine's real hierarchy
 * (v1 here; skipped without root or cgroupfs), clean-up, and CPU lists.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/cgroup.h"

static void put(const char *dir, const char *file, const char *text)
{
	char p[4096];
	FILE *f;

	assert_true(snprintf(p, sizeof(p), "%s/%s", dir, file) < (int)sizeof(p));
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *dir, const char *file)
{
	char p[4096];

	assert_true(snprintf(p, sizeof(p), "%s/%s", dir, file) < (int)sizeof(p));
	return tu_read_file(p, NULL);
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* A v2 root as the kernel presents it, at dir. */
static void fake_v2(const char *dir, const char *controllers)
{
	put(dir, "cgroup.controllers", controllers);
	put(dir, "cgroup.subtree_control", "");
	put(dir, "cgroup.procs", "");
}

static void check_v2_group(const char *base)
{
	struct pc_cgroup cg;
	char err[256], grp[4096], *s;
	uint64_t ns = 0;

	assert_int_equal(cgroup__create(&cg, base, "replay-t", "0-1", 1.5, err, sizeof(err)), 0);
	assert_int_equal(cg.mode, PC_CG_V2);
	snprintf(grp, sizeof(grp), "%s", cg.v2);
	assert_true(is_dir(grp));
	s = get(strstr(base, "unified") ? base : base, "cgroup.subtree_control");
	free(s);
	s = get(grp, "cpuset.cpus");
	assert_string_equal(s, "0-1");
	free(s);
	s = get(grp, "cpu.max");
	assert_string_equal(s, "150000 100000"); /* 1.5 CPUs of bandwidth */
	free(s);
	assert_int_equal(cgroup__attach(&cg, 4242), 0);
	s = get(grp, "cgroup.procs");
	assert_string_equal(s, "4242");
	free(s);
	put(grp, "cpu.stat", "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n");
	assert_int_equal(cgroup__usage_ns(&cg, &ns), 0);
	assert_true(ns == 1234567000ull);
	put(grp, "cpu.stat", "garbage\n");
	assert_int_equal(cgroup__usage_ns(&cg, &ns), -ENODATA);
	assert_int_equal(cgroup__usage_percpu_ns(&cg, &ns, 1), -ENOTSUP); /* v2 has none */
	assert_int_equal(cgroup__machine_percpu_ns(&cg, &ns, 1), -ENOTSUP);
	/* Destroy moves members back to the parent and removes the directory. */
	put(grp, "cgroup.procs", "4242\n");
	assert_int_equal(cgroup__destroy(&cg), 0);
	assert_false(is_dir(grp));
	s = get(base, "cgroup.procs");
	assert_string_equal(s, "4242");
	free(s);
}

static void test_fake_v2_pure(void **state)
{
	char *root = tu_tmpdir(), *s;

	(void)state;
	fake_v2(root, "cpuset cpu io memory pids\n");
	check_v2_group(root);
	s = get(root, "cgroup.subtree_control");
	assert_string_equal(s, "+cpu +cpuset");
	free(s);
	tu_rmtree(root);
	free(root);
}

static void test_fake_v2_hybrid_unified(void **state)
{
	char *root = tu_tmpdir(), dir[4096];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/unified", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	fake_v2(dir, "cpu cpuset\n");
	check_v2_group(dir); /* directly */
	/* And found from the root prefix, as on a hybrid machine. */
	struct pc_cgroup cg;
	char err[256];
	assert_int_equal(cgroup__create(&cg, root, "replay-h", "0", 0, err, sizeof(err)), 0);
	assert_int_equal(cg.mode, PC_CG_V2);
	assert_non_null(strstr(cg.v2, "/unified/replay-h"));
	char *s = get(cg.v2, "cpu.max");
	assert_string_equal(s, "max 100000");
	free(s);
	assert_int_equal(cgroup__destroy(&cg), 0);
	tu_rmtree(root);
	free(root);
}

static void test_fake_v2_without_controllers_falls_back(void **state)
{
	char *root = tu_tmpdir();
	struct pc_cgroup cg;
	char err[256];

	(void)state;
	/* Like this machine's cgroup2 mount: no cpu, no cpuset, and no v1 in the fake tree. */
	fake_v2(root, "hugetlb\n");
	assert_int_equal(cgroup__create(&cg, root, "replay-f", "0", 0, err, sizeof(err)), 0);
	assert_int_equal(cg.mode, PC_CG_AFFINITY);
	assert_non_null(strstr(cg.why, "lacks cpu or cpuset"));
	assert_string_equal(cgroup__mode_name(cg.mode), "affinity");
	uint64_t ns;
	assert_int_equal(cgroup__usage_ns(&cg, &ns), -ENOTSUP);
	/* Affinity mode pins the thread it is given. */
	assert_int_equal(cgroup__attach(&cg, 0), 0);
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(CPU_ISSET(0, &set));
	assert_int_equal(CPU_COUNT(&set), 1);
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set); /* undo for the next tests */
	assert_int_equal(cgroup__destroy(&cg), 0);
	tu_rmtree(root);
	free(root);
}

static void test_bad_arguments(void **state)
{
	struct pc_cgroup cg;
	char err[256];

	(void)state;
	assert_int_equal(cgroup__create(&cg, "/nonexistent", "a/b", "0", 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "a/b"));
	assert_int_equal(cgroup__create(&cg, "/nonexistent", "..", "0", 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cgroup__create(&cg, "/nonexistent", "x", "0-", 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "\"0-\""));
	assert_int_equal(cgroup__create(&cg, "/nonexistent", "x", "0", -1, err, sizeof(err)),
			 -EINVAL);
}

static void test_cpu_lists(void **state)
{
	uint8_t m[128];

	(void)state;
	assert_int_equal(cgroup__parse_cpus("0-3,6", m), 5);
	assert_true(m[0] == 0x4f);
	assert_int_equal(cgroup__parse_cpus("1023", m), 1);
	assert_int_equal(cgroup__parse_cpus("0-1\n", m), 2); /* as cpuset.cpus reads */
	assert_int_equal(cgroup__parse_cpus("1,1,0-1", m), 2);
	static const char *const bad[] = {
	    "", "a", "3-1", "1024", "0,,1", "0,", "-1", "1-", "99999999999999999999", "0 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (cgroup__parse_cpus(bad[i], m) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
}

static _Atomic int spin_stop;
static _Atomic pid_t spin_tid;

static void *spinner(void *arg)
{
	(void)arg;
	atomic_store(&spin_tid, gettid());
	while (!atomic_load(&spin_stop))
		;
	return NULL;
}

static void test_real_hierarchy(void **state)
{
	struct pc_cgroup cg;
	char err[256], name[64], *s;
	pthread_t th;
	uint64_t a = 0, b = 0;

	(void)state;
	if (geteuid())
		tu_skip("not root: cannot create cgroups");
	if (access("/sys/fs/cgroup/cpuset/cpuset.cpus", F_OK) &&
	    access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		tu_skip("no cgroup hierarchy mounted at /sys/fs/cgroup");
	snprintf(name, sizeof(name), "pctest.%d", (int)getpid());
	assert_int_equal(cgroup__create(&cg, NULL, name, "0", 1, err, sizeof(err)), 0);
	print_message("mode %s%s%s\n", cgroup__mode_name(cg.mode), *cg.why ? ": " : "", cg.why);
	if (cg.mode == PC_CG_AFFINITY) {
		cgroup__destroy(&cg);
		tu_skip("no usable hierarchy here: %s", cg.why);
	}
	atomic_store(&spin_stop, 0);
	atomic_store(&spin_tid, 0);
	assert_int_equal(pthread_create(&th, NULL, spinner, NULL), 0);
	while (!atomic_load(&spin_tid))
		;
	int rc = cgroup__attach(&cg, atomic_load(&spin_tid));
	if (rc == 0 && cg.mode == PC_CG_V1) {
		s = get(cg.cpuset, "tasks");
		char want[32];
		snprintf(want, sizeof(want), "%d\n", (int)atomic_load(&spin_tid));
		assert_non_null(s);
		assert_string_equal(s, want);
		free(s);
		s = get(cg.cpuset, "cpuset.cpus");
		assert_string_equal(s, "0\n");
		free(s);
		s = get(cg.cpu, "cpu.cfs_quota_us");
		assert_string_equal(s, "100000\n");
		free(s);
	}
	/* The group's usage grows while the thread spins (cgroup accounting, not ours). */
	if (rc == 0 && cgroup__usage_ns(&cg, &a) == 0) {
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
		assert_int_equal(cgroup__usage_ns(&cg, &b), 0);
		assert_true(b > a);
	}
	/* v1 per CPU: the thread pinned to CPU 0 is counted there; the CPUs add up to the total. */
	uint64_t pc[1024], sum = 0;
	int n = rc == 0 && cg.mode == PC_CG_V1 ? cgroup__usage_percpu_ns(&cg, pc, 1024) : 0;
	if (n > 0 && cgroup__usage_ns(&cg, &a) == 0) {
		for (int c = 0; c < n; c++)
			sum += pc[c];
		assert_true(pc[0] > 0);
		/* The total is read a little later, while the thread spins. */
		assert_true(sum <= a && a - sum < 50000000ull);
		/* The hierarchy's root counts every task: ours and more. */
		uint64_t all[1024];
		assert_int_equal(cgroup__machine_percpu_ns(&cg, all, 1024), n);
		assert_true(all[0] >= pc[0]);
	}
	atomic_store(&spin_stop, 1);
	pthread_join(th, NULL);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", cg.mode == PC_CG_V1 ? cg.cpuset : cg.v2);
	assert_int_equal(cgroup__destroy(&cg), 0);
	assert_false(is_dir(dir));
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fake_v2_pure),
	    cmocka_unit_test(test_fake_v2_hybrid_unified),
	    cmocka_unit_test(test_fake_v2_without_controllers_falls_back),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_cpu_lists),
	    cmocka_unit_test(test_real_hierarchy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
