// SPDX-License-Identifier: MIT
/*
 * test_spool.c: the collector's spool keeps batches in order until they are
 * acknowledged, survives a restart (unacknowledged batches come back, the
 * numbering continues), respects its bounds (memory spills to the file, a
 * full file refuses and counts drops), and cuts a torn or corrupt tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/spool.h"

struct fx {
	char *dir;
	char path[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/spool", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Batch n of run 1: 10 samples from seq 10n, payload "batch-n" padded to len. */
static int add(struct spool *sp, uint64_t n, size_t len)
{
	uint8_t *p = malloc(len);
	struct spool_batch b = {.host = 1,
				.run = 1,
				.bseq = n,
				.first_seq = n * 10,
				.nsamples = 10,
				.first_ns = n * 100,
				.last_ns = n * 100 + 90,
				.sealed_ns = n * 100 + 95,
				.data = p,
				.len = len};
	int ret;

	memset(p, (int)('a' + n % 26), len);
	snprintf((char *)p, len, "batch-%llu", (unsigned long long)n);
	ret = spool__append(sp, &b);
	free(p);
	return ret;
}

static void expect_next(struct spool *sp, uint64_t n, size_t len)
{
	struct spool_batch b;
	char want[32];

	assert_int_equal(spool__next(sp, &b), 1);
	assert_int_equal(b.bseq, n);
	assert_int_equal(b.first_seq, n * 10);
	assert_int_equal(b.nsamples, 10);
	assert_int_equal(b.last_ns, n * 100 + 90);
	assert_int_equal(b.len, len);
	snprintf(want, sizeof(want), "batch-%llu", (unsigned long long)n);
	assert_string_equal((const char *)b.data, want);
	assert_int_equal(b.data[len - 1], 'a' + n % 26);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_batches_come_out_in_order(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;

	assert_non_null(sp);
	for (uint64_t i = 0; i < 5; i++)
		assert_int_equal(add(sp, i, 100), 0);
	for (uint64_t i = 0; i < 5; i++)
		expect_next(sp, i, 100);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

static void test_ack_removes_and_empty_spool_shrinks_file(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_stats st;

	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(add(sp, i, 1000), 0);
	assert_true(file_size(f->path) > 3000);
	assert_int_equal(spool__ack(sp, 1, 1), 0);
	spool__stats(sp, &st);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.bytes, 2000);
	assert_int_equal(spool__ack(sp, 1, 1), -ENOENT); /* twice: unknown now */
	assert_int_equal(spool__ack(sp, 2, 0), -ENOENT); /* other run */
	assert_int_equal(spool__ack(sp, 1, 0), 0);
	assert_int_equal(spool__ack(sp, 1, 2), 0);
	spool__stats(sp, &st);
	assert_int_equal(st.batches, 0);
	assert_int_equal(st.mem, 0);
	assert_int_equal(file_size(f->path), 128);
	spool__close(sp);
}

static void test_restart_resends_unacknowledged(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(add(sp, i, 300), 0);
	assert_int_equal(spool__ack(sp, 1, 0), 0);
	assert_int_equal(spool__ack(sp, 1, 1), 0);
	spool__close(sp); /* as if killed: nothing else is written at close */
	sp = spool__open(f->dir, 1 << 20, 1 << 20);
	assert_non_null(sp);
	expect_next(sp, 2, 300);
	expect_next(sp, 3, 300);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

static void test_numbering_survives_restart_after_everything_acked(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch last;

	assert_int_equal(spool__last(sp, &last), 0);
	assert_int_equal(add(sp, 0, 50), 0);
	assert_int_equal(add(sp, 1, 50), 0);
	assert_int_equal(spool__ack(sp, 1, 0), 0);
	assert_int_equal(spool__ack(sp, 1, 1), 0);
	spool__close(sp);
	sp = spool__open(f->dir, 1 << 20, 1 << 20);
	assert_int_equal(spool__last(sp, &last), 1);
	assert_int_equal(last.run, 1);
	assert_int_equal(last.bseq, 1);
	assert_int_equal(last.first_seq + last.nsamples, 20);
	assert_int_equal(last.last_ns, 190);
	spool__close(sp);
}

static void test_rewind_resends_unacknowledged_only(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;

	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(add(sp, i, 64), 0);
	for (uint64_t i = 0; i < 3; i++)
		expect_next(sp, i, 64);
	assert_int_equal(spool__ack(sp, 1, 1), 0); /* out of order */
	spool__rewind(sp);
	expect_next(sp, 0, 64);
	expect_next(sp, 2, 64);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

static void test_memory_bound_spills_to_file(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 4096, 1 << 20);
	struct spool_stats st;

	for (uint64_t i = 0; i < 20; i++)
		assert_int_equal(add(sp, i, 1000), 0);
	spool__stats(sp, &st);
	assert_true(st.mem <= 4096);
	assert_int_equal(st.batches, 20);
	assert_int_equal(st.bytes, 20000);
	for (uint64_t i = 0; i < 20; i++) /* the oldest come back from the file */
		expect_next(sp, i, 1000);
	spool__close(sp);
}

static void test_full_spool_refuses_and_counts(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 4000);
	struct spool_stats st;
	int i, ret = 0;

	for (i = 0; i < 100 && !(ret = add(sp, (uint64_t)i, 1000)); i++)
		;
	assert_int_equal(ret, -ENOSPC);
	assert_true(i >= 3);
	assert_false(spool__fits(sp, 1000));
	assert_true(spool__fits(sp, 1));
	spool__drop(sp, 10);
	spool__stats(sp, &st);
	assert_int_equal(st.dropped, 10);
	assert_int_equal(st.batches, (uint64_t)i);
	assert_true(file_size(f->path) <= 128 + 4000);
	/* an acknowledgement makes room again */
	assert_int_equal(spool__ack(sp, 1, 0), 0);
	assert_true(spool__fits(sp, 1000));
	assert_int_equal(add(sp, (uint64_t)i, 1000), 0);
	assert_true(file_size(f->path) <= 128 + 4000 + 200);
	spool__close(sp);
}

static void test_acked_prefix_is_compacted_away(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 10000);
	struct spool_batch b;

	/* keep one batch always unacknowledged so the file is never emptied */
	for (uint64_t i = 0; i < 50; i++) {
		assert_int_equal(add(sp, i, 1000), 0);
		if (i)
			assert_int_equal(spool__ack(sp, 1, i - 1), 0);
	}
	assert_true(file_size(f->path) <= 128 + 10000);
	spool__close(sp);
	sp = spool__open(f->dir, 1 << 20, 10000);
	expect_next(sp, 49, 1000);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

static void test_torn_tail_is_cut(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;
	char *whole;
	off_t size;

	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(add(sp, i, 500), 0);
	spool__close(sp);
	size = file_size(f->path);
	whole = tu_read_file(f->path, NULL);
	/* every cut inside the last record keeps exactly the first two */
	for (off_t cut = size - 1; cut > size - 500 - 72; cut -= 37) {
		FILE *fp = fopen(f->path, "w");

		assert_int_equal(fwrite(whole, 1, (size_t)cut, fp), (size_t)cut);
		fclose(fp);
		sp = spool__open(f->dir, 1 << 20, 1 << 20);
		assert_non_null(sp);
		expect_next(sp, 0, 500);
		expect_next(sp, 1, 500);
		assert_int_equal(spool__next(sp, &b), 0);
		spool__close(sp);
	}
	free(whole);
}

static void test_flipped_byte_is_detected(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;
	off_t size;
	int fd;
	uint8_t c;

	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(add(sp, i, 500), 0);
	spool__close(sp);
	size = file_size(f->path);
	fd = open(f->path, O_RDWR);
	assert_int_equal(pread(fd, &c, 1, size - 10), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, size - 10), 1);
	close(fd);
	sp = spool__open(f->dir, 1 << 20, 1 << 20);
	expect_next(sp, 0, 500);
	expect_next(sp, 1, 500);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

static void test_not_a_spool_is_refused(void **state)
{
	struct fx *f = *state;
	FILE *fp = fopen(f->path, "w");

	fputs("this is not a spool file, it is a text file of some length......", fp);
	fclose(fp);
	errno = 0;
	assert_null(spool__open(f->dir, 1 << 20, 1 << 20));
	assert_int_equal(errno, EINVAL);
}

/* A symlink planted at spool or spool.tmp never redirects a write (issue 12, item 4). */
static void test_planted_links_are_not_followed(void **state)
{
	struct fx *f = *state;
	char victim[600], tmp[600], text[64] = {0};
	struct spool *sp;
	struct stat st;
	FILE *fp;

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	fp = fopen(victim, "w");
	fputs("precious", fp);
	fclose(fp);
	/* a link at spool: refused, not opened through */
	assert_int_equal(symlink(victim, f->path), 0);
	errno = 0;
	assert_null(spool__open(f->dir, 1 << 20, 10000));
	assert_int_equal(errno, ELOOP);
	unlink(f->path);
	/* a link at spool.tmp, at creation and at every compaction: replaced by a file of ours */
	assert_int_equal(symlink(victim, tmp), 0);
	sp = spool__open(f->dir, 1 << 20, 10000);
	assert_non_null(sp);
	for (uint64_t i = 0; i < 50; i++) {
		if (lstat(tmp, &st))
			assert_int_equal(symlink(victim, tmp), 0);
		assert_int_equal(add(sp, i, 1000), 0);
		if (i)
			assert_int_equal(spool__ack(sp, 1, i - 1), 0);
	}
	assert_true(file_size(f->path) <= 128 + 10000); /* compaction happened */
	spool__close(sp);
	fp = fopen(victim, "r");
	assert_non_null(fgets(text, sizeof(text), fp));
	fclose(fp);
	assert_string_equal(text, "precious");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_hostile_lengths_in_file(void **state)
{
	struct fx *f = *state;
	struct spool *sp = spool__open(f->dir, 1 << 20, 1 << 20);
	struct spool_batch b;
	uint32_t big = 0xffffffffu;
	int fd;

	assert_int_equal(add(sp, 0, 100), 0);
	assert_int_equal(add(sp, 1, 100), 0);
	spool__close(sp);
	/* second record's length field (record = 72-byte head + payload) */
	fd = open(f->path, O_RDWR);
	assert_int_equal(pwrite(fd, &big, 4, 128 + 72 + 100 + 4), 4);
	close(fd);
	sp = spool__open(f->dir, 1 << 20, 1 << 20);
	assert_non_null(sp);
	expect_next(sp, 0, 100);
	assert_int_equal(spool__next(sp, &b), 0);
	spool__close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batches_come_out_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ack_removes_and_empty_spool_shrinks_file, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_restart_resends_unacknowledged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_numbering_survives_restart_after_everything_acked,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewind_resends_unacknowledged_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_memory_bound_spills_to_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_spool_refuses_and_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_acked_prefix_is_compacted_away, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_is_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_byte_is_detected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_spool_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_lengths_in_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_planted_links_are_not_followed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
