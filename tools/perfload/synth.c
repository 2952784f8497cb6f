// SPDX-License-Identifier: MIT
/*
 * synth.c: `perfload synth` writes a synthetic recording as a native
 * collection (include/pc/collection.h) so that tests and benchmarks replay
 * known shapes through the same input path as real runs. CPU busy time goes
 * into both /proc/stat tick rows (USER_HZ, rounded cumulatively so nothing is
 * lost) and exact eBPF busy-ns rows, which the replay plan prefers; memory
 * into meminfo rows; disk and network traffic into one diskstats and one
 * /proc/net/dev row.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/cli.h"
#include "pc/collection.h"
#include "pc/config.h"
#include "pc/log.h"
#include "pc/ticker.h"
#include "perfload.h"

#define MEM_TOTAL_KB (16ull << 20) /* a 16 GiB machine */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: perfload synth --output=FILE [--cpu=SHAPE] [--cpus=N] [--mem=SHAPE]\n"
		"         [--disk-read=SHAPE] [--disk-write=SHAPE] [--io-size=KiB]\n"
		"         [--net-tx=SHAPE] [--net-rx=SHAPE]\n"
		"         [--interval=1s] [--duration=12s] [--host=0] [--run=0]\n"
		"  SHAPE: 40 | steps:0,80,20 | square:10,70,1s | ramp:0,100 | walk:SEED\n"
		"  --cpu in %% of every CPU, --mem in MiB used, --disk-* and --net-* in MiB/s\n");
}

struct synth {
	struct shape cpu, mem, rd, wr, tx, rx;
	int has_mem, has_rd, has_wr, has_tx, has_rx;
	uint32_t ncpu;
	uint64_t ival, dur, io_kib;
};

static int add_sample(struct pc_sample *s, const struct synth *y, const double *busy_ns,
		      uint64_t idle_tick_base, double mem_mib, const double *disk,
		      const double *net)
{
	uint64_t *r;
	char key[16];
	double all_busy = 0;

	for (uint32_t c = 0; c < y->ncpu; c++)
		all_busy += busy_ns[c];
	/* /proc/stat: cumulative ticks (10 ms), busy as user, the rest idle. */
	uint64_t elapsed_ticks = idle_tick_base;
	if (!(r = pc_table_add(&s->t[PC_G_CPU], "all")))
		return -ENOMEM;
	r[PC_CPU_USER] = (uint64_t)llround(all_busy / 1e7);
	r[PC_CPU_IDLE] = elapsed_ticks * y->ncpu - r[PC_CPU_USER];
	for (uint32_t c = 0; c < y->ncpu; c++) {
		snprintf(key, sizeof(key), "%u", c);
		if (!(r = pc_table_add(&s->t[PC_G_CPU], key)))
			return -ENOMEM;
		r[PC_CPU_USER] = (uint64_t)llround(busy_ns[c] / 1e7);
		r[PC_CPU_IDLE] = elapsed_ticks - r[PC_CPU_USER];
		if (!(r = pc_table_add(&s->t[PC_G_BPF_CPU], key)))
			return -ENOMEM;
		r[PC_BCPU_BUSY_NS] = (uint64_t)llround(busy_ns[c]);
	}
	if (y->has_mem) {
		uint64_t used = (uint64_t)(mem_mib * 1024);
		if (used > MEM_TOTAL_KB)
			used = MEM_TOTAL_KB;
		if (!(r = pc_table_add(&s->t[PC_G_MEM], "MemTotal")))
			return -ENOMEM;
		r[0] = MEM_TOTAL_KB;
		if (!(r = pc_table_add(&s->t[PC_G_MEM], "MemFree")))
			return -ENOMEM;
		r[0] = MEM_TOTAL_KB - used;
		if (!(r = pc_table_add(&s->t[PC_G_MEM], "MemAvailable")))
			return -ENOMEM;
		r[0] = MEM_TOTAL_KB - used;
	}
	if (y->has_rd || y->has_wr) {
		if (!(r = pc_table_add(&s->t[PC_G_DISK], "vda")))
			return -ENOMEM;
		r[PC_DISK_MAJOR] = 254;
		r[PC_DISK_NSTATS] = 17;
		r[PC_DISK_RD_SECTORS] = (uint64_t)llround(disk[0] / 512);
		r[PC_DISK_RD_IOS] = (uint64_t)llround(disk[1]);
		r[PC_DISK_WR_SECTORS] = (uint64_t)llround(disk[2] / 512);
		r[PC_DISK_WR_IOS] = (uint64_t)llround(disk[3]);
	}
	if (y->has_tx || y->has_rx) {
		if (!(r = pc_table_add(&s->t[PC_G_NET], "eth0")))
			return -ENOMEM;
		r[PC_NET_TX_BYTES] = (uint64_t)llround(net[0]);
		r[PC_NET_RX_BYTES] = (uint64_t)llround(net[1]);
	}
	return 0;
}

static int write_trace(const struct synth *y0, const char *out, uint32_t host, uint32_t run)
{
	struct synth y = *y0;
	struct pc_sysinfo si = {0};
	struct pc_coll *c;
	struct pc_sample s;
	double *busy = calloc(y.ncpu, sizeof(*busy)), disk[4] = {0}, net[2] = {0};
	uint64_t n = y.dur / y.ival, t0 = pc_now_real() / y.ival * y.ival;
	double mem = 0;
	int rc = 0;

	if (!busy)
		return -ENOMEM;
	snprintf(si.hostname, sizeof(si.hostname), "synthetic");
	snprintf(si.machine, sizeof(si.machine), "x86_64");
	snprintf(si.cpu_model, sizeof(si.cpu_model), "perfload synth");
	si.ncpu = y.ncpu;
	si.mem_total_kb = MEM_TOTAL_KB;
	si.user_hz = 100;
	si.page_size = 4096;
	si.interval_ns = y.ival;
	si.start_ns = t0;
	si.host = host;
	si.run = run;
	c = coll__create(out, &si);
	if (!c) {
		free(busy);
		return -errno;
	}
	pc_sample_init(&s);
	if (y.has_mem)
		mem = shape_at(&y.mem, 0, y.dur);
	for (uint64_t k = 0; k <= n && !rc; k++) {
		if (k) {
			/* Interval k-1 -> k takes the shape's value at its midpoint. */
			uint64_t mid = (k - 1) * y.ival + y.ival / 2;
			double pct = fmin(100, shape_at(&y.cpu, mid, y.dur));
			for (uint32_t i = 0; i < y.ncpu; i++)
				busy[i] += pct / 100 * (double)y.ival;
			if (y.has_mem)
				mem = shape_at(&y.mem, mid, y.dur);
			double secs = (double)y.ival / 1e9, io = (double)y.io_kib * 1024;
			if (y.has_rd) {
				double b = shape_at(&y.rd, mid, y.dur) * 1048576 * secs;
				disk[0] += b, disk[1] += ceil(b / io);
			}
			if (y.has_wr) {
				double b = shape_at(&y.wr, mid, y.dur) * 1048576 * secs;
				disk[2] += b, disk[3] += ceil(b / io);
			}
			if (y.has_tx)
				net[0] += shape_at(&y.tx, mid, y.dur) * 1048576 * secs;
			if (y.has_rx)
				net[1] += shape_at(&y.rx, mid, y.dur) * 1048576 * secs;
		}
		pc_sample_reset(&s);
		s.time_ns = s.taken_ns = t0 + k * y.ival;
		s.host = host;
		s.run = run;
		s.seq = k;
		/* Idle ticks: the interval's length in ticks, cumulated from a boot long ago. */
		rc = add_sample(&s, &y, busy, 100000 + k * y.ival / 10000000, mem, disk, net);
		if (!rc)
			rc = coll__append(c, &s);
	}
	pc_sample_free(&s);
	free(busy);
	int crc = coll__close(c);
	return rc ? rc : crc;
}

struct synth_args {
	struct synth y;
	const char *out;
	uint64_t host, run;
};

/* A number flag (--cpus, --io-size, --host, --run); 0 or -EINVAL with err set. */
static int parse_number(struct synth_args *a, int c, char *const argv[], char *err, size_t len)
{
	uint64_t v;

	if (pc_parse_u64(optarg, c == 'n' ? 4096 : UINT32_MAX, &v) ||
	    ((c == 'n' || c == 'k') && !v)) {
		snprintf(err, len, "%s: \"%s\" is not a valid number", argv[optind - 1], optarg);
		return -EINVAL;
	}
	if (c == 'n')
		a->y.ncpu = (uint32_t)v;
	else if (c == 'k')
		a->y.io_kib = v;
	else if (c == 'H')
		a->host = v;
	else
		a->run = v;
	return 0;
}

/* --interval or --duration; 0 or -EINVAL with err set. */
static int parse_time(struct synth_args *a, int c, char *const argv[], char *err, size_t len)
{
	uint64_t v;

	if (pc_parse_duration(optarg, &v) || v < 10000000ull) {
		snprintf(err, len, "%s: \"%s\" is not a duration >= 10ms", argv[optind - 1],
			 optarg);
		return -EINVAL;
	}
	*(c == 'i' ? &a->y.ival : &a->y.dur) = v;
	return 0;
}

/* One option: 0, -EINVAL with err set, or 1 when it is not one of ours (help, or a bad one). */
static int parse_option(struct synth_args *a, int c, char *const argv[], char *err, size_t len)
{
	struct synth *y = &a->y;

	switch (c) {
	case 'o':
		a->out = optarg;
		return 0;
	case 'c':
		return shape_parse(&y->cpu, optarg, err, len);
	case 'm':
		y->has_mem = 1;
		return shape_parse(&y->mem, optarg, err, len);
	case 'r':
		y->has_rd = 1;
		return shape_parse(&y->rd, optarg, err, len);
	case 'w':
		y->has_wr = 1;
		return shape_parse(&y->wr, optarg, err, len);
	case 't':
		y->has_tx = 1;
		return shape_parse(&y->tx, optarg, err, len);
	case 'x':
		y->has_rx = 1;
		return shape_parse(&y->rx, optarg, err, len);
	case 'n':
	case 'k':
	case 'H':
	case 'R':
		return parse_number(a, c, argv, err, len);
	case 'i':
	case 'd':
		return parse_time(a, c, argv, err, len);
	default:
		return 1;
	}
}

int synth_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"cpus", required_argument, NULL, 'n'},
	    {"mem", required_argument, NULL, 'm'},
	    {"disk-read", required_argument, NULL, 'r'},
	    {"disk-write", required_argument, NULL, 'w'},
	    {"io-size", required_argument, NULL, 'k'},
	    {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"host", required_argument, NULL, 'H'},
	    {"run", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {"net-tx", required_argument, NULL, 't'},
	    {"net-rx", required_argument, NULL, 'x'},
	    {NULL, 0, NULL, 0},
	};
	struct synth_args a = {
	    .y = {.ncpu = 2, .ival = 1000000000ull, .dur = 12000000000ull, .io_kib = 64}};
	char err[256];
	int c, rc;

	shape_parse(&a.y.cpu, "0", err, sizeof(err));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = parse_option(&a, c, argv, err, sizeof(err));
		if (rc > 0)
			return pc_cli_other_option(c, argv, usage, 1);
		if (rc) {
			log_warnx("synth: %s", err);
			return PC_EXIT_USAGE;
		}
	}
	if (!a.out) {
		log_warnx("synth: --output: required (the collection file to write)");
		return PC_EXIT_USAGE;
	}
	if (a.y.dur < a.y.ival) {
		log_warnx("synth: --duration shorter than --interval");
		return PC_EXIT_USAGE;
	}
	rc = write_trace(&a.y, a.out, (uint32_t)a.host, (uint32_t)a.run);
	if (rc) {
		log_warnx("synth: %s: %s", a.out, strerror(-rc));
		return 1;
	}
	return 0;
}
