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

int main(int argc, char **argv)
{
	struct bpf_object *ref[MAX_REF];
	int nref = 0, ref_first, want_ours, want_ref;
	struct bpf_prog_cost c0[16], c1[16];
	uint64_t t0, t1, cpu0, cpu1, next, interval, late = 0, ticks = 0, bpf_ns = 0, r0,
						     read_ns = 0;
	struct bpf_sampler *b = NULL;
	const char *alone;
	struct pc_sample s;
	struct timespec dl;
	char why[512];
	double secs;
	int n0, n1;

	log_init("bpf_bench", 0);
	if (argc < 3 || argc > 3 + MAX_REF || atoi(argv[1]) <= 0 || atof(argv[2]) <= 0)
		fatalx("usage: bpf_bench INTERVAL_MS SECONDS [REF.bpf.o ...]");
	interval = (uint64_t)atoi(argv[1]) * 1000000ull;
	secs = atof(argv[2]);
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
			ref[nref++] = ref_open(argv[i]);
	if (want_ours) {
		b = bpf_sampler__open(
		    getenv("PC_BPF_FLAGS") ? (unsigned)strtoul(getenv("PC_BPF_FLAGS"), NULL, 0) : 0,
		    why, sizeof(why));
		if (!b)
			fatalx("eBPF sampler: %s", why);
		if (why[0])
			log_warnx("eBPF sampler: %s", why);
	}
	/* The sampler holds BPF stats on while it lives; alone, the yardsticks need them too. */
	if (!b && bpf_enable_stats(BPF_STATS_RUN_TIME) < 0)
		fatalx("cannot enable BPF run-time statistics");
	if (want_ref && !ref_first)
		for (int i = 3; i < argc; i++)
			ref[nref++] = ref_open(argv[i]);
	/* The do-nothing programs go last: what being called costs, without the first's misses. */
	if (getenv("PC_BENCH_FLOOR") && nref < MAX_REF)
		ref[nref++] = ref_open(getenv("PC_BENCH_FLOOR"));
	pc_sample_init(&s);
	n0 = b ? bpf_sampler__costs(b, c0, 16) : 0;
	for (int i = 0; i < nref; i++)
		n0 = ref_costs(ref[i], c0, n0, 16);
	cpu0 = self_cpu_ns();
	t0 = pc_now_mono();
	next = t0 + interval;
	while (next < t0 + (uint64_t)(secs * NS)) {
		dl.tv_sec = (time_t)(next / NS);
		dl.tv_nsec = (long)(next % NS);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
		if (pc_now_mono() > next + interval / 2)
			late++;
		pc_sample_reset(&s);
		r0 = pc_now_mono();
		if (b && (!pc_table_add(&s.t[PC_G_SELF], "self") || bpf_sampler__read(b, &s)))
			fatalx("read failed");
		read_ns += pc_now_mono() - r0;
		ticks++;
		next += interval;
	}
	t1 = pc_now_mono();
	cpu1 = self_cpu_ns();
	n1 = b ? bpf_sampler__costs(b, c1, 16) : 0;
	for (int i = 0; i < nref; i++)
		n1 = ref_costs(ref[i], c1, n1, 16);
	if (n0 != n1 || n0 <= 0)
		fatalx("program list changed");
	printf("interval_ms=%llu ticks=%llu late=%llu wall_s=%.3f btf=%d read_us=%.1f\n",
	       (unsigned long long)(interval / 1000000), (unsigned long long)ticks,
	       (unsigned long long)late, (double)(t1 - t0) / NS, b ? bpf_sampler__uses_btf(b) : -1,
	       ticks ? (double)read_ns / (double)ticks / 1000.0 : 0.0);
	for (int i = 0; i < n1 && i < 16; i++) {
		uint64_t dn = c1[i].run_ns - c0[i].run_ns, dc = c1[i].run_cnt - c0[i].run_cnt;

		if (strncmp(c1[i].name, "ref_", 4))
			bpf_ns += dn; /* the yardsticks are not our cost */
		printf("prog=%s runs=%llu per_s=%.0f ns_per_run=%.1f\n", c1[i].name,
		       (unsigned long long)dc, dc / ((double)(t1 - t0) / NS),
		       dc ? (double)dn / (double)dc : 0.0);
	}
	printf("collector_cpu_pct=%.4f bpf_pct=%.4f total_pct=%.4f\n",
	       100.0 * (double)(cpu1 - cpu0) / (double)(t1 - t0),
	       100.0 * (double)bpf_ns / (double)(t1 - t0),
	       100.0 * (double)(cpu1 - cpu0 + bpf_ns) / (double)(t1 - t0));
	pc_sample_free(&s);
	if (b)
		bpf_sampler__close(b);
	for (int i = 0; i < nref; i++)
		bpf_object__close(ref[i]);
	return 0;
}
