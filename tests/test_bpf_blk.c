// SPDX-License-Identifier: MIT
/*
 * test_bpf_blk.c: the block program counts what really happened. 400
 * O_DIRECT writes and 400 reads go to a loop device over a file in /var/tmp,
 * issued from every CPU in turn: reads, writes and histogram counts must
 * match within 2 % in one row for the disk (whichever CPUs counted it), and
 * the latency sum must be neither 0 nor absurd; once with the block layer's
 * own issue stamps, once with ours forced. The loop device and its file are
 * removed in teardown, even when a test fails.
 */
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/bpftest.h"
#include "common/testutil.h"
#include "pc/sample.h"

/* --- block I/O on a loop device --- */

struct loopdev {
	char file[64];
	char dev[32];
	int fd; /* the loop device, O_DIRECT */
};

#define LOOP_MB 16
#define IO_SIZE 4096
#define NIO	400

static int loop_setup(void **state)
{
	struct loopdev *l = calloc(1, sizeof(*l));
	int ctl, n, ffd, dfd;

	if (!l)
		return -1;
	l->fd = -1;
	*state = l;
	if (geteuid() != 0)
		return 0;
	/* A file on a real disk (not tmpfs) backs the device. */
	snprintf(l->file, sizeof(l->file), "/var/tmp/pctest-loop.%d", (int)getpid());
	ffd = open(l->file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (ffd < 0 || ftruncate(ffd, LOOP_MB << 20)) {
		if (ffd >= 0)
			close(ffd);
		return 0;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	n = ctl >= 0 ? ioctl(ctl, LOOP_CTL_GET_FREE) : -1;
	if (ctl >= 0)
		close(ctl);
	if (n < 0) {
		close(ffd);
		return 0;
	}
	snprintf(l->dev, sizeof(l->dev), "/dev/loop%d", n);
	dfd = open(l->dev, O_RDWR | O_CLOEXEC);
	if (dfd < 0 || ioctl(dfd, LOOP_SET_FD, ffd)) {
		if (dfd >= 0)
			close(dfd);
		l->dev[0] = 0;
		close(ffd);
		return 0;
	}
	close(ffd);
	close(dfd);
	l->fd = open(l->dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	return 0;
}

static int loop_teardown(void **state)
{
	struct loopdev *l = *state;
	int dfd;

	if (l->fd >= 0)
		close(l->fd);
	if (l->dev[0]) {
		dfd = open(l->dev, O_RDWR | O_CLOEXEC);
		if (dfd >= 0) {
			ioctl(dfd, LOOP_CLR_FD, 0);
			close(dfd);
		}
	}
	if (l->file[0])
		unlink(l->file);
	free(l);
	return 0;
}

/*
 * 400 O_DIRECT writes and 400 reads on the loop device, with the programs in
 * variant (0: the block layer's own issue stamp where its queue keeps one,
 * as on this kernel's loop devices with writeback throttling; or
 * BPF_SAMPLER_OWN_BLK_STAMPS: our in-flight slots for every I/O).
 */
static void blk_direct_ios(struct loopdev *l, unsigned variant)
{
	const char *name;
	struct bpf_sampler *b;
	struct pc_sample s0, s1;
	uint64_t d_rd, d_wr, d_cnt, d_rdb, d_wrb, d_us;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), rows = 0;
	void *buf = NULL;
	cpu_set_t was;

	need_bpf();
	if (l->fd < 0) {
		tu_skip("could not set up a loop device over /var/tmp (%s)",
			l->dev[0] ? l->dev : "no free loop device or no loop module");
		return;
	}
	name = strrchr(l->dev, '/') + 1;
	b = open_opts(variant | BPF_SAMPLER_NO_SCHED | BPF_SAMPLER_NO_PROC, 0);
	pc_sample_init(&s0);
	pc_sample_init(&s1);
	assert_int_equal(posix_memalign(&buf, IO_SIZE, IO_SIZE), 0);
	memset(buf, 0xa5, IO_SIZE);
	assert_int_equal(bpf_sampler__read(b, &s0), 0);
	/*
	 * Each CPU counts in its own copy of the disk's slot: issue from every
	 * CPU in turn, so the reader has to add the copies up under one row.
	 */
	assert_int_equal(sched_getaffinity(0, sizeof(was), &was), 0);
	for (int i = 0; i < NIO; i++) {
		pin(pthread_self(), i % ncpu);
		assert_int_equal(pwrite(l->fd, buf, IO_SIZE, (off_t)i * IO_SIZE), IO_SIZE);
	}
	for (int i = 0; i < NIO; i++) {
		pin(pthread_self(), i % ncpu);
		assert_int_equal(pread(l->fd, buf, IO_SIZE, (off_t)i * IO_SIZE), IO_SIZE);
	}
	sched_setaffinity(0, sizeof(was), &was);
	assert_int_equal(bpf_sampler__read(b, &s1), 0);
	free(buf);
	assert_int_not_equal(pc_table_find(&s1.t[PC_G_BPF_BLK], name), -1);
	for (uint32_t r = 0; r < s1.t[PC_G_BPF_BLK].nrows; r++)
		rows += !strcmp(s1.t[PC_G_BPF_BLK].key[r], name);
	assert_int_equal(rows, 1);
#define D(col)                                                                                     \
	(pc_table_get(&s1.t[PC_G_BPF_BLK], name, col, 0) -                                         \
	 pc_table_get(&s0.t[PC_G_BPF_BLK], name, col, 0))
	d_rd = D(PC_BLK_RD_IOS);
	d_wr = D(PC_BLK_WR_IOS);
	d_rdb = D(PC_BLK_RD_BYTES);
	d_wrb = D(PC_BLK_WR_BYTES);
	d_cnt = D(PC_BLK_COUNT);
	d_us = D(PC_BLK_SUM_US);
#undef D
	print_message("  %s: %d writes and %d reads issued; counted %llu writes, %llu reads, "
		      "histogram %llu, average %.1f us\n",
		      name, NIO, NIO, (unsigned long long)d_wr, (unsigned long long)d_rd,
		      (unsigned long long)d_cnt, d_cnt ? (double)d_us / (double)d_cnt : 0.0);
	pc_sample_free(&s0);
	pc_sample_free(&s1);
	bpf_sampler__close(b);
	assert_true(d_rd >= NIO - NIO / 50 && d_rd <= NIO + NIO / 50);
	assert_true(d_wr >= NIO - NIO / 50 && d_wr <= NIO + NIO / 50);
	assert_true(d_cnt >= 2 * NIO - NIO / 25 && d_cnt <= 2 * NIO + NIO / 25);
	assert_true(d_rdb >= (uint64_t)(NIO - NIO / 50) * IO_SIZE);
	assert_true(d_wrb >= (uint64_t)(NIO - NIO / 50) * IO_SIZE);
	/* Every I/O took time: a lost or wrong stamp shows as 0 or as years. */
	assert_true(d_us >= d_cnt / 10);
	assert_true(d_us < d_cnt * 1000000);
}

static void test_blk_counts_equal_direct_ios(void **state)
{
	blk_direct_ios(*state, 0);
}

static void test_blk_own_stamps_count_the_same(void **state)
{
	blk_direct_ios(*state, BPF_SAMPLER_OWN_BLK_STAMPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_blk_counts_equal_direct_ios, loop_setup,
					    loop_teardown),
	    cmocka_unit_test_setup_teardown(test_blk_own_stamps_count_the_same, loop_setup,
					    loop_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
