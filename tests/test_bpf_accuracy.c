// SPDX-License-Identifier: MIT
/*
 * test_bpf_accuracy.c: the eBPF sampler measures what really happened.
 * A thread pinned to one CPU runs ~1 ms busy / ~1 ms sleep slices; at 100 ms
 * intervals the eBPF busy % of that CPU matches the whole CPU's busy time by
 * the kernel's other account, the idle loop's NOHZ idle time, within 1.5 pp
 * (the /proc/stat error is printed beside it). Each read is taken while the
 * thread holds the CPU busy, so no idle period is half counted at the
 * boundaries. A thread spinning on one CPU for 400 ms counts as busy while
 * it runs. Run-queue histogram totals equal the wakeups a ping-pong causes,
 * and its waits the kernel's own run_delay; a busy child moved into a test
 * cgroup shows up under that cgroup's path (removed in teardown, even when a
 * test fails). Block I/O: test_bpf_blk.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bpftest.h"
#include "common/testutil.h"
#include "pc/bpf_sampler.h"
#include "pc/sample.h"

#define NS 1000000000ull

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* --- accuracy --- */

struct duty {
	int stop;
	int hold;	 /* set by the measuring thread: keep spinning */
	int holding;	 /* set by the worker while it spins for a hold */
	clockid_t clock; /* the worker's thread CPU clock */
	int ready;
};

#define LOAD(p)	    __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)

static void *duty_worker(void *arg)
{
	struct duty *d = arg;
	struct timespec nap = {0, 1000000};

	pthread_getcpuclockid(pthread_self(), &d->clock);
	STORE(&d->ready, 1);
	while (!LOAD(&d->stop)) {
		uint64_t end = clock_ns(CLOCK_MONOTONIC) + 1000000;

		while (clock_ns(CLOCK_MONOTONIC) < end || LOAD(&d->hold))
			if (LOAD(&d->hold))
				STORE(&d->holding, 1);
		STORE(&d->holding, 0);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static uint64_t ebpf_busy(struct bpf_sampler *b, struct pc_sample *s, int cpu)
{
	char key[16];

	pc_sample_reset(s);
	assert_int_equal(bpf_sampler__read(b, s), 0);
	snprintf(key, sizeof(key), "%d", cpu);
	return pc_table_get(&s->t[PC_G_BPF_CPU], key, PC_BCPU_BUSY_NS, UINT64_MAX);
}

/* Non-idle ticks of cpuN in /proc/stat (user..steal minus idle and iowait). */
static uint64_t procstat_busy_ticks(int cpu)
{
	char want[16], line[512];
	unsigned long long v[8] = {0};
	uint64_t busy = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		       &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		break;
	}
	fclose(f);
	return busy;
}

/*
 * Time cpu has spent idle so far, ns: the NOHZ idle account of the tick
 * code (/proc/timer_list, .idle_sleeptime + .iowait_sleeptime of "cpu: N"),
 * which the idle loop itself keeps on entering and leaving idle, apart from
 * the scheduler tracepoints. An idle period is added when the CPU leaves it,
 * so the figure is exact only while the CPU is busy. 0 when the kernel
 * prints no such account (no NOHZ, or not readable).
 */
static uint64_t idle_ns(int cpu)
{
	char want[16], *t, *p, *end;
	uint64_t sum = 0;
	int found = 0;

	t = tu_read_file("/proc/timer_list", NULL);
	if (!t)
		return 0;
	snprintf(want, sizeof(want), "\ncpu: %d\n", cpu);
	p = strstr(t, want);
	end = p ? strstr(p + 1, "\ncpu: ") : NULL;
	for (const char *f = p; f && (!end || f < end) && (f = strstr(f, "_sleeptime")); f++) {
		const char *c = strchr(f, ':');

		if (!c || (end && c > end))
			break;
		sum += strtoull(c + 1, NULL, 10);
		found++;
	}
	free(t);
	return found == 2 ? sum : 0;
}

/* One boundary: both accounts of cpu, read while the duty thread keeps it busy. */
struct reading {
	uint64_t wall;	/* CLOCK_MONOTONIC at the eBPF read (middle of the call) */
	uint64_t fuzz;	/* half the eBPF read's duration: where in it the figure was taken */
	uint64_t ebpf;	/* busy ns by eBPF */
	uint64_t idle;	/* NOHZ idle time, ns */
	uint64_t ticks; /* /proc/stat busy ticks */
	int steady;	/* the CPU did not go idle during the read */
};

static void held_read(struct duty *d, struct bpf_sampler *b, struct pc_sample *s, int cpu,
		      struct reading *r)
{
	uint64_t i0, w0, w1;

	STORE(&d->hold, 1);
	while (!LOAD(&d->holding))
		;
	i0 = idle_ns(cpu);
	w0 = clock_ns(CLOCK_MONOTONIC);
	r->ebpf = ebpf_busy(b, s, cpu);
	w1 = clock_ns(CLOCK_MONOTONIC);
	r->idle = idle_ns(cpu);
	r->steady = r->idle == i0;
	r->ticks = procstat_busy_ticks(cpu);
	STORE(&d->hold, 0);
	while (LOAD(&d->holding))
		;
	r->wall = (w0 + w1) / 2;
	r->fuzz = (w1 - w0) / 2;
}

/*
 * Error of eBPF's busy % over [a, b] against the idle-residency truth.
 * Between two held reads the truth is exact: a CPU that is not idle is
 * busy, and no idle period is cut by either boundary.
 */
static double interval_error(const struct reading *a, const struct reading *b, double *truth,
			     double *proc)
{
	double wall = (double)(b->wall - a->wall);
	long hz = sysconf(_SC_CLK_TCK);

	*truth = 100.0 - 100.0 * (double)(b->idle - a->idle) / wall;
	*proc = 100.0 * (double)(b->ticks - a->ticks) * (double)NS / (double)hz / wall;
	return 100.0 * (double)(b->ebpf - a->ebpf) / wall - *truth;
}

/*
 * The limit: 1.5 pp is the product's promise at 100 ms. The reference's own
 * noise is the uncertainty of where within each eBPF read the figure was
 * taken (fuzz, printed; tens of us, a few hundredths of a pp) and the few
 * microseconds per idle period that the idle loop counts as busy (entering and
 * leaving the idle state; ~50 periods per interval here): a bias well under
 * 0.5 pp. An interval whose read was held up for over 1 ms, or in which the
 * CPU went idle during a read, is printed and not judged.
 */
#define BUSY_LIMIT_PP 1.5

/*
 * One measurement: 15 intervals of 100 ms on absolute deadlines with the
 * duty-cycle thread pinned to cpu. Returns how many judged intervals were
 * off by more than BUSY_LIMIT_PP; counts the judged ones in *judged.
 */
static int duty_run(struct bpf_sampler *b, struct pc_sample *s, int cpu, int *judged,
		    double *worst_out)
{
	const int intervals = 15;
	double worst = 0, worst_proc = 0;
	struct reading r[2];
	struct duty d = {0};
	struct timespec dl;
	pthread_t th;
	int bad = 0;

	assert_int_equal(pthread_create(&th, NULL, duty_worker, &d), 0);
	assert_int_equal(pin(th, cpu), 0);
	while (!LOAD(&d.ready))
		sched_yield();
	/* Let the duty cycle settle on its CPU, then measure on absolute 100 ms deadlines. */
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += 50000000;
	for (int i = -1; i < intervals; i++) {
		struct reading *a = &r[(i + 2) % 2], *now = &r[(i + 3) % 2];
		double truth, proc, err;
		int judge;

		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
		dl.tv_nsec += 100000000L;
		held_read(&d, b, s, cpu, now);
		if (i < 0)
			continue;
		err = interval_error(a, now, &truth, &proc);
		judge = a->steady && now->steady && a->fuzz < 1000000 && now->fuzz < 1000000;
		print_message(
		    "  interval %2d: idle-loop busy %5.1f%%  eBPF %5.1f%% (%+.2f pp, read "
		    "+-%llu us)  /proc/stat %5.1f%% (%+.1f pp)%s\n",
		    i, truth, truth + err, err, (unsigned long long)now->fuzz / 1000, proc,
		    proc - truth, judge ? "" : "  (a read was held up: not judged)");
		*judged += judge;
		bad += judge && fabs(err) > BUSY_LIMIT_PP;
		if (judge && fabs(err) > fabs(worst))
			worst = err;
		if (fabs(proc - truth) > fabs(worst_proc))
			worst_proc = proc - truth;
	}
	STORE(&d.stop, 1);
	pthread_join(th, NULL);
	print_message("  worst error: eBPF %+.2f pp, /proc/stat %+.1f pp\n", worst, worst_proc);
	*worst_out = worst;
	return bad;
}

static void test_busy_percent_is_exact_at_100ms(void **state)
{
	struct bpf_sampler *b;
	struct pc_sample s;
	double worst = 0;
	int bad = 0, judged = 0;

	(void)state;
	need_bpf();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		tu_skip("one CPU: the test load and the measuring thread would share it");
		return;
	}
	if (!idle_ns(1)) {
		tu_skip("/proc/timer_list has no NOHZ idle time of CPU 1: no whole-CPU reference");
		return;
	}
	b = open_opts(BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC, 0);
	pc_sample_init(&s);
	/* The load runs on CPU 1; this thread measures from CPU 0. */
	assert_int_equal(pin(pthread_self(), 0), 0);
	/*
	 * Other work on the machine is counted by both accounts alike; only
	 * held-up reads are not judged. One measurement, no second chance.
	 */
	bad = duty_run(b, &s, 1, &judged, &worst);
	pc_sample_free(&s);
	bpf_sampler__close(b);
	if (judged < 10) {
		tu_skip("the machine held this test's reads up: %d of 15 intervals could be judged",
			judged);
		return;
	}
	if (bad)
		fail_msg("%d of %d intervals off by more than %.1f pp (worst %+.2f pp)", bad,
			 judged, BUSY_LIMIT_PP, worst);
}

/* --- a task that does not switch --- */

static void *spin(void *arg)
{
	struct duty *d = arg;

	pthread_getcpuclockid(pthread_self(), &d->clock);
	STORE(&d->ready, 1);
	while (!LOAD(&d->stop))
		;
	return NULL;
}

/* One read of CPU 1 beside the spinning thread's clock, bracketed by the wall clock. */
struct spin_read {
	uint64_t wall, fuzz, clock, ebpf;
};

static void spin_read(struct bpf_sampler *b, struct pc_sample *s, struct duty *d,
		      struct spin_read *r)
{
	uint64_t w0 = clock_ns(CLOCK_MONOTONIC), w1;

	r->clock = clock_ns(d->clock);
	r->ebpf = ebpf_busy(b, s, 1);
	w1 = clock_ns(CLOCK_MONOTONIC);
	r->wall = (w0 + w1) / 2;
	r->fuzz = (w1 - w0) / 2;
}

/*
 * One spin of 400 ms with three reads; the first read that falls short is
 * described in why (and 0 returned), else 1. A read whose bracket took over
 * 2 ms (this thread was held up: where in it the figures were taken is
 * unknown) is printed and not judged; *judged counts the others.
 */
static int spin_run(struct bpf_sampler *b, struct pc_sample *s, char *why, size_t whylen,
		    int *judged)
{
	struct timespec gap = {0, 100000000L};
	struct spin_read r0, r1;
	struct duty d = {0};
	pthread_t th;
	int ok = 1;

	assert_int_equal(pthread_create(&th, NULL, spin, &d), 0);
	assert_int_equal(pin(th, 1), 0);
	while (!LOAD(&d.ready))
		sched_yield();
	nanosleep(&gap, NULL);
	spin_read(b, s, &d, &r0);
	for (int i = 0; i < 3 && ok; i++) {
		double wall, truth, ebpf;
		int judge;

		nanosleep(&gap, NULL);
		spin_read(b, s, &d, &r1);
		wall = (double)(r1.wall - r0.wall);
		truth = 100.0 * (double)(r1.clock - r0.clock) / wall;
		ebpf = 100.0 * (double)(r1.ebpf - r0.ebpf) / wall;
		judge = r0.fuzz < 1000000 && r1.fuzz < 1000000;
		print_message("  read %d: thread %5.1f%%  eBPF %5.1f%%%s\n", i, truth, ebpf,
			      judge ? "" : "  (a read was held up: not judged)");
		*judged += judge;
		if (judge && (ebpf < 90.0 || ebpf < truth - 2.0)) {
			snprintf(why, whylen,
				 "read %d: CPU 1 %.1f%% busy by eBPF while a thread spun there "
				 "(%.1f%% by its clock)",
				 i, ebpf, truth);
			ok = 0;
		}
		r0 = r1;
	}
	STORE(&d.stop, 1);
	pthread_join(th, NULL);
	return ok;
}

/*
 * A CPU-bound thread is switched in once and runs for 400 ms: its time
 * must count while it runs (the reader checks a task on a CPU for over
 * 20 ms against /proc/TID/schedstat, kept open across ticks). Each 100 ms
 * read shows CPU 1 at least 90 % busy and no more than 2 pp under the
 * thread's own clock (other tasks running there only add to eBPF's figure).
 */
static void test_cpu_bound_task_counts_while_it_runs(void **state)
{
	struct bpf_sampler *b;
	struct pc_sample s;
	char why[256] = "";
	int ok = 0, judged = 0;

	(void)state;
	need_bpf();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		tu_skip("one CPU: the spinning thread and the reader would share it");
		return;
	}
	b = open_opts(BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC, 0);
	pc_sample_init(&s);
	assert_int_equal(pin(pthread_self(), 0), 0);
	/*
	 * This kernel does not report every switch (docs/BPF.md): one short
	 * read can come from a switch it lost. A second spin must then be right.
	 */
	for (int attempt = 0; attempt < 3 && (!ok || judged < 2); attempt++) {
		if (ok)
			judged = 0; /* held up too often: spin again */
		ok = spin_run(b, &s, why, sizeof(why), &judged);
		if (!ok && attempt)
			break;
		if (!ok)
			print_message("  %s: spinning again\n", why);
	}
	pc_sample_free(&s);
	bpf_sampler__close(b);
	if (!ok)
		fail_msg("%s", why);
	if (judged < 2)
		tu_skip("the machine held this test's reads up: %d reads could be judged", judged);
}

/* --- run-queue latency --- */

struct pingpong {
	int to_worker[2], to_main[2];
	pid_t worker; /* its thread id, set before its first read */
};

static void set_fifo(void)
{
	struct sched_param sp = {.sched_priority = 1};

	/* Equal FIFO priorities never preempt each other: every switch is a wakeup's. */
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

static void *pong(void *arg)
{
	struct pingpong *p = arg;
	char c;

	p->worker = (pid_t)syscall(SYS_gettid);
	set_fifo();
	/* Until the main thread closes its end: the thread outlives the last round. */
	while (read(p->to_worker[0], &c, 1) == 1 && write(p->to_main[1], &c, 1) == 1)
		;
	return NULL;
}

/* The histogram's count and sum of waits (us). */
static void runq_read(struct bpf_sampler *b, struct pc_sample *s, uint64_t *count, uint64_t *us)
{
	pc_sample_reset(s);
	assert_int_equal(bpf_sampler__read(b, s), 0);
	*count = pc_table_get(&s->t[PC_G_BPF_RUNQ], "runq", PC_RUNQ_COUNT, UINT64_MAX);
	*us = pc_table_get(&s->t[PC_G_BPF_RUNQ], "runq", PC_RUNQ_SUM_US, UINT64_MAX);
}

/* The kernel's own run-queue delay of thread tid so far (schedstat field 2), ns. */
static uint64_t run_delay_ns(pid_t tid)
{
	char path[64], *t;
	unsigned long long run = 0, delay = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	t = tu_read_file(path, NULL);
	if (!t)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(sscanf(t, "%llu %llu", &run, &delay), 2);
	free(t);
	return delay;
}

/*
 * Two FIFO threads on one CPU hand a byte back and forth: every round wakes
 * each once. The histogram must count exactly those wakeups and, since it
 * reads the scheduler's own enqueue stamp, its waits must add up to the
 * run-queue delay the kernel reports for the two threads. Both program
 * variants (tp_btf loads, raw_tp probe reads).
 */
static void runq_pingpong(unsigned variant)
{
	struct pingpong p;
	const int rounds = 2000;
	struct sched_param keep;
	struct bpf_sampler *b;
	struct pc_sample s;
	uint64_t c0, c1, us0, us1, d0, d1, want, got_us, kern_us;
	pid_t self = (pid_t)syscall(SYS_gettid);
	int policy;
	pthread_t th;
	char c = 'x';

	need_bpf();
	b = open_opts(variant | BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC | BPF_SAMPLER_NO_CGROUP,
		      getpid());
	pc_sample_init(&s);
	assert_int_equal(pipe(p.to_worker), 0);
	assert_int_equal(pipe(p.to_main), 0);
	pthread_getschedparam(pthread_self(), &policy, &keep);
	/* Both on one CPU: the woken thread is always switched out when woken. */
	assert_int_equal(pin(pthread_self(), 0), 0);
	set_fifo();
	assert_int_equal(pthread_create(&th, NULL, pong, &p), 0);
	assert_int_equal(pin(th, 0), 0);
	/* One round to be sure the worker has started and blocks in read. */
	assert_int_equal(write(p.to_worker[1], &c, 1), 1);
	assert_int_equal(read(p.to_main[0], &c, 1), 1);
	runq_read(b, &s, &c0, &us0);
	d0 = run_delay_ns(self) + run_delay_ns(p.worker);
	for (int i = 0; i < rounds; i++) {
		assert_int_equal(write(p.to_worker[1], &c, 1), 1);
		assert_int_equal(read(p.to_main[0], &c, 1), 1);
	}
	d1 = run_delay_ns(self) + run_delay_ns(p.worker);
	runq_read(b, &s, &c1, &us1);
	close(p.to_worker[1]);
	pthread_join(th, NULL);
	pthread_setschedparam(pthread_self(), policy, &keep);
	want = 2 * (uint64_t)rounds; /* the worker woken per round, and this thread */
	got_us = us1 - us0;
	kern_us = (d1 - d0) / 1000;
	print_message("  wakeups caused %llu, run-queue histogram counted %llu; waits %llu us, "
		      "kernel run_delay %llu us\n",
		      (unsigned long long)want, (unsigned long long)(c1 - c0),
		      (unsigned long long)got_us, (unsigned long long)kern_us);
	close(p.to_worker[0]);
	close(p.to_main[0]);
	close(p.to_main[1]);
	pc_sample_free(&s);
	bpf_sampler__close(b);
	assert_true(c1 - c0 >= want - want / 50);
	assert_true(c1 - c0 <= want + want / 50);
	/* Within 2 % (a switch or two between the map read and the schedstat reads). */
	assert_true(got_us <= kern_us + kern_us / 50 + 20);
	assert_true(got_us + kern_us / 50 + 20 >= kern_us);
}

static void test_runq_count_equals_wakeups_caused(void **state)
{
	(void)state;
	runq_pingpong(0);
}

static void test_runq_raw_tp_counts_the_same(void **state)
{
	(void)state;
	runq_pingpong(BPF_SAMPLER_RAW_TP);
}

/* --- cgroup attribution --- */

struct testcg {
	char dir[256];
	char path[128]; /* relative to the v2 mount */
};

static int cg_setup(void **state)
{
	struct testcg *c = calloc(1, sizeof(*c));
	struct bpf_names *n;

	if (!c)
		return -1;
	*state = c;
	n = bpf_names__new(NULL);
	if (!n)
		return 0;
	if (geteuid() == 0 && bpf_names__cg2root(n)[0]) {
		snprintf(c->path, sizeof(c->path), "/pctest.%d", (int)getpid());
		snprintf(c->dir, sizeof(c->dir), "%s%s", bpf_names__cg2root(n), c->path);
		if (mkdir(c->dir, 0755))
			c->dir[0] = 0;
	}
	bpf_names__free(n);
	return 0;
}

static int cg_teardown(void **state)
{
	struct testcg *c = *state;

	/* The cgroup empties a moment after its last task is reaped. */
	for (int i = 0; c->dir[0] && i < 100 && rmdir(c->dir) && errno == EBUSY; i++)
		usleep(10000);
	free(c);
	return 0;
}

static void test_cgroup_cpu_lands_under_its_path(void **state)
{
	struct testcg *c = *state;
	struct bpf_sampler *b;
	struct pc_sample s;
	struct rusage ru;
	uint64_t child_ns, cg_ns;
	int go[2], st;
	char procs[300], pid[16];
	pid_t p;
	FILE *f;

	need_bpf();
	if (!c->dir[0]) {
		tu_skip("no cgroup v2 mount to create a test cgroup in");
		return;
	}
	b = open_opts(BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC | BPF_SAMPLER_NO_RUNQ, 0);
	pc_sample_init(&s);
	assert_int_equal(pipe(go), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		char x;
		uint64_t end;

		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(1);
		/* ~300 ms of CPU inside the cgroup. */
		end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + 300000000ull;
		while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
			;
		_exit(0);
	}
	close(go[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", c->dir);
	snprintf(pid, sizeof(pid), "%d", (int)p);
	f = fopen(procs, "we");
	assert_non_null(f);
	assert_true(fputs(pid, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(wait4(p, &st, 0, &ru), p);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	child_ns = (uint64_t)ru.ru_utime.tv_sec * NS + (uint64_t)ru.ru_utime.tv_usec * 1000 +
		   (uint64_t)ru.ru_stime.tv_sec * NS + (uint64_t)ru.ru_stime.tv_usec * 1000;
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	cg_ns = pc_table_get(&s.t[PC_G_BPF_CGROUP], c->path, PC_CG_CPU_NS, 0);
	print_message("  child used %.1f ms of CPU; cgroup %s got %.1f ms\n", child_ns / 1e6,
		      c->path, cg_ns / 1e6);
	assert_int_not_equal(pc_table_find(&s.t[PC_G_BPF_CGROUP], c->path), -1);
	assert_true(pc_table_get(&s.t[PC_G_BPF_CGROUP], c->path, PC_CG_ID, 0) ==
		    bpf_names__cgroup_id(c->dir));
	/* rusage is tick-sampled (split user/system), so allow it a few ticks either way. */
	assert_true(cg_ns >= child_ns * 9 / 10);
	assert_true(cg_ns <= child_ns * 11 / 10 + 20000000ull);
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

/* The kernel's run-queue delay (ns) and arrivals on a CPU of the calling task (schedstat). */
static void self_schedstat(uint64_t *delay, uint64_t *arrivals)
{
	unsigned long long run = 0, d = 0, n = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "re");

	if (!f || fscanf(f, "%llu %llu %llu", &run, &d, &n) != 3)
		_exit(3);
	fclose(f);
	*delay = d;
	*arrivals = n;
}

/* A child born in the cgroup (clone3 CLONE_INTO_CGROUP), or -1 with errno. */
static pid_t fork_into(int cgfd)
{
	struct clone_args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD};

	a.cgroup = (uint64_t)cgfd;
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/*
 * Two children born in the test cgroup spin on one CPU, so each waits while
 * the other runs. The cgroup's run-queue wait must be what the kernel says
 * they waited (schedstat run_delay, read by each child just before it
 * exits: the child's whole life, since a new task's counters start at 0),
 * and its count of waits the children's arrivals on a CPU. Above it by at
 * most what happens between that read and the exit (a preemption or two:
 * the slack below); never below it. Like with like: run_delay also counts a
 * wait that ended with the task moved to another CPU's queue (load
 * balancing, or the move sched_setaffinity makes), which no arrival ends,
 * so the children are born pinned to one CPU (the parent's mask, inherited)
 * and never move.
 */
static void test_cgroup_wait_equals_tasks_run_delay(void **state)
{
	struct testcg *c = *state;
	uint64_t want_ns = 0, want_n = 0, got_ns, got_n, r[2];
	struct bpf_sampler *b;
	struct pc_sample s;
	int res[2], cgfd, st;
	uint64_t t0, wall, busy0, other, cg_ns;
	char why[128] = "";
	cpu_set_t one, mine;
	int cpu;
	pid_t p[2];

	need_bpf();
	if (!c->dir[0]) {
		tu_skip("no cgroup v2 mount to create a test cgroup in");
		return;
	}
	b = open_opts(BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC, 0);
	pc_sample_init(&s);
	cgfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cgfd >= 0);
	assert_int_equal(pipe(res), 0);
	cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	t0 = clock_ns(CLOCK_MONOTONIC);
	busy0 = ebpf_busy(b, &s, cpu);
	/* Born pinned (the mask is inherited): a task moved while queued is not in step. */
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	for (int i = 0; i < 2; i++) {
		p[i] = fork_into(cgfd);
		if (p[i] < 0 && i == 0 &&
		    (errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			snprintf(why, sizeof(why), "clone3 CLONE_INTO_CGROUP not available: %s",
				 strerror(errno));
			goto out;
		}
		assert_true(p[i] >= 0);
		if (p[i] == 0) {
			uint64_t end, v[2];

			end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + 150000000ull;
			while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end)
				;
			self_schedstat(&v[0], &v[1]);
			_exit(write(res[1], v, sizeof(v)) == sizeof(v) ? 0 : 4);
		}
	}
	assert_int_equal(sched_setaffinity(0, sizeof(mine), &mine), 0);
	close(res[1]);
	res[1] = -1;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(read(res[0], r, sizeof(r)), sizeof(r));
		want_ns += r[0];
		want_n += r[1];
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(p[i], &st, 0), p[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	other = ebpf_busy(b, &s, cpu) - busy0;
	wall = clock_ns(CLOCK_MONOTONIC) - t0;
	got_ns = pc_table_get(&s.t[PC_G_BPF_CGROUP], c->path, PC_CG_WAIT_NS, 0);
	got_n = pc_table_get(&s.t[PC_G_BPF_CGROUP], c->path, PC_CG_WAITS, 0);
	cg_ns = pc_table_get(&s.t[PC_G_BPF_CGROUP], c->path, PC_CG_CPU_NS, 0);
	other = other > cg_ns ? other - cg_ns : 0;
	print_message("  children waited %.2f ms in %" PRIu64 " arrivals (schedstat); cgroup %s: "
		      "%.2f ms in %" PRIu64 "; other tasks on CPU %d: %.1f %% of %.0f ms\n",
		      want_ns / 1e6, want_n, c->path, got_ns / 1e6, got_n, cpu,
		      100.0 * (double)other / (double)wall, wall / 1e6);
	/*
	 * Where other tasks took turns on that CPU too, schedstat and the
	 * switches seen here disagree now and then by an arrival or by up to
	 * a few ms of wait, either way (beside stress-ng --cpu 2 --cpu-load 60,
	 * 2 of 10 runs even at 3 % other work on that CPU): not understood yet,
	 * so judged only where the children had the CPU to themselves (0.5-0.9 %
	 * other work here when idle: kernel threads, this process).
	 */
	if (other * 50 > wall)
		snprintf(why, sizeof(why),
			 "other tasks used %.1f %% of CPU %d beside the children "
			 "(over 2 %%)",
			 100.0 * (double)other / (double)wall, cpu);
	else {
		/* Spinning against each other, each waited for the other's turns. */
		assert_true(want_ns > 10000000ull);
		assert_true(got_n >= want_n && got_n <= want_n + 4);
		assert_true(got_ns >= want_ns && got_ns <= want_ns + want_ns / 20 + 20000000ull);
	}
out:
	sched_setaffinity(0, sizeof(mine), &mine);
	close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	close(cgfd);
	pc_sample_free(&s);
	bpf_sampler__close(b);
	if (why[0])
		tu_skip("%s", why); /* after the clean-up: it does not return */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_busy_percent_is_exact_at_100ms),
	    cmocka_unit_test(test_cpu_bound_task_counts_while_it_runs),
	    cmocka_unit_test(test_runq_count_equals_wakeups_caused),
	    cmocka_unit_test(test_runq_raw_tp_counts_the_same),
	    cmocka_unit_test_setup_teardown(test_cgroup_cpu_lands_under_its_path, cg_setup,
					    cg_teardown),
	    cmocka_unit_test_setup_teardown(test_cgroup_wait_equals_tasks_run_delay, cg_setup,
					    cg_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
