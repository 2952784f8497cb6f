// SPDX-License-Identifier: MIT
/*
 * test_collection.c: native collection files (userspace/format/collection.c):
 * write then read back, frames visible before close, torn tails at every
 * byte offset, damaged frames in the middle (reading resumes at the next key
 * frame and says where the damage was), files that are not collections.
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

#define KEY_INTERVAL 64 /* documented in docs/FORMAT.md */

static const struct pc_sysinfo si = {.hostname = "collector-test",
				     .kernel = "6.1.0",
				     .machine = "x86_64",
				     .cpu_model = "Test CPU",
				     .ncpu = 2,
				     .cores = 2,
				     .sockets = 1,
				     .mem_total_kb = 4000000,
				     .user_hz = 100,
				     .page_size = 4096,
				     .interval_ns = 1000000000,
				     .start_ns = 1767977160000000000ull,
				     .host = 1,
				     .run = 2};

/* Sample i of a run: a few groups, counters moving, a disk that comes and goes. */
static void make(struct pc_sample *s, unsigned i)
{
	static const char *const mem[] = {"MemTotal", "MemFree", "Cached", "Dirty"};
	uint64_t *r;

	pc_sample_reset(s);
	s->time_ns = si.start_ns + (uint64_t)i * si.interval_ns;
	s->taken_ns = s->time_ns + 1000 + i % 7;
	s->host = si.host;
	s->run = si.run;
	s->seq = i;
	for (unsigned c = 0; c < 3; c++) {
		r = pc_table_add(&s->t[PC_G_CPU], c ? (c == 1 ? "0" : "1") : "all");
		r[PC_CPU_USER] = 1000 + i * (c + 3);
		r[PC_CPU_IDLE] = 50000 + i * 97;
	}
	for (unsigned k = 0; k < 4; k++)
		pc_table_add(&s->t[PC_G_MEM], mem[k])[0] = k ? 100000 - i * k : 4000000;
	pc_table_add(&s->t[PC_G_DISK], "sda")[PC_DISK_RD_IOS] = 10 + i / 3;
	if (i % 10 < 5)
		pc_table_add(&s->t[PC_G_DISK], "sdb")[PC_DISK_WR_IOS] = i;
}

static void same(const struct pc_sample *a, const struct pc_sample *b)
{
	assert_int_equal(a->time_ns, b->time_ns);
	assert_int_equal(a->taken_ns, b->taken_ns);
	assert_int_equal(a->seq, b->seq);
	for (unsigned g = 0; g < PC_G_MAX; g++) {
		assert_int_equal(a->t[g].nrows, b->t[g].nrows);
		for (uint32_t r = 0; r < a->t[g].nrows; r++) {
			assert_string_equal(a->t[g].key[r], b->t[g].key[r]);
			assert_memory_equal(pc_table_row(&a->t[g], r), pc_table_row(&b->t[g], r),
					    a->t[g].ncols * sizeof(uint64_t));
		}
	}
}

struct fx {
	char *dir;
	char path[256];
	off_t end[300]; /* file size after each frame; end[0] is the header's */
	unsigned n;
	struct pc_sample s, want;
};

/* Write n samples to dir/name, recording where each frame ends. */
static void write_file(struct fx *f, unsigned n)
{
	struct pc_coll *c;
	struct stat st;

	snprintf(f->path, sizeof(f->path), "%s/c.pcoll", f->dir);
	c = coll__create(f->path, &si);
	assert_non_null(c);
	assert_int_equal(stat(f->path, &st), 0);
	f->end[0] = st.st_size;
	for (unsigned i = 0; i < n; i++) {
		make(&f->s, i);
		assert_int_equal(coll__append(c, &f->s), 0);
		/* Each frame is in the file at once: nothing waits in a buffer. */
		assert_int_equal(stat(f->path, &st), 0);
		assert_true(st.st_size > f->end[i]);
		f->end[i + 1] = st.st_size;
	}
	f->n = n;
	assert_int_equal(coll__sync(c), 0);
	assert_int_equal(coll__close(c), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	pc_sample_init(&f->s);
	pc_sample_init(&f->want);
	*state = f;
	return f->dir ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	pc_sample_free(&f->s);
	pc_sample_free(&f->want);
	free(f);
	return 0;
}

static void test_write_then_read(void **state)
{
	struct fx *f = *state;
	struct pc_coll *c;
	unsigned i = 0;
	int r;

	write_file(f, 200);
	c = coll__open(f->path);
	assert_non_null(c);
	assert_memory_equal(coll__sysinfo(c), &si, sizeof(si));
	while ((r = coll__next(c, &f->s)) == 1) {
		make(&f->want, i++);
		same(&f->want, &f->s);
	}
	assert_int_equal(r, 0);
	assert_int_equal(i, 200);
	print_message("200 samples: %lld bytes of frames, %.1f bytes/sample\n",
		      (long long)(f->end[200] - f->end[0]),
		      (double)(f->end[200] - f->end[0]) / 200);
	assert_int_equal(coll__close(c), 0);
}

static void test_frames_readable_while_writing(void **state)
{
	struct fx *f = *state;
	struct pc_coll *w, *r;

	snprintf(f->path, sizeof(f->path), "%s/live.pcoll", f->dir);
	w = coll__create(f->path, &si);
	assert_non_null(w);
	for (unsigned i = 0; i < 3; i++) {
		make(&f->want, i);
		assert_int_equal(coll__append(w, &f->want), 0);
	}
	r = coll__open(f->path);
	assert_non_null(r);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(coll__next(r, &f->s), 1);
	same(&f->want, &f->s);
	assert_int_equal(coll__next(r, &f->s), 0);
	coll__close(r);
	coll__close(w);
}

/* Samples readable from path now. */
static unsigned readable(const char *path, struct pc_sample *s)
{
	struct pc_coll *r = coll__open(path);
	unsigned n = 0;

	assert_non_null(r);
	while (coll__next(r, s) == 1)
		n++;
	coll__close(r);
	return n;
}

/*
 * With a flush window the first frame lands at once, later ones wait until
 * the window (by sample time) is full, and close writes the rest: every
 * sample arrives, in order, whole.
 */
static void test_grouped_writes_land_by_window(void **state)
{
	struct fx *f = *state;
	uint64_t window = 5 * si.interval_ns;
	struct pc_coll *w;

	snprintf(f->path, sizeof(f->path), "%s/grouped.pcoll", f->dir);
	w = coll__create(f->path, &si);
	assert_non_null(w);
	coll__set_flush(w, window);
	make(&f->want, 0);
	assert_int_equal(coll__append(w, &f->want), 0);
	assert_int_equal(readable(f->path, &f->s), 1);
	for (unsigned i = 1; i <= 5; i++) { /* samples 1..5: pending until 6 is 5 intervals on */
		make(&f->want, i);
		assert_int_equal(coll__append(w, &f->want), 0);
		assert_int_equal(readable(f->path, &f->s), 1);
	}
	make(&f->want, 6);
	assert_int_equal(coll__append(w, &f->want), 0);
	assert_int_equal(readable(f->path, &f->s), 7);
	same(&f->want, &f->s);
	for (unsigned i = 7; i < 9; i++) {
		make(&f->want, i);
		assert_int_equal(coll__append(w, &f->want), 0);
	}
	assert_int_equal(readable(f->path, &f->s), 7);
	assert_int_equal(coll__close(w), 0);
	assert_int_equal(readable(f->path, &f->s), 9);
	same(&f->want, &f->s);
}

static void copy_prefix(const char *from, const char *to, off_t len)
{
	size_t n;
	char *buf = tu_read_file(from, &n);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, (size_t)len), len);
	close(fd);
	free(buf);
}

static void test_torn_tail_at_every_offset(void **state)
{
	struct fx *f = *state;
	char torn[300];

	write_file(f, 6);
	snprintf(torn, sizeof(torn), "%s/torn.pcoll", f->dir);
	for (off_t len = 0; len < f->end[f->n]; len++) {
		struct pc_coll *c;
		unsigned whole = 0, got = 0;
		int r;

		copy_prefix(f->path, torn, len);
		c = coll__open(torn);
		if (len < f->end[0]) {
			assert_null(c);
			assert_int_equal(errno, EINVAL);
			continue;
		}
		assert_non_null(c);
		while (whole < f->n && f->end[whole + 1] <= len)
			whole++;
		while ((r = coll__next(c, &f->s)) == 1) {
			make(&f->want, got++);
			same(&f->want, &f->s);
		}
		assert_int_equal(got, whole);
		if (len == f->end[whole]) {
			assert_int_equal(r, 0);
		} else {
			char want[64];

			assert_int_equal(r, -EBADMSG);
			snprintf(want, sizeof(want), "torn tail at byte offset %lld",
				 (long long)f->end[whole]);
			if (!strstr(coll__error(c), want))
				fail_msg("len %lld: \"%s\" lacks \"%s\"", (long long)len,
					 coll__error(c), want);
			assert_int_equal(coll__next(c, &f->s), 0);
		}
		coll__close(c);
	}
}

/* Flip one bit at off, read everything; return samples read and the first error. */
static unsigned read_damaged(struct fx *f, off_t off, uint8_t mask, unsigned *first_bad, char *err,
			     size_t errlen)
{
	char bad[300];
	size_t n;
	char *buf = tu_read_file(f->path, &n);
	struct pc_coll *c;
	unsigned got = 0, errors = 0;
	int r;
	FILE *o;

	snprintf(bad, sizeof(bad), "%s/bad.pcoll", f->dir);
	buf[off] ^= mask;
	o = fopen(bad, "wb");
	fwrite(buf, 1, n, o);
	fclose(o);
	free(buf);
	c = coll__open(bad);
	assert_non_null(c);
	*first_bad = 0;
	while ((r = coll__next(c, &f->s)) != 0) {
		if (r < 0) {
			if (!errors++)
				snprintf(err, errlen, "%s", coll__error(c));
			continue;
		}
		/* Whatever is returned is a true sample of the run. */
		make(&f->want, (unsigned)f->s.seq);
		same(&f->want, &f->s);
		if (!*first_bad && f->s.seq != got)
			*first_bad = got;
		got++;
	}
	assert_int_equal(errors, 1);
	coll__close(c);
	return got;
}

static void test_flipped_bit_resumes_at_next_key_frame(void **state)
{
	struct fx *f = *state;
	char err[256], want[96];
	unsigned got, first_bad;

	write_file(f, 200);
	/* A bit in the payload of frame 10. */
	got = read_damaged(f, f->end[10] + 20, 0x10, &first_bad, err, sizeof(err));
	snprintf(want, sizeof(want), "damaged frame at byte offset %lld", (long long)f->end[10]);
	if (!strstr(err, want))
		fail_msg("\"%s\" lacks \"%s\"", err, want);
	assert_non_null(strstr(err, "resuming at the next key frame"));
	/* 0..9, then 64..199. */
	assert_int_equal(first_bad, 10);
	assert_int_equal(got, 10 + 200 - KEY_INTERVAL);
}

static void test_damaged_length_resumes_at_next_key_frame(void **state)
{
	struct fx *f = *state;
	char err[256], want[96];
	unsigned got, first_bad;

	write_file(f, 200);
	/* The top byte of frame 70's length: framing itself is lost. */
	got = read_damaged(f, f->end[70] + 3, 0x40, &first_bad, err, sizeof(err));
	snprintf(want, sizeof(want), "damaged frame at byte offset %lld", (long long)f->end[70]);
	if (!strstr(err, want))
		fail_msg("\"%s\" lacks \"%s\"", err, want);
	assert_int_equal(first_bad, 70);
	assert_int_equal(got, 70 + 200 - 2 * KEY_INTERVAL);
}

static void test_damaged_last_key_interval(void **state)
{
	struct fx *f = *state;
	char err[256];
	unsigned got, first_bad;

	write_file(f, 100);
	got = read_damaged(f, f->end[80] + 12, 0x01, &first_bad, err, sizeof(err));
	assert_non_null(strstr(err, "nothing readable after it"));
	assert_int_equal(got, 80);
}

/*
 * Issue 12 item 6: after damage, 1 MiB of crafted frame headers, each a
 * plausible key frame of 512 KiB whose CRC fails. Checking each candidate
 * costs its length: 27 GB of CRC without a budget (minutes). The search
 * stops after IO_RESYNC_BUDGET and says where; the sample before the damage
 * is read, the error names both offsets, and the reader then ends.
 */
static void test_crafted_headers_spend_a_bounded_search(void **state)
{
	struct fx *f = *state;
	const size_t unit = 10, pattern = 1 << 20;
	off_t damage;
	char want[96];
	struct pc_coll *c;
	uint8_t *p;
	FILE *o;
	int r;

	write_file(f, 1);
	damage = f->end[1];
	p = calloc(1, pattern);
	assert_non_null(p);
	for (size_t at = 0; at + unit <= pattern; at += unit) {
		p[at + 2] = 0x08; /* length 0x00080000, little-endian; crc 0 */
		p[at + 8] = 1;	  /* version 1, kind 0: a key frame */
	}
	p[3] = 0xff; /* the first header: a length past the frame limit */
	o = fopen(f->path, "ab");
	assert_non_null(o);
	assert_int_equal(fwrite(p, 1, pattern, o), pattern);
	fclose(o);
	free(p);
	c = coll__open(f->path);
	assert_non_null(c);
	assert_int_equal(coll__next(c, &f->s), 1);
	r = coll__next(c, &f->s);
	assert_int_equal(r, -EBADMSG);
	snprintf(want, sizeof(want), "damaged frame at byte offset %lld", (long long)damage);
	if (!strstr(coll__error(c), want) || !strstr(coll__error(c), "gave up at byte offset"))
		fail_msg("\"%s\" lacks \"%s\" or the budget", coll__error(c), want);
	assert_int_equal(coll__next(c, &f->s), 0);
	coll__close(c);
}

static void test_unwritten_last_frame_is_a_torn_tail(void **state)
{
	struct fx *f = *state;
	struct pc_coll *c;
	char want[64];
	size_t n;
	char *buf;
	FILE *o;

	write_file(f, 5);
	/* A crash after the file grew but before the data reached the disk: zeros. */
	buf = tu_read_file(f->path, &n);
	memset(buf + f->end[4] + 8, 0, (size_t)(f->end[5] - f->end[4] - 8));
	o = fopen(f->path, "wb");
	fwrite(buf, 1, n, o);
	fclose(o);
	free(buf);
	c = coll__open(f->path);
	assert_non_null(c);
	for (int i = 0; i < 4; i++)
		assert_int_equal(coll__next(c, &f->s), 1);
	assert_int_equal(coll__next(c, &f->s), -EBADMSG);
	snprintf(want, sizeof(want), "torn tail at byte offset %lld: crc", (long long)f->end[4]);
	if (!strstr(coll__error(c), want))
		fail_msg("\"%s\" lacks \"%s\"", coll__error(c), want);
	assert_int_equal(coll__next(c, &f->s), 0);
	coll__close(c);
}

static void test_not_a_collection(void **state)
{
	struct fx *f = *state;
	char p[300];
	FILE *o;

	snprintf(p, sizeof(p), "%s/x.json", f->dir);
	o = fopen(p, "w");
	fputs("{\"timestamp\":1767977160,\"subsystem\":\"/proc/stat\"}\n", o);
	fclose(o);
	errno = 0;
	assert_null(coll__open(p));
	assert_int_equal(errno, EINVAL);
	assert_false(coll__is_native("{\"timestamp\"", 12));
	assert_false(coll__is_native("PCCOLL1", 7));
	assert_true(coll__is_native("PCCOLL1\n\x01", 9));
	snprintf(p, sizeof(p), "%s/missing", f->dir);
	assert_null(coll__open(p));
	assert_int_equal(errno, ENOENT);
}

static void test_damaged_header_is_refused(void **state)
{
	struct fx *f = *state;
	size_t n;
	char *buf;
	FILE *o;

	write_file(f, 2);
	buf = tu_read_file(f->path, &n);
	buf[f->end[0] - 3] ^= 1; /* inside the sysinfo record: its CRC fails */
	o = fopen(f->path, "wb");
	fwrite(buf, 1, n, o);
	fclose(o);
	free(buf);
	errno = 0;
	assert_null(coll__open(f->path));
	assert_int_equal(errno, EINVAL);
}

static void test_write_error_is_reported(void **state)
{
	(void)state;
	if (access("/dev/full", W_OK))
		tu_skip("/dev/full is not writable here");
	errno = 0;
	assert_null(coll__create("/dev/full", &si));
	assert_int_equal(errno, ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frames_readable_while_writing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_grouped_writes_land_by_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_at_every_offset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_bit_resumes_at_next_key_frame, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_length_resumes_at_next_key_frame, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_last_key_interval, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crafted_headers_spend_a_bounded_search, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unwritten_last_frame_is_a_torn_tail, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_collection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_header_is_refused, setup, teardown),
	    cmocka_unit_test(test_write_error_is_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
