// SPDX-License-Identifier: MIT
/*
 * test_proc_procfs.c: struct procfs and pc_sysinfo_read end to end: on the
 * fixture tree of this machine (tests/fixtures/proc/debian12-2cpu), on a
 * hand-made old-kernel tree (no PSI, no mountinfo), on temporary trees whose
 * files change between reads (devices vanish and appear, /proc/stat outgrows
 * the buffer, link speeds are cached) and on the live system (rows present,
 * counters monotonic across two reads).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/proc.h"
#include "pc/sysinfo.h"

static const char *tree(const char *name)
{
	static char p[2][PATH_MAX];
	static int i;

	snprintf(p[i % 2], sizeof(p[0]), "%s/proc/%s", tu_fixtures(), name);
	return p[i++ % 2];
}

/* Write text to root/rel, creating directories. */
static void put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define GET(s, g, key, col) pc_table_get(&(s)->t[g], key, col, 0xdeadbeef)

static void fixture_tree_every_source(void **state)
{
	struct procfs *pf = procfs__open(tree("debian12-2cpu"), 0);
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	assert_non_null(pf);
	assert_string_equal(procfs__missing(pf), "");
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	if (perr.count)
		print_message("perr: %s\n", perr.first);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_CPU].nrows, 3);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_CTXT), 312353);
	assert_int_equal(s.t[PC_G_MEM].nrows, 54);
	assert_int_equal(s.t[PC_G_VMSTAT].nrows, 192);
	assert_int_equal(s.t[PC_G_DISK].nrows, 10);
	assert_int_equal(s.t[PC_G_NET].nrows, 4);
	/* eth0's sysfs says -1 and "unknown"; lo has no files at all */
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 0);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_DUPLEX), 0);
	assert_int_equal(GET(&s, PC_G_NET, "lo", PC_NET_SPEED), 0);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_THREADS), 91);
	assert_int_equal(GET(&s, PC_G_UPTIME, "uptime", PC_UPTIME_UP), 78858);
	assert_int_equal(s.t[PC_G_PSI].nrows, 3);
	assert_int_equal(GET(&s, PC_G_PSI, "io", PC_PSI_SOME_TOTAL), 11494708);
	assert_int_equal(GET(&s, PC_G_PSI, "memory", PC_PSI_FULL_TOTAL), 0);
	/* the only real filesystem of the captured mountinfo is "/" (ext4) */
	assert_int_equal(s.t[PC_G_FS].nrows, 1);
	assert_string_equal(s.t[PC_G_FS].key[0], "/");
	assert_true(GET(&s, PC_G_FS, "/", PC_FS_BLOCKS) > 0);
	pc_sample_free(&s);
	procfs__close(pf);
}

static void old_kernel_tree_lists_what_is_missing(void **state)
{
	struct procfs *pf = procfs__open(tree("handmade-oldkernel"), 0);
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	assert_non_null(pf);
	assert_non_null(strstr(procfs__missing(pf), "/proc/pressure/cpu: ENOENT"));
	assert_non_null(strstr(procfs__missing(pf), "/proc/pressure/io: ENOENT"));
	assert_non_null(strstr(procfs__missing(pf), "/proc/self/mountinfo: ENOENT"));
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_PSI].nrows, 0);
	assert_int_equal(s.t[PC_G_FS].nrows, 0);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_NSTATS), 11);
	/* sys/class/net/eth0: 1000, full */
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 1000);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_DUPLEX), 2);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_RX_BYTES), 4294967295ull);
	pc_sample_free(&s);
	procfs__close(pf);
}

static void flags_leave_out_statfs_and_sysnet(void **state)
{
	struct procfs *pf =
	    procfs__open(tree("handmade-oldkernel"), PROCFS_NO_STATFS | PROCFS_NO_SYSNET);
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	assert_non_null(pf);
	assert_null(strstr(procfs__missing(pf), "mountinfo"));
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 0);
	pc_sample_free(&s);
	procfs__close(pf);
}

static void open_fails_on_an_empty_root(void **state)
{
	char *d = tu_tmpdir();
	(void)state;

	assert_non_null(d);
	errno = 0;
	assert_null(procfs__open(d, 0));
	assert_int_equal(errno, ENOENT);
	tu_rmtree(d);
	free(d);
}

static void unreadable_source_is_missing_not_an_error_each_tick(void **state)
{
	char *d = tu_tmpdir(), path[PATH_MAX];
	struct pc_perr perr = {0};
	struct procfs *pf;
	struct pc_sample s;
	(void)state;

	/* opens, but every read fails (as PSI disabled at boot fails with EOPNOTSUPP) */
	assert_non_null(d);
	put(d, "proc/stat", "cpu  1 1 1 1\n");
	snprintf(path, sizeof(path), "%s/proc/pressure/io", d);
	put(d, "proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
	assert_int_equal(mkdir(path, 0755), 0);
	pf = procfs__open(d, PROCFS_NO_STATFS);
	assert_non_null(pf);
	assert_non_null(strstr(procfs__missing(pf), "/proc/pressure/io: EISDIR"));
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_PSI].nrows, 1);
	pc_sample_free(&s);
	procfs__close(pf);
	tu_rmtree(d);
	free(d);
}

static void text_is_verbatim_and_confined(void **state)
{
	struct procfs *pf = procfs__open(tree("debian12-2cpu"), 0);
	size_t len, flen;
	const char *t;
	char *file;
	(void)state;

	assert_non_null(pf);
	file = tu_read_file(tu_path(tree("debian12-2cpu"), "proc/stat"), &flen);
	assert_non_null(file);
	t = procfs__text(pf, "/proc/stat", &len);
	assert_non_null(t);
	assert_int_equal(len, flen);
	assert_memory_equal(t, file, len);
	free(file);
	/* not a source procfs reads every tick, but under /proc: read on demand */
	t = procfs__text(pf, "/proc/cpuinfo", &len);
	assert_non_null(t);
	assert_non_null(strstr(t, "AMD EPYC"));
	errno = 0;
	assert_null(procfs__text(pf, "/etc/passwd", &len));
	assert_int_equal(errno, EINVAL);
	assert_null(procfs__text(pf, "/proc/../etc/passwd", &len));
	assert_null(procfs__text(pf, "/sys/..", &len));
	assert_null(procfs__text(pf, "/proc/no-such-file", &len));
	assert_int_equal(errno, ENOENT);
	procfs__close(pf);
}

static const char NETDEV_HDR[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

static void devices_vanish_and_appear_between_reads(void **state)
{
	char *d = tu_tmpdir(), text[1024];
	struct pc_perr perr = {0};
	struct procfs *pf;
	struct pc_sample s;
	(void)state;

	assert_non_null(d);
	put(d, "proc/stat", "cpu  1 1 1 1\ncpu0 1 1 1 1\ncpu1 1 1 1 1\n");
	snprintf(text, sizeof(text),
		 "%s  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
		 "  eth1: 2 2 0 0 0 0 0 0 2 2 0 0 0 0 0 0\n",
		 NETDEV_HDR);
	put(d, "proc/net/dev", text);
	put(d, "proc/diskstats",
	    "8 0 sda 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "8 16 sdb 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	put(d, "sys/class/net/eth0/speed", "1000\n");
	put(d, "sys/class/net/eth0/duplex", "full\n");
	pf = procfs__open(d, PROCFS_NO_STATFS);
	assert_non_null(pf);
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(s.t[PC_G_NET].nrows, 2);
	assert_int_equal(s.t[PC_G_DISK].nrows, 2);
	assert_int_equal(s.t[PC_G_CPU].nrows, 3);

	/* cpu1 goes offline, eth1 and sdb vanish, wlan0 and nvme0n1 appear first */
	put(d, "proc/stat", "cpu  1 1 1 1\ncpu0 2 1 1 1\n");
	snprintf(text, sizeof(text),
		 "%s wlan0: 7 7 0 0 0 0 0 0 7 7 0 0 0 0 0 0\n"
		 "  eth0: 3 3 0 0 0 0 0 0 3 3 0 0 0 0 0 0\n",
		 NETDEV_HDR);
	put(d, "proc/net/dev", text);
	put(d, "proc/diskstats",
	    "259 0 nvme0n1 9 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "8 0 sda 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	put(d, "sys/class/net/wlan0/speed", "54\n");
	put(d, "sys/class/net/wlan0/duplex", "half\n");
	pc_sample_reset(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_CPU].nrows, 2);
	assert_int_equal(pc_table_find(&s.t[PC_G_CPU], "1"), -1);
	assert_int_equal(s.t[PC_G_NET].nrows, 2);
	assert_int_equal(pc_table_find(&s.t[PC_G_NET], "eth1"), -1);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_RX_BYTES), 3);
	/* nothing is cached by position: eth0 keeps its own speed in row 1 */
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 1000);
	assert_int_equal(GET(&s, PC_G_NET, "wlan0", PC_NET_SPEED), 54);
	assert_int_equal(GET(&s, PC_G_NET, "wlan0", PC_NET_DUPLEX), 1);
	assert_int_equal(pc_table_find(&s.t[PC_G_DISK], "sdb"), -1);
	assert_int_equal(GET(&s, PC_G_DISK, "nvme0n1", PC_DISK_MAJOR), 259);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_RD_IOS), 5);
	pc_sample_free(&s);
	procfs__close(pf);
	tu_rmtree(d);
	free(d);
}

static void link_speed_reread_only_when_interfaces_change(void **state)
{
	char *d = tu_tmpdir(), text[1024];
	struct pc_perr perr = {0};
	struct procfs *pf;
	struct pc_sample s;
	(void)state;

	assert_non_null(d);
	snprintf(text, sizeof(text), "%s  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n", NETDEV_HDR);
	put(d, "proc/net/dev", text);
	put(d, "sys/class/net/eth0/speed", "1000\n");
	pf = procfs__open(d, PROCFS_NO_STATFS);
	assert_non_null(pf);
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 1000);

	/* same interface set: sysfs is not read again (within 60 s) */
	put(d, "sys/class/net/eth0/speed", "10000\n");
	pc_sample_reset(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 1000);

	/* the set changes: everything is re-read */
	snprintf(text, sizeof(text),
		 "%s  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
		 "  eth1: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n",
		 NETDEV_HDR);
	put(d, "proc/net/dev", text);
	pc_sample_reset(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 10000);
	assert_int_equal(GET(&s, PC_G_NET, "eth1", PC_NET_SPEED), 0);
	assert_int_equal(perr.count, 0);
	pc_sample_free(&s);
	procfs__close(pf);
	tu_rmtree(d);
	free(d);
}

static void buffer_grows_for_a_4096_cpu_stat(void **state)
{
	char *d = tu_tmpdir(), *text;
	size_t cap = 4096 * 64 + 64, n = 0;
	struct pc_perr perr = {0};
	struct procfs *pf;
	struct pc_sample s;
	const char *t;
	(void)state;

	assert_non_null(d);
	text = malloc(cap);
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "cpu  1 2 3 4 5 6 7 8 9 10\n");
	for (unsigned c = 0; c < 4096; c++)
		n += (size_t)snprintf(text + n, cap - n, "cpu%u %u 0 0 100 0 0 0 0 0 0\n", c, c);
	put(d, "proc/stat", text);
	pf = procfs__open(d, 0);
	assert_non_null(pf);
	pc_sample_init(&s);
	for (int tick = 0; tick < 2; tick++) {
		pc_sample_reset(&s);
		assert_int_equal(procfs__read(pf, &s, &perr), 0);
		assert_int_equal(perr.count, 0);
		assert_int_equal(s.t[PC_G_CPU].nrows, 4097);
		assert_int_equal(GET(&s, PC_G_CPU, "4095", PC_CPU_USER), 4095);
	}
	t = procfs__text(pf, "/proc/stat", &cap);
	assert_int_equal(cap, n);
	assert_memory_equal(t, text, n);
	free(text);
	pc_sample_free(&s);
	procfs__close(pf);
	tu_rmtree(d);
	free(d);
}

static void vanished_mount_point_is_a_named_error(void **state)
{
	char *d = tu_tmpdir();
	struct pc_perr perr = {0};
	struct procfs *pf;
	struct pc_sample s;
	(void)state;

	assert_non_null(d);
	put(d, "proc/stat", "cpu  1 1 1 1\n");
	put(d, "proc/filesystems", "nodev\tproc\n\text4\n");
	put(d, "proc/self/mountinfo",
	    "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
	    "2 1 8:2 / /gone rw - ext4 /dev/sda2 rw\n");
	pf = procfs__open(d, 0);
	assert_non_null(pf);
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	assert_int_equal(s.t[PC_G_FS].nrows, 1);
	assert_int_equal(perr.count, 1);
	assert_non_null(strstr(perr.first, "/gone: ENOENT"));
	pc_sample_free(&s);
	procfs__close(pf);
	tu_rmtree(d);
	free(d);
}

static void sysinfo_of_the_fixture_tree(void **state)
{
	struct pc_sysinfo si;
	(void)state;

	assert_int_equal(pc_sysinfo_read(&si, tree("debian12-2cpu")), 0);
	assert_string_equal(si.hostname, "vm");
	assert_string_equal(si.machine, "x86_64");
	assert_string_equal(si.cpu_model, "AMD EPYC");
	assert_int_equal(si.ncpu, 2);
	assert_int_equal(si.mem_total_kb, 24684096);
	assert_true(si.user_hz > 0);
	assert_int_equal(si.page_size & (si.page_size - 1), 0);
}

/* --- the live system */

static int have_proc(void)
{
	return access("/proc/stat", R_OK) == 0;
}

static void sysinfo_live(void **state)
{
	struct pc_sysinfo si;
	(void)state;

	if (!have_proc())
		tu_skip("no /proc here");
	assert_int_equal(pc_sysinfo_read(&si, NULL), 0);
	assert_true(si.ncpu >= 1);
	assert_true(si.ncpu <= (uint32_t)sysconf(_SC_NPROCESSORS_CONF));
	assert_true(si.mem_total_kb > 0);
	assert_true(si.hostname[0] != 0);
	assert_true(si.kernel[0] != 0);
	assert_int_equal(si.user_hz, (uint32_t)sysconf(_SC_CLK_TCK));
	assert_int_equal(si.page_size, (uint32_t)sysconf(_SC_PAGESIZE));
}

/* Sum of the cpu "all" row: every column only grows. */
static void live_rows_present_and_monotonic(void **state)
{
	struct procfs *pf;
	struct pc_perr perr = {0};
	struct pc_sample a, b;
	struct timespec ts = {0, 30 * 1000 * 1000};
	(void)state;

	if (!have_proc())
		tu_skip("no /proc here");
	pf = procfs__open(NULL, 0);
	assert_non_null(pf);
	if (procfs__missing(pf)[0])
		print_message("missing here: %s\n", procfs__missing(pf));
	pc_sample_init(&a);
	pc_sample_init(&b);
	assert_int_equal(procfs__read(pf, &a, &perr), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(procfs__read(pf, &b, &perr), 0);
	if (perr.count)
		print_message("perr: %s\n", perr.first);
	assert_int_equal(perr.count, 0);
	assert_true(pc_table_find(&b.t[PC_G_CPU], "all") == 0);
	assert_true(b.t[PC_G_CPU].nrows >= 2);
	assert_true(GET(&b, PC_G_MEM, "MemTotal", PC_KV_VALUE) > 0);
	assert_true(pc_table_find(&b.t[PC_G_NET], "lo") >= 0);
	assert_true(pc_table_find(&b.t[PC_G_FS], "/") >= 0);
	assert_int_equal(b.t[PC_G_LOAD].nrows, 1);
	for (unsigned c = 0; c < PC_CPU_NCOLS; c++)
		assert_true(GET(&b, PC_G_CPU, "all", c) >= GET(&a, PC_G_CPU, "all", c));
	assert_true(GET(&b, PC_G_STAT, "stat", PC_STAT_CTXT) >=
		    GET(&a, PC_G_STAT, "stat", PC_STAT_CTXT));
	assert_true(GET(&b, PC_G_STAT, "stat", PC_STAT_PROCESSES) >=
		    GET(&a, PC_G_STAT, "stat", PC_STAT_PROCESSES));
	assert_true(GET(&b, PC_G_UPTIME, "uptime", PC_UPTIME_UP) >=
		    GET(&a, PC_G_UPTIME, "uptime", PC_UPTIME_UP));
	assert_true(GET(&b, PC_G_NET, "lo", PC_NET_RX_BYTES) >=
		    GET(&a, PC_G_NET, "lo", PC_NET_RX_BYTES));
	assert_int_equal(GET(&b, PC_G_STAT, "stat", PC_STAT_BTIME),
			 GET(&a, PC_G_STAT, "stat", PC_STAT_BTIME));
	pc_sample_free(&a);
	pc_sample_free(&b);
	procfs__close(pf);
}

/* The same sample reused across ticks keeps its rows' memory. */
static void live_reset_keeps_capacity(void **state)
{
	struct procfs *pf;
	struct pc_perr perr = {0};
	struct pc_sample s;
	void *keys[PC_G_MAX];
	(void)state;

	if (!have_proc())
		tu_skip("no /proc here");
	pf = procfs__open("", 0);
	assert_non_null(pf);
	pc_sample_init(&s);
	assert_int_equal(procfs__read(pf, &s, &perr), 0);
	for (int g = 0; g < PC_G_MAX; g++)
		keys[g] = s.t[g].key;
	for (int tick = 0; tick < 20; tick++) {
		pc_sample_reset(&s);
		assert_int_equal(procfs__read(pf, &s, &perr), 0);
	}
	for (int g = 0; g < PC_G_MAX; g++)
		assert_ptr_equal(keys[g], s.t[g].key);
	pc_sample_free(&s);
	procfs__close(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fixture_tree_every_source),
	    cmocka_unit_test(old_kernel_tree_lists_what_is_missing),
	    cmocka_unit_test(flags_leave_out_statfs_and_sysnet),
	    cmocka_unit_test(open_fails_on_an_empty_root),
	    cmocka_unit_test(unreadable_source_is_missing_not_an_error_each_tick),
	    cmocka_unit_test(text_is_verbatim_and_confined),
	    cmocka_unit_test(devices_vanish_and_appear_between_reads),
	    cmocka_unit_test(link_speed_reread_only_when_interfaces_change),
	    cmocka_unit_test(buffer_grows_for_a_4096_cpu_stat),
	    cmocka_unit_test(vanished_mount_point_is_a_named_error),
	    cmocka_unit_test(sysinfo_of_the_fixture_tree),
	    cmocka_unit_test(sysinfo_live),
	    cmocka_unit_test(live_rows_present_and_monotonic),
	    cmocka_unit_test(live_reset_keeps_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
