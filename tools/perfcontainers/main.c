// SPDX-License-Identifier: MIT
/*
 * perfcontainers: the container reader (include/pc/containers.h) on its
 * own, until the sampler reads it: finds this host's containers, reads them
 * every interval and prints one JSON object per container per interval
 * (CPU % of one core over the interval, memory, pids, throttling), then what
 * the reading cost. For the integration test (tests/containers.test.sh), the
 * cost bench (bench/containers.sh) and a person looking at a host.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pc/cli.h"
#include "pc/containers.h"
#include "pc/json.h"
#include "pc/license.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: perfcontainers [--interval=MS] [--count=N] [--quiet]\n"
		"                      [--cgroot=DIR] [--docker-root=DIR] [--containerd-run=DIR]\n"
		"                      [--podman-root=DIR] [--home-root=DIR] [--version]\n"
		"  prints one JSON line per container per interval, then {\"cost\":...}\n");
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void print_rows(const struct pc_table *prev, const struct pc_table *cur, double itv)
{
	for (uint32_t r = 0; r < cur->nrows; r++) {
		const uint64_t *c = pc_table_row(cur, r);
		int p = pc_table_find(prev, cur->key[r]);
		const uint64_t *o = p >= 0 ? pc_table_row(prev, (uint32_t)p) : NULL;

		printf("{\"key\":");
		json_write_string(stdout, cur->key[r], strlen(cur->key[r]));
		if (o)
			printf(
			    ",\"cpu_pct\":%.2f,\"throttled_s\":%.3f",
			    (double)pc_counter_delta(o[PC_CT_CPU_USAGE_US], c[PC_CT_CPU_USAGE_US]) /
				1e4 / itv,
			    (double)pc_counter_delta(o[PC_CT_CPU_THROTTLED],
						     c[PC_CT_CPU_THROTTLED]) /
				itv);
		printf(",\"quota_us\":%llu,\"mem_current\":%llu,\"mem_max\":%llu,\"mem_anon\":%llu,"
		       "\"pids\":%llu,\"io_read_bytes\":%llu,\"io_write_bytes\":%llu}\n",
		       (unsigned long long)c[PC_CT_CPU_QUOTA_US],
		       (unsigned long long)c[PC_CT_MEM_CURRENT],
		       (unsigned long long)c[PC_CT_MEM_MAX], (unsigned long long)c[PC_CT_MEM_ANON],
		       (unsigned long long)c[PC_CT_PIDS_CURRENT],
		       (unsigned long long)c[PC_CT_IO_READ_BYTES],
		       (unsigned long long)c[PC_CT_IO_WRITE_BYTES]);
	}
	fflush(stdout);
}

struct cost {
	uint64_t scan_cpu, read_cpu, rows, passes;
};

static int run(struct pc_containers *c, long interval_ms, long count, int quiet, struct cost *k)
{
	struct pc_sample s[2];
	struct pc_perr perr = {0};
	uint64_t t = now_ns(CLOCK_MONOTONIC), prev_t = 0;
	int rc = 0;

	pc_sample_init(&s[0]);
	pc_sample_init(&s[1]);
	for (long i = 0; i < count && !rc; i++) {
		struct pc_sample *cur = &s[i & 1], *old = &s[!(i & 1)];
		uint64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), c1, c2, mono;

		pc_sample_reset(cur);
		rc = containers__scan(c, &perr) < 0;
		c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		rc = rc || containers__read(c, cur, &perr);
		c2 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		mono = now_ns(CLOCK_MONOTONIC);
		k->scan_cpu += c1 - c0;
		k->read_cpu += c2 - c1;
		k->rows += cur->t[PC_G_CONTAINER].nrows;
		k->passes++;
		if (!quiet && i)
			print_rows(&old->t[PC_G_CONTAINER], &cur->t[PC_G_CONTAINER],
				   (double)(mono - prev_t) / 1e9);
		prev_t = mono;
		if (i + 1 < count)
			sleep_until(t += (uint64_t)interval_ms * 1000000ull);
	}
	if (perr.count)
		fprintf(stderr, "perfcontainers: %u problems, the first: %s\n", perr.count,
			perr.first);
	pc_sample_free(&s[0]);
	pc_sample_free(&s[1]);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"interval", required_argument, NULL, 'i'},
						 {"count", required_argument, NULL, 'n'},
						 {"cgroot", required_argument, NULL, 'c'},
						 {"docker-root", required_argument, NULL, 'd'},
						 {"containerd-run", required_argument, NULL, 'r'},
						 {"podman-root", required_argument, NULL, 'p'},
						 {"home-root", required_argument, NULL, 'h'},
						 {"quiet", no_argument, NULL, 'q'},
						 {"help", no_argument, NULL, 'H'},
						 {"version", no_argument, NULL, 'V'},
						 {NULL, 0, NULL, 0}};
	struct pc_ct_opts o = {0};
	long interval = 1000, count = 2;
	struct cost k = {0};
	int quiet = 0, opt, rc;
	uint64_t w0, w1;
	struct pc_containers *c;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			interval = strtol(optarg, NULL, 10);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'c':
			o.cgroot = optarg;
			break;
		case 'd':
			o.docker_root = optarg;
			break;
		case 'r':
			o.containerd_run = optarg;
			break;
		case 'p':
			o.podman_root = optarg;
			break;
		case 'h':
			o.home_root = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'H':
			usage(stdout);
			return 0;
		case 'V':
			return pc_cli_version("perfcontainers", license__build());
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || interval < 1 || count < 1) {
		fprintf(stderr, "perfcontainers: --interval wants milliseconds >= 1 and --count "
				"samples >= 1\n");
		usage(stderr);
		return 2;
	}
	/* Every container keeps its files open while half the soft limit allows: raise it. */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!(c = containers__open(&o))) {
		fprintf(stderr, "perfcontainers: out of memory\n");
		return 1;
	}
	w0 = now_ns(CLOCK_MONOTONIC);
	rc = run(c, interval, count, quiet, &k);
	w1 = now_ns(CLOCK_MONOTONIC);
	printf("{\"cost\":{\"passes\":%llu,\"containers\":%zu,\"scan_us\":%.1f,\"read_us\":%.1f,"
	       "\"read_us_per_container\":%.2f,\"cpu_pct_of_core\":%.4f}}\n",
	       (unsigned long long)k.passes, containers__count(c),
	       k.passes ? (double)k.scan_cpu / 1e3 / (double)k.passes : 0,
	       k.passes ? (double)k.read_cpu / 1e3 / (double)k.passes : 0,
	       k.rows ? (double)k.read_cpu / 1e3 / (double)k.rows : 0,
	       w1 > w0 ? (double)(k.scan_cpu + k.read_cpu) * 100 / (double)(w1 - w0) : 0);
	containers__free(c);
	return rc ? 1 : 0;
}
