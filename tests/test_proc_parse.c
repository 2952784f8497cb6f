// SPDX-License-Identifier: MIT
/*
 * test_proc_parse.c: each /proc parser on real text: this machine's files
 * (tests/fixtures/proc/debian12-2cpu), a 4-CPU Azure VM recorded by pcc and a
 * 2-CPU capture of the original Go tools (shared fixtures), plus hand-made
 * files only for kernel layouts no machine here prints. Exact values of
 * specific rows are asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/json.h"
#include "pc/proc.h"
#include "pc/sysinfo.h"
#include "../userspace/collect/proc_internal.h"

typedef int (*parse_fn)(const char *, size_t, struct pc_sample *, struct pc_perr *);

static const char *live(const char *rel)
{
	static char p[4][512];
	static int i;

	snprintf(p[i % 4], sizeof(p[0]), "%s/proc/debian12-2cpu/%s", tu_fixtures(), rel);
	return p[i++ % 4];
}

static const char *hand(const char *rel)
{
	static char p[4][512];
	static int i;

	snprintf(p[i % 4], sizeof(p[0]), "%s/proc/%s", tu_fixtures(), rel);
	return p[i++ % 4];
}

/* Parse a whole fixture file with fn into s; returns the perr count. */
static unsigned parse_file(parse_fn fn, const char *path, struct pc_sample *s)
{
	struct pc_perr perr = {0};
	size_t len;
	char *text = tu_read_file(path, &len);

	assert_non_null(text);
	pc_sample_init(s);
	assert_int_equal(fn(text, len, s, &perr), 0);
	free(text);
	if (perr.count)
		print_message("perr: %s\n", perr.first);
	return perr.count;
}

/*
 * The text of the nth (from 0) record for subsystem in a pcc collection
 * ({"subsystem":..., "measurement":...}) or, if legacy, a Go-tools capture
 * ({"Measurement":{"System":..., "Measurement":...}}). NULL when absent.
 */
static char *recorded(const char *file, int legacy, const char *subsystem, int nth, size_t *len)
{
	struct json_doc doc = {0};
	size_t flen, pos = 0, n;
	char *all = tu_read_file(file, &flen), *out = NULL, *sys;
	int obj, t;

	if (!all)
		return NULL;
	while (!out && pos < flen) {
		char *nl = memchr(all + pos, '\n', flen - pos);
		size_t ll = nl ? (size_t)(nl - all) - pos : flen - pos;

		if (json_parse(&doc, all + pos, ll) == 0) {
			obj = legacy ? json_get(&doc, 0, "Measurement") : 0;
			t = obj < 0 ? -1 : json_get(&doc, obj, legacy ? "System" : "subsystem");
			sys = t < 0 ? NULL : json_strdup(&doc, t, &n);
			if (sys && !strcmp(sys, subsystem) && nth-- == 0) {
				t = json_get(&doc, obj, legacy ? "Measurement" : "measurement");
				out = t < 0 ? NULL : json_strdup(&doc, t, len);
			}
			free(sys);
		}
		pos += ll + 1;
	}
	json_free(&doc);
	free(all);
	return out;
}

static char *pcc(const char *subsystem, size_t *len)
{
	return recorded(tu_shared("pcc-sys-info-test/sys-info-test.json"), 0, subsystem, 0, len);
}

static char *legacy(const char *subsystem, size_t *len)
{
	return recorded(tu_shared("legacy/capture-2cpu.jsonl"), 1, subsystem, 0, len);
}

/* Parse recorded text; skip (loudly) when the shared fixture is not there. */
#define PARSE_RECORDED(getter, subsystem, fn, s)                                                   \
	do {                                                                                       \
		struct pc_perr perr_ = {0};                                                        \
		size_t len_;                                                                       \
		char *text_ = getter(subsystem, &len_);                                            \
		if (!text_) {                                                                      \
			tu_skip("no %s record in the shared fixtures (%s)", subsystem,             \
				tu_shared_fixtures());                                             \
			return;                                                                    \
		}                                                                                  \
		pc_sample_init(s);                                                                 \
		assert_int_equal(fn(text_, len_, s, &perr_), 0);                                   \
		free(text_);                                                                       \
		assert_int_equal(perr_.count, 0);                                                  \
	} while (0)

#define GET(s, g, key, col) pc_table_get(&(s)->t[g], key, col, 0xdeadbeef)

static void stat_pcc_cpu_rows(void **state)
{
	struct pc_sample s;
	(void)state;

	PARSE_RECORDED(pcc, "/proc/stat", proc_stat_parse, &s);
	assert_int_equal(s.t[PC_G_CPU].nrows, 5);
	assert_string_equal(s.t[PC_G_CPU].key[0], "all");
	assert_string_equal(s.t[PC_G_CPU].key[4], "3");
	/* cpu3 53848 92 8805 9324859 7011 0 100 0 0 0 */
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_USER), 53848);
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_NICE), 92);
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_SYSTEM), 8805);
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_IDLE), 9324859);
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_IOWAIT), 7011);
	assert_int_equal(GET(&s, PC_G_CPU, "3", PC_CPU_SOFTIRQ), 100);
	assert_int_equal(GET(&s, PC_G_CPU, "all", PC_CPU_IDLE), 37296815);
	pc_sample_free(&s);
}

static void stat_pcc_scalars(void **state)
{
	struct pc_sample s;
	(void)state;

	PARSE_RECORDED(pcc, "/proc/stat", proc_stat_parse, &s);
	assert_int_equal(s.t[PC_G_STAT].nrows, 1);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_INTR), 16382419);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_CTXT), 13307948);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_BTIME), 1767883122);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_PROCESSES), 46550);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_PROCS_RUNNING), 1);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_PROCS_BLOCKED), 0);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_SOFTIRQ), 10772273);
	pc_sample_free(&s);
}

static void stat_this_machine_all_columns(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_stat_parse, live("proc/stat"), &s), 0);
	assert_int_equal(s.t[PC_G_CPU].nrows, 3);
	/* cpu1 3520 0 2259 71458 1248 0 86 206 0 0: steal is the 8th column */
	assert_int_equal(GET(&s, PC_G_CPU, "1", PC_CPU_USER), 3520);
	assert_int_equal(GET(&s, PC_G_CPU, "1", PC_CPU_IOWAIT), 1248);
	assert_int_equal(GET(&s, PC_G_CPU, "1", PC_CPU_STEAL), 206);
	assert_int_equal(GET(&s, PC_G_CPU, "1", PC_CPU_GUEST_NICE), 0);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_INTR), 179243);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_SOFTIRQ), 139819);
	pc_sample_free(&s);
}

static void stat_legacy_capture(void **state)
{
	struct pc_sample s;
	(void)state;

	/* "cpu 335269 7244 152955 187198224 168259 0 8836 0 0 0": single spaces */
	PARSE_RECORDED(legacy, "/proc/stat", proc_stat_parse, &s);
	assert_int_equal(s.t[PC_G_CPU].nrows, 3);
	assert_int_equal(GET(&s, PC_G_CPU, "all", PC_CPU_USER), 335269);
	assert_int_equal(GET(&s, PC_G_CPU, "1", PC_CPU_SYSTEM), 93378);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_INTR), 74870343);
	pc_sample_free(&s);
}

static void stat_old_kernel_missing_columns_read_zero(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_stat_parse, hand("handmade-oldkernel/proc/stat"), &s), 0);
	/* cpu0 5 1 10 1500 20 5 3 4: steal printed, no guest columns */
	assert_int_equal(GET(&s, PC_G_CPU, "0", PC_CPU_STEAL), 4);
	assert_int_equal(GET(&s, PC_G_CPU, "0", PC_CPU_GUEST), 0);
	assert_int_equal(GET(&s, PC_G_CPU, "0", PC_CPU_GUEST_NICE), 0);
	/* no softirq line on that kernel */
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_SOFTIRQ), 0);
	assert_int_equal(GET(&s, PC_G_STAT, "stat", PC_STAT_PROCS_BLOCKED), 1);
	pc_sample_free(&s);
}

static void stat_offline_cpu_has_no_row(void **state)
{
	const char text[] = "cpu  3 0 3 30 0 0 0 0 0 0\n"
			    "cpu0 1 0 1 10 0 0 0 0 0 0\n"
			    "cpu2 2 0 2 20 0 0 0 0 0 0\n";
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	pc_sample_init(&s);
	assert_int_equal(proc_stat_parse(text, sizeof(text) - 1, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_CPU].nrows, 3);
	assert_int_equal(pc_table_find(&s.t[PC_G_CPU], "1"), -1);
	assert_int_equal(GET(&s, PC_G_CPU, "2", PC_CPU_IDLE), 20);
	pc_sample_free(&s);
}

static void meminfo_pcc_every_key(void **state)
{
	struct pc_sample s;
	(void)state;

	PARSE_RECORDED(pcc, "/proc/meminfo", proc_meminfo_parse, &s);
	assert_int_equal(s.t[PC_G_MEM].nrows, 55);
	assert_int_equal(GET(&s, PC_G_MEM, "MemTotal", PC_KV_VALUE), 16327188);
	assert_int_equal(GET(&s, PC_G_MEM, "VmallocTotal", PC_KV_VALUE), 34359738367ull);
	assert_int_equal(GET(&s, PC_G_MEM, "Active(anon)", PC_KV_VALUE), 207944);
	assert_int_equal(GET(&s, PC_G_MEM, "HugePages_Total", PC_KV_VALUE), 0);
	assert_int_equal(GET(&s, PC_G_MEM, "DirectMap1G", PC_KV_VALUE), 15728640);
	pc_sample_free(&s);
}

static void meminfo_hugepages_bare_count(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(
	    parse_file(proc_meminfo_parse, hand("handmade-oldkernel/proc/meminfo"), &s), 0);
	assert_int_equal(GET(&s, PC_G_MEM, "HugePages_Total", PC_KV_VALUE), 4);
	assert_int_equal(GET(&s, PC_G_MEM, "MemTotal", PC_KV_VALUE), 1019960);
	pc_sample_free(&s);
}

static void meminfo_this_machine_one_row_per_line(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_meminfo_parse, live("proc/meminfo"), &s), 0);
	assert_int_equal(s.t[PC_G_MEM].nrows, 54);
	assert_int_equal(GET(&s, PC_G_MEM, "MemTotal", PC_KV_VALUE), 24684096);
	assert_int_equal(GET(&s, PC_G_MEM, "Hugepagesize", PC_KV_VALUE), 2048);
	pc_sample_free(&s);
}

static void vmstat_this_machine_every_key(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_vmstat_parse, live("proc/vmstat"), &s), 0);
	assert_int_equal(s.t[PC_G_VMSTAT].nrows, 192);
	assert_int_equal(GET(&s, PC_G_VMSTAT, "nr_free_pages", PC_KV_VALUE), 1023180);
	assert_int_equal(GET(&s, PC_G_VMSTAT, "nr_free_pages_blocks", PC_KV_VALUE), 989696);
	pc_sample_free(&s);
}

static void diskstats_20_fields(void **state)
{
	struct pc_sample s;
	(void)state;

	/* 8 0 sda 15912 3541 1543587 26243 170808 82080 66962828 6694510 0 270955
	 * 6869368 6650 1784 147758872 26455 5704 122158 */
	PARSE_RECORDED(pcc, "/proc/diskstats", proc_diskstats_parse, &s);
	assert_int_equal(s.t[PC_G_DISK].nrows, 15);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_MAJOR), 8);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_MINOR), 0);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_NSTATS), 17);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_RD_IOS), 15912);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_WR_SECTORS), 66962828);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_TIME_IN_QUEUE), 6869368);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_DC_SECTORS), 147758872);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_FL_IOS), 5704);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_FL_TICKS), 122158);
	assert_int_equal(GET(&s, PC_G_DISK, "sda16", PC_DISK_MAJOR), 259);
	pc_sample_free(&s);
}

static void diskstats_18_fields(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_diskstats_parse, hand("handmade/diskstats-18"), &s), 0);
	assert_int_equal(s.t[PC_G_DISK].nrows, 2);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_NSTATS), 15);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_DC_IOS), 11);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_DC_TICKS), 14);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_FL_IOS), 0);
	pc_sample_free(&s);
}

static void diskstats_14_fields(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(
	    parse_file(proc_diskstats_parse, hand("handmade-oldkernel/proc/diskstats"), &s), 0);
	assert_int_equal(s.t[PC_G_DISK].nrows, 3);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_NSTATS), 11);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_TIME_IN_QUEUE), 120);
	assert_int_equal(GET(&s, PC_G_DISK, "sda", PC_DISK_DC_IOS), 0);
	assert_int_equal(GET(&s, PC_G_DISK, "dm-0", PC_DISK_RD_IOS), UINT64_MAX);
	pc_sample_free(&s);
}

static void diskstats_this_machine(void **state)
{
	struct pc_sample s;
	(void)state;

	assert_int_equal(parse_file(proc_diskstats_parse, live("proc/diskstats"), &s), 0);
	assert_int_equal(s.t[PC_G_DISK].nrows, 10);
	/* 254 0 vda 31418 7354 2881026 30306 8872 6688 752384 3022 0 15296 34823 5772 34
	 * 211336 1445 1314 49 */
	assert_int_equal(GET(&s, PC_G_DISK, "vda", PC_DISK_MAJOR), 254);
	assert_int_equal(GET(&s, PC_G_DISK, "vda", PC_DISK_RD_MERGES), 7354);
	assert_int_equal(GET(&s, PC_G_DISK, "vda", PC_DISK_FL_TICKS), 49);
	pc_sample_free(&s);
}

static void netdev_pcc_interfaces(void **state)
{
	struct pc_sample s;
	(void)state;

	PARSE_RECORDED(pcc, "/proc/net/dev", proc_netdev_parse, &s);
	assert_int_equal(s.t[PC_G_NET].nrows, 6);
	assert_string_equal(s.t[PC_G_NET].key[0], "lo");
	/* eth0: 334501122 515878 0 ... 115013727 412882 */
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_RX_BYTES), 334501122);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_RX_PACKETS), 515878);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_TX_BYTES), 115013727);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_TX_PACKETS), 412882);
	assert_int_equal(GET(&s, PC_G_NET, "docker0", PC_NET_TX_DROP), 2);
	assert_int_equal(GET(&s, PC_G_NET, "vethf098dbd", PC_NET_RX_BYTES), 463457);
	/* speed and duplex are not in the text */
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_SPEED), 0);
	pc_sample_free(&s);
}

static void netdev_alias_and_glued_names(void **state)
{
	const char text[] = "Inter-|   Receive |  Transmit\n"
			    " face |bytes packets|bytes packets\n"
			    "eth0:4294967296 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
			    "  eth0:1: 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150 160\n";
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	pc_sample_init(&s);
	assert_int_equal(proc_netdev_parse(text, sizeof(text) - 1, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_NET].nrows, 2);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_RX_BYTES), 4294967296ull);
	assert_int_equal(GET(&s, PC_G_NET, "eth0", PC_NET_TX_COMPRESSED), 16);
	assert_int_equal(GET(&s, PC_G_NET, "eth0:1", PC_NET_RX_BYTES), 10);
	assert_int_equal(GET(&s, PC_G_NET, "eth0:1", PC_NET_TX_CARRIER), 150);
	pc_sample_free(&s);
}

static void loadavg_fixed_point(void **state)
{
	struct pc_sample s;
	(void)state;

	/* 0.32 0.15 0.06 1/91 9725 */
	assert_int_equal(parse_file(proc_loadavg_parse, live("proc/loadavg"), &s), 0);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_AVG1), 32);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_AVG5), 15);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_AVG15), 6);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_RUNNABLE), 1);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_THREADS), 91);
	assert_int_equal(GET(&s, PC_G_LOAD, "loadavg", PC_LOAD_LAST_PID), 9725);
	pc_sample_free(&s);
}

static void uptime_centiseconds(void **state)
{
	struct pc_sample s;
	(void)state;

	/* 788.58 1468.88 */
	assert_int_equal(parse_file(proc_uptime_parse, live("proc/uptime"), &s), 0);
	assert_int_equal(GET(&s, PC_G_UPTIME, "uptime", PC_UPTIME_UP), 78858);
	assert_int_equal(GET(&s, PC_G_UPTIME, "uptime", PC_UPTIME_IDLE), 146888);
	pc_sample_free(&s);
}

static void pressure_some_and_full(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	size_t len;
	char *cpu = tu_read_file(live("proc/pressure/cpu"), &len);
	(void)state;

	assert_non_null(cpu);
	pc_sample_init(&s);
	assert_int_equal(proc_pressure_parse("cpu", cpu, len, &s, &perr), 0);
	free(cpu);
	cpu = tu_read_file(live("proc/pressure/io"), &len);
	assert_non_null(cpu);
	assert_int_equal(proc_pressure_parse("io", cpu, len, &s, &perr), 0);
	free(cpu);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_PSI].nrows, 2);
	/* cpu: some avg10=0.75 avg60=0.34 avg300=0.41 total=7584282 */
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_AVG10), 75);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_AVG300), 41);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_TOTAL), 7584282);
	/* io: full avg10=0.12 avg60=0.17 avg300=0.49 total=11155160 */
	assert_int_equal(GET(&s, PC_G_PSI, "io", PC_PSI_FULL_AVG300), 49);
	assert_int_equal(GET(&s, PC_G_PSI, "io", PC_PSI_FULL_TOTAL), 11155160);
	pc_sample_free(&s);
}

static void pressure_cpu_without_full_line(void **state)
{
	const char text[] = "some avg10=12.50 avg60=100.00 avg300=0.01 total=42\n";
	struct pc_perr perr = {0};
	struct pc_sample s;
	(void)state;

	pc_sample_init(&s);
	assert_int_equal(proc_pressure_parse("cpu", text, sizeof(text) - 1, &s, &perr), 0);
	assert_int_equal(perr.count, 0);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_AVG10), 1250);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_AVG60), 10000);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_SOME_AVG300), 1);
	assert_int_equal(GET(&s, PC_G_PSI, "cpu", PC_PSI_FULL_TOTAL), 0);
	pc_sample_free(&s);
}

static void statfs_pcc_json(void **state)
{
	struct pc_sample s;
	(void)state;

	PARSE_RECORDED(pcc, "statfs[*]", proc_statfs_json_parse, &s);
	assert_int_equal(s.t[PC_G_FS].nrows, 4);
	assert_string_equal(s.t[PC_G_FS].key[0], "/");
	assert_int_equal(GET(&s, PC_G_FS, "/", PC_FS_BSIZE), 4096);
	assert_int_equal(GET(&s, PC_G_FS, "/", PC_FS_BLOCKS), 7344928);
	assert_int_equal(GET(&s, PC_G_FS, "/", PC_FS_BFREE), 6449613);
	assert_int_equal(GET(&s, PC_G_FS, "/", PC_FS_BAVAIL), 6445517);
	assert_int_equal(GET(&s, PC_G_FS, "/", PC_FS_FILES), 0);
	assert_int_equal(GET(&s, PC_G_FS, "/boot/efi", PC_FS_BSIZE), 512);
	pc_sample_free(&s);
}

static void sysnet_speed_and_duplex_text(void **state)
{
	(void)state;
	assert_int_equal(sysnet_speed_parse("10000\n", 6), 10000);
	assert_int_equal(sysnet_speed_parse("-1\n", 3), 0);
	assert_int_equal(sysnet_speed_parse("unknown\n", 8), 0);
	assert_int_equal(sysnet_speed_parse("", 0), 0);
	assert_int_equal(sysnet_duplex_parse("full\n", 5), 2);
	assert_int_equal(sysnet_duplex_parse("half\n", 5), 1);
	assert_int_equal(sysnet_duplex_parse("unknown\n", 8), 0);
	assert_int_equal(sysnet_duplex_parse("fullish", 7), 0);
}

static void mountinfo_real_filesystems(void **state)
{
	struct pf_mounts mt = {0};
	struct pc_perr perr = {0};
	size_t ml, fl;
	char *mi = tu_read_file(hand("handmade/mountinfo"), &ml);
	char *fs = tu_read_file(hand("handmade/filesystems"), &fl);
	(void)state;

	assert_non_null(mi);
	assert_non_null(fs);
	assert_int_equal(mounts_parse(&mt, "/root", mi, ml, fs, fl, &perr), 0);
	/* proc, tmpfs and fuse.sshfs are virtual; /srv/bind is vda again */
	assert_int_equal(mt.n, 5);
	assert_string_equal(mt.m[0].key, "/");
	assert_string_equal(mt.m[0].path, "/root/");
	assert_string_equal(mt.m[1].key, "/mnt/my disk");
	assert_string_equal(mt.m[2].key, "/mnt/tab\tand\\slash");
	assert_string_equal(mt.m[3].key, "/mnt/ntfs");
	assert_string_equal(mt.m[4].key, "/mnt/odd");
	/* "this line is damaged" and the line without " - " */
	assert_int_equal(perr.count, 2);
	assert_string_equal(perr.first,
			    "/proc/self/mountinfo line 10: no filesystem type after ' - '");
	mounts_free(&mt);
	free(mi);
	free(fs);
}

static void cpuinfo_this_machine(void **state)
{
	struct pc_sysinfo si;
	size_t len;
	char *text = tu_read_file(live("proc/cpuinfo"), &len);
	(void)state;

	assert_non_null(text);
	memset(&si, 0, sizeof(si));
	assert_int_equal(pc_sysinfo_parse_cpuinfo(&si, text, len), 0);
	free(text);
	assert_string_equal(si.cpu_model, "AMD EPYC");
	assert_int_equal(si.ncpu, 2);
	assert_int_equal(si.cores, 2);
	assert_int_equal(si.sockets, 1);
	assert_int_equal(si.cpu_mhz_x1000, 2249998);
}

static void cpuinfo_without_topology(void **state)
{
	/* arm64 style: no physical id / core id, no model name */
	const char text[] = "processor\t: 0\nBogoMIPS\t: 50.00\n\n"
			    "processor\t: 1\nBogoMIPS\t: 50.00\n\n"
			    "processor\t: 2\nBogoMIPS\t: 50.00\n";
	struct pc_sysinfo si;
	(void)state;

	memset(&si, 0, sizeof(si));
	assert_int_equal(pc_sysinfo_parse_cpuinfo(&si, text, sizeof(text) - 1), 0);
	assert_int_equal(si.ncpu, 3);
	assert_int_equal(si.cores, 0);
	assert_int_equal(si.sockets, 0);
	assert_string_equal(si.cpu_model, "");
}

static void cpuinfo_two_sockets_hyperthreads(void **state)
{
	char text[4096];
	size_t n = 0;
	struct pc_sysinfo si;
	(void)state;

	/* 8 logical CPUs: 2 sockets x 2 cores x 2 threads */
	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "processor\t: %d\nmodel name\t: Xeon %d\ncpu MHz\t\t: %d.5\n"
				      "physical id\t: %d\ncore id\t\t: %d\n\n",
				      i, i, 3000 + i, i / 4, (i / 2) % 2);
	memset(&si, 0, sizeof(si));
	assert_int_equal(pc_sysinfo_parse_cpuinfo(&si, text, n), 0);
	assert_int_equal(si.ncpu, 8);
	assert_int_equal(si.cores, 4);
	assert_int_equal(si.sockets, 2);
	assert_string_equal(si.cpu_model, "Xeon 0");
	assert_int_equal(si.cpu_mhz_x1000, 3000500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(stat_pcc_cpu_rows),
	    cmocka_unit_test(stat_pcc_scalars),
	    cmocka_unit_test(stat_this_machine_all_columns),
	    cmocka_unit_test(stat_legacy_capture),
	    cmocka_unit_test(stat_old_kernel_missing_columns_read_zero),
	    cmocka_unit_test(stat_offline_cpu_has_no_row),
	    cmocka_unit_test(meminfo_pcc_every_key),
	    cmocka_unit_test(meminfo_hugepages_bare_count),
	    cmocka_unit_test(meminfo_this_machine_one_row_per_line),
	    cmocka_unit_test(vmstat_this_machine_every_key),
	    cmocka_unit_test(diskstats_20_fields),
	    cmocka_unit_test(diskstats_18_fields),
	    cmocka_unit_test(diskstats_14_fields),
	    cmocka_unit_test(diskstats_this_machine),
	    cmocka_unit_test(netdev_pcc_interfaces),
	    cmocka_unit_test(netdev_alias_and_glued_names),
	    cmocka_unit_test(loadavg_fixed_point),
	    cmocka_unit_test(uptime_centiseconds),
	    cmocka_unit_test(pressure_some_and_full),
	    cmocka_unit_test(pressure_cpu_without_full_line),
	    cmocka_unit_test(statfs_pcc_json),
	    cmocka_unit_test(sysnet_speed_and_duplex_text),
	    cmocka_unit_test(mountinfo_real_filesystems),
	    cmocka_unit_test(cpuinfo_this_machine),
	    cmocka_unit_test(cpuinfo_without_topology),
	    cmocka_unit_test(cpuinfo_two_sockets_hyperthreads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
