// SPDX-License-Identifier: MIT
/*
 * test_export_synth.c: the exporters on samples made here: hostile counters
 * (a CPU that vanishes, counters that reset or sit at 2^64-1), keys that
 * need quoting, rows that count from zero, samples out of order, groups
 * a sample does not carry (rates over the group's own interval), the number
 * formatter, the percentile helper and the whole-disk rule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvtab.h"
#include "common/testutil.h"
#include "pc/export.h"
#include "pc/json.h"
#include "../userspace/export/export_int.h"

#define T0 1767977160ull

static void cpu_row(struct pc_sample *s, const char *key, uint64_t user, uint64_t sys,
		    uint64_t idle)
{
	uint64_t *r = pc_table_add(&s->t[PC_G_CPU], key);

	assert_non_null(r);
	r[PC_CPU_USER] = user;
	r[PC_CPU_SYSTEM] = sys;
	r[PC_CPU_IDLE] = idle;
}

static void net_row(struct pc_sample *s, const char *key, uint64_t rx, uint64_t tx)
{
	uint64_t *r = pc_table_add(&s->t[PC_G_NET], key);

	assert_non_null(r);
	r[PC_NET_RX_BYTES] = rx;
	r[PC_NET_TX_BYTES] = tx;
	r[PC_NET_RX_PACKETS] = rx / 100;
}

static void disk_row(struct pc_sample *s, const char *key, uint64_t rd_ios, uint64_t rd_sect)
{
	uint64_t *r = pc_table_add(&s->t[PC_G_DISK], key);

	assert_non_null(r);
	r[PC_DISK_RD_IOS] = rd_ios;
	r[PC_DISK_RD_SECTORS] = rd_sect;
}

/* Free samples[0..n) and remove dir (made by tu_tmpdir). */
static void samples_done(struct pc_sample *s, int n, char *dir)
{
	for (int i = 0; i < n; i++)
		pc_sample_free(&s[i]);
	tu_rmtree(dir);
	free(dir);
}

/* Export samples[0..n) as csv into dir. */
static void export_samples(struct pc_sample *s, int n, const char *dir)
{
	char err[256];
	struct pc_sysinfo si = {.ncpu = 2};
	struct pc_export *x = export__open(PC_EXPORT_CSV, dir, &si, err, sizeof(err));

	assert_non_null(x);
	for (int i = 0; i < n; i++)
		assert_int_equal(export__add(x, &s[i]), 0);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
}

static void vanishing_cpu_gives_no_row_and_no_wild_values(void **state)
{
	struct pc_sample s[4];
	char *dir = tu_tmpdir();
	struct csv c;
	(void)state;

	for (int i = 0; i < 4; i++) {
		pc_sample_init(&s[i]);
		s[i].time_ns = (T0 + (uint64_t)i) * 1000000000ull;
	}
	cpu_row(&s[0], "all", 1000, 1000, 1000);
	cpu_row(&s[0], "0", 500, 500, 500);
	cpu_row(&s[0], "1", 500, 500, 500);
	/* CPU 1 goes offline: its row vanishes. */
	cpu_row(&s[1], "all", 1050, 1050, 1100);
	cpu_row(&s[1], "0", 550, 550, 600);
	/* ... and comes back with its counters where they were. */
	cpu_row(&s[2], "all", 1100, 1100, 1200);
	cpu_row(&s[2], "0", 600, 600, 700);
	cpu_row(&s[2], "1", 500, 500, 500);
	cpu_row(&s[3], "all", 1150, 1150, 1300);
	cpu_row(&s[3], "0", 650, 650, 800);
	cpu_row(&s[3], "1", 510, 500, 590);
	export_samples(s, 4, dir);
	csv_load(&c, tu_path(dir, "proc/stat"), 1);
	/* all and 0 for 3 intervals, 1 only for the last: no row from a missing baseline. */
	assert_int_equal(c.n, 7);
	assert_null(csv_find(&c, T0 + 1, "1"));
	assert_null(csv_find(&c, T0 + 2, "1"));
	assert_non_null(csv_find(&c, T0 + 3, "1"));
	for (int i = 0; i < c.n; i++) {
		double sum = 0;

		for (int k = 0; k < c.r[i].n; k++) {
			assert_true(c.r[i].v[k] >= 0 && c.r[i].v[k] <= 100);
			sum += c.r[i].v[k];
		}
		assert_true(close_enough(sum, 100));
	}
	row_eq("proc/stat",
	       &(struct row){.ts = T0 + 3, .key = "1", .n = 6, .v = {10, 0, 0, 0, 0, 90}},
	       csv_find(&c, T0 + 3, "1"));
	free(c.r);
	samples_done(s, 4, dir);
}

static void reset_counters_give_bounded_rates(void **state)
{
	struct pc_sample s[3];
	char *dir = tu_tmpdir();
	struct csv c;
	const struct row *r;
	(void)state;

	for (int i = 0; i < 3; i++) {
		pc_sample_init(&s[i]);
		s[i].time_ns = (T0 + 10 * (uint64_t)i) * 1000000000ull;
	}
	net_row(&s[0], "eth0", 1000000000000ull, UINT64_MAX);
	net_row(&s[1], "eth0", 20480, 10240); /* driver reloaded; tx wrapped at 2^64 */
	net_row(&s[2], "eth0", 40960, 20480);
	disk_row(&s[0], "sda", 5000000, UINT64_MAX - 10);
	disk_row(&s[1], "sda", 100, 1000); /* device re-created */
	disk_row(&s[2], "sda", 200, 2000);
	cpu_row(&s[0], "all", UINT64_MAX, 10, 10);
	cpu_row(&s[1], "all", 5, 20, 20);
	cpu_row(&s[2], "all", 10, 30, 30);
	export_samples(s, 3, dir);

	csv_load(&c, tu_path(dir, "proc/net/dev"), 1);
	r = csv_find(&c, T0 + 10, "eth0");
	assert_non_null(r);
	/* Reset: the new value is the increment, never a negative or 2^64-sized one. */
	assert_true(close_enough(r->v[2], 20480 / 1024.0 / 10));
	assert_true(r->v[3] >= 0 && r->v[3] <= 10241 / 1024.0 / 10);
	r = csv_find(&c, T0 + 20, "eth0");
	assert_true(close_enough(r->v[2], 2.0));
	free(c.r);

	csv_load(&c, tu_path(dir, "proc/diskstats"), 1);
	r = csv_find(&c, T0 + 10, "sda");
	assert_non_null(r);
	assert_true(r->v[0] >= 0 && r->v[0] <= 100 / 10.0);
	assert_true(r->v[4] >= 0 && r->v[4] <= 1011 / 10.0);
	free(c.r);

	csv_load(&c, tu_path(dir, "proc/stat"), 1);
	for (int i = 0; i < c.n; i++)
		for (int k = 0; k < c.r[i].n; k++)
			assert_true(c.r[i].v[k] >= 0 && c.r[i].v[k] <= 100);
	free(c.r);
	samples_done(s, 3, dir);
}

static void csv_quotes_keys_that_hold_commas(void **state)
{
	struct pc_sample s[2];
	char *dir = tu_tmpdir(), *buf;
	(void)state;

	for (int i = 0; i < 2; i++) {
		uint64_t *r;

		pc_sample_init(&s[i]);
		s[i].time_ns = (T0 + (uint64_t)i) * 1000000000ull;
		r = pc_table_add(&s[i].t[PC_G_FS], "/mnt/a,\"b\"\nc");
		assert_non_null(r);
		r[PC_FS_BSIZE] = 4096;
		r[PC_FS_BLOCKS] = 200;
		r[PC_FS_BAVAIL] = 199; /* 0.5 % used: rounds half away from zero */
	}
	export_samples(s, 2, dir);
	buf = tu_read_file(tu_path(dir, "statfs_ALL"), NULL);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "\n1767977161,\"/mnt/a,\"\"b\"\"\nc\",4096,200,199,1\n"));
	free(buf);
	samples_done(s, 2, dir);
}

/*
 * Exited tasks per command: a command's row is made at its first exit, so a
 * row new in a sample counts from zero (not skipped like a CPU without a
 * baseline); a command with no exit in an interval gets no line.
 */
static void exited_rows_count_from_zero(void **state)
{
	struct pc_sample s[3];
	char *dir = tu_tmpdir(), *buf;
	uint64_t *r;
	(void)state;

	for (int i = 0; i < 3; i++) {
		pc_sample_init(&s[i]);
		s[i].time_ns = (T0 + (uint64_t)i) * 1000000000ull;
		cpu_row(&s[i], "all", 1000 + 10 * (uint64_t)i, 1000, 1000 + 90 * (uint64_t)i);
	}
	/* sample 1: "make" appears with 4 exits, 200 ms of CPU; sample 2: unchanged, "cc" new */
	for (int i = 1; i < 3; i++) {
		r = pc_table_add(&s[i].t[PC_G_BPF_EXITED], "make");
		r[PC_EXITED_TASKS] = 4;
		r[PC_EXITED_CPU_NS] = 200000000;
	}
	r = pc_table_add(&s[2].t[PC_G_BPF_EXITED], "cc");
	r[PC_EXITED_TASKS] = 2;
	r[PC_EXITED_CPU_NS] = 500000000;
	export_samples(s, 3, dir);
	buf = tu_read_file(tu_path(dir, "bpf/exited"), NULL);
	assert_non_null(buf);
	assert_non_null(strstr(buf, "#timestamp,command,exits/s,%cpu\n"));
	assert_non_null(strstr(buf, "\n1767977161,make,4,20\n"));
	assert_non_null(strstr(buf, "\n1767977162,cc,2,50\n"));
	assert_null(strstr(buf, "1767977162,make"));
	free(buf);
	samples_done(s, 3, dir);
}

static void sample_not_after_previous_is_skipped(void **state)
{
	struct pc_sample s[3];
	char *dir = tu_tmpdir();
	struct csv c;
	(void)state;

	for (int i = 0; i < 3; i++)
		pc_sample_init(&s[i]);
	s[0].time_ns = (T0 + 10) * 1000000000ull;
	s[1].time_ns = (T0 + 10) * 1000000000ull; /* same instant: itv 0 */
	s[2].time_ns = (T0 + 20) * 1000000000ull;
	cpu_row(&s[0], "all", 10, 10, 10);
	cpu_row(&s[1], "all", 10, 10, 10);
	cpu_row(&s[2], "all", 20, 10, 10);
	export_samples(s, 3, dir);
	csv_load(&c, tu_path(dir, "proc/stat"), 1);
	assert_int_equal(c.n, 1);
	assert_true(close_enough(c.r[0].v[0], 100));
	free(c.r);
	samples_done(s, 3, dir);
}

static void cpu_without_ticks_reads_idle(void **state)
{
	struct pc_sample a, b;
	struct exp_cpu u;
	(void)state;

	pc_sample_init(&a);
	pc_sample_init(&b);
	cpu_row(&a, "3", 7, 7, 7);
	cpu_row(&b, "3", 7, 7, 7);
	assert_int_equal(exp_cpu(&a.t[PC_G_CPU], &b.t[PC_G_CPU], 0, &u), 0);
	assert_true(u.idle == 100 && u.usr == 0 && u.sys == 0 && u.iowait == 0);
	pc_sample_free(&a);
	pc_sample_free(&b);
}

/*
 * The collector reads /proc/pressure on every tenth 10 ms tick: a pressure
 * rate runs over the 100 ms since the last sample that had it, not the 10 ms
 * since the previous sample; samples without it print no pressure.
 */
static void pressure_read_every_tenth_tick_has_its_own_interval(void **state)
{
	struct pc_sysinfo si = {.ncpu = 1};
	struct json_doc doc = {0};
	char err[256], *buf, *line, *save = NULL;
	char *dir = tu_tmpdir();
	const char *out = tu_path(dir, "out.json");
	struct pc_export *x = export__open(PC_EXPORT_JSON, out, &si, err, sizeof(err));
	struct pc_sample s;
	int n = 0, with = 0;
	uint64_t *r;
	(void)state;

	assert_non_null(x);
	pc_sample_init(&s);
	for (uint64_t i = 0; i <= 20; i++) {
		pc_sample_reset(&s);
		s.time_ns = T0 * 1000000000ull + i * 10000000ull;
		cpu_row(&s, "all", 1000 + i, 1000, 1000 + i);
		if (i % 10 == 0) {
			/* 500 us of "some" stall and 100 us of "full" per 10 ms */
			r = pc_table_add(&s.t[PC_G_PSI], "cpu");
			assert_non_null(r);
			r[PC_PSI_SOME_TOTAL] = 500 * i;
			r[PC_PSI_FULL_TOTAL] = 100 * i;
		}
		assert_int_equal(export__add(x, &s), 0);
	}
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	buf = tu_read_file(out, NULL);
	assert_non_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		int psi, t;
		double some, full;

		if (json_parse(&doc, line, strlen(line)))
			fail_msg("line %d: %s", n + 1, doc.err);
		psi = json_get(&doc, 0, "psi");
		if (psi < 0)
			continue;
		with++;
		assert_int_equal(doc.tok[psi].type, JSON_ARRAY);
		t = json_get(&doc, psi + 1, "some_pct");
		assert_int_equal(json_double(&doc, t, &some), 0);
		t = json_get(&doc, psi + 1, "full_pct");
		assert_int_equal(json_double(&doc, t, &full), 0);
		if (fabs(some - 5.0) > 1e-9 || fabs(full - 1.0) > 1e-9)
			fail_msg("line %d: some %.6f %%, full %.6f %%; want 5 and 1 (over 100 ms)",
				 n + 1, some, full);
	}
	assert_int_equal(n, 20);
	assert_int_equal(with, 2);
	json_free(&doc);
	free(buf);
	pc_sample_free(&s);
	tu_rmtree(dir);
	free(dir);
}

/*
 * The same in csv mode for the eBPF groups the collector reads every 100 ms
 * at 10 ms: block rows in every tenth sample, 100 reads of 4 KiB per 100 ms,
 * must read 1000 I/Os/s in bpf/blk (not 10000: the 10 ms since the previous
 * sample), one row per sample that carried them.
 */
static void ebpf_block_rows_every_tenth_tick_rate_over_100ms(void **state)
{
	struct pc_sample s[21];
	char *dir = tu_tmpdir();
	struct csv c;
	uint64_t *r;
	(void)state;

	for (uint64_t i = 0; i <= 20; i++) {
		pc_sample_init(&s[i]);
		s[i].time_ns = T0 * 1000000000ull + i * 10000000ull;
		cpu_row(&s[i], "all", 1000 + i, 1000, 1000 + i);
		if (i % 10)
			continue;
		r = pc_table_add(&s[i].t[PC_G_BPF_BLK], "vda");
		assert_non_null(r);
		r[PC_BLK_B0 + 7] = r[PC_BLK_COUNT] = r[PC_BLK_RD_IOS] = 10 * i;
		r[PC_BLK_SUM_US] = 200 * 10 * i; /* 200 us each */
		r[PC_BLK_RD_BYTES] = 4096 * 10 * i;
	}
	export_samples(s, 21, dir);
	csv_load(&c, tu_path(dir, "bpf/blk"), 1);
	assert_int_equal(c.n, 2);
	for (int k = 0; k < c.n; k++) {
		/* count/s, avg_us, p50, p90, p99, rd_ios/s, rd_bytes/s */
		if (!close_enough(c.r[k].v[0], 1000) || !close_enough(c.r[k].v[1], 200) ||
		    !close_enough(c.r[k].v[5], 1000) || !close_enough(c.r[k].v[6], 4096000))
			fail_msg(
			    "bpf/blk row %d: count/s %g, avg %g us, rd_ios/s %g, rd_bytes/s %g; "
			    "want 1000, 200, 1000, 4096000 (over 100 ms)",
			    k, c.r[k].v[0], c.r[k].v[1], c.r[k].v[5], c.r[k].v[6]);
	}
	free(c.r);
	samples_done(s, 21, dir);
}

/*
 * With eBPF, the collector reads /proc/stat every 100 ms at 10 ms: host.csv
 * and proc/stat carry CPU on the rows of the samples that have it, split
 * over the 100 ms since the last one; the other rows leave CPU empty (never
 * 0 % or a repeated figure) and keep their network rates over 10 ms.
 */
static void cpu_read_every_tenth_tick_splits_over_100ms(void **state)
{
	struct pc_sample s[21];
	char *dir = tu_tmpdir(), *buf, *line, *save = NULL;
	int rows = 0, with = 0;
	struct csv c;
	(void)state;

	for (uint64_t i = 0; i <= 20; i++) {
		pc_sample_init(&s[i]);
		s[i].time_ns = T0 * 1000000000ull + i * 10000000ull;
		net_row(&s[i], "eth0", 1000 * i, 0); /* 100 kB/s */
		if (i % 10 == 0) /* 20 ticks per 100 ms on two CPUs: 6 user, 2 system, 12 idle */
			cpu_row(&s[i], "all", 1000 + 6 * i / 10, 1000 + 2 * i / 10,
				1000 + 12 * i / 10);
	}
	export_samples(s, 21, dir);
	buf = tu_read_file(tu_path(dir, "host.csv"), NULL);
	assert_non_null(buf);
	strtok_r(buf, "\n", &save); /* the header */
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *cpu = strchr(line, ',') + 1;
		double v[5];
		char *p = cpu;

		rows++;
		if (strncmp(cpu, ",,,,,", 5)) { /* this sample has /proc/stat */
			with++;
			for (int k = 0; k < 5; k++)
				v[k] = strtod(p, &p), p++;
			if (!close_enough(v[0], 30) || !close_enough(v[1], 10) ||
			    !close_enough(v[3], 60))
				fail_msg("host.csv row %d: cpu user %g, system %g, idle %g; "
					 "want 30, 10, 60 (over 100 ms)",
					 rows, v[0], v[1], v[3]);
		}
		p = strrchr(line, ',');
		for (int k = 0; k < 3; k++)
			while (*--p != ',')
				;
		if (!close_enough(strtod(p + 1, NULL), 100000))
			fail_msg("host.csv row %d: net_rx_bytes %s; want 100000 (over 10 ms)", rows,
				 p + 1);
	}
	assert_int_equal(rows, 20);
	assert_int_equal(with, 2);
	free(buf);
	csv_load(&c, tu_path(dir, "proc/stat"), 1);
	assert_int_equal(c.n, 2);
	free(c.r);
	samples_done(s, 21, dir);
}

/* ---- helpers ---- */

static void fmt_prints_like_go(void **state)
{
	char b[40];
	(void)state;

	assert_string_equal(exp_fmt(b, 0), "0");
	assert_string_equal(exp_fmt(b, -0.0), "0");
	assert_string_equal(exp_fmt(b, 100), "100");
	assert_string_equal(exp_fmt(b, 13795896), "13795896");
	assert_string_equal(exp_fmt(b, 24153.6), "24153.6");
	assert_string_equal(exp_fmt(b, 1792.8000000000002), "1792.8000000000002");
	assert_string_equal(exp_fmt(b, 0.07511266900400186), "0.07511266900400186");
	assert_string_equal(exp_fmt(b, 0.1), "0.1");
	assert_string_equal(exp_fmt(b, 1.5e-05), "1.5e-05");
	assert_string_equal(exp_fmt(b, 1e21), "1e+21");
	assert_string_equal(exp_fmt(b, 18446744073709551615.0), "18446744073709551616");
	assert_string_equal(exp_fmt(b, NAN), "NaN");
	assert_string_equal(exp_fmt(b, -2.5), "-2.5");
}

static void hist_percentiles_interpolate_in_log2_buckets(void **state)
{
	uint64_t b[PC_HIST_BUCKETS] = {0};
	(void)state;

	assert_true(exp_hist_pct(b, PC_HIST_BUCKETS, 0.5) == 0);
	b[3] = 100; /* all in [8, 16) us */
	assert_true(close_enough(exp_hist_pct(b, PC_HIST_BUCKETS, 0.5), 12));
	assert_true(close_enough(exp_hist_pct(b, PC_HIST_BUCKETS, 0.99), 15.92));
	b[10] = 100; /* half in [1024, 2048) */
	assert_true(close_enough(exp_hist_pct(b, PC_HIST_BUCKETS, 0.5), 16));
	assert_true(close_enough(exp_hist_pct(b, PC_HIST_BUCKETS, 0.9), 1024 + 1024 * 0.8));
	b[PC_HIST_BUCKETS - 1] = UINT64_MAX; /* hostile: still finite and inside the last bucket */
	double p = exp_hist_pct(b, PC_HIST_BUCKETS, 0.99);
	assert_true(isfinite(p) && p >= ldexp(1, PC_HIST_BUCKETS - 1));
}

static void whole_disks_exclude_partitions_and_virtual(void **state)
{
	static const char *const names[] = {"sda",	 "sda1",    "sda16",	 "nvme0n1",
					    "nvme0n1p2", "mmcblk0", "mmcblk0p1", "loop0",
					    "dm-0",	 "md127",   "sdb1",	 "vdb"};
	static const int whole[] = {1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1};
	struct pc_sample s;
	(void)state;

	pc_sample_init(&s);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		assert_non_null(pc_table_add(&s.t[PC_G_DISK], names[i]));
	for (uint32_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (exp_disk_whole(&s.t[PC_G_DISK], i) != whole[i])
			fail_msg("%s: whole %d, want %d", names[i], !whole[i], whole[i]);
	pc_sample_free(&s);
}

static void iso8601_has_milliseconds(void **state)
{
	char b[32];
	(void)state;

	assert_string_equal(exp_iso8601(b, 1767977170123456789ull), "2026-01-09T16:46:10.123Z");
	assert_string_equal(exp_iso8601(b, 0), "1970-01-01T00:00:00.000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vanishing_cpu_gives_no_row_and_no_wild_values),
	    cmocka_unit_test(reset_counters_give_bounded_rates),
	    cmocka_unit_test(csv_quotes_keys_that_hold_commas),
	    cmocka_unit_test(exited_rows_count_from_zero),
	    cmocka_unit_test(sample_not_after_previous_is_skipped),
	    cmocka_unit_test(cpu_without_ticks_reads_idle),
	    cmocka_unit_test(pressure_read_every_tenth_tick_has_its_own_interval),
	    cmocka_unit_test(ebpf_block_rows_every_tenth_tick_rate_over_100ms),
	    cmocka_unit_test(cpu_read_every_tenth_tick_splits_over_100ms),
	    cmocka_unit_test(fmt_prints_like_go),
	    cmocka_unit_test(hist_percentiles_interpolate_in_log2_buckets),
	    cmocka_unit_test(whole_disks_exclude_partitions_and_virtual),
	    cmocka_unit_test(iso8601_has_milliseconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
