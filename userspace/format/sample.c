// SPDX-License-Identifier: MIT
/*
 * sample.c: the sample model of include/pc/sample.h: the group descriptions
 * (JSON names and column names, which are part of the formats), table rows,
 * and the one definition of how a cumulative counter's increment is taken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pc/sample.h"
#include "pc/sample_container.h"

static const char *const cpu_cols[] = {"user", "nice",	  "system", "idle",  "iowait",
				       "irq",  "softirq", "steal",  "guest", "guest_nice"};
static const char *const stat_cols[] = {"intr",		 "ctxt",	  "btime",  "processes",
					"procs_running", "procs_blocked", "softirq"};
static const char *const kv_cols[] = {"value"};
static const char *const disk_cols[] = {
    "major",  "minor",	   "nstats",	 "rd_ios",   "rd_merges", "rd_sectors", "rd_ticks",
    "wr_ios", "wr_merges", "wr_sectors", "wr_ticks", "in_flight", "io_ticks",	"time_in_queue",
    "dc_ios", "dc_merges", "dc_sectors", "dc_ticks", "fl_ios",	  "fl_ticks"};
static const char *const net_cols[] = {
    "rx_bytes",	     "rx_packets",   "rx_errs",	   "rx_drop",	    "rx_fifo", "rx_frame",
    "rx_compressed", "rx_multicast", "tx_bytes",   "tx_packets",    "tx_errs", "tx_drop",
    "tx_fifo",	     "tx_colls",     "tx_carrier", "tx_compressed", "speed",   "duplex"};
static const char *const fs_cols[] = {"bsize", "blocks", "bfree", "bavail", "files", "ffree"};
static const char *const load_cols[] = {"avg1_x100", "avg5_x100", "avg15_x100",
					"runnable",  "threads",	  "last_pid"};
static const char *const psi_cols[] = {"some_avg10_x100",  "some_avg60_x100", "some_avg300_x100",
				       "some_total_us",	   "full_avg10_x100", "full_avg60_x100",
				       "full_avg300_x100", "full_total_us"};
static const char *const uptime_cols[] = {"up_cs", "idle_cs"};
static const char *const self_cols[] = {"utime_ns",    "stime_ns", "rss_kb",	   "latency_ns",
					"duration_ns", "missed",   "parse_errors", "bpf_run_ns",
					"bpf_run_cnt", "rb_drops"};
static const char *const exited_cols[] = {"tasks", "cpu_ns"};
static const char *const bcpu_cols[] = {"busy_ns", "switches", "unseen"};
#define HIST_COLS                                                                                  \
	"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13",    \
	    "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21", "b22", "b23", "b24", "b25",    \
	    "b26", "count", "sum_us"
static const char *const runq_cols[] = {HIST_COLS};
static const char *const blk_cols[] = {HIST_COLS, "rd_ios", "rd_bytes", "wr_ios", "wr_bytes"};
static const char *const cg_cols[] = {"id", "cpu_ns", "wait_ns", "waits"};
static const char *const proc_cols[] = {"execs", "exits", "exit_cpu_ns"};
static const char *const ct_cols[] = {
    "cpu_usage_us",   "cpu_user_us",   "cpu_system_us",	   "cpu_quota_us", "cpu_period_us",
    "cpu_periods",    "cpu_throttled", "cpu_throttled_us", "mem_current",  "mem_max",
    "mem_anon",	      "mem_file",      "mem_kernel",	   "mem_slab",	   "io_read_bytes",
    "io_write_bytes", "io_read_ops",   "io_write_ops",	   "pids_current", "pids_max",
    "cpu_some_us",    "cpu_full_us",   "mem_some_us",	   "mem_full_us",  "io_some_us",
    "io_full_us",     "bpf_cpu_ns",    "runq_wait_ns",	   "runq_waits"};
static const char *const snmp_cols[] = {
    "TcpActiveOpens",  "TcpPassiveOpens", "TcpAttemptFails", "TcpEstabResets", "TcpCurrEstab",
    "TcpInSegs",       "TcpOutSegs",	  "TcpRetransSegs",  "TcpInErrs",      "TcpOutRsts",
    "TcpInCsumErrors", "UdpInDatagrams",  "UdpNoPorts",	     "UdpInErrors",    "UdpOutDatagrams",
    "UdpRcvbufErrors", "UdpSndbufErrors", "UdpInCsumErrors"};
static const char *const netstat_cols[] = {"TcpExtListenOverflows", "TcpExtListenDrops",
					   "TcpExtTCPTimeouts", "TcpExtTCPSynRetrans"};

#define G(n, c, cols)                                                                              \
	{                                                                                          \
		n, c, cols                                                                         \
	}
const struct pc_group_desc pc_groups[PC_G_MAX] = {
    [PC_G_CPU] = G("cpu", PC_CPU_NCOLS, cpu_cols),
    [PC_G_STAT] = G("stat", PC_STAT_NCOLS, stat_cols),
    [PC_G_MEM] = G("meminfo", PC_KV_NCOLS, kv_cols),
    [PC_G_VMSTAT] = G("vmstat", PC_KV_NCOLS, kv_cols),
    [PC_G_DISK] = G("disk", PC_DISK_NCOLS, disk_cols),
    [PC_G_NET] = G("net", PC_NET_NCOLS, net_cols),
    [PC_G_FS] = G("fs", PC_FS_NCOLS, fs_cols),
    [PC_G_LOAD] = G("load", PC_LOAD_NCOLS, load_cols),
    [PC_G_PSI] = G("psi", PC_PSI_NCOLS, psi_cols),
    [PC_G_UPTIME] = G("uptime", PC_UPTIME_NCOLS, uptime_cols),
    [PC_G_SELF] = G("self", PC_SELF_NCOLS, self_cols),
    [PC_G_BPF_CPU] = G("bpf_cpu", PC_BCPU_NCOLS, bcpu_cols),
    [PC_G_BPF_RUNQ] = G("bpf_runq", PC_RUNQ_NCOLS, runq_cols),
    [PC_G_BPF_BLK] = G("bpf_blk", PC_BLK_NCOLS, blk_cols),
    [PC_G_BPF_CGROUP] = G("bpf_cgroup", PC_CG_NCOLS, cg_cols),
    [PC_G_BPF_PROC] = G("bpf_proc", PC_PROC_NCOLS, proc_cols),
    [PC_G_BPF_EXITED] = G("bpf_exited", PC_EXITED_NCOLS, exited_cols),
    [PC_G_CONTAINER] = G("container", PC_CT_NCOLS, ct_cols),
    [PC_G_SNMP] = G("snmp", PC_SNMP_NCOLS, snmp_cols),
    [PC_G_NETSTAT] = G("netstat", PC_NETSTAT_NCOLS, netstat_cols),
};

_Static_assert(sizeof(cpu_cols) / sizeof(*cpu_cols) == PC_CPU_NCOLS, "cpu cols");
_Static_assert(sizeof(stat_cols) / sizeof(*stat_cols) == PC_STAT_NCOLS, "stat cols");
_Static_assert(sizeof(disk_cols) / sizeof(*disk_cols) == PC_DISK_NCOLS, "disk cols");
_Static_assert(sizeof(net_cols) / sizeof(*net_cols) == PC_NET_NCOLS, "net cols");
_Static_assert(sizeof(fs_cols) / sizeof(*fs_cols) == PC_FS_NCOLS, "fs cols");
_Static_assert(sizeof(load_cols) / sizeof(*load_cols) == PC_LOAD_NCOLS, "load cols");
_Static_assert(sizeof(psi_cols) / sizeof(*psi_cols) == PC_PSI_NCOLS, "psi cols");
_Static_assert(sizeof(self_cols) / sizeof(*self_cols) == PC_SELF_NCOLS, "self cols");
_Static_assert(sizeof(runq_cols) / sizeof(*runq_cols) == PC_RUNQ_NCOLS, "runq cols");
_Static_assert(sizeof(blk_cols) / sizeof(*blk_cols) == PC_BLK_NCOLS, "blk cols");
_Static_assert(sizeof(snmp_cols) / sizeof(*snmp_cols) == PC_SNMP_NCOLS, "snmp cols");
_Static_assert(sizeof(netstat_cols) / sizeof(*netstat_cols) == PC_NETSTAT_NCOLS, "netstat cols");
_Static_assert(sizeof(proc_cols) / sizeof(*proc_cols) == PC_PROC_NCOLS, "proc cols");
_Static_assert(sizeof(ct_cols) / sizeof(*ct_cols) == PC_CT_NCOLS, "container cols");

void pc_sample_init(struct pc_sample *s)
{
	memset(s, 0, sizeof(*s));
	for (int g = 0; g < PC_G_MAX; g++)
		s->t[g].ncols = pc_groups[g].ncols;
}

void pc_sample_reset(struct pc_sample *s)
{
	s->time_ns = s->taken_ns = s->seq = s->gap_count = 0;
	s->host = s->run = s->flags = s->gap_reason = 0;
	for (int g = 0; g < PC_G_MAX; g++)
		s->t[g].nrows = 0, s->t[g].stamp = 0;
}

void pc_sample_free(struct pc_sample *s)
{
	for (int g = 0; g < PC_G_MAX; g++) {
		free(s->t[g].key);
		free(s->t[g].val);
	}
	pc_sample_init(s);
}

static int table_reserve(struct pc_table *t, uint32_t want)
{
	uint32_t cap = t->cap ? t->cap : 8;
	void *k, *v;

	if (want <= t->cap)
		return 0;
	while (cap < want) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	k = realloc(t->key, (size_t)cap * PC_KEY_MAX);
	if (!k)
		return -ENOMEM;
	t->key = k;
	v = realloc(t->val, (size_t)cap * (t->ncols ? t->ncols : 1) * sizeof(uint64_t));
	if (!v)
		return -ENOMEM;
	t->val = v;
	t->cap = cap;
	return 0;
}

/* dst and src all groups (merge 0) or only those src carries (merge 1). */
static int sample_copy(struct pc_sample *dst, const struct pc_sample *src, int merge)
{
	struct pc_table *d;
	const struct pc_table *t;

	for (int g = 0; g < PC_G_MAX; g++) {
		d = &dst->t[g];
		t = &src->t[g];
		if (merge && !t->nrows)
			continue;
		if (t->stamp && d->stamp == t->stamp && d->nrows == t->nrows &&
		    d->ncols == t->ncols)
			continue; /* the same decoded table: already here */
		d->stamp = t->stamp;
		d->nrows = 0;
		d->ncols = t->ncols;
		if (t->nrows && table_reserve(d, t->nrows))
			return -ENOMEM;
		if (!t->nrows)
			continue;
		memcpy(d->key, t->key, (size_t)t->nrows * PC_KEY_MAX);
		memcpy(d->val, t->val, (size_t)t->nrows * t->ncols * sizeof(uint64_t));
		d->nrows = t->nrows;
	}
	dst->time_ns = src->time_ns;
	dst->taken_ns = src->taken_ns;
	dst->host = src->host;
	dst->run = src->run;
	dst->seq = src->seq;
	dst->flags = src->flags;
	dst->gap_reason = src->gap_reason;
	dst->gap_count = src->gap_count;
	return 0;
}

int pc_sample_copy(struct pc_sample *dst, const struct pc_sample *src)
{
	return sample_copy(dst, src, 0);
}

int pc_sample_merge(struct pc_sample *dst, const struct pc_sample *src)
{
	return sample_copy(dst, src, 1);
}

uint64_t *pc_table_add(struct pc_table *t, const char *key)
{
	size_t len = key ? strlen(key) : 0;
	uint64_t *row;

	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	if (len >= PC_KEY_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (table_reserve(t, t->nrows + 1)) {
		errno = ENOMEM;
		return NULL;
	}
	t->stamp = 0;
	memcpy(t->key[t->nrows], key, len + 1);
	row = t->val + (size_t)t->nrows * t->ncols;
	memset(row, 0, t->ncols * sizeof(*row));
	t->nrows++;
	return row;
}

uint64_t pc_stamp_next(void)
{
	static uint64_t last;

	return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

uint64_t *pc_table_row(const struct pc_table *t, uint32_t row)
{
	if (row >= t->nrows)
		return NULL;
	return t->val + (size_t)row * t->ncols;
}

int pc_table_find(const struct pc_table *t, const char *key)
{
	for (uint32_t i = 0; i < t->nrows; i++)
		if (!strcmp(t->key[i], key))
			return (int)i;
	return -1;
}

uint64_t pc_table_get(const struct pc_table *t, const char *key, unsigned col, uint64_t def)
{
	int i = pc_table_find(t, key);

	if (i < 0 || col >= t->ncols)
		return def;
	return t->val[(size_t)i * t->ncols + col];
}

int pc_group_by_name(const char *name)
{
	for (int g = 0; g < PC_G_MAX; g++)
		if (!strcmp(pc_groups[g].name, name))
			return g;
	return -1;
}

uint64_t pc_counter_delta(uint64_t prev, uint64_t cur)
{
	const uint64_t q32 = UINT32_MAX / 4, q64 = UINT64_MAX / 4;

	if (cur >= prev)
		return cur - prev;
	/* A 32-bit counter near its top that came back small wrapped at 2^32. */
	if (prev <= UINT32_MAX && prev > 3 * q32 && cur < q32)
		return cur + ((uint64_t)UINT32_MAX - prev) + 1;
	/* Likewise at 2^64. */
	if (prev > 3 * q64 && cur < q64)
		return cur + (UINT64_MAX - prev) + 1;
	/* Otherwise the counter was reset (device re-created, module reloaded). */
	return cur;
}
