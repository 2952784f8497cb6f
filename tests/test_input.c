// SPDX-License-Identifier: MIT
/*
 * test_input.c: reading recorded data. The real pcc collection and legacy
 * capture of shared/fixtures (sample counts, grouping, derived sysinfo),
 * a native collection written here, and hostile files: truncated lines,
 * garbage, unknown subsystems, 2^64-1 timestamps, an empty file, a file
 * that is nothing we know. Damage is skipped and counted, never fatal.
 * The line reader is bounded while it reads (a small limit stands in for
 * the 64 MiB of pcc lines); a directory, a FIFO and a device are refused as
 * inputs at once, the FIFO without a writer included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/collection.h"
#include "pc/input.h"
#include "pc/io.h"
#include "pc/pcc_line.h"

static const char *pcc_fixture(void)
{
	return tu_shared("pcc-sys-info-test/sys-info-test.json");
}

static const char *legacy_fixture(void)
{
	return tu_shared("legacy/capture-2cpu.jsonl");
}

/* Count the samples of path; the last one stays in *last. */
static int count_samples(struct pc_input *in, struct pc_sample *last)
{
	int n = 0, rc;

	while ((rc = input__next(in, last)) > 0)
		n++;
	assert_int_equal(rc, 0);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void pcc_fixture_reads_18_samples_of_5_groups(void **state)
{
	char err[512];
	struct pc_input *in;
	struct pc_sample s;
	const struct pc_sysinfo *si;
	int rc, n = 0;
	(void)state;

	in = input__open(pcc_fixture(), err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input__kind(in), PC_IN_PCC);
	si = input__sysinfo(in);
	assert_int_equal(si->ncpu, 4);
	assert_int_equal(si->interval_ns, 5000000000ull);
	assert_int_equal(si->mem_total_kb, 16327188);
	assert_int_equal(si->start_ns, 1767977160000000000ull);
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0) {
		assert_int_equal(s.time_ns, (1767977160ull + 5 * (uint64_t)n) * 1000000000ull);
		assert_int_equal(s.seq, n);
		assert_int_equal(s.t[PC_G_CPU].nrows, 5);
		assert_int_equal(s.t[PC_G_NET].nrows, 6);
		assert_int_equal(s.t[PC_G_DISK].nrows, 15);
		assert_int_equal(s.t[PC_G_FS].nrows, 4);
		assert_true(pc_table_find(&s.t[PC_G_MEM], "Committed_AS") >= 0);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 18);
	assert_int_equal(input__skipped(in), 0);
	assert_string_equal(input__skip_reason(in), "");
	pc_sample_free(&s);
	input__close(in);
}

static void legacy_capture_reads_111_samples_with_2_cpus(void **state)
{
	char err[512];
	struct pc_input *in;
	struct pc_sample s;
	const struct pc_sysinfo *si;
	int rc, n = 0;
	uint64_t prev = 0;
	(void)state;

	in = input__open(legacy_fixture(), err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input__kind(in), PC_IN_LEGACY);
	si = input__sysinfo(in);
	assert_int_equal(si->ncpu, 2);
	/* Ticks are ~5.23 s apart (Frequency says 5 s; the Go collector drifted). */
	assert_true(si->interval_ns > 5000000000ull && si->interval_ns < 5500000000ull);
	/* 2026-01-10T18:06:07.784822869Z */
	assert_int_equal(si->start_ns, 1768068367784822869ull);
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0) {
		assert_int_equal(s.t[PC_G_CPU].nrows, 3); /* all, 0, 1 */
		assert_true(pc_table_find(&s.t[PC_G_CPU], "1") >= 0);
		assert_true(s.t[PC_G_MEM].nrows > 10);
		assert_true(s.t[PC_G_DISK].nrows > 0);
		assert_true(s.t[PC_G_NET].nrows > 0);
		assert_true(s.time_ns > prev);
		prev = s.time_ns;
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 111);
	assert_int_equal(input__skipped(in), 0);
	pc_sample_free(&s);
	input__close(in);
}

/* The pcc fixture with hostile lines mixed in. */
static void damaged_pcc_lines_are_skipped_and_counted(void **state)
{
	const char *fx = pcc_fixture(); /* first: it may skip */
	char err[512], *src, *line, *save = NULL, *dir = tu_tmpdir();
	const char *path = tu_path(dir, "damaged.json");
	struct pc_input *in;
	struct pc_sample s;
	FILE *f;
	int lineno = 0;
	(void)state;

	src = tu_read_file(fx, NULL);
	assert_non_null(src);
	f = fopen(path, "w");
	assert_non_null(f);
	for (line = strtok_r(src, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fprintf(f, "%s\n", line);
		if (++lineno == 3) {
			/* line 4: the first damage, a line cut in half */
			fprintf(f, "%.*s\n", (int)strlen(line) / 2, line);
			fputs("\x01\x02garbage\xff\n", f);
			fputs("[1,2,3]\n", f);
			fputs("{\"timestamp\":18446744073709551615,\"subsystem\":\"/proc/stat\","
			      "\"measurement\":\"cpu 1 2 3\"}\n",
			      f);
			fputs("{\"timestamp\":1767977160,\"subsystem\":\"/proc/nope\","
			      "\"measurement\":\"x\"}\n",
			      f);
			fputs("{\"timestamp\":1767977160,\"subsystem\":7,\"measurement\":\"x\"}\n",
			      f);
			fputs("\n", f); /* blank: not damage */
		}
	}
	/* A torn last line, as a crashed writer leaves it. */
	fputs("{\"timestamp\":1767977250,\"subsystem\":\"/proc/st", f);
	fclose(f);
	free(src);

	in = input__open(path, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input__kind(in), PC_IN_PCC);
	pc_sample_init(&s);
	assert_int_equal(count_samples(in, &s), 18);
	assert_int_equal(input__skipped(in), 7);
	assert_non_null(strstr(input__skip_reason(in), "line 4"));
	assert_non_null(strstr(input__skip_reason(in), path));
	/* The damaged lines cost nothing: sample 0 still has all its groups. */
	pc_sample_free(&s);
	input__close(in);
	tu_rmtree(dir);
	free(dir);
}

static void legacy_offsets_and_missing_fields(void **state)
{
	char err[512], *dir = tu_tmpdir();
	const char *path = tu_path(dir, "legacy.jsonl");
	struct pc_input *in;
	struct pc_sample s;
	(void)state;

	/* No Frequency/Site; a +02:00 offset; a repeated subsystem starts the next tick. */
	write_file(path,
		   "{\"Host\":3,\"Run\":9,\"Measurement\":{\"Timestamp\":"
		   "\"2026-01-10T20:06:07.5+02:00\",\"System\":\"/proc/stat\",\"Measurement\":"
		   "\"cpu  10 0 10 80 0 0 0 0 0 0\\ncpu0 10 0 10 80 0 0 0 0 0 0\\n\"}}\n"
		   "{\"Host\":3,\"Run\":9,\"Measurement\":{\"Timestamp\":"
		   "\"2026-01-10T18:06:07.500000001Z\",\"System\":\"/proc/meminfo\","
		   "\"Measurement\":\"MemTotal: 1000 kB\\nMemFree: 500 kB\\n\"}}\n"
		   "{\"Host\":3,\"Run\":9,\"Measurement\":{\"Timestamp\":"
		   "\"2026-01-10T18:06:09.5Z\",\"System\":\"/proc/stat\",\"Measurement\":"
		   "\"cpu  20 0 20 160 0 0 0 0 0 0\\ncpu0 20 0 20 160 0 0 0 0 0 0\\n\"}}\n"
		   "{\"Host\":3,\"Measurement\":{\"Timestamp\":\"not a time\",\"System\":"
		   "\"/proc/stat\",\"Measurement\":\"\"}}\n"
		   "{\"Host\":99999999999,\"Measurement\":{\"Timestamp\":"
		   "\"2026-01-10T18:06:11.5Z\",\"System\":\"/proc/stat\",\"Measurement\":\"\"}}\n");
	in = input__open(path, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input__kind(in), PC_IN_LEGACY);
	assert_int_equal(input__sysinfo(in)->ncpu, 1);
	assert_int_equal(input__sysinfo(in)->mem_total_kb, 1000);
	assert_int_equal(input__sysinfo(in)->interval_ns, 2000000000ull);
	assert_int_equal(input__sysinfo(in)->host, 3);
	pc_sample_init(&s);
	assert_int_equal(input__next(in, &s), 1);
	assert_int_equal(s.time_ns, 1768068367500000000ull);
	assert_int_equal(s.host, 3);
	assert_int_equal(s.run, 9);
	assert_int_equal(pc_table_get(&s.t[PC_G_MEM], "MemTotal", PC_KV_VALUE, 0), 1000);
	assert_int_equal(input__next(in, &s), 1);
	assert_int_equal(s.time_ns, 1768068369500000000ull);
	assert_int_equal(s.t[PC_G_MEM].nrows, 0);
	assert_int_equal(input__next(in, &s), 0);
	assert_int_equal(input__skipped(in), 2);
	assert_non_null(strstr(input__skip_reason(in), "line 4"));
	assert_non_null(strstr(input__skip_reason(in), "Timestamp"));
	pc_sample_free(&s);
	input__close(in);
	tu_rmtree(dir);
	free(dir);
}

/* Which inputs an identity applies to: journals, and binary files only a Go-tool journal can be. */
static void only_journals_take_an_identity(void **state)
{
	const char *legacy = legacy_fixture(); /* skips before anything is made */
	char *dir = tu_tmpdir();
	const char *bin = tu_path(dir, "bin"), *text = tu_path(dir, "t.json");

	(void)state;

	write_file(bin, "\x01\x02garbage");
	write_file(text, "{\"a\":1}\n");
	assert_int_equal(input__is_journal(bin), 1);
	assert_int_equal(input__is_journal(text), 0);
	assert_int_equal(input__is_journal(tu_path(tu_fixtures(), "journal/deflate-v1")), 1);
	assert_int_equal(input__is_journal("/nonexistent/j"), -ENOENT);
	assert_int_equal(input__is_journal(legacy), 0);
	tu_rmtree(dir);
	free(dir);
}

static void unreadable_inputs_fail_naming_the_file(void **state)
{
	char err[512], *dir = tu_tmpdir();
	const char *empty = tu_path(dir, "empty"), *junk = tu_path(dir, "junk.txt");
	(void)state;

	assert_null(input__open("/nonexistent/pc.json", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/pc.json"));

	write_file(empty, "");
	assert_null(input__open(empty, err, sizeof(err)));
	assert_non_null(strstr(err, empty));

	write_file(junk, "Linux 6.1.0 (host) \t01/09/2026\n\n12:00:01 AM CPU %user\n");
	assert_null(input__open(junk, err, sizeof(err)));
	assert_non_null(strstr(err, junk));
	assert_non_null(strstr(err, "line 1")); /* what the first line was */
	tu_rmtree(dir);
	free(dir);
}

static void native_collection_reads_back(void **state)
{
	char err[512], *dir = tu_tmpdir();
	const char *path = tu_path(dir, "run.pcc");
	struct pc_sysinfo si = {.ncpu = 2, .interval_ns = 1000000000ull, .host = 4};
	struct pc_coll *c;
	struct pc_input *in;
	struct pc_sample s;
	(void)state;

	snprintf(si.hostname, sizeof(si.hostname), "testhost");
	c = coll__create(path, &si);
	if (!c)
		tu_skip("coll__create: %s", strerror(errno));
	pc_sample_init(&s);
	for (int i = 0; i < 3; i++) {
		uint64_t *r;

		pc_sample_reset(&s);
		s.time_ns = (1767977160ull + (uint64_t)i) * 1000000000ull;
		s.seq = (uint64_t)i;
		s.host = 4;
		r = pc_table_add(&s.t[PC_G_CPU], "all");
		assert_non_null(r);
		r[PC_CPU_USER] = 100 * (uint64_t)i;
		assert_int_equal(coll__append(c, &s), 0);
	}
	assert_int_equal(coll__close(c), 0);

	in = input__open(path, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(input__kind(in), PC_IN_NATIVE);
	assert_string_equal(input__sysinfo(in)->hostname, "testhost");
	assert_int_equal(input__sysinfo(in)->ncpu, 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(input__next(in, &s), 1);
		assert_int_equal(s.seq, i);
		assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "all", PC_CPU_USER, 7), 100 * i);
	}
	assert_int_equal(input__next(in, &s), 0);
	assert_int_equal(input__skipped(in), 0);
	input__close(in);
	pc_sample_free(&s);
	tu_rmtree(dir);
	free(dir);
}

static void native_torn_tail_is_counted_not_fatal(void **state)
{
	char err[512], *dir = tu_tmpdir();
	const char *path = tu_path(dir, "torn.pcc");
	struct pc_sysinfo si = {.ncpu = 1};
	struct pc_coll *c;
	struct pc_input *in;
	struct pc_sample s;
	FILE *f;
	(void)state;

	c = coll__create(path, &si);
	if (!c)
		tu_skip("coll__create: %s", strerror(errno));
	pc_sample_init(&s);
	for (int i = 0; i < 2; i++) {
		pc_sample_reset(&s);
		s.time_ns = (uint64_t)(i + 1) * 1000000000ull;
		assert_non_null(pc_table_add(&s.t[PC_G_CPU], "all"));
		assert_int_equal(coll__append(c, &s), 0);
	}
	assert_int_equal(coll__close(c), 0);
	f = fopen(path, "a");
	assert_non_null(f);
	fwrite("\x10\x00\x00", 1, 3, f); /* three bytes of a frame header */
	fclose(f);

	in = input__open(path, err, sizeof(err));
	if (!in)
		fail_msg("%s", err);
	assert_int_equal(count_samples(in, &s), 2);
	assert_int_equal(input__skipped(in), 1);
	assert_non_null(strstr(input__skip_reason(in), path));
	input__close(in);
	pc_sample_free(&s);
	tu_rmtree(dir);
	free(dir);
}

/* A file of n bytes of c (no newline) between head and tail. */
static void write_long(const char *path, const char *head, size_t n, int c, const char *tail)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(head, f);
	for (size_t i = 0; i < n; i++)
		fputc(c, f);
	fputs(tail, f);
	assert_int_equal(fclose(f), 0);
}

/* Lines up to the limit are read; one byte more is refused, and never held past the limit. */
static void line_reader_refuses_past_its_bound(void **state)
{
	char *dir = tu_tmpdir(), err[512];
	const char *path = tu_path(dir, "lines");
	struct pc_line_reader lr;
	FILE *f;
	(void)state;

	/* line 1 "short", line 2 exactly 100 bytes, line 3 one byte more */
	write_long(path, "short\n", 100, 'a', "\n");
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%0101d\nafter\n", 0);
	fclose(f);
	f = fopen(path, "r");
	assert_non_null(f);
	pc_line_init(&lr, f, 100);
	assert_int_equal(pc_line_next(&lr), 1);
	assert_string_equal(lr.line, "short");
	assert_int_equal(pc_line_next(&lr), 1);
	assert_int_equal(lr.len, 100);
	assert_int_equal(lr.lineno, 2);
	assert_int_equal(pc_line_next(&lr), -E2BIG);
	assert_int_equal(lr.lineno, 3);
	assert_true(lr.cap <= 101);
	pc_line_error(&lr, -E2BIG, "x.json", err, sizeof(err));
	assert_string_equal(err, "x.json line 3: longer than 100 bytes, the limit of a line");
	pc_line_free(&lr);
	fclose(f);

	/* A line of 40 chunks under a limit of 3: refused within the chunk that passes it. */
	write_long(path, "", 40 * PC_LINE_CHUNK, 'x', "\n");
	f = fopen(path, "r");
	assert_non_null(f);
	pc_line_init(&lr, f, 3 * PC_LINE_CHUNK);
	assert_int_equal(pc_line_next(&lr), -E2BIG);
	assert_true(lr.cap <= 3 * PC_LINE_CHUNK + 1);
	assert_true(ftell(f) <= (long)(4 * PC_LINE_CHUNK)); /* the rest is not read */
	pc_line_free(&lr);
	fclose(f);
	tu_rmtree(dir);
	free(dir);
}

/* Every byte counts: lines across chunks, a NUL byte, CRs, empty lines, a last line unended. */
static void line_reader_keeps_every_byte(void **state)
{
	char *dir = tu_tmpdir(), *want;
	const char *path = tu_path(dir, "lines");
	size_t n = PC_LINE_CHUNK + 10;
	struct pc_line_reader lr;
	FILE *f;
	(void)state;

	want = malloc(n);
	assert_non_null(want);
	memset(want, 'y', n);
	want[n / 2] = 0;
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite("ab\r\n", 1, 4, f), 4);
	assert_int_equal(fwrite(want, 1, n, f), n);
	assert_int_equal(fwrite("\n\nlast", 1, 6, f), 6);
	fclose(f);
	f = fopen(path, "r");
	assert_non_null(f);
	pc_line_init(&lr, f, 2 * PC_LINE_CHUNK);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(pc_line_next(&lr), 1);
		assert_int_equal(lr.len, 3);
		assert_memory_equal(lr.line, "ab\r", 4);
		assert_int_equal(pc_line_next(&lr), 1);
		assert_int_equal(lr.len, n);
		assert_memory_equal(lr.line, want, n);
		assert_int_equal(pc_line_next(&lr), 1);
		assert_int_equal(lr.len, 0);
		assert_string_equal(lr.line, "");
		assert_int_equal(pc_line_next(&lr), 1);
		assert_string_equal(lr.line, "last");
		assert_int_equal(lr.lineno, 4);
		assert_int_equal(pc_line_next(&lr), 0);
		assert_int_equal(pc_line_next(&lr), 0);
		assert_int_equal(lr.lineno, 4);
		assert_int_equal(pc_line_rewind(&lr), 0); /* and the same again */
	}
	pc_line_free(&lr);
	fclose(f);
	free(want);
	tu_rmtree(dir);
	free(dir);
}

/* Refused at once, by what they are: a directory, a FIFO no one writes, a device. */
static void only_regular_files_are_inputs(void **state)
{
	char err[512], *dir = tu_tmpdir();
	const char *fifo = tu_path(dir, "fifo"), *file = tu_path(dir, "f.json");
	struct pc_input_opts o = {.host = -1, .run = -1};
	struct stat st;
	int fd;
	(void)state;

	assert_null(input__open(dir, err, sizeof(err)));
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(err, ": is a directory, want a file"));
	assert_non_null(strstr(err, dir));

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(input__open(fifo, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, ": is a FIFO, want a regular file"));
	assert_true(input__is_journal(fifo) < 0);
	assert_int_equal(input__verify(fifo, &o, stdout, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is a FIFO"));

	if (!stat("/dev/zero", &st) && S_ISCHR(st.st_mode)) {
		assert_null(input__open("/dev/zero", err, sizeof(err)));
		assert_string_equal(err, "/dev/zero: is a character device, want a regular file");
	}

	/* A regular file: a blocking descriptor, closed on exec. */
	write_file(file, "{}\n");
	fd = io_open_input(file, err, sizeof(err));
	assert_true(fd >= 0);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(io_open_input(tu_path(dir, "none"), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none: cannot open: "));
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pcc_fixture_reads_18_samples_of_5_groups),
	    cmocka_unit_test(legacy_capture_reads_111_samples_with_2_cpus),
	    cmocka_unit_test(damaged_pcc_lines_are_skipped_and_counted),
	    cmocka_unit_test(legacy_offsets_and_missing_fields),
	    cmocka_unit_test(unreadable_inputs_fail_naming_the_file),
	    cmocka_unit_test(only_journals_take_an_identity),
	    cmocka_unit_test(native_collection_reads_back),
	    cmocka_unit_test(native_torn_tail_is_counted_not_fatal),
	    cmocka_unit_test(line_reader_refuses_past_its_bound),
	    cmocka_unit_test(line_reader_keeps_every_byte),
	    cmocka_unit_test(only_regular_files_are_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
