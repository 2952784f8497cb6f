// SPDX-License-Identifier: MIT
/*
 * test_export.c: the exporters against the real pcprocess output in
 * shared/fixtures/pcc-sys-info-test/csv (golden, to 1e-6), host.csv against
 * numbers worked out by hand from the fixture's raw counters, json mode
 * parsing back, and perfjournal / pcprocess failing loudly without leaving
 * half an output. Synthetic samples: test_export_synth.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/csvtab.h"
#include "common/testutil.h"
#include "pc/export.h"
#include "pc/input.h"
#include "pc/json.h"
#include "../userspace/export/export_int.h"

/* Sample times of the fixture: 1767977160 + 5 s * i, i = 0..17. */
#define T0 1767977160ull
#define T1 (T0 + 5)
#define T2 (T0 + 10)
#define T3 (T0 + 15)

/* Its tests skip themselves when it is absent (some run a first part without it). */
static const char *pcc_fixture(void)
{
	return tu_path(tu_shared_fixtures(), "pcc-sys-info-test/sys-info-test.json");
}

/* Skip the current test when the fixture is not there (tu_shared says where to put it). */
static void pcc_needed(void)
{
	tu_shared("pcc-sys-info-test/sys-info-test.json");
}

static int have(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Read path and export it in mode to out; 0 or negative errno. */
static int export_file(const char *path, enum pc_export_mode mode, const char *out)
{
	char err[512];
	struct pc_input *in = input__open(path, err, sizeof(err));
	struct pc_export *x;
	struct pc_sample s;
	int rc;

	if (!in) {
		print_error("%s\n", err);
		return -errno;
	}
	x = export__open(mode, out, input__sysinfo(in), err, sizeof(err));
	if (!x) {
		print_error("%s\n", err);
		input__close(in);
		return -EIO;
	}
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0)
		if ((rc = export__add(x, &s)) < 0)
			break;
	if (rc < 0)
		export__abort(x);
	else
		rc = export__close(x, err, sizeof(err));
	pc_sample_free(&s);
	input__close(in);
	return rc;
}

static int distinct_ts(const struct csv *c)
{
	int n = 0;

	for (int i = 0; i < c->n; i++) {
		int seen = 0;

		for (int j = 0; j < i && !seen; j++)
			seen = c->r[j].ts == c->r[i].ts;
		n += !seen;
	}
	return n;
}

static const struct {
	const char *rel;
	int keycol;
} sar_files[] = {
    {"proc/stat", 1},	   {"proc/meminfo", 0}, {"proc/net/dev", 1},
    {"proc/diskstats", 1}, {"statfs_ALL", 1},
};

/* Every fixture row with ts >= from matches ours; from 0 also: same row count. */
static void compare_tree(const char *ours_dir, unsigned long long from, int extra_ts)
{
	char fx[4096], ours[4096]; /* tu_path's buffers are a ring: keep our own copies */

	snprintf(fx, sizeof(fx), "%s", tu_shared("pcc-sys-info-test/csv"));
	snprintf(ours, sizeof(ours), "%s", ours_dir);

	for (size_t f = 0; f < sizeof(sar_files) / sizeof(*sar_files); f++) {
		struct csv want, got;
		int nwant = 0, ngot = 0;

		csv_load(&want, tu_path(fx, sar_files[f].rel), sar_files[f].keycol);
		csv_load(&got, tu_path(ours, sar_files[f].rel), sar_files[f].keycol);
		assert_true(want.n > 0);
		for (int i = 0; i < want.n; i++) {
			if (want.r[i].ts < from)
				continue;
			nwant++;
			row_eq(sar_files[f].rel, &want.r[i],
			       csv_find(&got, want.r[i].ts, want.r[i].key));
		}
		for (int i = 0; i < got.n; i++)
			ngot += got.r[i].ts >= from;
		/* No rows the fixture does not have (sar leaves idle disks out, so must we). */
		assert_int_equal(nwant, ngot);
		assert_int_equal(distinct_ts(&got), distinct_ts(&want) + extra_ts);
		free(want.r);
		free(got.r);
	}
}

static void golden_whole_fixture_matches_from_fourth_sample(void **state)
{
	char *dir;
	(void)state;

	pcc_needed();
	dir = tu_tmpdir();
	assert_int_equal(export_file(pcc_fixture(), PC_EXPORT_CSV, dir), 0);
	/* pcprocess's first row is 1->3; ours are 1->2, 2->3, ...: equal from sample 4 on. */
	compare_tree(dir, T3, 1);
	tu_rmtree(dir);
	free(dir);
}

static void golden_without_second_sample_reproduces_every_row(void **state)
{
	char *dir, *src, *line, *save = NULL, stamp[32];
	const char *cut, *out;
	FILE *f;
	int dropped = 0;
	(void)state;

	pcc_needed();
	dir = tu_tmpdir();
	cut = tu_path(dir, "cut.json");
	out = tu_path(dir, "out");
	src = tu_read_file(pcc_fixture(), NULL);
	assert_non_null(src);
	snprintf(stamp, sizeof(stamp), "{\"timestamp\":%llu,", T1);
	f = fopen(cut, "w");
	assert_non_null(f);
	for (line = strtok_r(src, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, stamp, strlen(stamp))) {
			dropped++;
			continue;
		}
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	free(src);
	assert_int_equal(dropped, 5);
	assert_int_equal(export_file(cut, PC_EXPORT_CSV, out), 0);
	compare_tree(out, 0, 0);
	tu_rmtree(dir);
	free(dir);
}

/* host.csv: values of one timestamp, by column name. */
static void host_row(const char *path, const char *stamp, double v[H_NCOLS])
{
	char *buf = tu_read_file(path, NULL), *line, *save = NULL;
	int found = 0;

	assert_non_null(buf);
	line = strtok_r(buf, "\n", &save);
	assert_string_equal(line, "timestamp,cpu_user,cpu_system,cpu_iowait,cpu_idle,cpu_steal,"
				  "mem_total,mem_used,mem_available,mem_buffers,mem_cached,"
				  "disk_read_bytes,disk_write_bytes,disk_read_ops,disk_write_ops,"
				  "net_rx_bytes,net_tx_bytes,net_rx_packets,net_tx_packets");
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ',');

		assert_non_null(p);
		if (strncmp(line, stamp, strlen(stamp)))
			continue;
		for (int i = 0; i < H_NCOLS; i++) {
			assert_true(*p == ',');
			v[i] = strtod(p + 1, &p);
		}
		assert_true(*p == 0);
		found = 1;
	}
	free(buf);
	if (!found)
		fail_msg("host.csv: no row %s", stamp);
}

static void host_close(const double *got, const double *want)
{
	for (int i = 0; i < H_NCOLS; i++)
		if (!close_enough(got[i], want[i]))
			fail_msg("host.csv column %d: want %.17g, got %.17g", i + 1, want[i],
				 got[i]);
}

static void host_csv_two_intervals_by_hand(void **state)
{
	char *dir;
	double got[H_NCOLS];
	(void)state;

	pcc_needed();
	dir = tu_tmpdir();
	assert_int_equal(export_file(pcc_fixture(), PC_EXPORT_CSV, dir), 0);

	/*
	 * 16:46:05 -> 16:46:10 (5 s). cpu: user 215728->215730, system 31822->31825,
	 * idle 37298810->37300780, iowait 33254->33276: tot 2+3+1970+22 = 1997.
	 * mem: 16327188 - 13795896 - 74216 - 1855964 - 248432 = 352680 kB used.
	 * sda: wr_ios 170809->171153, wr_sectors 66962836->67204364; sdb and
	 * partitions do not count. eth0 (the only busy non-lo interface): rx
	 * 334504918->334512527 B, 515893->515923 pkt; tx 115018965->115026576 B,
	 * 412901->412939 pkt.
	 */
	const double a[H_NCOLS] = {
	    2 * 100.0 / 1997,
	    3 * 100.0 / 1997,
	    22 * 100.0 / 1997,
	    1970 * 100.0 / 1997,
	    0,
	    16327188 / 1024.0,
	    352680 / 1024.0,
	    15530804 / 1024.0,
	    74216 / 1024.0,
	    1855964 / 1024.0,
	    0,
	    241528 * 512 / 5.0,
	    0,
	    344 / 5.0,
	    7609 / 5.0,
	    7611 / 5.0,
	    30 / 5.0,
	    38 / 5.0,
	};
	host_row(tu_path(dir, "host.csv"), "2026-01-09T16:46:10.000Z,", got);
	host_close(got, a);

	/*
	 * 16:46:10 -> 16:46:15: user +1, system +1, idle +1995, iowait +1: tot 1998.
	 * mem used 16327188 - 13793908 - 74216 - 1855972 - 248452 = 354640 kB.
	 * sda: wr_ios +140, wr_sectors +1424. eth0: rx +3796 B +15 pkt, tx +5238 B +19 pkt.
	 */
	const double b[H_NCOLS] = {
	    100.0 / 1998,
	    100.0 / 1998,
	    100.0 / 1998,
	    1995 * 100.0 / 1998,
	    0,
	    16327188 / 1024.0,
	    354640 / 1024.0,
	    15528832 / 1024.0,
	    74216 / 1024.0,
	    1855972 / 1024.0,
	    0,
	    1424 * 512 / 5.0,
	    0,
	    140 / 5.0,
	    3796 / 5.0,
	    5238 / 5.0,
	    15 / 5.0,
	    19 / 5.0,
	};
	host_row(tu_path(dir, "host.csv"), "2026-01-09T16:46:15.000Z,", got);
	host_close(got, b);
	tu_rmtree(dir);
	free(dir);
}

static void json_mode_parses_back_one_object_per_interval(void **state)
{
	char *dir, *buf, *line, *save = NULL;
	const char *out;
	struct json_doc doc = {0};
	int n = 0;
	(void)state;

	pcc_needed();
	dir = tu_tmpdir();
	out = tu_path(dir, "out.json");
	assert_int_equal(export_file(pcc_fixture(), PC_EXPORT_JSON, out), 0);
	buf = tu_read_file(out, NULL);
	assert_non_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int cpu, mem, t;
		double idle;

		if (json_parse(&doc, line, strlen(line)))
			fail_msg("line %d: %s", n + 1, doc.err);
		assert_int_equal(doc.tok[0].type, JSON_OBJECT);
		cpu = json_get(&doc, 0, "cpu");
		assert_true(cpu > 0);
		assert_int_equal(doc.tok[cpu].type, JSON_ARRAY);
		assert_int_equal(doc.tok[cpu].size, 5); /* all + 4 CPUs */
		t = json_get(&doc, cpu + 1, "idle");
		assert_int_equal(json_double(&doc, t, &idle), 0);
		assert_true(idle > 90 && idle <= 100);
		mem = json_get(&doc, 0, "memory");
		assert_true(mem > 0);
		assert_true(json_get(&doc, 0, "disks") > 0);
		assert_true(json_get(&doc, 0, "nets") > 0);
		assert_true(json_get(&doc, 0, "fs") > 0);
		t = json_get(&doc, 0, "interval_s");
		assert_int_equal(json_double(&doc, t, &idle), 0);
		assert_true(idle == 5);
		n++;
	}
	assert_int_equal(n, 17); /* 18 samples */
	json_free(&doc);
	free(buf);
	tu_rmtree(dir);
	free(dir);
}

/* ---- the binary ---- */

/* Run cmd with sh, stderr captured into err; returns the exit status. */
static int run(const char *cmd, char *err, size_t errlen)
{
	char full[4096], path[] = "/tmp/pctest-err.XXXXXX";
	int fd = mkstemp(path), st;
	size_t n = 0;
	char *buf;

	assert_true(fd >= 0);
	close(fd);
	snprintf(full, sizeof(full), "%s 2>%s", cmd, path);
	st = system(full);
	buf = tu_read_file(path, &n);
	snprintf(err, errlen, "%s", buf ? buf : "");
	free(buf);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *perfjournal(void)
{
	const char *p = tu_path(tu_bindir(), "perfjournal");

	return access(p, X_OK) ? NULL : p;
}

static void perfjournal_missing_input_fails_naming_path(void **state)
{
	char cmd[2048], err[2048], *dir;
	(void)state;

	if (!perfjournal())
		tu_skip("perfjournal not built in %s", tu_bindir());
	dir = tu_tmpdir();
	snprintf(cmd, sizeof(cmd), "%s --input=/nonexistent/pc-input.json --output=%s/out",
		 perfjournal(), dir);
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/pc-input.json"));
	assert_non_null(strstr(err, "--input"));
	assert_int_equal(access(tu_path(dir, "out/host.csv"), F_OK), -1);
	tu_rmtree(dir);
	free(dir);
}

static void perfjournal_unwritable_output_fails_naming_path(void **state)
{
	char cmd[2048], err[2048];
	(void)state;

	if (!perfjournal())
		tu_skip("perfjournal not built in %s", tu_bindir());
	pcc_needed();
	/* Below a regular file: not even root can create that directory. */
	snprintf(cmd, sizeof(cmd), "%s --input=%s --output=/etc/hostname/pc-out", perfjournal(),
		 pcc_fixture());
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/etc/hostname"));
	snprintf(cmd, sizeof(cmd), "%s --input=%s --mode=json --output=/proc/pc-nope/out.json",
		 perfjournal(), pcc_fixture());
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/proc/pc-nope/out.json"));
	/* A directory where a file is wanted: refused before any work, not at the rename. */
	snprintf(cmd, sizeof(cmd), "%s --input=%s --mode=summary --output=/tmp", perfjournal(),
		 pcc_fixture());
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/tmp: is a directory"));
}

static void perfjournal_bad_flag_value_is_named(void **state)
{
	char cmd[2048], err[2048];
	(void)state;

	if (!perfjournal())
		tu_skip("perfjournal not built in %s", tu_bindir());
	snprintf(cmd, sizeof(cmd), "%s --input=x --mode=xml", perfjournal());
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "--mode"));
	assert_non_null(strstr(err, "xml"));
}

static void perfjournal_failure_keeps_previous_output(void **state)
{
	char cmd[4096], err[2048], *dir, *before, *after;
	const char *garbage, *out;
	FILE *f;
	(void)state;

	if (!perfjournal())
		tu_skip("perfjournal not built in %s", tu_bindir());
	pcc_needed();
	dir = tu_tmpdir();
	garbage = tu_path(dir, "garbage.json");
	out = tu_path(dir, "out");
	snprintf(cmd, sizeof(cmd), "%s --input=%s --output=%s", perfjournal(), pcc_fixture(), out);
	assert_int_equal(run(cmd, err, sizeof(err)), 0);
	before = tu_read_file(tu_path(out, "host.csv"), NULL);
	assert_non_null(before);
	f = fopen(garbage, "w");
	assert_non_null(f);
	fputs("this is not a collection\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s --input=%s --output=%s", perfjournal(), garbage, out);
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, garbage));
	after = tu_read_file(tu_path(out, "host.csv"), NULL);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
	tu_rmtree(dir);
	free(dir);
}

static void pcprocess_names_missing_variable(void **state)
{
	char cmd[4096], err[2048], *dir;
	const char *pcp = tu_path(tu_bindir(), "pcprocess");
	struct csv c;
	(void)state;

	if (access(pcp, X_OK))
		tu_skip("pcprocess not built in %s", tu_bindir());
	dir = tu_tmpdir();
	snprintf(cmd, sizeof(cmd), "env -u PCR_COLLECTION PCR_OUTDIR=%s %s", dir, pcp);
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "PCR_COLLECTION"));
	snprintf(cmd, sizeof(cmd), "env -u PCR_OUTDIR PCR_COLLECTION=%s %s", pcc_fixture(), pcp);
	assert_int_not_equal(run(cmd, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "PCR_OUTDIR"));
	if (!have(pcc_fixture())) {
		tu_rmtree(dir);
		free(dir);
		tu_skip("%s: not present", pcc_fixture());
	}
	snprintf(cmd, sizeof(cmd), "PCR_COLLECTION=%s PCR_OUTDIR=%s/csv %s", pcc_fixture(), dir,
		 pcp);
	assert_int_equal(run(cmd, err, sizeof(err)), 0);
	csv_load(&c, tu_path(dir, "csv/host.csv"), 0);
	assert_int_equal(c.n, 18); /* header (not '#') + 17 intervals */
	free(c.r);
	assert_int_equal(access(tu_path(dir, "csv/proc/stat"), R_OK), 0);
	assert_int_equal(access(tu_path(dir, "csv/system_info.json"), R_OK), 0);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(golden_whole_fixture_matches_from_fourth_sample),
	    cmocka_unit_test(golden_without_second_sample_reproduces_every_row),
	    cmocka_unit_test(host_csv_two_intervals_by_hand),
	    cmocka_unit_test(json_mode_parses_back_one_object_per_interval),
	    cmocka_unit_test(perfjournal_missing_input_fails_naming_path),
	    cmocka_unit_test(perfjournal_unwritable_output_fails_naming_path),
	    cmocka_unit_test(perfjournal_bad_flag_value_is_named),
	    cmocka_unit_test(perfjournal_failure_keeps_previous_output),
	    cmocka_unit_test(pcprocess_names_missing_variable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}