// SPDX-License-Identifier: MIT
/*
 * test_path.c: the data-directory walk of include/pc/io.h (io_mkdirs_strict,
 * issue 12 item 4), on a temporary tree under /tmp (root's, sticky, 1777: an
 * accepted parent). A good tree is made 0700 and accepted; a 0777 or
 * group-writable directory on the way, one owned by another uid (65534), a
 * sticky directory that is not root's, a symbolic link of another uid as the
 * data directory and a file in the way are refused with the path, its owner
 * and mode and the command to run; the data directory may be the account's
 * the collector hands it to; a root-owned link in a sound directory (systemd's
 * DynamicUser= StateDirectory=) is followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/io.h"
#include "pc/path.h"

#define NOBODY 65534

struct fx {
	char *dir;
	char err[3 * 4096];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	assert_non_null(f->dir);
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

/* f->dir/rel, in a ring of static buffers */
static const char *at(const struct fx *f, const char *rel)
{
	static char buf[4][4096];
	static int k;
	char *b = buf[k++ % 4];

	assert_int_equal(pc_pathf(b, sizeof(buf[0]), "%s/%s", f->dir, rel), 0);
	return b;
}

static int strict(struct fx *f, const char *rel, uid_t also)
{
	f->err[0] = 0;
	return io_mkdirs_strict("data directory", at(f, rel), also, f->err, sizeof(f->err));
}

/* err holds every one of the NULL-terminated strings */
static void said(const struct fx *f, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, f);
	while ((s = va_arg(ap, const char *)))
		if (!strstr(f->err, s))
			fail_msg("'%s' not in: %s", s, f->err);
	va_end(ap);
}

static void need_root(void)
{
	if (geteuid())
		tu_skip("chown to another uid needs root");
}

static void test_good_tree_made_0700_and_accepted(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(strict(f, "a/b/data", (uid_t)-1), 0);
	assert_int_equal(strict(f, "a/b/data", (uid_t)-1), 0); /* again: fine */
	assert_int_equal(stat(at(f, "a/b/data"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at(f, "a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a relative path and trailing slashes are the same directory */
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(
	    io_mkdirs_strict("data directory", "a/b/data//", (uid_t)-1, f->err, sizeof(f->err)), 0);
	assert_int_equal(chdir("/"), 0);
}

static void test_world_writable_parent_refused(void **state)
{
	struct fx *f = *state;
	char want[4200];

	assert_int_equal(mkdir(at(f, "w"), 0700), 0);
	assert_int_equal(chmod(at(f, "w"), 0777), 0);
	assert_int_equal(strict(f, "w/data", (uid_t)-1), -EPERM);
	snprintf(want, sizeof(want), "data directory %s: %s is mode 0777 (owner uid %u)",
		 at(f, "w/data"), at(f, "w"), (unsigned)geteuid());
	said(f, want, "group or others can write it", "run chmod go-w ", at(f, "w"), NULL);
	/* group-writable is refused too, the data directory itself as well */
	assert_int_equal(chmod(at(f, "w"), 0770), 0);
	assert_int_equal(strict(f, "w/data", (uid_t)-1), -EPERM);
	said(f, "is mode 0770", NULL);
	assert_int_equal(chmod(at(f, "w"), 0755), 0);
	assert_int_equal(chmod(at(f, "w/data"), 0720), 0);
	assert_int_equal(strict(f, "w/data", (uid_t)-1), -EPERM);
	said(f, "is mode 0720", "chmod go-w ", at(f, "w/data"), NULL);
	assert_int_equal(chmod(at(f, "w/data"), 0700), 0);
	assert_int_equal(strict(f, "w/data", (uid_t)-1), 0);
}

static void test_parent_of_another_uid_refused(void **state)
{
	struct fx *f = *state;

	need_root();
	assert_int_equal(mkdir(at(f, "o"), 0755), 0);
	assert_int_equal(chown(at(f, "o"), NOBODY, NOBODY), 0);
	assert_int_equal(strict(f, "o/data", (uid_t)-1), -EPERM);
	said(f, "is owned by uid 65534 (mode 0755), not by root or uid 0", "run chown root ",
	     at(f, "o"), NULL);
	/* the account the collector hands the data directory to may own it, not its parents */
	assert_int_equal(strict(f, "o/data", NOBODY), -EPERM);
	assert_int_equal(chown(at(f, "o"), 0, 0), 0);
	assert_int_equal(chown(at(f, "o/data"), NOBODY, NOBODY), 0);
	assert_int_equal(strict(f, "o/data", (uid_t)-1), -EPERM);
	said(f, at(f, "o/data"), "owned by uid 65534", NULL);
	assert_int_equal(strict(f, "o/data", NOBODY), 0);
}

static void test_sticky_parent_only_roots(void **state)
{
	struct fx *f = *state;

	/* like /tmp: root's, 1777, above the data directory: accepted */
	assert_int_equal(mkdir(at(f, "t"), 0700), 0);
	assert_int_equal(chmod(at(f, "t"), 01777), 0);
	if (geteuid() == 0) {
		assert_int_equal(strict(f, "t/data", (uid_t)-1), 0);
		/* not as the data directory itself */
		assert_int_equal(strict(f, "t", (uid_t)-1), -EPERM);
		said(f, "is mode 1777", NULL);
		/* and not when someone else's */
		assert_int_equal(chown(at(f, "t"), NOBODY, NOBODY), 0);
	}
	assert_int_equal(strict(f, "t/data", (uid_t)-1), -EPERM);
	said(f, at(f, "t"), NULL);
}

static void test_symlinked_data_dir_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(mkdir(at(f, "real"), 0700), 0);
	assert_int_equal(symlink(at(f, "real"), at(f, "data")), 0);
	if (geteuid() == 0)
		assert_int_equal(lchown(at(f, "data"), NOBODY, NOBODY), 0);
	assert_int_equal(strict(f, "data", (uid_t)-1), -ELOOP);
	said(f, "is a symbolic link of uid ", "name the directory itself", "rm ", at(f, "data"),
	     NULL);
	/* with a trailing slash as well: lstat would follow it */
	assert_int_equal(strict(f, "data/", (uid_t)-1), -ELOOP);
}

static void test_root_link_in_sound_dir_followed(void **state)
{
	struct fx *f = *state;

	need_root();
	assert_int_equal(mkdir(at(f, "private"), 0700), 0);
	assert_int_equal(mkdir(at(f, "private/svc"), 0700), 0);
	assert_int_equal(symlink("private/svc", at(f, "svc")), 0);
	assert_int_equal(strict(f, "svc", (uid_t)-1), 0);
	/* its target is walked: a 0777 one is refused */
	assert_int_equal(chmod(at(f, "private"), 0777), 0);
	assert_int_equal(strict(f, "svc", (uid_t)-1), -EPERM);
	said(f, at(f, "private"), "is mode 0777", NULL);
	/* and so is the directory holding the link */
	assert_int_equal(chmod(at(f, "private"), 0700), 0);
	assert_int_equal(mkdir(at(f, "open"), 0700), 0);
	assert_int_equal(chmod(at(f, "open"), 0777), 0);
	assert_int_equal(symlink("../private/svc", at(f, "open/svc")), 0);
	assert_int_equal(strict(f, "open/svc", (uid_t)-1), -EPERM);
	said(f, at(f, "open"), "is mode 0777", NULL);
}

static void test_file_in_the_way_refused(void **state)
{
	struct fx *f = *state;
	int fd = open(at(f, "file"), O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_true(strict(f, "file", (uid_t)-1) < 0);
	said(f, at(f, "file"), NULL);
	assert_true(strict(f, "file/data", (uid_t)-1) < 0);
	said(f, at(f, "file"), NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_tree_made_0700_and_accepted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_world_writable_parent_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parent_of_another_uid_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sticky_parent_only_roots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinked_data_dir_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_link_in_sound_dir_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_in_the_way_refused, setup, teardown),
	};

	umask(022); /* the modes the messages are checked for */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
