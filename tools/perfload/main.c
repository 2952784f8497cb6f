// SPDX-License-Identifier: MIT
/*
 * perfload: ad-hoc load from the same generators perfreplay uses
 * (include/pc/load.h), as the original tools' development tool did, plus
 * `synth` to write synthetic recordings. At the end each generator says what
 * it achieved, measured independently (the workers' CPU clocks read from
 * here, RSS, /proc/diskstats).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pc/cli.h"
#include "pc/config.h"
#include "pc/load.h"
#include "pc/license.h"
#include "pc/log.h"
#include "pc/ticker.h"
#include "perfload.h"

static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: perfload cpu --percent=P [--cpus=N] [--duration=30s] [--slice=10ms]\n"
		"       perfload memory --size=SIZE [--duration=30s]\n"
		"       perfload disk [--dir=/tmp] [--read=RATE] [--write=RATE] [--io-size=64KiB]\n"
		"                     [--duration=30s]\n"
		"       perfload net [--tx=RATE] [--rx=RATE] [--sink=HOST:PORT] [--duration=30s]\n"
		"       perfload synth --output=FILE ...   (perfload synth --help)\n"
		"       perfload --version\n"
		"  SIZE: 512MiB, 1G, ...; RATE: 10MiB/s, ...\n"
		"  -v, --verbose       debug messages\n");
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};

	nanosleep(&ts, NULL);
}

static int run_cpu(double pct, uint32_t ncpu, uint64_t dur, uint64_t slice)
{
	uint64_t end[1] = {dur};
	double *p = calloc(ncpu, sizeof(*p));
	int *cpu = calloc(ncpu, sizeof(*cpu));
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct load_cpu *l = NULL;
	uint64_t t0, c0[64] = {0};
	int ret = 1;

	if (!p || !cpu)
		goto cleanup;
	for (uint32_t i = 0; i < ncpu; i++)
		p[i] = pct, cpu[i] = online > 0 ? (int)(i % (uint32_t)online) : -1;
	struct load_sched s = {.n = 1, .nworkers = ncpu, .end_ns = end, .pct = p};
	struct load_cpu_opts o = {.nworkers = ncpu, .cpu = cpu, .slice_ns = slice};
	l = load_cpu__start(&o, &s, 0);
	if (!l) {
		log_warn("cpu: starting %u workers", ncpu);
		goto cleanup;
	}
	t0 = load_cpu__start_mono(l);
	for (uint32_t i = 0; i < ncpu && i < 64; i++)
		c0[i] = load_cpu__cpu_ns(l, i);
	while (!stop && !load_cpu__done(l))
		sleep_ns(20000000);
	/* Finished: the schedule's length; interrupted: up to now. */
	double secs = (double)(stop ? pc_now_mono() - t0 : dur) / 1e9;
	for (uint32_t i = 0; i < ncpu; i++) {
		double got = (double)(load_cpu__cpu_ns(l, i) - (i < 64 ? c0[i] : 0)) / 1e9;
		printf(
		    "cpu worker %u on cpu %d: target %.1f %% achieved %.2f %% (%.3f s CPU in %.3f "
		    "s), %llu units\n",
		    i, cpu[i], pct, got / secs * 100, got, secs,
		    (unsigned long long)load_cpu__units(l, i));
	}
	ret = stop ? 130 : 0;
cleanup:
	load_cpu__stop(l);
	free(p);
	free(cpu);
	return ret;
}

static int run_mem(uint64_t size, uint64_t dur)
{
	uint64_t base = load_mem__rss(), t0 = pc_now_mono();
	struct load_mem *m;
	char err[4500];

	if (load_mem__check(size, err, sizeof(err))) { /* before anything is mapped */
		log_warnx("memory: --size: %s", err);
		return 1;
	}
	m = load_mem__open(size);
	if (!m) {
		log_warn("memory: reserving %llu bytes", (unsigned long long)size);
		return 1;
	}
	int rc = load_mem__set(m, size);
	if (rc) {
		log_warnx("memory: %s", strerror(-rc));
		load_mem__close(m);
		return 1;
	}
	printf("memory: holding %llu bytes, RSS grew by %llu bytes in %.3f s\n",
	       (unsigned long long)load_mem__held(m), (unsigned long long)(load_mem__rss() - base),
	       (double)(pc_now_mono() - t0) / 1e9);
	fflush(stdout);
	while (!stop && pc_now_mono() - t0 < dur)
		sleep_ns(20000000);
	load_mem__close(m);
	return stop ? 130 : 0;
}

static int run_disk(const char *dir, uint64_t rd, uint64_t wr, uint64_t io, uint64_t dur)
{
	char err[512];
	struct load_disk *d = load_disk__open(dir, 64ull << 20, err, sizeof(err));
	uint64_t t0, secs = (dur + 999999999ull) / 1000000000ull;
	int rc = 0;

	if (!d) {
		log_warnx("disk: %s", err);
		return 1;
	}
	t0 = pc_now_mono();
	for (uint64_t k = 0; k < secs && !stop && !rc; k++)
		rc = load_disk__run(d, rd, rd ? (rd + io - 1) / io : 0, wr,
				    wr ? (wr + io - 1) / io : 0, t0 + k * 1000000000ull,
				    t0 + (k + 1) * 1000000000ull, (const volatile int *)&stop);
	load_disk__close(d);
	if (rc) {
		log_warnx("disk: %s", strerror(-rc));
		return 1;
	}
	printf("disk: %llu s of %llu B/s read, %llu B/s written in %llu byte I/Os\n",
	       (unsigned long long)secs, (unsigned long long)rd, (unsigned long long)wr,
	       (unsigned long long)io);
	return stop ? 130 : 0;
}

static int run_net(const char *sink, uint64_t tx, uint64_t rx, uint64_t dur)
{
	char err[512];
	struct load_net *n = load_net__open(sink, err, sizeof(err));
	uint64_t t0, secs = (dur + 999999999ull) / 1000000000ull;
	int rc = 0;

	if (!n) {
		log_warnx("net: %s", err);
		return 1;
	}
	t0 = pc_now_mono();
	for (uint64_t k = 0; k < secs && !stop && !rc; k++)
		rc = load_net__run(n, tx, rx, t0 + k * 1000000000ull, t0 + (k + 1) * 1000000000ull,
				   (const volatile int *)&stop);
	printf("net: %llu s of %llu B/s sent, %llu B/s received via %s\n", (unsigned long long)secs,
	       (unsigned long long)tx, (unsigned long long)rx,
	       *load_net__ifname(n) ? load_net__ifname(n) : sink);
	load_net__close(n);
	if (rc) {
		log_warnx("net: %s", strerror(-rc));
		return 1;
	}
	return stop ? 130 : 0;
}

struct pl_args {
	const char *dir, *sink;
	uint64_t dur, slice, ncpu, size, rd, wr, io, tx, rx;
	double pct;
	int verbose;
};

/* One option's value: 0, 1 when it is bad, -1 when it is not one of ours (help, or a bad one). */
static int parse_option(struct pl_args *a, int c)
{
	uint64_t v;
	char *end;

	switch (c) {
	case 'p':
		a->pct = strtod(optarg, &end);
		return end == optarg || *end || !(a->pct >= 0 && a->pct <= 100);
	case 'n':
		return pc_parse_u64(optarg, 4096, &a->ncpu) || !a->ncpu;
	case 'd':
	case 's':
		if (pc_parse_duration(optarg, &v) || !v)
			return 1;
		*(c == 'd' ? &a->dur : &a->slice) = v;
		return 0;
	case 'S':
		return pc_parse_size(optarg, 0, &a->size) || !a->size;
	case 'k':
		return pc_parse_size(optarg, 0, &a->io) || a->io < 4096;
	case 'r':
		return pc_parse_size(optarg, 1, &a->rd);
	case 'w':
		return pc_parse_size(optarg, 1, &a->wr);
	case 't':
		return pc_parse_size(optarg, 1, &a->tx);
	case 'x':
		return pc_parse_size(optarg, 1, &a->rx);
	case 'D':
		a->dir = optarg;
		return 0;
	case 'K':
		a->sink = optarg;
		return 0;
	case 'v':
		a->verbose = 1;
		return 0;
	default:
		return -1;
	}
}

/* The generator's flags (after its name); -1 to go on, or the exit status. */
static int parse_args(struct pl_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"percent", required_argument, NULL, 'p'},
	    {"cpus", required_argument, NULL, 'n'},
	    {"duration", required_argument, NULL, 'd'},
	    {"slice", required_argument, NULL, 's'},
	    {"size", required_argument, NULL, 'S'},
	    {"dir", required_argument, NULL, 'D'},
	    {"read", required_argument, NULL, 'r'},
	    {"write", required_argument, NULL, 'w'},
	    {"io-size", required_argument, NULL, 'k'},
	    {"tx", required_argument, NULL, 't'},
	    {"rx", required_argument, NULL, 'x'},
	    {"sink", required_argument, NULL, 'K'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		int bad = parse_option(a, c);

		if (bad < 0)
			return pc_cli_other_option(c, argv, usage, 0);
		if (bad)
			return pc_cli_bad_value(argv, optarg);
	}
	return -1;
}

/* Run the generator named what with a's settings; the exit status. */
static int run_generator(const char *what, const struct pl_args *a)
{
	if (!strcmp(what, "cpu")) {
		if (a->pct < 0) {
			log_warnx("cpu: --percent: required (0..100 of each CPU)");
			return PC_EXIT_USAGE;
		}
		if (a->slice && a->slice < PC_LOAD_MIN_SLICE_NS) {
			log_warnx("cpu: --slice: at least 1ms (a shorter slice only spins)");
			return PC_EXIT_USAGE;
		}
		return run_cpu(a->pct, (uint32_t)a->ncpu, a->dur, a->slice);
	}
	if (!strcmp(what, "memory")) {
		if (!a->size) {
			log_warnx("memory: --size: required");
			return PC_EXIT_USAGE;
		}
		return run_mem(a->size, a->dur);
	}
	if (!strcmp(what, "disk"))
		return run_disk(a->dir, a->rd, a->wr, a->io, a->dur);
	return run_net(a->sink, a->tx, a->rx, a->dur);
}

int main(int argc, char **argv)
{
	struct pl_args a = {
	    .dir = "/tmp", .dur = 30000000000ull, .ncpu = 1, .io = 65536, .pct = -1};
	const char *what;
	int ret;

	log_init("perfload", 0);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PC_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "--version"))
		return pc_cli_version("perfload", license__build());
	what = argv[1];
	if (!strcmp(what, "synth"))
		return synth_main(argc - 1, argv + 1);
	if (strcmp(what, "cpu") && strcmp(what, "memory") && strcmp(what, "disk") &&
	    strcmp(what, "net")) {
		log_warnx("%s: unknown generator (want cpu, memory, disk, net or synth)", what);
		return PC_EXIT_USAGE;
	}
	if ((ret = parse_args(&a, argc, argv)) >= 0)
		return ret;
	log_init("perfload", a.verbose);
	if (pc_cli_extra_args(argc, argv, ""))
		return PC_EXIT_USAGE;
	pc_cli_stop_on_signals(&stop, 0);
	return run_generator(what, &a);
}
