// SPDX-License-Identifier: MIT
/*
 * bpf_bench.c: drives the eBPF sampler the way the collector does (one
 * bpf_sampler__read per tick on absolute deadlines, into a reused sample
 * with a "self" row) for a while, then prints what it cost as key=value
 * lines for bench/bpf_cost.sh: per-program run count, events per second and
 * ns per event (BPF stats), this process' CPU from per-thread schedstat, and
 * the total (process CPU + BPF run time) as a percentage of one core.
 * Yardstick objects named after the arguments (bench/ref_*.bpf.c, built by
 * the script) are loaded and attached alongside, so that their per-event
 * cost is measured on the same load at the same time.
 * Usage: bpf_bench INTERVAL_MS SECONDS [REF.bpf.o ...]
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pc/bpf_sampler.h"
#include "pc/log.h"
#include "pc/sample.h"
#include "pc/ticker.h"

#define NS 1000000000ull

/* Sum of the first field (ns on CPU) of /proc/self/task/<tid>/schedstat. */
static uint64_t self_cpu_ns(void)
{
	char path[300];
	unsigned long long ns;
	uint64_t sum = 0;
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	FILE *f;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

#define MAX_REF 4

/* Run time and count of every program of obj, appended at out[n..]. */
static int ref_costs(struct bpf_object *obj, struct bpf_prog_cost *out, int n, int max)
{
	struct bpf_prog_info info;
	struct bpf_program *p;
	__u32 len;

	bpf_object__for_each_program(p, obj)
	{
		if (n >= max)
			break;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			fatal("bpf_obj_get_info_by_fd");
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(p));
		out[n].run_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		n++;
	}
	return n;
}

static struct bpf_object *ref_open(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (!obj || bpf_object__load(obj))
		fatalx("cannot load yardstick %s", path);
	bpf_object__for_each_program(p, obj)
	{
		if (!bpf_program__attach(p))
			fatalx("cannot attach %s of %s", bpf_program__name(p), path);
	}
	return obj;
}

/* What is loaded: our sampler (unless alone=ref) and the yardsticks. */
struct bench {
	struct bpf_object *ref[MAX_REF];
	int nref;
	struct bpf_sampler *b;
};

/* Our programs and the yardsticks, in the order the environment asks for. */
static void open_programs(struct bench *B, int argc, char **argv)
{
	int ref_first, want_ours, want_ref;
	const char *alone;
	char why[512];

	/*
	 * The first program on a tracepoint pays the cache misses of the
	 * event's data for all; PC_BENCH_REF_FIRST=1 attaches the yardsticks
	 * first so that the order's bias can be seen both ways.
	 */
	ref_first = getenv("PC_BENCH_REF_FIRST") && atoi(getenv("PC_BENCH_REF_FIRST"));
	/*
	 * PC_BENCH_ALONE=ours or =ref runs one side only (each then pays its
	 * own first-program misses, as when run for real); the bench script
	 * alternates the two.
	 */
	alone = getenv("PC_BENCH_ALONE") ? getenv("PC_BENCH_ALONE") : "";
	want_ours = strcmp(alone, "ref") != 0;
	want_ref = strcmp(alone, "ours") != 0;
	if (want_ref && ref_first)
		for (int i = 3; i < argc; i++)
			B->ref[B->nref++] = ref_open(argv[i]);
	if (want_ours) {
		B->b = bpf_sampler__open(
		    getenv("PC_BPF_FLAGS") ? (unsigned)strtoul(getenv("PC_BPF_FLAGS"), NULL, 0) : 0,
		    why, sizeof(why));
		if (!B->b)
			fatalx("eBPF sampler: %s", why);
		if (why[0])
			log_warnx("eBPF sampler: %s", why);
	}
	/* The sampler holds BPF stats on while it lives; alone, the yardsticks need them too. */
	if (!B->b && bpf_enable_stats(BPF_STATS_RUN_TIME) < 0)
		fatalx("cannot enable BPF run-time statistics");
	if (want_ref && !ref_first)
		for (int i = 3; i < argc; i++)
			B->ref[B->nref++] = ref_open(argv[i]);
	/* The do-nothing programs go last: what being called costs, without the first's misses. */
	if (getenv("PC_BENCH_FLOOR") && B->nref < MAX_REF)
		B->ref[B->nref++] = ref_open(getenv("PC_BENCH_FLOOR"));
}

/* Every program's run time and count so far; how many. */
static int all_costs(const struct bench *B, struct bpf_prog_cost *c)
{
	int n = B->b ? bpf_sampler__costs(B->b, c, 16) : 0;

	for (int i = 0; i < B->nref; i++)
		n = ref_costs(B->ref[i], c, n, 16);
	return n;
}

/* What the ticks cost: counts and the time of our reads. */
struct run {
	uint64_t interval, late, ticks, read_ns;
};

/* One read per tick on absolute deadlines for secs, into a reused sample. */
static void tick_for(const struct bench *B, struct run *R, double secs)
{
	uint64_t t0 = pc_now_mono(), next = t0 + R->interval, r0;
	struct pc_sample s;
	struct timespec dl;

	pc_sample_init(&s);
	while (next < t0 + (uint64_t)(secs * NS)) {
		dl.tv_sec = (time_t)(next / NS);
		dl.tv_nsec = (long)(next % NS);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
		if (pc_now_mono() > next + R->interval / 2)
			R->late++;
		pc_sample_reset(&s);
		r0 = pc_now_mono();
		if (B->b && (!pc_table_add(&s.t[PC_G_SELF], "self") || bpf_sampler__read(B->b, &s)))
			fatalx("read failed");
		R->read_ns += pc_now_mono() - r0;
		R->ticks++;
		next += R->interval;
	}
	pc_sample_free(&s);
}

/* The key=value lines: the run, each program, and the total. */
static void report(const struct bench *B, const struct run *R, const struct bpf_prog_cost *c0,
		   const struct bpf_prog_cost *c1, int n, uint64_t wall, uint64_t cpu)
{
	uint64_t bpf_ns = 0;

	printf("interval_ms=%llu ticks=%llu late=%llu wall_s=%.3f btf=%d read_us=%.1f\n",
	       (unsigned long long)(R->interval / 1000000), (unsigned long long)R->ticks,
	       (unsigned long long)R->late, (double)wall / NS,
	       B->b ? bpf_sampler__uses_btf(B->b) : -1,
	       R->ticks ? (double)R->read_ns / (double)R->ticks / 1000.0 : 0.0);
	for (int i = 0; i < n && i < 16; i++) {
		uint64_t dn = c1[i].run_ns - c0[i].run_ns, dc = c1[i].run_cnt - c0[i].run_cnt;

		if (strncmp(c1[i].name, "ref_", 4))
			bpf_ns += dn; /* the yardsticks are not our cost */
		printf("prog=%s runs=%llu per_s=%.0f ns_per_run=%.1f\n", c1[i].name,
		       (unsigned long long)dc, dc / ((double)wall / NS),
		       dc ? (double)dn / (double)dc : 0.0);
	}
	printf("collector_cpu_pct=%.4f bpf_pct=%.4f total_pct=%.4f\n",
	       100.0 * (double)cpu / (double)wall, 100.0 * (double)bpf_ns / (double)wall,
	       100.0 * (double)(cpu + bpf_ns) / (double)wall);
}

int main(int argc, char **argv)
{
	struct bench B = {0};
	struct run R = {0};
	struct bpf_prog_cost c0[16], c1[16];
	uint64_t t0, t1, cpu0, cpu1;
	int n0, n1;

	log_init("bpf_bench", 0);
	if (argc < 3 || argc > 3 + MAX_REF || atoi(argv[1]) <= 0 || atof(argv[2]) <= 0)
		fatalx("usage: bpf_bench INTERVAL_MS SECONDS [REF.bpf.o ...]");
	R.interval = (uint64_t)atoi(argv[1]) * 1000000ull;
	open_programs(&B, argc, argv);
	n0 = all_costs(&B, c0);
	cpu0 = self_cpu_ns();
	t0 = pc_now_mono();
	tick_for(&B, &R, atof(argv[2]));
	t1 = pc_now_mono();
	cpu1 = self_cpu_ns();
	n1 = all_costs(&B, c1);
	if (n0 != n1 || n0 <= 0)
		fatalx("program list changed");
	report(&B, &R, c0, c1, n1, t1 - t0, cpu1 - cpu0);
	if (B.b)
		bpf_sampler__close(B.b);
	for (int i = 0; i < B.nref; i++)
		bpf_object__close(B.ref[i]);
	return 0;
}
