// SPDX-License-Identifier: MIT
/*
 * sources.c: the source registry of include/pc/source.h, the one place that
 * names both a file and its parser. Row order is the order procfs reads the
 * files in each tick (and so the order of rows in a sample); statfs(2) comes
 * last. Add a source here and nowhere else in collect/ (docs/ARCHITECTURE.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pc/source.h"

#define MS   (1000000ull)
#define G(g) (1u << (g))

/* The three pressure files share one parser that is told the resource. */
static int psi_cpu(const char *b, size_t n, struct pc_sample *s, struct pc_perr *e)
{
	return proc_pressure_parse("cpu", b, n, s, e);
}

static int psi_memory(const char *b, size_t n, struct pc_sample *s, struct pc_perr *e)
{
	return proc_pressure_parse("memory", b, n, s, e);
}

static int psi_io(const char *b, size_t n, struct pc_sample *s, struct pc_perr *e)
{
	return proc_pressure_parse("io", b, n, s, e);
}

/*
 * Read periods (docs/COLLECTOR.md): /proc/vmstat (~200 keys) and statfs cost
 * most of a tick and change slowly; the load averages are recomputed every
 * 5 s and uptime follows the clock; pressure files cost ~3 us each, and the
 * kernel's own PSI trigger windows start at 500 ms; TCP and UDP counters
 * (snmp, netstat: ~6 kB of text) are rates over seconds, as sar shows them,
 * and cost like vmstat. /proc/stat counts in
 * USER_HZ ticks (10 ms): over one 10 ms interval a CPU's delta is 0 or 1
 * tick, a figure of 0 or 100 %; where eBPF measures every CPU's busy time
 * exactly, every tick, /proc/stat's split (user, system, iowait, steal) is
 * read every 100 ms instead. The containers (docs/CONTAINERS.md) are a scan of
 * the cgroup trees and ~25 us of cgroup files per container: every second;
 * below that their CPU comes from eBPF's per-cgroup CPU, every 100 ms.
 */
/* clang-format off */
const struct pc_source pc_sources[] = {
    /* path, parser, groups, skip flag, period, period with eBPF busy, systems=, pcc, pcc order */
    {"/proc/stat", proc_stat_parse, G(PC_G_CPU) | G(PC_G_STAT), PROCFS_NO_STAT, 0, 100 * MS,
     "/proc/stat", "/proc/stat", 1},
    {"/proc/meminfo", proc_meminfo_parse, G(PC_G_MEM), PROCFS_NO_MEM, 0, 0,
     "/proc/meminfo", "/proc/meminfo", 2},
    {"/proc/vmstat", proc_vmstat_parse, G(PC_G_VMSTAT), PROCFS_NO_VMSTAT, 1000 * MS, 0,
     "/proc/vmstat", "/proc/vmstat", 0},
    {"/proc/diskstats", proc_diskstats_parse, G(PC_G_DISK), PROCFS_NO_DISK, 0, 0,
     "/proc/diskstats", "/proc/diskstats", 4},
    {"/proc/net/dev", proc_netdev_parse, G(PC_G_NET), PROCFS_NO_NET, 0, 0,
     "/proc/net/dev", "/proc/net/dev", 3},
    {"/proc/loadavg", proc_loadavg_parse, G(PC_G_LOAD), PROCFS_NO_LOAD, 1000 * MS, 0,
     "/proc/loadavg", "/proc/loadavg", 0},
    {"/proc/uptime", proc_uptime_parse, G(PC_G_UPTIME), PROCFS_NO_LOAD, 1000 * MS, 0,
     "/proc/uptime", "/proc/uptime", 0},
    {"/proc/pressure/cpu", psi_cpu, G(PC_G_PSI), PROCFS_NO_PSI, 100 * MS, 0,
     "/proc/pressure", "/proc/pressure/cpu", 0},
    {"/proc/pressure/memory", psi_memory, G(PC_G_PSI), PROCFS_NO_PSI, 100 * MS, 0,
     "/proc/pressure", "/proc/pressure/memory", 0},
    {"/proc/pressure/io", psi_io, G(PC_G_PSI), PROCFS_NO_PSI, 100 * MS, 0,
     "/proc/pressure", "/proc/pressure/io", 0},
    {"/proc/net/snmp", proc_snmp_parse, G(PC_G_SNMP), PROCFS_NO_SNMP, 1000 * MS, 0,
     "/proc/net/snmp", "/proc/net/snmp", 0},
    {"/proc/net/netstat", proc_netstat_parse, G(PC_G_NETSTAT), PROCFS_NO_SNMP, 1000 * MS, 0,
     "/proc/net/netstat", "/proc/net/netstat", 0},
    /* Live: procfs' statfs(2) of the mount table; in pcc files: one JSON object per mount. */
    {NULL, proc_statfs_json_parse, G(PC_G_FS), PROCFS_NO_STATFS, 1000 * MS, 0,
     "statfs", "statfs[*]", 5},
    /* Not a file: the sampler's cgroup reader; pcc-container lines have their own reader. */
    {NULL, NULL, G(PC_G_CONTAINER), PROCFS_NO_CONTAINERS, 1000 * MS, 0,
     "containers", "container/*", 0},
};
/* clang-format on */

const unsigned pc_nsources = sizeof(pc_sources) / sizeof(*pc_sources);

int pc_source_by_path(const char *path)
{
	for (unsigned i = 0; i < pc_nsources; i++)
		if (pc_sources[i].path && !strcmp(path, pc_sources[i].path))
			return (int)i;
	return -1;
}

int pc_source_by_pcc(const char *name)
{
	for (unsigned i = 0; i < pc_nsources; i++)
		if (!strcmp(name, pc_sources[i].pcc))
			return (int)i;
	return -1;
}

/* Is row i the first of its system name (the known list names each once)? */
static int first_of_system(unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (!strcmp(pc_sources[j].system, pc_sources[i].system))
			return 0;
	return 1;
}

static void unknown_system(const char *tok, char *why, size_t whylen)
{
	char known[512] = "";
	size_t n = 0;

	for (unsigned i = 0; i < pc_nsources; i++) {
		if (!first_of_system(i) || n >= sizeof(known))
			continue;
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s ", pc_sources[i].system);
	}
	snprintf(why, whylen, "systems: '%.64s' unknown (known: %sor all)", tok, known);
}

int pc_systems_mask(const char *list, uint32_t *mask, char *why, size_t whylen)
{
	char buf[4097], *save = NULL, *tok; /* a wire text (PC_WIRE_MAX_TEXT) at most */
	uint32_t filled = 0;
	unsigned i;
	int found;

	for (i = 0; i < pc_nsources; i++)
		filled |= pc_sources[i].groups;
	*mask = 0;
	if (!*list || !strcmp(list, "all")) {
		*mask = (1u << PC_G_MAX) - 1;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		for (i = 0, found = 0; i < pc_nsources; i++) {
			if (!strcmp(tok, pc_sources[i].system)) {
				*mask |= pc_sources[i].groups;
				found = 1;
			}
		}
		if (!found) {
			unknown_system(tok, why, whylen);
			return -EINVAL;
		}
	}
	/* the collector's own cost and the eBPF groups always travel */
	*mask |= ((1u << PC_G_MAX) - 1) & ~filled;
	return 0;
}
