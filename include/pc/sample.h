/* SPDX-License-Identifier: MIT */
/*
 * The one sample model every perfcollector program speaks.
 *
 * A sample is one tick of one host: its timestamps and identity plus a fixed
 * set of *tables*, one per group (CPU, memory, disks, ...). A table is a
 * matrix of raw cumulative u64 counters: one row per object (a CPU, a disk,
 * an interface, a meminfo key) named by a short key, one column per counter.
 * The columns of each group are fixed by pc_groups[] (append-only: a newer
 * writer may add columns at the end, a reader ignores columns it does not
 * know and reads missing ones as zero). Raw values only: rates, percentages
 * and units are computed once, at export (userspace/export/export_*.c).
 *
 * Because every group has the same shape, the binary codec, the JSON codec,
 * the spool and the journal need no per-group code; only the /proc readers
 * (which fill tables) and the exporters (which read them) know what a column
 * means.
 */
#ifndef PC_SAMPLE_H
#define PC_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* Row keys: device names, interface names, meminfo keys, mount points. */
#define PC_KEY_MAX 128

/* Groups. Numbers are part of the binary format: never renumber. */
enum pc_group {
	PC_G_CPU = 0,  /* rows "all", "0", "1", ...: /proc/stat cpu lines (USER_HZ ticks) */
	PC_G_STAT,     /* one row "stat": the scalar lines of /proc/stat */
	PC_G_MEM,      /* rows = /proc/meminfo keys, one column (kB or count as the kernel says) */
	PC_G_VMSTAT,   /* rows = /proc/vmstat keys, one column */
	PC_G_DISK,     /* rows = /proc/diskstats devices */
	PC_G_NET,      /* rows = /proc/net/dev interfaces, plus /sys/class/net speed/duplex */
	PC_G_FS,       /* rows = mount points of real filesystems, from statfs(2) */
	PC_G_LOAD,     /* one row "loadavg" */
	PC_G_PSI,      /* rows "cpu", "memory", "io": /proc/pressure/<row> */
	PC_G_UPTIME,   /* one row "uptime" */
	PC_G_SELF,     /* one row "self": the collector's own cost */
	PC_G_BPF_CPU,  /* rows = CPU ids: exact busy ns and switches from the sched program */
	PC_G_BPF_RUNQ, /* one row "runq": log2 histogram of run-queue latency (us) */
	PC_G_BPF_BLK,  /* rows = disks: log2 latency histogram (us) + bytes/ios per direction */
	PC_G_BPF_CGROUP, /* rows = cgroup paths: CPU ns */
	PC_G_BPF_PROC,	 /* one row "proc": exec/exit counts and CPU of exited tasks */
	PC_G_BPF_EXITED, /* rows = command names (comm): exited tasks and their CPU ns */
	PC_G_CONTAINER,	 /* rows = containers: cgroup counters (pc/sample_container.h) */
	PC_G_SNMP,	 /* one row "snmp": Tcp and Udp counters of /proc/net/snmp */
	PC_G_NETSTAT,	 /* one row "netstat": TcpExt counters of /proc/net/netstat */
	PC_G_MAX
};

/* PC_G_CPU columns: the /proc/stat cpu line, in kernel order. */
enum {
	PC_CPU_USER,
	PC_CPU_NICE,
	PC_CPU_SYSTEM,
	PC_CPU_IDLE,
	PC_CPU_IOWAIT,
	PC_CPU_IRQ,
	PC_CPU_SOFTIRQ,
	PC_CPU_STEAL,
	PC_CPU_GUEST,
	PC_CPU_GUEST_NICE,
	PC_CPU_NCOLS
};

/* PC_G_STAT columns. */
enum {
	PC_STAT_INTR,
	PC_STAT_CTXT,
	PC_STAT_BTIME,
	PC_STAT_PROCESSES,
	PC_STAT_PROCS_RUNNING,
	PC_STAT_PROCS_BLOCKED,
	PC_STAT_SOFTIRQ,
	PC_STAT_NCOLS
};

/* PC_G_MEM and PC_G_VMSTAT: a single column. */
enum { PC_KV_VALUE, PC_KV_NCOLS };

/*
 * PC_G_DISK columns: major, minor, the number of statistics fields the kernel
 * printed (11 before 4.18, 15 from 4.18, 17 from 5.5: lines of 14, 18 and 20
 * fields), then the statistics in kernel order; absent ones read as zero.
 */
enum {
	PC_DISK_MAJOR,
	PC_DISK_MINOR,
	PC_DISK_NSTATS,
	PC_DISK_RD_IOS,
	PC_DISK_RD_MERGES,
	PC_DISK_RD_SECTORS,
	PC_DISK_RD_TICKS,
	PC_DISK_WR_IOS,
	PC_DISK_WR_MERGES,
	PC_DISK_WR_SECTORS,
	PC_DISK_WR_TICKS,
	PC_DISK_IN_FLIGHT,
	PC_DISK_IO_TICKS,
	PC_DISK_TIME_IN_QUEUE,
	PC_DISK_DC_IOS,
	PC_DISK_DC_MERGES,
	PC_DISK_DC_SECTORS,
	PC_DISK_DC_TICKS,
	PC_DISK_FL_IOS,
	PC_DISK_FL_TICKS,
	PC_DISK_NCOLS
};

/* PC_G_NET columns: /proc/net/dev in kernel order, then /sys/class/net. */
enum {
	PC_NET_RX_BYTES,
	PC_NET_RX_PACKETS,
	PC_NET_RX_ERRS,
	PC_NET_RX_DROP,
	PC_NET_RX_FIFO,
	PC_NET_RX_FRAME,
	PC_NET_RX_COMPRESSED,
	PC_NET_RX_MULTICAST,
	PC_NET_TX_BYTES,
	PC_NET_TX_PACKETS,
	PC_NET_TX_ERRS,
	PC_NET_TX_DROP,
	PC_NET_TX_FIFO,
	PC_NET_TX_COLLS,
	PC_NET_TX_CARRIER,
	PC_NET_TX_COMPRESSED,
	PC_NET_SPEED,  /* Mbit/s; 0 = unknown (virtual NICs, link down) */
	PC_NET_DUPLEX, /* 0 unknown, 1 half, 2 full */
	PC_NET_NCOLS
};

/* PC_G_FS columns: statfs(2) of one mount point. */
enum {
	PC_FS_BSIZE,
	PC_FS_BLOCKS,
	PC_FS_BFREE,
	PC_FS_BAVAIL,
	PC_FS_FILES,
	PC_FS_FFREE,
	PC_FS_NCOLS
};

/* PC_G_LOAD columns; load averages are x100 fixed point. */
enum {
	PC_LOAD_AVG1,
	PC_LOAD_AVG5,
	PC_LOAD_AVG15,
	PC_LOAD_RUNNABLE,
	PC_LOAD_THREADS,
	PC_LOAD_LAST_PID,
	PC_LOAD_NCOLS
};

/* PC_G_PSI columns; averages x100 fixed point (percent), totals in us. */
enum {
	PC_PSI_SOME_AVG10,
	PC_PSI_SOME_AVG60,
	PC_PSI_SOME_AVG300,
	PC_PSI_SOME_TOTAL,
	PC_PSI_FULL_AVG10,
	PC_PSI_FULL_AVG60,
	PC_PSI_FULL_AVG300,
	PC_PSI_FULL_TOTAL,
	PC_PSI_NCOLS
};

/* PC_G_UPTIME columns, in centiseconds as /proc/uptime prints them. */
enum { PC_UPTIME_UP, PC_UPTIME_IDLE, PC_UPTIME_NCOLS };

/* PC_G_SELF columns: what this sample cost the collector. */
enum {
	PC_SELF_UTIME_NS,     /* cumulative user CPU of the collector process */
	PC_SELF_STIME_NS,     /* cumulative system CPU */
	PC_SELF_RSS_KB,	      /* resident set size now */
	PC_SELF_LATENCY_NS,   /* how late this sample was taken after its deadline */
	PC_SELF_DURATION_NS,  /* how long taking it took */
	PC_SELF_MISSED,	      /* cumulative deadlines skipped because a tick overran */
	PC_SELF_PARSE_ERRORS, /* cumulative lines the readers did not understand */
	PC_SELF_BPF_RUN_NS,   /* cumulative run time of all BPF programs (BPF stats) */
	PC_SELF_BPF_RUN_CNT,  /* cumulative runs of all BPF programs */
	PC_SELF_RB_DROPS,     /* cumulative failed ring-buffer reserves */
	PC_SELF_NCOLS
};

/* PC_G_BPF_CPU columns, cumulative. */
enum { PC_BCPU_BUSY_NS, PC_BCPU_SWITCHES, PC_BCPU_UNSEEN, PC_BCPU_NCOLS };

/* Histograms: log2 buckets, bucket i counts values in [2^i, 2^(i+1)) us. */
#define PC_HIST_BUCKETS 27

/* PC_G_BPF_RUNQ columns, cumulative: buckets then count and sum. */
enum { PC_RUNQ_B0, PC_RUNQ_COUNT = PC_RUNQ_B0 + PC_HIST_BUCKETS, PC_RUNQ_SUM_US, PC_RUNQ_NCOLS };

/* PC_G_BPF_BLK columns, cumulative. */
enum {
	PC_BLK_B0,
	PC_BLK_COUNT = PC_BLK_B0 + PC_HIST_BUCKETS,
	PC_BLK_SUM_US,
	PC_BLK_RD_IOS,
	PC_BLK_RD_BYTES,
	PC_BLK_WR_IOS,
	PC_BLK_WR_BYTES,
	PC_BLK_NCOLS
};

/* PC_G_BPF_CGROUP columns, cumulative. */
/*
 * wait_ns and waits: run-queue wait of the cgroup's tasks, charged when the
 * task that waited is switched out (so a task running since its wait shows
 * it later); zero in recordings made before they existed.
 */
enum { PC_CG_ID, PC_CG_CPU_NS, PC_CG_WAIT_NS, PC_CG_WAITS, PC_CG_NCOLS };

/* PC_G_BPF_PROC columns, cumulative. */
enum { PC_PROC_EXECS, PC_PROC_EXITS, PC_PROC_EXIT_CPU_NS, PC_PROC_NCOLS };

/*
 * PC_G_BPF_EXITED columns, cumulative from the sampler's start: a row is
 * made at the first exit of its command, so a row new in a sample counted
 * from zero (exp_prev_or_zero).
 */
enum { PC_EXITED_TASKS, PC_EXITED_CPU_NS, PC_EXITED_NCOLS };

/*
 * PC_G_SNMP columns: /proc/net/snmp counters under nstat's names (the
 * kernel's protocol + field); a field the kernel does not print reads 0.
 */
enum {
	PC_SNMP_TCP_ACTIVE_OPENS,
	PC_SNMP_TCP_PASSIVE_OPENS,
	PC_SNMP_TCP_ATTEMPT_FAILS,
	PC_SNMP_TCP_ESTAB_RESETS,
	PC_SNMP_TCP_CURR_ESTAB, /* a gauge */
	PC_SNMP_TCP_IN_SEGS,
	PC_SNMP_TCP_OUT_SEGS,
	PC_SNMP_TCP_RETRANS_SEGS,
	PC_SNMP_TCP_IN_ERRS,
	PC_SNMP_TCP_OUT_RSTS,
	PC_SNMP_TCP_IN_CSUM_ERRORS,
	PC_SNMP_UDP_IN_DATAGRAMS,
	PC_SNMP_UDP_NO_PORTS,
	PC_SNMP_UDP_IN_ERRORS,
	PC_SNMP_UDP_OUT_DATAGRAMS,
	PC_SNMP_UDP_RCVBUF_ERRORS,
	PC_SNMP_UDP_SNDBUF_ERRORS,
	PC_SNMP_UDP_IN_CSUM_ERRORS,
	PC_SNMP_NCOLS
};

/* PC_G_NETSTAT columns: /proc/net/netstat TcpExt counters, nstat's names. */
enum {
	PC_NETSTAT_LISTEN_OVERFLOWS,
	PC_NETSTAT_LISTEN_DROPS,
	PC_NETSTAT_TCP_TIMEOUTS,
	PC_NETSTAT_TCP_SYN_RETRANS,
	PC_NETSTAT_NCOLS
};

/* Static description of a group: its JSON name and column names. */
struct pc_group_desc {
	const char *name;
	uint16_t ncols;
	const char *const *cols;
};

extern const struct pc_group_desc pc_groups[PC_G_MAX];

/* One table: nrows x ncols raw counters, row-major, rows named by key. */
struct pc_table {
	uint16_t ncols;
	uint32_t nrows;
	uint32_t cap;
	char (*key)[PC_KEY_MAX];
	uint64_t *val;
	/*
	 * 0, or the stamp of the decoder table this one is an unchanged copy
	 * of (pc_stamp_next(), codec_bin.c): pc_sample_copy() skips a table
	 * whose destination holds the same stamp, so a decoded frame costs
	 * what it changes. pc_table_add() and pc_sample_reset() clear it; a
	 * table with a stamp is not written through pc_table_row().
	 */
	uint64_t stamp;
};

/* Sample flags. */
#define PC_SF_GAP_BEFORE (1u << 0) /* samples before this one were lost; see gap_reason */

enum pc_gap_reason {
	PC_GAP_NONE = 0,
	PC_GAP_SPOOL_FULL, /* the collector's spool overflowed */
	PC_GAP_OVERRUN,	   /* the collector missed deadlines (tick took too long) */
	PC_GAP_RESTART,	   /* the collector restarted mid-run */
};

struct pc_sample {
	uint64_t time_ns;  /* CLOCK_REALTIME deadline of this tick (grid-aligned) */
	uint64_t taken_ns; /* CLOCK_REALTIME when reading began */
	uint32_t host;
	uint32_t run;
	uint64_t seq; /* sample number within the run, from 0 */
	uint32_t flags;
	uint32_t gap_reason;
	uint64_t gap_count; /* samples lost just before this one */
	struct pc_table t[PC_G_MAX];
};

/* Lifecycle. init zeroes; reset empties tables but keeps their memory. */
void pc_sample_init(struct pc_sample *s);
void pc_sample_reset(struct pc_sample *s);
void pc_sample_free(struct pc_sample *s);
int pc_sample_copy(struct pc_sample *dst, const struct pc_sample *src);
/*
 * The same, except that a group src has no rows in keeps dst's table: the
 * latest value of every group, for sources read less often than every tick.
 */
int pc_sample_merge(struct pc_sample *dst, const struct pc_sample *src);

/*
 * Append a row to a table; returns a pointer to its ncols values (zeroed) or
 * NULL with errno set (ENOMEM; EINVAL for an empty key). Keys longer than
 * PC_KEY_MAX-1 are refused with ENAMETOOLONG so that no two rows can end up
 * with the same truncated key.
 */
uint64_t *pc_table_add(struct pc_table *t, const char *key);

/* A process-wide new table stamp, never 0 (see struct pc_table). */
uint64_t pc_stamp_next(void);

/* Row lookup; NULL when absent. find is a linear scan with a hint. */
uint64_t *pc_table_row(const struct pc_table *t, uint32_t row);
int pc_table_find(const struct pc_table *t, const char *key);
/* Value of column col in row key, or def when the row or column is absent. */
uint64_t pc_table_get(const struct pc_table *t, const char *key, unsigned col, uint64_t def);

/* Group lookup by JSON name; -1 when unknown. */
int pc_group_by_name(const char *name);

/*
 * Difference of two cumulative counters. A counter that went backwards was
 * reset or wrapped: a 32-bit counter (old value <= UINT32_MAX) is taken to
 * have wrapped at 2^32, anything else to have been reset, in which case the
 * new value itself is the increment. Never negative, never huge.
 */
uint64_t pc_counter_delta(uint64_t prev, uint64_t cur);

#endif
