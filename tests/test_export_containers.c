// SPDX-License-Identifier: MIT
/*
 * test_export_containers.c: pcc-container collections in
 * (userspace/input/input_pcc_container.c) and containers.csv plus
 * container_names.json out (userspace/export/export_containers.c): the
 * Azure fixture gives pcprocess's containers.csv byte for byte and the same
 * name mapping; without a names file the short id stands in; damaged
 * measurements are skipped and counted; containers that come, go and come
 * back, and a missing memory limit, from synthetic samples. pcc-container
 * mode's writer gives the fixture's lines back byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/collection.h"
#include "pc/export.h"
#include "pc/input.h"
#include "pc/json.h"
#include "pc/pcc_line.h"
#include "pc/sample_container.h"
#include "../userspace/export/export_containers.h"

#define AZ "pcc-container-azure/"

static void copy(const char *from, const char *to)
{
	size_t n;
	char *t = tu_read_file(from, &n);
	FILE *f = fopen(to, "w");

	assert_non_null(t);
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, n, f), n);
	fclose(f);
	free(t);
}

/* Export the collection at path (csv mode) into out; the input's skipped count. */
static unsigned long export_csv(const char *path, const char *out)
{
	char err[512];
	struct pc_input *in = input__open(path, err, sizeof(err));
	struct pc_export *x;
	struct pc_sample s;
	unsigned long skipped;
	int rc;

	if (!in)
		fail_msg("%s", err);
	x = export__open(PC_EXPORT_CSV, out, input__sysinfo(in), err, sizeof(err));
	if (!x)
		fail_msg("%s", err);
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0)
		assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(rc, 0);
	if (export__close(x, err, sizeof(err)))
		fail_msg("%s", err);
	skipped = input__skipped(in);
	pc_sample_free(&s);
	input__close(in);
	return skipped;
}

static char *out_file(const char *dir, const char *name)
{
	char p[8192];

	assert_true(snprintf(p, sizeof(p), "%s/%s", dir, name) < (int)sizeof(p));
	return tu_read_file(p, NULL);
}

/* A names file as a flat id -> name list, for comparing mappings (order aside). */
static int name_of(const char *json, const char *id, char *name, size_t len)
{
	struct json_doc d = {0};
	int t, rc = -ENOENT;

	assert_int_equal(json_parse(&d, json, strlen(json)), 0);
	assert_int_equal(d.tok[0].type, JSON_OBJECT);
	t = json_get(&d, 0, id);
	if (t >= 0) {
		char *s = json_strdup(&d, t, NULL);

		snprintf(name, len, "%s", s);
		free(s);
		rc = 0;
	}
	json_free(&d);
	return rc;
}

static void azure_fixture(void)
{
	const char *coll = tu_shared(AZ "container_collection.json");
	char *tmp = tu_tmpdir(), in[4096], out[4096], name[128];
	char *want, *got, *wnames, *gnames;
	static const char *const ids[] = {
	    "7892fa5ced3d519c03dd549df61bf62d084d6a13aa185493b05259d75ce8b13d",
	    "915c4f073051af76f9547d5bd56f5943063a9b0928e23c3dff44458f3eb12751",
	    "e26b9c7aa033038085f6dbfcce2149aacd1b99bdad0cb910d4897d4af256b8b3"};

	/* The collection with the names pcprocess knew, side by side as in a results dir. */
	snprintf(in, sizeof(in), "%s/container_collection.json", tmp);
	copy(coll, in);
	snprintf(out, sizeof(out), "%s/container_names.json", tmp);
	copy(tu_shared(AZ "container_names.json"), out);
	snprintf(out, sizeof(out), "%s/csv", tmp);
	assert_int_equal(export_csv(in, out), 0);
	want = tu_read_file(tu_shared(AZ "containers.csv"), NULL);
	got = out_file(out, "containers.csv");
	assert_non_null(got);
	if (strcmp(want, got)) {
		size_t i = 0;

		while (want[i] && want[i] == got[i])
			i++;
		fail_msg("containers.csv differs at byte %zu: want \"%.60s\" got \"%.60s\"", i,
			 want + i, got + i);
	}
	wnames = tu_read_file(tu_shared(AZ "container_names.json"), NULL);
	gnames = out_file(out, "container_names.json");
	for (size_t i = 0; i < 3; i++) {
		char w[128];

		assert_int_equal(name_of(wnames, ids[i], w, sizeof(w)), 0);
		assert_int_equal(name_of(gnames, ids[i], name, sizeof(name)), 0);
		assert_string_equal(w, name);
	}
	free(want);
	free(got);
	free(wnames);
	free(gnames);
	tu_rmtree(tmp);
	free(tmp);
}

static void test_azure_fixture(void **state)
{
	(void)state;
	azure_fixture();
}

/* The same with rows going to the spill file every 4 KiB: the file is the same. */
static void test_azure_spilled(void **state)
{
	size_t was = exp_ct_csv_spill_at;

	(void)state;
	exp_ct_csv_spill_at = 4096;
	azure_fixture();
	exp_ct_csv_spill_at = was;
}

static void test_no_names(void **state)
{
	const char *src = tu_shared(AZ "container_collection.json"); /* skips first */
	char *tmp = tu_tmpdir(), in[4096], out[4096], name[128], *csv, *names;

	(void)state;
	snprintf(in, sizeof(in), "%s/c.json", tmp);
	copy(src, in);
	snprintf(out, sizeof(out), "%s/csv", tmp);
	assert_int_equal(export_csv(in, out), 0);
	csv = out_file(out, "containers.csv");
	assert_non_null(strstr(csv, "\r\n1768077300,7892fa5ced3d519c03dd549df61bf62d084d6a13aa1854"
				    "93b05259d75ce8b13d,7892fa5ced3d,docker,,,,360976384,"));
	names = out_file(out, "container_names.json");
	assert_int_equal(name_of(names,
				 "e26b9c7aa033038085f6dbfcce2149aacd1b99bdad0cb910d4897d4af256b8b3",
				 name, sizeof(name)),
			 0);
	assert_string_equal(name, "e26b9c7aa033");
	free(csv);
	free(names);
	tu_rmtree(tmp);
	free(tmp);
}

/* The fixture read (without its names file) and written as pcc-container lines is the fixture. */
static void test_pcc_container_lines(void **state)
{
	const char *src = tu_shared(AZ "container_collection.json"); /* skips first */
	char *tmp = tu_tmpdir(), in[4096], err[512], *got = NULL, *want;
	struct pc_input *rd;
	struct pc_sample s;
	size_t len = 0, wlen;
	FILE *m = open_memstream(&got, &len);

	(void)state;
	snprintf(in, sizeof(in), "%s/c.json", tmp);
	copy(src, in);
	rd = input__open(in, err, sizeof(err));
	if (!rd)
		fail_msg("%s", err);
	pc_sample_init(&s);
	while (input__next(rd, &s) > 0)
		assert_int_equal(
		    pc_pcc_container_lines(m, s.time_ns / 1000000000ull, &s.t[PC_G_CONTAINER]), 0);
	assert_int_equal(input__skipped(rd), 0);
	input__close(rd);
	pc_sample_free(&s);
	fclose(m);
	want = tu_read_file(src, &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
	free(want);
	tu_rmtree(tmp);
	free(tmp);
}

static void put_line(FILE *f, unsigned ts, const char *id, const char *extra)
{
	fprintf(f,
		"{\"timestamp\":%u,\"subsystem\":\"container/docker/%.12s\",\"measurement\":\"{"
		"\\\"container_id\\\":\\\"%s\\\",\\\"runtime\\\":\\\"docker\\\"%s}\"}\n",
		ts, id, id, extra);
}

/* Hand-made pcc-container lines: names inline, damage, a container away and back. */
static void test_synthetic(void **state)
{
	const char *a = "aaaa000000000000000000000000000000000000000000000000000000000000";
	const char *b = "bbbb000000000000000000000000000000000000000000000000000000000000";
	char *tmp = tu_tmpdir(), in[4096], out[4096], *csv;
	FILE *f;

	(void)state;
	snprintf(in, sizeof(in), "%s/c.json", tmp);
	f = fopen(in, "w");
	assert_non_null(f);
	put_line(f, 100, a,
		 ",\\\"container_name\\\":\\\"web\\\",\\\"cpu_usage_usec\\\":0,"
		 "\\\"memory_current\\\":50,\\\"memory_max\\\":200");
	put_line(f, 100, b, ",\\\"cpu_usage_usec\\\":1000000,\\\"memory_max\\\":-1");
	put_line(f, 105, a,
		 ",\\\"container_name\\\":\\\"web\\\",\\\"cpu_usage_usec\\\":2500000,"
		 "\\\"memory_current\\\":100,\\\"memory_max\\\":200");
	/* b is away at 105; a damaged measurement and an unknown runtime are skipped. */
	fputs(
	    "{\"timestamp\":105,\"subsystem\":\"container/docker/x\",\"measurement\":\"{oops\"}\n",
	    f);
	fputs("{\"timestamp\":105,\"subsystem\":\"container/rkt/x\",\"measurement\":"
	      "\"{\\\"container_id\\\":\\\"x\\\",\\\"runtime\\\":\\\"rkt\\\"}\"}\n",
	      f);
	put_line(f, 110, a,
		 ",\\\"container_name\\\":\\\"web\\\",\\\"cpu_usage_usec\\\":2500000,"
		 "\\\"memory_current\\\":100,\\\"memory_max\\\":200");
	put_line(f, 110, b, ",\\\"cpu_usage_usec\\\":9000000,\\\"cpu_user_usec\\\":\\\"x\\\"");
	fclose(f);
	snprintf(out, sizeof(out), "%s/csv", tmp);
	assert_int_equal(export_csv(in, out), 3);
	csv = out_file(out, "containers.csv");
	assert_non_null(csv);
	/* a: 2.5 s of CPU in 5 s is 50 %; memory 25 % then 50 %. */
	assert_non_null(strstr(csv,
			       "\r\n100,aaaa0000000000000000000000000000000000000000000000000000"
			       "00000000,web,docker,,,,50,200,25.00,0,0,0,0,0\r\n"));
	assert_non_null(strstr(csv,
			       "\r\n105,aaaa0000000000000000000000000000000000000000000000000000"
			       "00000000,web,docker,50.00,0.00,0.00,100,200,50.00,"));
	assert_non_null(strstr(csv,
			       "\r\n110,aaaa0000000000000000000000000000000000000000000000000000"
			       "00000000,web,docker,0.00,"));
	/* b: no limit, no memory_percent; back after an absence: its CPU starts over. */
	assert_non_null(strstr(csv,
			       "\r\n100,bbbb0000000000000000000000000000000000000000000000000000"
			       "00000000,bbbb00000000,docker,,,,0,0,,"));
	assert_non_null(strstr(csv,
			       "\r\n110,bbbb0000000000000000000000000000000000000000000000000000"
			       "00000000,bbbb00000000,docker,,,,0,0,,"));
	/* Grouped by container: every a row before the first b row. */
	assert_true(strstr(csv, "110,aaaa") < strstr(csv, "100,bbbb"));
	free(csv);
	tu_rmtree(tmp);
	free(tmp);
}

/*
 * The same samples through a native collection (the binary codec, key and delta frames): the
 * export from the .pcol equals the one from the pcc-container file.
 */
static void test_native_round_trip(void **state)
{
	char *tmp, in[4096], pcol[4096], out[4096], err[512], *want, *got;
	struct pc_input *rd;
	struct pc_coll *c;
	struct pc_sample s;

	(void)state;
	tu_shared(AZ "container_collection.json"); /* skips before anything is made */
	tmp = tu_tmpdir();
	snprintf(in, sizeof(in), "%s/container_collection.json", tmp);
	copy(tu_shared(AZ "container_collection.json"), in);
	snprintf(out, sizeof(out), "%s/container_names.json", tmp);
	copy(tu_shared(AZ "container_names.json"), out);
	rd = input__open(in, err, sizeof(err));
	assert_non_null(rd);
	snprintf(pcol, sizeof(pcol), "%s/c.pcol", tmp);
	c = coll__create(pcol, input__sysinfo(rd));
	assert_non_null(c);
	pc_sample_init(&s);
	while (input__next(rd, &s) > 0)
		assert_int_equal(coll__append(c, &s), 0);
	assert_int_equal(coll__close(c), 0);
	input__close(rd);
	pc_sample_free(&s);
	snprintf(out, sizeof(out), "%s/csv", tmp);
	assert_int_equal(export_csv(pcol, out), 0);
	want = tu_read_file(tu_shared(AZ "containers.csv"), NULL);
	got = out_file(out, "containers.csv");
	assert_non_null(got);
	assert_string_equal(want, got);
	free(want);
	free(got);
	tu_rmtree(tmp);
	free(tmp);
}

/* JSON mode: a "containers" array per interval, rates of one core. */
static void test_json_mode(void **state)
{
	char err[512], out[4096], *text, *line;
	struct pc_input *in =
	    input__open(tu_shared(AZ "container_collection.json"), err, sizeof(err));
	char *tmp = tu_tmpdir();
	struct pc_export *x;
	struct json_doc d = {0};
	struct pc_sample s;
	int rc, a, e, t;
	double v;

	(void)state;
	if (!in)
		fail_msg("%s", err);
	snprintf(out, sizeof(out), "%s/out.json", tmp);
	x = export__open(PC_EXPORT_JSON, out, input__sysinfo(in), err, sizeof(err));
	assert_non_null(x);
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0)
		assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	/* The third interval ends at 1768077315: 7892fa5ced3d at 75.36 % in containers.csv. */
	text = tu_read_file(out, NULL);
	line = strstr(text, "\"timestamp\":\"2026-01-10T20:35:15");
	assert_non_null(line);
	while (line > text && line[-1] != '\n')
		line--;
	*strchr(line, '\n') = 0;
	assert_int_equal(json_parse(&d, line, strlen(line)), 0);
	a = json_get(&d, 0, "containers");
	assert_true(a >= 0 && d.tok[a].type == JSON_ARRAY && d.tok[a].size == 3);
	for (e = a + 1; e < a + (int)d.tok[a].span; e += (int)d.tok[e].span) {
		char *k = json_strdup(&d, json_get(&d, e, "container"), NULL);

		if (!strncmp(k, "docker/7892fa5ced3d", 19)) {
			t = json_get(&d, e, "cpu_pct");
			assert_int_equal(json_double(&d, t, &v), 0);
			assert_true(v > 75.35 && v < 75.37);
		}
		free(k);
	}
	json_free(&d);
	free(text);
	pc_sample_free(&s);
	input__close(in);
	tu_rmtree(tmp);
	free(tmp);
}

/* Summary mode: one line per container, busiest first, names from the names file. */
static void test_summary_mode(void **state)
{
	char err[512], out[4096], *text;
	struct pc_input *in =
	    input__open(tu_shared(AZ "container_collection.json"), err, sizeof(err));
	char *tmp = tu_tmpdir();
	struct pc_export *x;
	struct pc_sample s;

	(void)state;
	assert_non_null(in);
	snprintf(out, sizeof(out), "%s/summary.txt", tmp);
	x = export__open(PC_EXPORT_SUMMARY, out, input__sysinfo(in), err, sizeof(err));
	assert_non_null(x);
	pc_sample_init(&s);
	while (input__next(in, &s) > 0)
		assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	text = tu_read_file(out, NULL);
	assert_non_null(strstr(text, "containers         3 "));
	assert_non_null(strstr(text, "\n  docker/suse-bench-3  "));
	assert_true(strstr(text, "suse-bench-3") < strstr(text, "suse-bench-2"));
	free(text);
	pc_sample_free(&s);
	input__close(in);
	tu_rmtree(tmp);
	free(tmp);
}

/* A collection without containers gets neither file. */
static void test_no_containers(void **state)
{
	const char *src = tu_shared("pcc-sys-info-test/sys-info-test.json"); /* skips first */
	char *tmp = tu_tmpdir(), out[4096], p[4200];

	(void)state;
	snprintf(out, sizeof(out), "%s/csv", tmp);
	export_csv(src, out);
	snprintf(p, sizeof(p), "%s/containers.csv", out);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/host.csv", out);
	assert_int_equal(access(p, F_OK), 0);
	tu_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_azure_fixture), cmocka_unit_test(test_azure_spilled),
	    cmocka_unit_test(test_no_names),	  cmocka_unit_test(test_pcc_container_lines),
	    cmocka_unit_test(test_synthetic),	  cmocka_unit_test(test_native_round_trip),
	    cmocka_unit_test(test_json_mode),	  cmocka_unit_test(test_summary_mode),
	    cmocka_unit_test(test_no_containers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
