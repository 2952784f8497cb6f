// SPDX-License-Identifier: MIT
/*
 * test_bpf.c: the eBPF sampler's lifecycle and names. Each program set loads,
 * attaches (as tp_btf and as the raw_tp fallback) and drains into the
 * sample's tables; counters are cumulative; the "self" row gets the BPF
 * cost only when the collector made one; switched-off parts are named; a
 * non-root caller is told so. The name parsers get real and hostile text.
 * Needs root and BTF; otherwise each test skips with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/bpftest.h"
#include "common/testutil.h"
#include "pc/bpf_sampler.h"
#include "pc/sample.h"

static void msleep(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void test_open_loads_every_program_as_tp_btf(void **state)
{
	struct bpf_prog_cost cost[16];
	struct bpf_sampler *b;
	int n;

	(void)state;
	need_bpf();
	b = open_opts(0, 0);
	assert_string_equal(bpf_sampler__missing(b), "");
	assert_int_equal(bpf_sampler__uses_btf(b), 1);
	/* sched: switch; blk: issue, complete; proc: exec, exit. */
	n = bpf_sampler__costs(b, cost, 16);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++)
		assert_non_null(strstr(cost[i].name, "_btf"));
	bpf_sampler__close(b);
}

/* VmHWM of this process, kB. */
static long hwm_kb(void)
{
	char *t = tu_read_file("/proc/self/status", NULL), *p = t ? strstr(t, "VmHWM:") : NULL;
	long kb = p ? strtol(p + 6, NULL, 10) : -1;

	free(t);
	return kb;
}

/*
 * The kernel BTF that CO-RE relocation reads (5.5 MB here, ~10 MiB once
 * indexed) is parsed by the loader child, never by us: our peak RSS grows
 * by much less than the BTF itself while every program loads, and closing
 * the sampler detaches them (the child's exit did not).
 */
static void test_btf_is_parsed_outside_the_collector(void **state)
{
	struct bpf_prog_cost cost[16];
	struct stat st;
	long before, after;
	struct bpf_sampler *b;

	(void)state;
	need_bpf();
	assert_int_equal(stat("/sys/kernel/btf/vmlinux", &st), 0);
	before = hwm_kb();
	b = open_opts(0, 0);
	after = hwm_kb();
	print_message("  VmHWM %ld -> %ld kB while loading; kernel BTF %lld kB\n", before, after,
		      (long long)st.st_size / 1024);
	assert_true(after - before < st.st_size / 1024 / 2);
	assert_int_equal(bpf_sampler__costs(b, cost, 16), 5);
	bpf_sampler__close(b);
}

static void test_raw_tp_fallback_loads_and_drains(void **state)
{
	struct bpf_prog_cost cost[16];
	struct pc_sample s;
	struct bpf_sampler *b;
	int n;

	(void)state;
	need_bpf();
	b = open_opts(BPF_SAMPLER_RAW_TP, 0);
	assert_int_equal(bpf_sampler__uses_btf(b), 0);
	n = bpf_sampler__costs(b, cost, 16);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++)
		assert_non_null(strstr(cost[i].name, "_raw"));
	msleep(50);
	pc_sample_init(&s);
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	assert_true(s.t[PC_G_BPF_CPU].nrows >= 1);
	assert_true(pc_table_get(&s.t[PC_G_BPF_RUNQ], "runq", PC_RUNQ_COUNT, 0) > 0);
	assert_true(s.t[PC_G_BPF_CGROUP].nrows >= 1);
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

static void test_read_fills_every_table(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct pc_sample s;
	struct bpf_sampler *b;
	uint64_t *row;

	(void)state;
	need_bpf();
	b = open_opts(0, 0);
	msleep(100);
	pc_sample_init(&s);
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	/* One row per online CPU, keyed like PC_G_CPU rows, with time and switches. */
	assert_int_equal(s.t[PC_G_BPF_CPU].nrows, ncpu);
	for (long c = 0; c < ncpu; c++) {
		char key[24];

		snprintf(key, sizeof(key), "%ld", c);
		assert_int_not_equal(pc_table_find(&s.t[PC_G_BPF_CPU], key), -1);
		assert_true(pc_table_get(&s.t[PC_G_BPF_CPU], key, PC_BCPU_SWITCHES, 0) > 0);
		/* unreported switches are counted, never more than the switches seen */
		assert_true(pc_table_get(&s.t[PC_G_BPF_CPU], key, PC_BCPU_UNSEEN, UINT64_MAX) <=
			    pc_table_get(&s.t[PC_G_BPF_CPU], key, PC_BCPU_SWITCHES, 0));
	}
	row = pc_table_row(&s.t[PC_G_BPF_RUNQ], 0);
	assert_non_null(row);
	assert_string_equal(s.t[PC_G_BPF_RUNQ].key[0], "runq");
	/* The buckets add up to the count. */
	{
		uint64_t sum = 0;

		for (int i = 0; i < PC_HIST_BUCKETS; i++)
			sum += row[PC_RUNQ_B0 + i];
		assert_true(row[PC_RUNQ_COUNT] > 0);
		assert_int_equal(sum, row[PC_RUNQ_COUNT]);
	}
	/* This process' own cgroup has run: it is there under a path. */
	assert_true(s.t[PC_G_BPF_CGROUP].nrows >= 1);
	assert_true(s.t[PC_G_BPF_CGROUP].key[0][0] == '/' ||
		    !strncmp(s.t[PC_G_BPF_CGROUP].key[0], "cgroup-id:", 10));
	assert_int_equal(s.t[PC_G_BPF_PROC].nrows, 1);
	assert_string_equal(s.t[PC_G_BPF_PROC].key[0], "proc");
	/* No "self" row was made by the caller: none is added. */
	assert_int_equal(s.t[PC_G_SELF].nrows, 0);
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

static void test_counters_never_go_back(void **state)
{
	struct pc_sample a, c;
	struct bpf_sampler *b;

	(void)state;
	need_bpf();
	b = open_opts(0, 0);
	pc_sample_init(&a);
	pc_sample_init(&c);
	assert_int_equal(bpf_sampler__read(b, &a), 0);
	for (int round = 0; round < 20; round++) {
		msleep(5);
		pc_sample_reset(&c);
		assert_int_equal(bpf_sampler__read(b, &c), 0);
		for (int g = PC_G_BPF_CPU; g <= PC_G_BPF_PROC; g++) {
			const struct pc_table *ta = &a.t[g], *tc = &c.t[g];

			for (uint32_t r = 0; r < ta->nrows; r++) {
				int j = pc_table_find(tc, ta->key[r]);

				if (j < 0)
					continue; /* a vanished cgroup */
				for (unsigned col = 0; col < ta->ncols; col++)
					if (pc_table_row(tc, (uint32_t)j)[col] <
					    pc_table_row(ta, r)[col])
						fail_msg("%s row %s col %s went back",
							 pc_groups[g].name, ta->key[r],
							 pc_groups[g].cols[col]);
			}
		}
		assert_int_equal(pc_sample_copy(&a, &c), 0);
	}
	pc_sample_free(&a);
	pc_sample_free(&c);
	bpf_sampler__close(b);
}

static void test_self_row_gets_bpf_cost(void **state)
{
	struct pc_sample s;
	struct bpf_sampler *b;
	uint64_t *self;

	(void)state;
	need_bpf();
	b = open_opts(0, 0);
	msleep(50);
	pc_sample_init(&s);
	self = pc_table_add(&s.t[PC_G_SELF], "self");
	assert_non_null(self);
	self[PC_SELF_UTIME_NS] = 12345;
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	self = pc_table_row(&s.t[PC_G_SELF], 0);
	assert_int_equal(s.t[PC_G_SELF].nrows, 1);
	assert_true(self[PC_SELF_BPF_RUN_CNT] > 0);
	assert_true(self[PC_SELF_BPF_RUN_NS] > 0);
	assert_int_equal(self[PC_SELF_RB_DROPS], 0);
	/* The collector's own columns are left alone. */
	assert_int_equal(self[PC_SELF_UTIME_NS], 12345);
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

static void run_true(int times)
{
	for (int i = 0; i < times; i++) {
		pid_t p = fork();

		assert_true(p >= 0);
		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
}

static void test_proc_counts_execs_and_exits(void **state)
{
	struct pc_sample s;
	struct bpf_sampler *b;
	uint64_t e0, x0, cpu0, t0, tcpu0;

	(void)state;
	need_bpf();
	b = open_opts(BPF_SAMPLER_NO_SCHED | BPF_SAMPLER_NO_BLK, 0);
	pc_sample_init(&s);
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	e0 = pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXECS, UINT64_MAX);
	x0 = pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXITS, UINT64_MAX);
	cpu0 = pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXIT_CPU_NS, UINT64_MAX);
	t0 = pc_table_get(&s.t[PC_G_BPF_EXITED], "true", PC_EXITED_TASKS, 0);
	tcpu0 = pc_table_get(&s.t[PC_G_BPF_EXITED], "true", PC_EXITED_CPU_NS, 0);
	run_true(10);
	pc_sample_reset(&s);
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	assert_true(pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXECS, 0) >= e0 + 10);
	assert_true(pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXITS, 0) >= x0 + 10);
	assert_true(pc_table_get(&s.t[PC_G_BPF_PROC], "proc", PC_PROC_EXIT_CPU_NS, 0) > cpu0);
	/* Each /bin/true is attributed by name, with its CPU time. */
	assert_true(pc_table_get(&s.t[PC_G_BPF_EXITED], "true", PC_EXITED_TASKS, 0) >= t0 + 10);
	assert_true(pc_table_get(&s.t[PC_G_BPF_EXITED], "true", PC_EXITED_CPU_NS, 0) > tcpu0);
	/* Only proc runs: the other tables stay empty. */
	assert_int_equal(s.t[PC_G_BPF_CPU].nrows, 0);
	assert_int_equal(s.t[PC_G_BPF_BLK].nrows, 0);
	assert_non_null(strstr(bpf_sampler__missing(b), "sched off by request"));
	assert_non_null(strstr(bpf_sampler__missing(b), "blk off by request"));
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

/*
 * 300 short-lived processes with 300 names: each name up to the 256th row
 * has its own, the rest share "(other)"; every exit is counted somewhere.
 */
static void test_exited_commands_past_the_limit_share_other(void **state)
{
	const struct pc_table *t;
	struct pc_sample s;
	struct bpf_sampler *b;
	uint64_t ours = 0, other;
	char name[16];

	(void)state;
	need_bpf();
	b = open_opts(BPF_SAMPLER_NO_SCHED | BPF_SAMPLER_NO_BLK, 0);
	pc_sample_init(&s);
	for (int i = 0; i < 300; i++) {
		pid_t p = fork();

		assert_true(p >= 0);
		if (p == 0) {
			snprintf(name, sizeof(name), "pcx%03d", i);
			prctl(PR_SET_NAME, name);
			_exit(0);
		}
		waitpid(p, NULL, 0);
	}
	assert_int_equal(bpf_sampler__read(b, &s), 0);
	t = &s.t[PC_G_BPF_EXITED];
	for (uint32_t r = 0; r < t->nrows; r++)
		if (!strncmp(t->key[r], "pcx", 3))
			ours += pc_table_row(t, r)[PC_EXITED_TASKS];
	other = pc_table_get(t, "(other)", PC_EXITED_TASKS, 0);
	print_message("  %u command rows, %llu pcx exits by name, %llu under (other)\n", t->nrows,
		      (unsigned long long)ours, (unsigned long long)other);
	assert_int_equal(t->nrows, 256);
	assert_int_equal(pc_table_find(t, "(other)"), 255);
	/* Every pcx exit is in a row of its own name or in (other) (with whatever else). */
	assert_true(ours + other >= 300);
	pc_sample_free(&s);
	bpf_sampler__close(b);
}

static void test_everything_off_is_refused_with_reason(void **state)
{
	char why[256];
	struct bpf_sampler *b;

	(void)state;
	need_bpf();
	b = bpf_sampler__open(BPF_SAMPLER_NO_SCHED | BPF_SAMPLER_NO_BLK | BPF_SAMPLER_NO_PROC, why,
			      sizeof(why));
	assert_null(b);
	assert_non_null(strstr(why, "off by request"));
}

static void test_not_root_is_told_plainly(void **state)
{
	int st;
	pid_t p;

	(void)state;
	if (geteuid() != 0) {
		char why[256];

		assert_null(bpf_sampler__open(0, why, sizeof(why)));
		assert_int_equal(errno, EPERM);
		assert_string_equal(why, "not root");
		return;
	}
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		char why[256];
		struct bpf_sampler *b;

		if (setuid(65534))
			_exit(2);
		b = bpf_sampler__open(0, why, sizeof(why));
		_exit(!b && errno == EPERM && !strcmp(why, "not root") ? 0 : 1);
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * The maps only the programs write are frozen once loaded: their fds (which
 * a process that dropped root holds) can neither update them nor map them
 * writable. The cpus map's elements hold a task's address the sched program
 * reads through: writable, they would read any kernel address.
 */
static void test_program_maps_are_frozen(void **state)
{
	static const char *const frozen[] = {"cpus", "disks", "disk_slots", "blk_err", "proc_stats"};
	struct bpf_sampler *b;
	unsigned seen = 0;

	(void)state;
	need_bpf();
	b = open_opts(0, 0);
	for (int fd = 3; fd < 1024; fd++) {
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info);
		uint64_t key = 0;
		char val[4096] = {0};
		void *p;

		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		for (size_t i = 0; i < sizeof(frozen) / sizeof(*frozen); i++) {
			if (strcmp(info.name, frozen[i]))
				continue;
			seen |= 1u << i;
			if (info.value_size <= sizeof(val) && info.key_size <= sizeof(key) &&
			    !bpf_map_update_elem(fd, &key, val, 0))
				fail_msg("map %s (fd %d) took an update from userspace", info.name, fd);
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p != MAP_FAILED)
				fail_msg("map %s (fd %d) mapped writable", info.name, fd);
		}
	}
	print_message("  frozen maps found: %#x of %#x\n", seen, (1u << 5) - 1);
	assert_true(seen & 1u); /* cpus, at least: the sched program always loads here */
	bpf_sampler__close(b);
}

/* As nobody, through the broker (the privileged part): every program, stats on. */
static int load_as_nobody(int sock)
{
	struct bpf_prog_cost cost[16];
	struct bpf_sampler *b;
	char why[256];

	if (setgid(65534) || setuid(65534))
		return 2;
	bpf_broker__use(sock);
	b = bpf_sampler__open(0, why, sizeof(why));
	if (!b || strcmp(bpf_sampler__missing(b), "") || bpf_sampler__costs(b, cost, 16) != 5)
		return 1;
	bpf_sampler__close(b);
	/* a request of the wrong size ends the broker; the next load says so */
	if (send(sock, "x", 1, 0) != 1 || bpf_sampler__open(0, why, sizeof(why)))
		return 3;
	return strstr(why, "loader process") ? 0 : 4;
}

/* Privilege separation: the unprivileged part loads through the broker over a socketpair. */
static void test_broker_loads_for_an_unprivileged_process(void **state)
{
	int sv[2], st;
	pid_t srv, p;

	(void)state;
	need_bpf();
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	srv = fork();
	assert_true(srv >= 0);
	if (srv == 0) {
		close(sv[0]);
		bpf_broker__serve(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(load_as_nobody(sv[0]));
	close(sv[0]);
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(waitpid(srv, &st, 0), srv);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_close_null_is_harmless(void **state)
{
	(void)state;
	bpf_sampler__close(NULL);
	assert_string_equal(bpf_sampler__missing(NULL), "eBPF sampler not running");
}

/* --- names --- */

static void test_uevent_gives_devname(void **state)
{
	const char *t = "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\nDISKSEQ=1\n";
	char name[32];

	(void)state;
	assert_int_equal(bpf_names__parse_uevent(t, strlen(t), name, sizeof(name)), 0);
	assert_string_equal(name, "vda");
}

static void test_uevent_hostile_text_is_refused(void **state)
{
	char name[8];

	(void)state;
	assert_int_equal(bpf_names__parse_uevent("MAJOR=1\n", 8, name, sizeof(name)), -ENOENT);
	assert_int_equal(bpf_names__parse_uevent("", 0, name, sizeof(name)), -ENOENT);
	assert_int_equal(bpf_names__parse_uevent("DEVNAME=\n", 9, name, sizeof(name)), -EINVAL);
	assert_int_equal(bpf_names__parse_uevent("DEVNAME=../../x\n", 16, name, sizeof(name)),
			 -EINVAL);
	/* Longer than the buffer: refused, not truncated into another disk's name. */
	assert_int_equal(bpf_names__parse_uevent("DEVNAME=nvme0n1p12\n", 19, name, sizeof(name)),
			 -EINVAL);
	/* No newline at the end, and the length bounds the read (no NUL needed). */
	assert_int_equal(bpf_names__parse_uevent("DEVNAME=sdaXXXX", 11, name, sizeof(name)), 0);
	assert_string_equal(name, "sda");
	assert_int_equal(bpf_names__parse_uevent("DEVNAME=s\0a\n", 12, name, sizeof(name)),
			 -EINVAL);
}

static const char partitions[] = "major minor  #blocks  name\n"
				 "\n"
				 " 254        0  268435456 vda\n"
				 " 253        0          0 zram0\n"
				 "   7        0     102400 loop0\n";

static void test_partitions_find_the_device(void **state)
{
	char name[32], err[160];

	(void)state;
	assert_int_equal(bpf_names__parse_partitions(partitions, strlen(partitions), 7, 0, name,
						     sizeof(name), err, sizeof(err)),
			 0);
	assert_string_equal(name, "loop0");
	assert_int_equal(bpf_names__parse_partitions(partitions, strlen(partitions), 254, 0, name,
						     sizeof(name), err, sizeof(err)),
			 0);
	assert_string_equal(name, "vda");
	assert_int_equal(bpf_names__parse_partitions(partitions, strlen(partitions), 8, 0, name,
						     sizeof(name), err, sizeof(err)),
			 -ENOENT);
}

static void test_partitions_garbage_is_named(void **state)
{
	const char bad[] = "major minor  #blocks  name\n\n 254 0 268435456 vda\n 8 zz\n";
	char name[32], err[160], big[600];

	(void)state;
	assert_int_equal(bpf_names__parse_partitions(bad, strlen(bad), 8, 0, name, sizeof(name),
						     err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "/proc/partitions line 4"));
	assert_non_null(strstr(err, "8 zz"));
	/* A line longer than any real one, and 2^64-1 blocks (valid, just huge). */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(bpf_names__parse_partitions(big, strlen(big), 8, 0, name, sizeof(name),
						     err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "too long"));
	{
		const char huge[] = "8 0 18446744073709551615 sda\n";

		assert_int_equal(bpf_names__parse_partitions(huge, strlen(huge), 8, 0, name,
							     sizeof(name), err, sizeof(err)),
				 0);
		assert_string_equal(name, "sda");
	}
	/* Truncated mid-line. */
	assert_int_equal(
	    bpf_names__parse_partitions(partitions, 40, 7, 0, name, sizeof(name), err, sizeof(err)),
	    -EINVAL);
}

static void test_real_disk_name_from_dev_t(void **state)
{
	struct bpf_names *n;
	struct stat st;
	const char *name;

	(void)state;
	if (stat("/sys/dev/block", &st)) {
		tu_skip("no /sys/dev/block here");
		return;
	}
	/* Whatever holds / is a real block device, unless / is virtual. */
	if (stat("/", &st) || !major(st.st_dev)) {
		tu_skip("/ is not on a block device");
		return;
	}
	n = bpf_names__new(NULL);
	assert_non_null(n);
	name = bpf_names__disk(n, (major(st.st_dev) << 20) | minor(st.st_dev));
	assert_non_null(name);
	assert_true(strlen(name) > 0);
	/* A dev_t nothing has: unknown, not a crash; asked twice, still unknown. */
	assert_null(bpf_names__disk(n, (4000u << 20) | 12345u));
	assert_null(bpf_names__disk(n, UINT32_MAX));
	bpf_names__free(n);
}

static void test_cgroup_root_resolves_to_slash(void **state)
{
	struct bpf_names *n = bpf_names__new(NULL);
	uint64_t id;

	(void)state;
	assert_non_null(n);
	if (!bpf_names__cg2root(n)[0]) {
		bpf_names__free(n);
		tu_skip("no cgroup v2 mount on this machine");
		return;
	}
	id = bpf_names__cgroup_id(bpf_names__cg2root(n));
	assert_true(id != 0);
	assert_string_equal(bpf_names__cgroup(n, id), "/");
	/* An id that does not exist: NULL, and no second walk within the tick. */
	assert_null(bpf_names__cgroup(n, UINT64_MAX));
	assert_null(bpf_names__cgroup(n, UINT64_MAX - 1));
	bpf_names__free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* first: an earlier load in this process would have raised the peak already */
	    cmocka_unit_test(test_btf_is_parsed_outside_the_collector),
	    cmocka_unit_test(test_open_loads_every_program_as_tp_btf),
	    cmocka_unit_test(test_raw_tp_fallback_loads_and_drains),
	    cmocka_unit_test(test_read_fills_every_table),
	    cmocka_unit_test(test_counters_never_go_back),
	    cmocka_unit_test(test_self_row_gets_bpf_cost),
	    cmocka_unit_test(test_proc_counts_execs_and_exits),
	    cmocka_unit_test(test_exited_commands_past_the_limit_share_other),
	    cmocka_unit_test(test_everything_off_is_refused_with_reason),
	    cmocka_unit_test(test_broker_loads_for_an_unprivileged_process),
	    cmocka_unit_test(test_program_maps_are_frozen),
	    cmocka_unit_test(test_not_root_is_told_plainly),
	    cmocka_unit_test(test_close_null_is_harmless),
	    cmocka_unit_test(test_uevent_gives_devname),
	    cmocka_unit_test(test_uevent_hostile_text_is_refused),
	    cmocka_unit_test(test_partitions_find_the_device),
	    cmocka_unit_test(test_partitions_garbage_is_named),
	    cmocka_unit_test(test_real_disk_name_from_dev_t),
	    cmocka_unit_test(test_cgroup_root_resolves_to_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
