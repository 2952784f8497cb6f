// SPDX-License-Identifier: MIT
/*
 * test_proc_hostile.c: the /proc parsers on input no healthy kernel prints:
 * empty text, no trailing newline, truncated lines, 2^64-1 (fine) and 2^64
 * (a parse error naming the place), missing fields, NUL bytes and overlong
 * names, snmp/netstat pairs whose names and values disagree or whose value
 * line is missing, a synthetic 4096-CPU /proc/stat, every prefix of real files, and
 * random bytes. A bad line costs that line only, is counted in pc_perr, and
 * never crashes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/proc.h"
#include "pc/sysinfo.h"

typedef int (*parse_fn)(const char *, size_t, struct pc_sample *, struct pc_perr *);

static int psi_cpu(const char *b, size_t n, struct pc_sample *s, struct pc_perr *e)
{
	return proc_pressure_parse("cpu", b, n, s, e);
}

static int cpuinfo(const char *b, size_t n, struct pc_sample *s, struct pc_perr *e)
{
	struct pc_sysinfo si;

	(void)s;
	(void)e;
	return pc_sysinfo_parse_cpuinfo(&si, b, n);
}

static const struct {
	const char *name;
	parse_fn fn;
	int group;
} parsers[] = {
    {"stat", proc_stat_parse, PC_G_CPU},
    {"meminfo", proc_meminfo_parse, PC_G_MEM},
    {"vmstat", proc_vmstat_parse, PC_G_VMSTAT},
    {"diskstats", proc_diskstats_parse, PC_G_DISK},
    {"netdev", proc_netdev_parse, PC_G_NET},
    {"loadavg", proc_loadavg_parse, PC_G_LOAD},
    {"uptime", proc_uptime_parse, PC_G_UPTIME},
    {"pressure", psi_cpu, PC_G_PSI},
    {"statfs_json", proc_statfs_json_parse, PC_G_FS},
    {"snmp", proc_snmp_parse, PC_G_SNMP},
    {"netstat", proc_netstat_parse, PC_G_NETSTAT},
    {"cpuinfo", cpuinfo, PC_G_MAX},
};
#define NPARSERS (sizeof(parsers) / sizeof(*parsers))

/* Parse text (a C string) with fn into a fresh sample; returns the perr count. */
static unsigned run(parse_fn fn, const char *text, struct pc_sample *s, struct pc_perr *perr)
{
	memset(perr, 0, sizeof(*perr));
	pc_sample_init(s);
	assert_int_equal(fn(text, strlen(text), s, perr), 0);
	return perr->count;
}

static unsigned total_rows(const struct pc_sample *s)
{
	unsigned n = 0;

	for (int g = 0; g < PC_G_MAX; g++)
		n += s->t[g].nrows;
	return n;
}

static void empty_input_gives_no_rows(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	for (unsigned i = 0; i < NPARSERS; i++) {
		memset(&perr, 0, sizeof(perr));
		pc_sample_init(&s);
		assert_int_equal(parsers[i].fn("", 0, &s, &perr), 0);
		assert_int_equal(total_rows(&s), 0);
		pc_sample_free(&s);
	}
}

static void no_trailing_newline(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_stat_parse, "cpu  1 2 3 4 5 6 7 8 9 10", &s, &perr), 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "all", PC_CPU_GUEST_NICE, 0), 10);
	pc_sample_free(&s);
	assert_int_equal(run(proc_meminfo_parse, "MemFree: 7 kB", &s, &perr), 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_MEM], "MemFree", 0, 0), 7);
	pc_sample_free(&s);
	assert_int_equal(run(proc_uptime_parse, "1.5 2", &s, &perr), 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_UPTIME], "uptime", PC_UPTIME_UP, 0), 150);
	assert_int_equal(pc_table_get(&s.t[PC_G_UPTIME], "uptime", PC_UPTIME_IDLE, 0), 200);
	pc_sample_free(&s);
}

static void stat_2pow64_minus_1_is_fine(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_stat_parse,
			     "cpu0 18446744073709551615 0 0 0\nctxt 18446744073709551615\n", &s,
			     &perr),
			 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "0", PC_CPU_USER, 0), UINT64_MAX);
	assert_int_equal(pc_table_get(&s.t[PC_G_STAT], "stat", PC_STAT_CTXT, 0), UINT64_MAX);
	pc_sample_free(&s);
}

static void stat_2pow64_is_a_parse_error_naming_the_line(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_stat_parse,
			     "cpu  1 1 1 1\ncpu0 1 18446744073709551616 0 0\ncpu1 2 2 2 2\n", &s,
			     &perr),
			 1);
	assert_string_equal(perr.first,
			    "/proc/stat line 2: cpu0 column 2: 18446744073709551616 does not fit "
			    "64 bits");
	/* only that line is lost */
	assert_int_equal(s.t[PC_G_CPU].nrows, 2);
	assert_int_equal(pc_table_find(&s.t[PC_G_CPU], "0"), -1);
	assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "1", PC_CPU_USER, 0), 2);
	pc_sample_free(&s);
}

#define SNMP_GET(s, col) pc_table_get(&(s)->t[PC_G_SNMP], "snmp", (col), 7)

/* A value line cut short, or one value too many: the pair is lost, the rest is kept. */
static void snmp_names_and_values_disagree(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_snmp_parse,
			     "Tcp: RtoAlgorithm ActiveOpens InSegs\nTcp: 1 5\n"
			     "Udp: InDatagrams NoPorts\nUdp: 9 1\n",
			     &s, &perr),
			 1);
	assert_string_equal(perr.first, "/proc/net/snmp line 2: Tcp: 3 names, 2 values");
	assert_int_equal(SNMP_GET(&s, PC_SNMP_TCP_ACTIVE_OPENS), 0);
	assert_int_equal(SNMP_GET(&s, PC_SNMP_UDP_IN_DATAGRAMS), 9);
	pc_sample_free(&s);
	assert_int_equal(run(proc_snmp_parse, "Tcp: ActiveOpens\nTcp: 1 2\n", &s, &perr), 1);
	assert_string_equal(perr.first, "/proc/net/snmp line 2: Tcp: 1 names, 2 values");
	assert_int_equal(s.t[PC_G_SNMP].nrows, 0);
	pc_sample_free(&s);
}

/* A header whose value line never comes (truncated file, or another protocol next). */
static void snmp_names_without_values(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_snmp_parse,
			     "Tcp: ActiveOpens\nUdp: InDatagrams\nUdp: 5\nTcp: InSegs", &s, &perr),
			 2);
	assert_string_equal(perr.first, "/proc/net/snmp line 1: Tcp: names without values");
	assert_int_equal(SNMP_GET(&s, PC_SNMP_UDP_IN_DATAGRAMS), 5);
	pc_sample_free(&s);
	/* a line without "Proto:" */
	assert_int_equal(run(proc_netstat_parse, "TcpExt ListenDrops\n", &s, &perr), 1);
	assert_string_equal(perr.first, "/proc/net/netstat line 1: no \"Proto:\" prefix");
	assert_int_equal(s.t[PC_G_NETSTAT].nrows, 0);
	pc_sample_free(&s);
}

/* 2^64-1 fits; 2^64, a sign or junk in a kept field lose the pair; in a skipped one, nothing. */
static void snmp_huge_and_signed_numbers(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_snmp_parse,
			     "Tcp: MaxConn ActiveOpens\nTcp: -1 18446744073709551615\n", &s, &perr),
			 0);
	assert_int_equal(SNMP_GET(&s, PC_SNMP_TCP_ACTIVE_OPENS), UINT64_MAX);
	pc_sample_free(&s);
	assert_int_equal(run(proc_snmp_parse,
			     "Tcp: ActiveOpens InSegs\nTcp: 1 18446744073709551616\n", &s, &perr),
			 1);
	assert_string_equal(perr.first, "/proc/net/snmp line 2: Tcp InSegs: 18446744073709551616 "
					"does not fit 64 bits");
	assert_int_equal(s.t[PC_G_SNMP].nrows, 0);
	pc_sample_free(&s);
	assert_int_equal(run(proc_snmp_parse, "Udp: NoPorts\nUdp: -3\n", &s, &perr), 1);
	assert_string_equal(perr.first, "/proc/net/snmp line 2: Udp NoPorts: -3 is not a number");
	pc_sample_free(&s);
	/* another protocol's values are not even read */
	assert_int_equal(run(proc_snmp_parse, "Ip: Forwarding\nIp: x\n", &s, &perr), 0);
	assert_int_equal(s.t[PC_G_SNMP].nrows, 0);
	pc_sample_free(&s);
}

static void twenty_one_digits_is_a_parse_error(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	/* small in value, but more than 20 digits */
	assert_int_equal(run(proc_vmstat_parse, "pgfault 000000000000000000001\n", &s, &perr), 1);
	assert_int_equal(s.t[PC_G_VMSTAT].nrows, 0);
	pc_sample_free(&s);
	assert_int_equal(run(proc_vmstat_parse, "pgfault 00000000000000000001\n", &s, &perr), 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_VMSTAT], "pgfault", 0, 0), 1);
	pc_sample_free(&s);
}

static void overflow_in_every_counter_file(void **state)
{
	static const struct {
		parse_fn fn;
		const char *text;
	} cases[] = {
	    {proc_meminfo_parse, "MemTotal: 18446744073709551616 kB\n"},
	    {proc_vmstat_parse, "nr_free_pages 99999999999999999999\n"},
	    {proc_diskstats_parse,
	     "8 0 sda 18446744073709551616 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"},
	    {proc_netdev_parse, "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 18446744073709551616\n"},
	    {proc_loadavg_parse, "184467440737095516.16 0.00 0.00 1/1 1\n"},
	    {proc_uptime_parse, "184467440737095516.16 0.00\n"},
	    {psi_cpu, "some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n"},
	};
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(run(cases[i].fn, cases[i].text, &s, &perr), 1);
		assert_non_null(strstr(perr.first, "does not fit 64 bits"));
		assert_int_equal(total_rows(&s), 0);
		pc_sample_free(&s);
	}
}

static void stat_truncated_and_unknown_lines(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	/* cpu1 cut after two columns, a garbage word, an unknown line, a repeat */
	assert_int_equal(run(proc_stat_parse,
			     "cpu  1 1 1 1\ncpu0 1 1 1 1\ncpu1 5 6\ncpu2 1 x 1 1\npage 5 6\n"
			     "cpu0 9 9 9 9\nctxt\nctxt 5 6\nintr 7 junk\n",
			     &s, &perr),
			 6);
	assert_string_equal(perr.first, "/proc/stat line 3: cpu1: 2 columns, want at least 4");
	assert_int_equal(s.t[PC_G_CPU].nrows, 2);
	assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "0", PC_CPU_USER, 0), 1);
	/* intr only takes the total; its list is not parsed */
	assert_int_equal(pc_table_get(&s.t[PC_G_STAT], "stat", PC_STAT_INTR, 0), 7);
	pc_sample_free(&s);
}

static void stat_bad_cpu_names(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_stat_parse,
			     "cpux 1 1 1 1\ncpu-1 1 1 1 1\ncpu99999999999 1 1 1 1\ncpu3 1 1 1 1\n",
			     &s, &perr),
			 3);
	assert_string_equal(perr.first, "/proc/stat line 1: bad cpu name cpux");
	assert_int_equal(s.t[PC_G_CPU].nrows, 1);
	pc_sample_free(&s);
}

static void diskstats_other_field_counts_are_named(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_diskstats_parse,
			     "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
			     "8 1 sda1 1 2 3 4\n"		     /* 2.6 partitions: 7 */
			     "8 2 sda2 1 2 3 4 5 6 7 8 9 10 11 12\n" /* 15 */
			     "x 3 sda3 1 2 3 4 5 6 7 8 9 10 11\n",   /* not a number */
			     &s, &perr),
			 3);
	assert_string_equal(perr.first, "/proc/diskstats line 2: 7 fields, want 14, 18 or 20");
	assert_int_equal(s.t[PC_G_DISK].nrows, 1);
	pc_sample_free(&s);
}

static void netdev_damaged_lines(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(run(proc_netdev_parse,
			     "Inter-| Receive | Transmit\n face |bytes|bytes\n"
			     "eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n" /* no colon */
			     "eth1: 1 2 3 4 5 6 7 8\n"			     /* truncated */
			     ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"    /* no name */
			     "lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
			     &s, &perr),
			 3);
	assert_string_equal(perr.first, "/proc/net/dev line 3: no ':' after the interface name in "
					"eth0");
	assert_int_equal(s.t[PC_G_NET].nrows, 1);
	assert_string_equal(s.t[PC_G_NET].key[0], "lo");
	pc_sample_free(&s);
}

static void nul_bytes_and_long_names_are_refused(void **state)
{
	const char nul[] = "Mem\0Total: 5 kB\nMemFree: 6 kB\n";
	char longname[400];
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	pc_sample_init(&s);
	assert_int_equal(proc_meminfo_parse(nul, sizeof(nul) - 1, &s, &perr), 0);
	assert_int_equal(perr.count, 1);
	assert_non_null(strstr(perr.first, "NUL"));
	assert_int_equal(s.t[PC_G_MEM].nrows, 1);
	pc_sample_free(&s);

	memset(longname, 'a', 300);
	strcpy(longname + 300, " 5\nb 6\n");
	assert_int_equal(run(proc_vmstat_parse, longname, &s, &perr), 1);
	assert_non_null(strstr(perr.first, "longer than 127 bytes"));
	assert_int_equal(s.t[PC_G_VMSTAT].nrows, 1);
	pc_sample_free(&s);
}

static void meminfo_missing_and_odd_fields(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(
	    run(proc_meminfo_parse,
		"MemTotal:\nMemFree 5 kB\nCached: 5 MB\nBuffers: -3 kB\nDirty: 1 kB x\n"
		"Slab: 9 kB\n",
		&s, &perr),
	    5);
	assert_string_equal(perr.first, "/proc/meminfo line 1: value missing");
	assert_int_equal(s.t[PC_G_MEM].nrows, 1);
	assert_int_equal(pc_table_get(&s.t[PC_G_MEM], "Slab", 0, 0), 9);
	pc_sample_free(&s);
}

static void loadavg_uptime_pressure_damaged(void **state)
{
	static const struct {
		parse_fn fn;
		const char *text;
	} cases[] = {
	    {proc_loadavg_parse, "0.07 0.05\n"},
	    {proc_loadavg_parse, "0.07 0.05 0.02 3 96 6403\n"},
	    {proc_loadavg_parse, "0.07 0.05 0.02 3/96 6403 extra\n"},
	    {proc_loadavg_parse, "0.07 0.05 0.02 /96 6403\n"},
	    {proc_loadavg_parse, "1. 0.05 0.02 3/96 6403\n"},
	    {proc_uptime_parse, "12.34\n"},
	    {proc_uptime_parse, "12.34abc 5\n"},
	    {proc_uptime_parse, "\n\n"},
	    {psi_cpu, "some avg10=0.00 avg60=0.00\n"},
	    {psi_cpu, "some avg10=0.00 avg60=0.00 avg300=0.00 total=\n"},
	    {psi_cpu, "some avg60=0.00 avg10=0.00 avg300=0.00 total=1\n"},
	    {psi_cpu, "partial avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"},
	};
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (run(cases[i].fn, cases[i].text, &s, &perr) == 0)
			fail_msg("case %u (%s) was accepted", i, cases[i].text);
		assert_int_equal(total_rows(&s), 0);
		pc_sample_free(&s);
	}
}

static void pressure_half_line_keeps_nothing_of_it(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	/* "some" breaks after avg10: the row must not carry its 0.50 */
	assert_int_equal(run(psi_cpu,
			     "some avg10=0.50 avg60=zz avg300=0.00 total=1\n"
			     "full avg10=0.25 avg60=0.00 avg300=0.00 total=7\n",
			     &s, &perr),
			 1);
	assert_int_equal(pc_table_get(&s.t[PC_G_PSI], "cpu", PC_PSI_SOME_AVG10, 9), 0);
	assert_int_equal(pc_table_get(&s.t[PC_G_PSI], "cpu", PC_PSI_FULL_AVG10, 9), 25);
	assert_int_equal(pc_table_get(&s.t[PC_G_PSI], "cpu", PC_PSI_FULL_TOTAL, 9), 7);
	pc_sample_free(&s);
	assert_int_equal(proc_pressure_parse(NULL, "", 0, &s, &perr), -EINVAL);
	assert_int_equal(proc_pressure_parse("", "", 0, &s, &perr), -EINVAL);
}

static void statfs_json_bad_lines_cost_only_themselves(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	(void)state;

	assert_int_equal(
	    run(proc_statfs_json_parse,
		"{\"mount_point\":\"/\",\"block_size\":4096,\"blocks_total\":10,"
		"\"blocks_free\":5,\"blocks_available\":4}\n"
		"{\"mount_point\":\"/x\",\"block_size\":4096,\"blocks_total\":10\n"
		"[1,2]\n"
		"{\"mount_point\":7,\"block_size\":1,\"blocks_total\":1,\"blocks_free\":1,"
		"\"blocks_available\":1}\n"
		"{\"mount_point\":\"/y\",\"block_size\":-1,\"blocks_total\":1,"
		"\"blocks_free\":1,\"blocks_available\":1}\n"
		"{\"mount_point\":\"/z\",\"block_size\":18446744073709551615,\"blocks_total\":1,"
		"\"blocks_free\":1,\"blocks_available\":1}\n",
		&s, &perr),
	    4);
	assert_non_null(strstr(perr.first, "statfs[*] line 2: offset"));
	assert_int_equal(s.t[PC_G_FS].nrows, 2);
	assert_int_equal(pc_table_get(&s.t[PC_G_FS], "/", PC_FS_BAVAIL, 0), 4);
	assert_int_equal(pc_table_get(&s.t[PC_G_FS], "/z", PC_FS_BSIZE, 0), UINT64_MAX);
	pc_sample_free(&s);
}

/* A /proc/stat of ncpu CPUs, in a malloc'd buffer. */
static char *big_stat(unsigned ncpu, size_t *len)
{
	size_t cap = (size_t)ncpu * 80 + 100000, n = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	n += (size_t)snprintf(t + n, cap - n, "cpu  1 2 3 4 5 6 7 8 9 10\n");
	for (unsigned c = 0; c < ncpu; c++)
		n += (size_t)snprintf(t + n, cap - n, "cpu%u %u 0 %u 1000 0 0 0 0 0 0\n", c, c,
				      c * 2);
	n += (size_t)snprintf(t + n, cap - n, "intr 999");
	for (unsigned i = 0; i < 10000; i++)
		n += (size_t)snprintf(t + n, cap - n, " 0");
	n += (size_t)snprintf(t + n, cap - n, "\nctxt 5\n");
	*len = n;
	return t;
}

static void stat_4096_cpus(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	size_t len;
	char *t = big_stat(4096, &len);
	(void)state;

	pc_sample_init(&s);
	assert_int_equal(proc_stat_parse(t, len, &s, &perr), 0);
	free(t);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_CPU].nrows, 4097);
	assert_string_equal(s.t[PC_G_CPU].key[4096], "4095");
	assert_int_equal(pc_table_get(&s.t[PC_G_CPU], "4095", PC_CPU_SYSTEM, 0), 8190);
	assert_int_equal(pc_table_get(&s.t[PC_G_STAT], "stat", PC_STAT_INTR, 0), 999);
	assert_int_equal(pc_table_get(&s.t[PC_G_STAT], "stat", PC_STAT_CTXT, 0), 5);
	pc_sample_free(&s);
}

/* Every prefix of a real file parses, never into more rows than the whole file. */
static void every_prefix_of_real_files(void **state)
{
	static const struct {
		const char *rel;
		parse_fn fn;
	} files[] = {
	    {"proc/debian12-2cpu/proc/stat", proc_stat_parse},
	    {"proc/debian12-2cpu/proc/meminfo", proc_meminfo_parse},
	    {"proc/debian12-2cpu/proc/diskstats", proc_diskstats_parse},
	    {"proc/debian12-2cpu/proc/net/dev", proc_netdev_parse},
	    {"proc/debian12-2cpu/proc/loadavg", proc_loadavg_parse},
	    {"proc/debian12-2cpu/proc/pressure/io", psi_cpu},
	    {"proc/debian12-2cpu/proc/net/snmp", proc_snmp_parse},
	    {"proc/debian12-2cpu/proc/net/netstat", proc_netstat_parse},
	};
	struct pc_perr perr;
	struct pc_sample s;
	unsigned whole;
	size_t len;
	(void)state;

	for (unsigned f = 0; f < sizeof(files) / sizeof(*files); f++) {
		char *t = tu_read_file(tu_path(tu_fixtures(), files[f].rel), &len);

		assert_non_null(t);
		pc_sample_init(&s);
		memset(&perr, 0, sizeof(perr));
		assert_int_equal(files[f].fn(t, len, &s, &perr), 0);
		whole = total_rows(&s);
		for (size_t cut = 0; cut <= len; cut++) {
			/* an exact-size copy, so ASan sees any read past the end */
			char *p = malloc(cut ? cut : 1);

			memcpy(p, t, cut);
			pc_sample_reset(&s);
			memset(&perr, 0, sizeof(perr));
			assert_int_equal(files[f].fn(p, cut, &s, &perr), 0);
			assert_true(total_rows(&s) <= whole);
			free(p);
		}
		pc_sample_free(&s);
		free(t);
	}
}

static void random_bytes(void **state)
{
	struct pc_perr perr;
	struct pc_sample s;
	unsigned seed = 12345;
	char buf[2048];
	(void)state;

	pc_sample_init(&s);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(buf));

		/* mostly digits, blanks, newlines and separators, some of anything */
		for (size_t i = 0; i < len; i++) {
			static const char alpha[] = "0123456789 \n:/.=-|abcfu{}\"";
			int r = rand_r(&seed);

			buf[i] =
			    (r & 7) ? alpha[(r >> 3) % (int)(sizeof(alpha) - 1)] : (char)(r >> 8);
		}
		for (unsigned i = 0; i < NPARSERS; i++) {
			char *p = malloc(len ? len : 1);

			memcpy(p, buf, len);
			memset(&perr, 0, sizeof(perr));
			pc_sample_reset(&s);
			assert_int_equal(parsers[i].fn(p, len, &s, &perr), 0);
			free(p);
		}
	}
	pc_sample_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_input_gives_no_rows),
	    cmocka_unit_test(no_trailing_newline),
	    cmocka_unit_test(stat_2pow64_minus_1_is_fine),
	    cmocka_unit_test(stat_2pow64_is_a_parse_error_naming_the_line),
	    cmocka_unit_test(twenty_one_digits_is_a_parse_error),
	    cmocka_unit_test(overflow_in_every_counter_file),
	    cmocka_unit_test(stat_truncated_and_unknown_lines),
	    cmocka_unit_test(stat_bad_cpu_names),
	    cmocka_unit_test(diskstats_other_field_counts_are_named),
	    cmocka_unit_test(netdev_damaged_lines),
	    cmocka_unit_test(nul_bytes_and_long_names_are_refused),
	    cmocka_unit_test(meminfo_missing_and_odd_fields),
	    cmocka_unit_test(loadavg_uptime_pressure_damaged),
	    cmocka_unit_test(pressure_half_line_keeps_nothing_of_it),
	    cmocka_unit_test(statfs_json_bad_lines_cost_only_themselves),
	    cmocka_unit_test(stat_4096_cpus),
	    cmocka_unit_test(snmp_names_and_values_disagree),
	    cmocka_unit_test(snmp_names_without_values),
	    cmocka_unit_test(snmp_huge_and_signed_numbers),
	    cmocka_unit_test(every_prefix_of_real_files),
	    cmocka_unit_test(random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
