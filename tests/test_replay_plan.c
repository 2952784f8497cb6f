// SPDX-License-Identifier: MIT
/*
 * test_replay_plan.c: a recorded run -> per-interval targets (the legacy 2-CPU
 * capture), conversion through capacity curves, shapes, saturation and the
 * backlog policy, hostile counters, and the CPU workers keeping to their
 * absolute deadlines without drift.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/load.h"
#include "pc/replay_plan.h"
#include "pc/ticker.h"

static void read_legacy(struct rp_plan *p)
{
	char err[256];
	struct pc_input *in = input__open(tu_shared("legacy/capture-2cpu.jsonl"), err, sizeof(err));

	if (!in)
		fail_msg("%s", err);
	replay_plan__init(p);
	assert_int_equal(replay_plan__read(p, in, -1, -1, err, sizeof(err)), 0);
	input__close(in);
}

static void test_legacy_capture_intervals(void **state)
{
	struct rp_plan p;
	double sum = 0;

	(void)state;
	read_legacy(&p);
	assert_int_equal(p.src_ncpu, 2);
	assert_true(p.n > 100);
	assert_int_equal(p.bpf_cpu, 0);
	for (uint32_t k = 0; k < p.n; k++) {
		const struct rp_interval *iv = &p.iv[k];
		assert_true(iv->has & RP_HAS_CPU);
		assert_true(iv->src_all >= 0 && iv->src_all <= 100);
		for (uint32_t i = 0; i < 2; i++)
			assert_true(p.src_pct[k * 2 + i] >= 0 && p.src_pct[k * 2 + i] <= 100);
		/* 5 s samples of the original collector */
		assert_true(iv->secs > 4.9 && iv->secs < 6);
		sum += iv->secs;
		assert_true(fabs((double)p.end_ns[k] / 1e9 - sum) < 1e-6);
	}
	/* The capture holds a stretch with both CPUs saturated, and memory, disk and net. */
	assert_true(p.iv[12].src_all > 99.9);
	assert_true(p.iv[0].has & RP_HAS_MEM);
	assert_true(p.iv[0].mem_used_kb > 100 * 1024);
	assert_true(p.iv[0].has & RP_HAS_DISK);
	assert_true(p.iv[0].has & RP_HAS_NET);
	replay_plan__free(&p);
}

static void test_same_shape_no_curves_is_identity(void **state)
{
	struct rp_plan p;
	struct rp_opts o = {.shape = RP_SHAPE_SAME, .tgt_ncpu = 2};
	struct load_sched s;
	char err[256];

	(void)state;
	read_legacy(&p);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), 0);
	assert_int_equal(p.nworkers, 2);
	for (uint32_t k = 0; k < p.n * 2; k++)
		assert_true(p.pct[k] == p.src_pct[k]);
	assert_int_equal(p.saturated, 0);
	replay_plan__sched(&p, &s);
	assert_int_equal(s.n, p.n);
	assert_int_equal(s.nworkers, 2);
	assert_ptr_equal(s.pct, p.pct);
	replay_plan__free(&p);
}

static void test_same_shape_refuses_fewer_cpus(void **state)
{
	struct rp_plan p;
	struct rp_opts o = {.shape = RP_SHAPE_SAME, .tgt_ncpu = 1};
	char err[256];

	(void)state;
	read_legacy(&p);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--shape=fit"));
	replay_plan__free(&p);
}

static void test_fit_on_one_cpu_saturates_and_drops(void **state)
{
	struct rp_plan p;
	struct rp_opts o = {.shape = RP_SHAPE_FIT, .tgt_ncpu = 1};
	char err[256];

	(void)state;
	read_legacy(&p);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), 0);
	assert_int_equal(p.nworkers, 1);
	for (uint32_t k = 0; k < p.n; k++) {
		double want = p.src_pct[2 * k] + p.src_pct[2 * k + 1];
		assert_true(fabs(p.pct[k] - fmin(want, 100)) < 1e-9);
		assert_int_equal(p.iv[k].saturated, want > 100);
		assert_true(fabs(p.iv[k].unmet - fmax(want - 100, 0)) < 1e-9);
	}
	assert_true(p.saturated > 0);
	replay_plan__free(&p);
}

static void test_carry_backlog_conserves_work(void **state)
{
	struct rp_plan p;
	struct rp_opts o = {.shape = RP_SHAPE_FIT, .tgt_ncpu = 1, .backlog = RP_BACKLOG_CARRY};
	char err[256];
	double want = 0, done = 0, owed = 0;

	(void)state;
	read_legacy(&p);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), 0);
	for (uint32_t k = 0; k < p.n; k++) {
		want += (p.src_pct[2 * k] + p.src_pct[2 * k + 1]) * p.iv[k].secs;
		done += p.pct[k] * p.iv[k].secs;
		assert_true(p.pct[k] <= 100);
	}
	owed = p.iv[p.n - 1].unmet * p.iv[p.n - 1].secs;
	/* Every unit is done later or still owed at the end; dropping loses it. */
	assert_true(fabs(want - done - owed) < 1e-6 * want);
	replay_plan__free(&p);
}

static void test_curves_convert_units(void **state)
{
	struct rp_plan p;
	struct pc_capacity src, dst;
	char err[256];

	(void)state;
	assert_int_equal(
	    capacity__load(&src, tu_shared("legacy/training-2cpu.jsonl"), err, sizeof(err)), 0);
	src.ncpu = 2;
	dst = src;
	for (uint32_t i = 0; i < dst.npts; i++)
		dst.units[i] *= 2; /* a target twice as fast */
	struct rp_opts o = {.shape = RP_SHAPE_SAME, .tgt_ncpu = 2, .src = &src, .dst = &dst};
	read_legacy(&p);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), 0);
	for (uint32_t k = 0; k < p.n * 2; k++) {
		/* Same work on the target: its units at the new % equal the source's. */
		assert_true(fabs(capacity__cpu_units(&dst, p.pct[k]) -
				 capacity__cpu_units(&src, p.src_pct[k])) < 1e-6);
		assert_true(p.pct[k] <= p.src_pct[k] / 2 + 1);
	}
	/* One curve without the other is refused. */
	o.dst = NULL;
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), -EINVAL);
	/* A curve of unknown CPU count cannot be used per CPU. */
	o.dst = &dst;
	dst.ncpu = 0;
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "target curve"));
	replay_plan__free(&p);
}

/* A sample with two CPUs in /proc/stat ticks, and eBPF busy ns when bpf_ns != NULL. */
static void mk(struct pc_sample *s, uint64_t t_ns, uint64_t user, uint64_t idle,
	       const uint64_t *bpf_ns)
{
	static const char *const keys[] = {"all", "0", "1"};

	pc_sample_init(s);
	s->time_ns = t_ns;
	for (int i = 0; i < 3; i++) {
		uint64_t *r = pc_table_add(&s->t[PC_G_CPU], keys[i]);
		assert_non_null(r);
		r[PC_CPU_USER] = i ? user : 2 * user;
		r[PC_CPU_IDLE] = i ? idle : 2 * idle;
	}
	for (int i = 0; bpf_ns && i < 2; i++) {
		uint64_t *r = pc_table_add(&s->t[PC_G_BPF_CPU], keys[i + 1]);
		assert_non_null(r);
		r[PC_BCPU_BUSY_NS] = bpf_ns[i];
	}
}

static void test_ebpf_busy_preferred(void **state)
{
	struct pc_sample a, b;
	struct rp_plan p;
	uint64_t b0[2] = {1000, 5000}, b1[2] = {1000 + 250000000ull, 5000 + 750000000ull};

	(void)state;
	replay_plan__init(&p);
	/* Ticks say 50 %; exact busy time says 25 % and 75 % over the 1 s interval. */
	mk(&a, 1000000000ull, 100, 100, b0);
	mk(&b, 2000000000ull, 150, 150, b1);
	assert_int_equal(replay_plan__add(&p, &a, &b), 0);
	assert_int_equal(p.src_ncpu, 2);
	assert_true(fabs(p.src_pct[0] - 25) < 1e-9 && fabs(p.src_pct[1] - 75) < 1e-9);
	assert_true(fabs(p.iv[0].src_all - 50) < 1e-9);
	assert_int_equal(p.bpf_cpu, 1);
	assert_string_equal(replay_plan__cpu_source(&p.iv[0]), "ebpf");
	/* The next interval has no eBPF rows: ticks, and each interval says which it used. */
	struct pc_sample c;
	mk(&c, 3000000000ull, 200, 200, NULL);
	assert_int_equal(replay_plan__add(&p, &b, &c), 0);
	assert_string_equal(replay_plan__cpu_source(&p.iv[1]), "stat");
	assert_string_equal(replay_plan__cpu_source(&p.iv[0]), "ebpf");
	pc_sample_free(&a);
	pc_sample_free(&b);
	pc_sample_free(&c);
	replay_plan__free(&p);
}

static void test_hostile_counters(void **state)
{
	struct pc_sample a, b, c;
	struct rp_plan p;
	uint64_t huge[2] = {UINT64_MAX, UINT64_MAX}, small[2] = {10, 10};

	(void)state;
	replay_plan__init(&p);
	mk(&a, 1000000000ull, UINT64_MAX - 5, 100, huge);
	mk(&b, 2000000000ull, 3, 150, small); /* counters reset */
	mk(&c, 1500000000ull, 3, 150, small);
	assert_int_equal(replay_plan__add(&p, &a, &b), 0);
	for (int i = 0; i < 2; i++)
		assert_true(p.src_pct[i] >= 0 && p.src_pct[i] <= 100);
	assert_true(p.iv[0].src_all >= 0 && p.iv[0].src_all <= 100);
	/* Time going backwards or standing still is not an interval. */
	assert_int_equal(replay_plan__add(&p, &b, &c), -EINVAL);
	assert_int_equal(replay_plan__add(&p, &b, &b), -EINVAL);
	assert_int_equal(p.n, 1);
	pc_sample_free(&a);
	pc_sample_free(&b);
	pc_sample_free(&c);
	replay_plan__free(&p);
}

static void test_other_host_gives_no_interval(void **state)
{
	struct rp_plan p;
	char err[256];
	struct pc_input *in = input__open(tu_shared("legacy/capture-2cpu.jsonl"), err, sizeof(err));

	(void)state;
	assert_non_null(in);
	replay_plan__init(&p);
	assert_int_equal(replay_plan__read(&p, in, 7, 0, err, sizeof(err)), -ENODATA);
	assert_non_null(strstr(err, "host 7"));
	input__close(in);
	replay_plan__free(&p);
}

#define AZ "pcc-container-azure/"

/* The azure fixture's pcc-container collection, planned for container sel; rc of the read. */
static int read_container(struct rp_plan *p, const char *sel, char *err, size_t errlen)
{
	struct pc_input *in = input__open(tu_shared(AZ "container_collection.json"), err, errlen);
	int rc;

	if (!in)
		fail_msg("%s", err);
	replay_plan__init(p);
	p->container = sel;
	rc = replay_plan__read(p, in, -1, -1, err, errlen);
	input__close(in);
	return rc;
}

/*
 * --container on a real pcc-container collection (three docker containers
 * with a 1-CPU quota, 5 s apart): each interval's CPU target is the
 * fixture's own containers.csv cpu_percent (the original pcprocess's, two
 * decimals) and its memory the container's memory_current, on one CPU,
 * with the quota kept for the workers' cgroup.
 */
static void test_container_plan_from_fixture(void **state)
{
	const char *id = "7892fa5ced3d519c03dd549df61bf62d084d6a13aa185493b05259d75ce8b13d";
	char err[256], line[1024];
	unsigned matched = 0;
	struct rp_plan p;
	FILE *f;

	(void)state;
	assert_int_equal(read_container(&p, "7892fa5ced3d", err, sizeof(err)), 0);
	assert_int_equal(p.src_ncpu, 1);
	assert_true(fabs(p.ct_cpus - 1) < 1e-9);
	assert_true(p.ct_found > 100);
	f = fopen(tu_shared(AZ "containers.csv"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *ts = strsep(&s, ","), *cid = strsep(&s, ","), *cpu, *mem;

		strsep(&s, ","), strsep(&s, ","); /* name, runtime */
		cpu = strsep(&s, ",");
		strsep(&s, ","), strsep(&s, ","); /* user, system */
		mem = strsep(&s, ",");
		if (!mem || strcmp(cid, id) || !*cpu)
			continue;
		for (uint32_t k = 0; k < p.n; k++) {
			const struct rp_interval *iv = &p.iv[k];

			if (iv->time_ns != strtoull(ts, NULL, 10) * 1000000000ull)
				continue;
			if (fabs(iv->src_all - atof(cpu)) > 0.005 + 1e-9)
				fail_msg("%s: cpu %.4f, pcprocess said %s", ts, iv->src_all, cpu);
			assert_true(iv->has & RP_HAS_MEM);
			assert_true(fabs(iv->mem_used_kb * 1024 - atof(mem)) < 0.5);
			assert_int_equal(iv->has & (RP_HAS_DISK | RP_HAS_NET), 0);
			matched++;
		}
	}
	fclose(f);
	assert_true(matched > 100);
	replay_plan__free(&p);
}

static void test_container_not_recorded(void **state)
{
	struct rp_plan p;
	char err[256];

	(void)state;
	assert_int_equal(read_container(&p, "nosuchcontainer", err, sizeof(err)), -ENOENT);
	if (!strstr(err, "container nosuchcontainer: in no interval of host 0") ||
	    !strstr(err, "docker/"))
		fail_msg("%s", err);
	replay_plan__free(&p);
	/* a prefix shorter than 12 hex digits names nothing */
	assert_int_equal(read_container(&p, "7892fa", err, sizeof(err)), -ENOENT);
	replay_plan__free(&p);
}

static void test_dry_run_csv(void **state)
{
	struct rp_plan p;
	struct rp_opts o = {.shape = RP_SHAPE_FIT, .tgt_ncpu = 1};
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	read_legacy(&p); /* first: it may skip, and nothing must be left open then */
	f = open_memstream(&buf, &len);
	assert_int_equal(replay_plan__convert(&p, &o, err, sizeof(err)), 0);
	assert_int_equal(replay_plan__write(&p, f), 0);
	fclose(f);
	assert_true(!strncmp(buf, "interval,secs,src_cpu_pct,tgt_cpu_pct,worker0_pct,", 50));
	unsigned lines = 0;
	for (char *c = buf; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, p.n + 1);
	free(buf);
	replay_plan__free(&p);
}

/* Busy and total USER_HZ ticks of the whole machine, from /proc/stat's cpu line. */
static void machine_ticks(uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "re");

	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8) {
		*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		*total = *busy + v[3] + v[4];
	}
	fclose(f);
}

/* A thread that only sleeps to the schedule's end: how late the machine wakes anyone there. */
static void *ref_sleeper(void *arg)
{
	uint64_t *at = arg, when = at[0];
	struct timespec ts = {(time_t)(when / 1000000000ull), (long)(when % 1000000000ull)};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	at[1] = pc_now_mono() - when;
	return NULL;
}

/*
 * 50 intervals of 10 ms: the worker ends where the schedule ends, not 50
 * wake-ups later. Judged against a reference sleeping to the same end beside
 * it: accumulated wake-ups would put the worker 50 x (its wake-up delay)
 * behind, absolute deadlines at most one slice and a poll behind the
 * reference. Its CPU clock must show the 200 ms asked for, unless other work
 * on the machine took the CPU during the run (then printed, not judged).
 */
static void test_workers_keep_absolute_deadlines(void **state)
{
	enum { N = 50 };
	uint64_t end[N], t0, c0, ref[2], b0, n0, b1, n1;
	double pct[N], other;
	struct rusage r0, r1;
	pthread_t th;

	(void)state;
	for (int k = 0; k < N; k++)
		end[k] = (uint64_t)(k + 1) * 10000000ull, pct[k] = k % 2 ? 60 : 20;
	struct load_sched s = {.n = N, .nworkers = 1, .end_ns = end, .pct = pct};
	struct load_cpu_opts o = {.nworkers = 1};
	machine_ticks(&b0, &n0);
	getrusage(RUSAGE_SELF, &r0);
	t0 = pc_now_mono() + 20000000ull;
	ref[0] = t0 + end[N - 1];
	assert_int_equal(pthread_create(&th, NULL, ref_sleeper, ref), 0);
	struct load_cpu *l = load_cpu__start(&o, &s, t0);
	assert_non_null(l);
	c0 = load_cpu__cpu_ns(l, 0);
	while (!load_cpu__done(l)) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	uint64_t fin = pc_now_mono(), used = load_cpu__cpu_ns(l, 0) - c0;
	load_cpu__stop(l);
	pthread_join(th, NULL);
	getrusage(RUSAGE_SELF, &r1);
	machine_ticks(&b1, &n1);
	/* The machine's busy share less this process's own CPU, over the run. */
	other = n1 > n0 ? 100.0 *
			      ((double)(b1 - b0) / (double)sysconf(_SC_CLK_TCK) -
			       ((double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
				(double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
				(double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
				(double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6)) /
			      ((double)(n1 - n0) / (double)sysconf(_SC_CLK_TCK))
			: 0;
	assert_true(fin >= t0 + end[N - 1]);
	print_message("finished %.1f ms after the schedule's end (a sleeper beside it: %.1f ms), "
		      "CPU %.1f ms of 200, other work %.0f %% of the machine\n",
		      (double)(fin - t0 - end[N - 1]) / 1e6, (double)ref[1] / 1e6,
		      (double)used / 1e6, other);
	/* One 10 ms slice and a 1 ms poll past the reference; 50 wake-ups would be far more. */
	assert_true(fin - t0 - end[N - 1] < ref[1] + 20000000ull);
	if (other > 25) {
		tu_skip("other work took %.0f %% of the machine during the run: CPU not judged",
			other);
		return;
	}
	/* Independently read CPU clock: 25 x 2 ms + 25 x 6 ms = 200 ms, loosely. */
	assert_true(used > 150000000ull && used < 260000000ull);
}

static void test_bad_schedules_refused(void **state)
{
	uint64_t end[2] = {10, 10};
	double pct[2] = {1, 1};
	struct load_sched s = {.n = 2, .nworkers = 1, .end_ns = end, .pct = pct};
	struct load_cpu_opts o = {.nworkers = 1};

	(void)state;
	assert_null(load_cpu__start(&o, &s, 0)); /* ends not increasing */
	assert_int_equal(errno, EINVAL);
	o.nworkers = 2;
	end[1] = 20;
	assert_null(load_cpu__start(&o, &s, 0)); /* worker count mismatch */
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_capture_intervals),
	    cmocka_unit_test(test_same_shape_no_curves_is_identity),
	    cmocka_unit_test(test_same_shape_refuses_fewer_cpus),
	    cmocka_unit_test(test_fit_on_one_cpu_saturates_and_drops),
	    cmocka_unit_test(test_carry_backlog_conserves_work),
	    cmocka_unit_test(test_curves_convert_units),
	    cmocka_unit_test(test_ebpf_busy_preferred),
	    cmocka_unit_test(test_hostile_counters),
	    cmocka_unit_test(test_other_host_gives_no_interval),
	    cmocka_unit_test(test_dry_run_csv),
	    cmocka_unit_test(test_container_plan_from_fixture),
	    cmocka_unit_test(test_container_not_recorded),
	    cmocka_unit_test(test_workers_keep_absolute_deadlines),
	    cmocka_unit_test(test_bad_schedules_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
