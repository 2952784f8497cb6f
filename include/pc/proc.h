/* SPDX-License-Identifier: MIT */
/*
 * /proc and /sys readers. Two layers:
 *  - parsers: text in, table rows out. They take the verbatim text of one
 *    file (as read live, or as stored in a pcc / legacy capture) and append
 *    rows to the sample's tables. Lines they do not understand are skipped
 *    and counted in *perr (first one described), never fatal.
 *  - struct procfs: keeps every file open and re-reads it with pread each
 *    tick into one reusable buffer, then calls the parsers. A root prefix
 *    lets tests point it at a fixture tree.
 */
#ifndef PC_PROC_H
#define PC_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "pc/sample.h"

/* Parse problems of one tick: how many, and the first one in words. */
struct pc_perr {
	unsigned count;
	char first[192]; /* e.g. "/proc/diskstats line 3: 9 fields, want 14, 18 or 20" */
};

void pc_perr_add(struct pc_perr *e, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Each returns 0, or -ENOMEM; bad lines go to perr. They append rows. */
int proc_stat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_meminfo_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_vmstat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_diskstats_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_netdev_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_loadavg_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_uptime_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
/* One /proc/pressure/<resource> file; resource is "cpu", "memory" or "io". */
int proc_pressure_parse(const char *resource, const char *buf, size_t len, struct pc_sample *s,
			struct pc_perr *perr);
/* /proc/net/snmp (Tcp, Udp) and /proc/net/netstat (TcpExt): header and value line pairs. */
int proc_snmp_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
int proc_netstat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);
/* pcc's "statfs[*]" measurement: one JSON object per line (see docs/FORMAT.md). */
int proc_statfs_json_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);

/* Which sources procfs__read covers; all by default. */
#define PROCFS_NO_STATFS (1u << 0)
#define PROCFS_NO_SYSNET (1u << 1) /* skip /sys/class/net speed/duplex */

struct procfs;

/* root: "" or NULL for the real system, else a directory holding proc/ and sys/. */
struct procfs *procfs__open(const char *root, unsigned flags);
/* Append one tick's rows for every source to s (s should be reset first). */
int procfs__read(struct procfs *pf, struct pc_sample *s, struct pc_perr *perr);
/*
 * The same, leaving out the sources named in skip: the sampler reads these
 * less often than every tick at short intervals (docs/COLLECTOR.md), where
 * they cost most and tell least.
 */
#define PROCFS_NO_VMSTAT (1u << 2) /* /proc/vmstat */
#define PROCFS_NO_LOAD	 (1u << 3) /* /proc/loadavg and /proc/uptime */
#define PROCFS_NO_PSI	 (1u << 4) /* /proc/pressure/{cpu,memory,io} */
#define PROCFS_NO_STAT	 (1u << 5) /* /proc/stat */
#define PROCFS_NO_MEM	 (1u << 6) /* /proc/meminfo */
#define PROCFS_NO_DISK	 (1u << 7) /* /proc/diskstats */
#define PROCFS_NO_NET	 (1u << 8) /* /proc/net/dev (and /sys/class/net with it) */
#define PROCFS_NO_SNMP	 (1u << 9) /* /proc/net/snmp and /proc/net/netstat */
/* The containers (cgroup files): read by the sampler (collect/containers*.c), not procfs. */
#define PROCFS_NO_CONTAINERS (1u << 10)
int procfs__read_some(struct procfs *pf, struct pc_sample *s, struct pc_perr *perr, unsigned skip);
/*
 * The verbatim text of one file as of now (for pcc mode), e.g. "/proc/stat":
 * returns a pointer into procfs' buffer valid until the next call, or NULL.
 */
const char *procfs__text(struct procfs *pf, const char *path, size_t *len);
/* Sources that were not available at open ("/proc/pressure/io: ENOENT", ...). */
const char *procfs__missing(const struct procfs *pf);
void procfs__close(struct procfs *pf);

#endif
