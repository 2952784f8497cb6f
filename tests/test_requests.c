// SPDX-License-Identifier: MIT
/*
 * test_requests.c: what perfcollectord's once and dir serve
 * (userspace/perfcollectord/requests.c, compiled in here: it belongs to the
 * daemon, not to libpc). The allowlist is matched on the path as asked:
 * the collector's files and sadc's are served; environ, cmdline, mem,
 * stack, pagemap, kmsg, kcore, kallsyms, iomem, anything outside, "..",
 * "." and symlinks out all get one refusal, word for word the same whether
 * the path exists or not; directories only for dir.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "../userspace/perfcollectord/requests.c"

/* The reply text with the path as asked replaced by "P", so refusals compare. */
static char *refusal(const char *path, int dir)
{
	struct pc_buf out = {0};
	char *text, *hit;
	int ret = dir ? cd_req_dir(path, &out) : cd_req_once(path, &out);

	assert_int_equal(ret, -EACCES);
	assert_int_equal(pc_buf_put(&out, "", 1), 0);
	hit = strstr((char *)out.p, ": not served");
	assert_non_null(hit);
	assert_true(asprintf(&text, "P%s", hit) > 0);
	pc_buf_free(&out);
	return text;
}

static void test_once_serves_the_collectors_files(void **state)
{
	static const char *const ok[] = {
	    "/proc/stat",    "/proc//meminfo",	      "/proc/net/dev",
	    "/proc/version", "/sys/class/net/lo/mtu", "/sys/class/net/lo/statistics/rx_bytes",
	    "/proc/stat/"};
	struct pc_buf out = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		out.len = 0;
		assert_int_equal(cd_req_once(ok[i], &out), 0);
		assert_true(out.len > 0);
	}
	out.len = 0;
	assert_int_equal(cd_req_once("/proc/version", &out), 0);
	assert_int_equal(memcmp(out.p, "Linux version", 13), 0);
	pc_buf_free(&out);
}

static void test_once_refuses_the_rest_alike(void **state)
{
	static const char *const bad[] = {"/proc/self/environ",
					  "/proc/1/environ",
					  "/proc/1/cmdline",
					  "/proc/self/cmdline",
					  "/proc/self/mem",
					  "/proc/self/stack",
					  "/proc/self/pagemap",
					  "/proc/kmsg",
					  "/proc/kcore",
					  "/proc/kallsyms",
					  "/proc/iomem",
					  "/etc/passwd",
					  "/etc/shadow",
					  "/proc/../etc/passwd",
					  "/proc/./stat",
					  "/proc/self/root/etc/passwd",
					  "/proc/no-such-file",
					  "/no/such/file",
					  "proc/stat",
					  "",
					  "/",
					  "/proc/net/../../etc/passwd",
					  "/sys/kernel/debug/tracing/trace_pipe",
					  "/proc/stat\n",
					  "/dev/kmsg",
					  "/proc/sys/kernel/random/uuid"};
	char *first = refusal("/proc/self/environ", 0);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *r = refusal(bad[i], 0);

		assert_string_equal(r, first);
		free(r);
	}
	free(first);
}

static void test_dir_serves_directories_only(void **state)
{
	static const char *const bad[] = {"/proc/self/fd", "/proc/1",	"/etc",	       "/proc/stat",
					  "/proc/..",	   "/proc/sys", "/sys/kernel", "/no/such"};
	struct pc_buf out = {0};
	char *first = refusal("/etc", 1);

	(void)state;
	assert_int_equal(cd_req_dir("/proc/", &out), 0);
	assert_int_equal(pc_buf_put(&out, "", 1), 0);
	assert_non_null(strstr((char *)out.p, "\nself@\n"));
	assert_non_null(strstr((char *)out.p, "\nsys/\n"));
	out.len = 0;
	assert_int_equal(cd_req_dir("/sys/class/net", &out), 0);
	pc_buf_free(&out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *r = refusal(bad[i], 1);

		assert_string_equal(r, first);
		free(r);
	}
	free(first);
	/* a directory is no file for once */
	first = refusal("/proc/net", 0);
	free(first);
}

static void test_refusal_says_nothing_of_the_target(void **state)
{
	struct pc_buf out = {0};

	(void)state;
	assert_int_equal(cd_req_once("/proc/self/root/etc/passwd", &out), -EACCES);
	assert_int_equal(pc_buf_put(&out, "", 1), 0);
	/* the path as asked, then the refusal: not where the link leads, nor an errno */
	assert_string_equal((char *)out.p, "/proc/self/root/etc/passwd: not served (once serves "
					   "only the paths listed in docs/REMOTE.md)\n");
	out.len = 0;
	/* control bytes of the path are not echoed */
	assert_int_equal(cd_req_once("/proc/\x1b[2Jx", &out), -EACCES);
	assert_int_equal(pc_buf_put(&out, "", 1), 0);
	assert_null(strchr((char *)out.p, '\x1b'));
	pc_buf_free(&out);
}

static void test_patterns(void **state)
{
	char norm[64];
	struct pc_buf why = {0};

	(void)state;
	assert_true(path_matches("/sys/class/net/*/mtu", "/sys/class/net/eth0/mtu"));
	assert_false(path_matches("/sys/class/net/*/mtu", "/sys/class/net/mtu"));
	assert_false(path_matches("/sys/class/net/*/mtu", "/sys/class/net/a/b/mtu"));
	assert_true(
	    path_matches("/sys/devices/system/cpu/cpu*/x", "/sys/devices/system/cpu/cpu12/x"));
	assert_false(
	    path_matches("/sys/devices/system/cpu/cpu*/x", "/sys/devices/system/cpu/cp/x"));
	assert_false(path_matches("/proc", "/proc/stat"));
	assert_false(path_matches("/proc/stat", "/proc"));
	assert_int_equal(cd_allowed("/proc////stat//", 0, norm, sizeof(norm), &why), 0);
	assert_string_equal(norm, "/proc/stat");
	/* a path longer than the buffer is refused, not cut to something allowed */
	assert_int_equal(
	    cd_allowed("/proc/stat/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0,
		       norm, sizeof(norm), &why),
	    -EACCES);
	pc_buf_free(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_once_serves_the_collectors_files),
	    cmocka_unit_test(test_once_refuses_the_rest_alike),
	    cmocka_unit_test(test_dir_serves_directories_only),
	    cmocka_unit_test(test_refusal_says_nothing_of_the_target),
	    cmocka_unit_test(test_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
