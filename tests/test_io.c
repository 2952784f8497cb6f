// SPDX-License-Identifier: MIT
/*
 * test_io.c: the I/O layer (include/pc/io.h). Whole writes and reads; mkdir -p
 * over existing levels and refusing a file in the way; atomic replace leaves
 * the new content or the old, never a temporary, and follows the umask; a
 * symlink planted at the fixed temporary name does not redirect the write;
 * without IO_IN_PLACE a symlink at the path is replaced, its target kept;
 * with it, a character device (/dev/null), a FIFO and a symlink are written
 * in place and stay what they were.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/io.h"

struct fx {
	char *dir;
	char a[512], b[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	snprintf(f->a, sizeof(f->a), "%s/out", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/victim", f->dir);
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

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void expect_text(const char *path, const char *want)
{
	size_t len;
	char *got = tu_read_file(path, &len);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_write_and_read_all(void **state)
{
	struct fx *f = *state;
	char buf[100000], back[sizeof(buf)];
	int fd = io_open_create(f->a, O_RDWR | O_EXCL, 0600);

	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	assert_int_equal(io_write_all(fd, buf, 10), 0);
	assert_int_equal(io_pwrite_all(fd, buf + 10, sizeof(buf) - 10, 10), 0);
	assert_int_equal(io_pread_all(fd, back, sizeof(back), 0), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	assert_int_equal(io_pread_all(fd, back, 2, sizeof(buf) - 1), -EIO); /* past the end */
	assert_int_equal(io_sync(fd), 0);
	assert_int_equal(io_datasync(fd), 0);
	assert_int_equal(io_sync_dir(f->a), 0);
	close(fd);
}

static void test_open_create_does_not_follow_a_symlink(void **state)
{
	struct fx *f = *state;

	put(f->b, "precious");
	assert_int_equal(symlink(f->b, f->a), 0);
	assert_int_equal(io_open_create(f->a, O_WRONLY | O_TRUNC, 0600), -1);
	assert_int_equal(errno, ELOOP);
	expect_text(f->b, "precious");
}

static void test_mkdirs(void **state)
{
	struct fx *f = *state;
	char deep[600], err[700];
	struct stat st;

	snprintf(deep, sizeof(deep), "%s/x/y/z", f->dir);
	assert_int_equal(io_mkdirs(deep, 0700, err, sizeof(err)), 0);
	assert_int_equal(io_mkdirs(deep, 0700, err, sizeof(err)), 0); /* again: fine */
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	put(f->a, "x");
	snprintf(deep, sizeof(deep), "%s/sub", f->a);
	assert_true(io_mkdirs(deep, 0700, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, f->a));
}

static void test_replace_is_atomic_and_follows_umask(void **state)
{
	struct fx *f = *state;
	struct io_replace r;
	char err[700];
	struct stat st;
	mode_t old = umask(027);

	put(f->a, "old");
	assert_int_equal(io_replace_open(&r, f->a, 0666, 0, err, sizeof(err)), 0);
	assert_int_equal(io_write_all(r.fd, "new", 3), 0);
	expect_text(f->a, "old"); /* not there until committed */
	assert_int_equal(io_replace_commit(&r, err, sizeof(err)), 0);
	close(r.fd);
	expect_text(f->a, "new");
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(entries(f->dir), 1); /* no temporary left */

	assert_int_equal(io_replace_open(&r, f->a, 0666, 0, err, sizeof(err)), 0);
	assert_int_equal(io_write_all(r.fd, "half", 4), 0);
	io_replace_abort(&r);
	close(r.fd);
	expect_text(f->a, "new");
	assert_int_equal(entries(f->dir), 1);
	umask(old);
}

static void test_planted_tmp_link_is_not_followed(void **state)
{
	struct fx *f = *state;
	char tmp[600], err[700];
	struct stat st;

	put(f->b, "precious");
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->a);
	assert_int_equal(symlink(f->b, tmp), 0);
	assert_int_equal(io_replace_file(f->a, "state", 5, 0600, IO_TMP_FIXED, err, sizeof(err)),
			 0);
	expect_text(f->b, "precious");
	expect_text(f->a, "state");
	assert_int_equal(lstat(f->a, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(lstat(tmp, &st), -1);
}

static void test_link_at_path_is_replaced_not_followed(void **state)
{
	struct fx *f = *state;
	char err[700];
	struct stat st;

	put(f->b, "precious");
	assert_int_equal(symlink(f->b, f->a), 0);
	assert_int_equal(io_replace_file(f->a, "mine", 4, 0600, IO_TMP_FIXED, err, sizeof(err)), 0);
	expect_text(f->b, "precious");
	assert_int_equal(lstat(f->a, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_devices_fifos_and_links_written_in_place(void **state)
{
	struct fx *f = *state;
	char fifo[600], buf[16] = {0}, err[700];
	struct stat st;
	int rd;

	if (stat("/dev/null", &st) || !S_ISCHR(st.st_mode))
		tu_skip("/dev/null is not a character device here");
	assert_int_equal(io_replace_file("/dev/null", "x", 1, 0666, IO_IN_PLACE, err, sizeof(err)),
			 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));

	snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	rd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(io_replace_file(fifo, "through", 7, 0666, IO_IN_PLACE, err, sizeof(err)),
			 0);
	assert_int_equal(read(rd, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "through");
	close(rd);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));

	put(f->b, "old");
	assert_int_equal(symlink(f->b, f->a), 0);
	assert_int_equal(io_replace_file(f->a, "new", 3, 0666, IO_IN_PLACE, err, sizeof(err)), 0);
	assert_int_equal(lstat(f->a, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	expect_text(f->b, "new");
}

static void test_directory_is_refused(void **state)
{
	struct fx *f = *state;
	char err[700];

	assert_int_equal(io_replace_file(f->dir, "x", 1, 0666, IO_IN_PLACE, err, sizeof(err)),
			 -EISDIR);
	assert_non_null(strstr(err, "is a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_and_read_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_create_does_not_follow_a_symlink, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace_is_atomic_and_follows_umask, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_planted_tmp_link_is_not_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_at_path_is_replaced_not_followed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_devices_fifos_and_links_written_in_place, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_directory_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
