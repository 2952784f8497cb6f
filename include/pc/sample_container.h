/* SPDX-License-Identifier: MIT */
/*
 * The columns of the container group (PC_G_CONTAINER, include/pc/sample.h):
 * one row per container, keyed "<runtime>/<id>" or "<runtime>/<id>/<name>"
 * (docs/CONTAINERS.md), raw values as the cgroup files give them. CPU times
 * are microseconds; a limit of 0 means "none" (cgroup "max", v1 -1 or
 * PAGE_COUNTER_MAX); a file the cgroup does not have reads as 0.
 */
#ifndef PC_SAMPLE_CONTAINER_H
#define PC_SAMPLE_CONTAINER_H

enum {
	PC_CT_CPU_USAGE_US,	/* cumulative CPU time of every task */
	PC_CT_CPU_USER_US,	/* of which user */
	PC_CT_CPU_SYSTEM_US,	/* of which system */
	PC_CT_CPU_QUOTA_US,	/* CFS quota per period now; 0 = no quota */
	PC_CT_CPU_PERIOD_US,	/* CFS period now */
	PC_CT_CPU_PERIODS,	/* cumulative enforcement periods */
	PC_CT_CPU_THROTTLED,	/* cumulative periods throttled */
	PC_CT_CPU_THROTTLED_US, /* cumulative time throttled */
	PC_CT_MEM_CURRENT,	/* bytes now */
	PC_CT_MEM_MAX,		/* limit in bytes now; 0 = no limit */
	PC_CT_MEM_ANON,		/* bytes now */
	PC_CT_MEM_FILE,		/* page cache bytes now */
	PC_CT_MEM_KERNEL,	/* kernel bytes now (v2 "kernel", v1 kmem usage) */
	PC_CT_MEM_SLAB,		/* slab bytes now (v2 only) */
	PC_CT_IO_READ_BYTES,	/* cumulative, summed over devices */
	PC_CT_IO_WRITE_BYTES,
	PC_CT_IO_READ_OPS,
	PC_CT_IO_WRITE_OPS,
	PC_CT_PIDS_CURRENT, /* tasks now */
	PC_CT_PIDS_MAX,	    /* limit now; 0 = no limit */
	PC_CT_CPU_SOME_US,  /* cumulative PSI totals (v2 with pressure files) */
	PC_CT_CPU_FULL_US,
	PC_CT_MEM_SOME_US,
	PC_CT_MEM_FULL_US,
	PC_CT_IO_SOME_US,
	PC_CT_IO_FULL_US,
	/*
	 * From the eBPF sched program (bpf_cgroup rows of the container's v2
	 * cgroup and its descendants, summed by the collector; 0 without eBPF
	 * or a v2 directory): CPU ns, run-queue wait ns and waits, cumulative.
	 */
	PC_CT_BPF_CPU_NS,
	PC_CT_RUNQ_WAIT_NS,
	PC_CT_RUNQ_WAITS,
	PC_CT_NCOLS
};

#include <stddef.h>

/*
 * pcc-container's measurement members and their columns, in the members'
 * order (Go's, sorted by name): read by input_pcc_container.c, written by
 * perfcollectord's pcc-container mode. A limit member is negative when
 * there is none (our 0).
 */
struct pc_ct_pcc_field {
	const char *key;
	int col;
	int limit;
};
extern const struct pc_ct_pcc_field pc_ct_pcc_fields[];
extern const unsigned pc_ct_npcc_fields;

/*
 * A row key: "<runtime>/<id>", plus "/<name>" when the name is known, says
 * more than the id and fits PC_KEY_MAX whole. 0 or -ENAMETOOLONG.
 */
int pc_container_key(char *key, size_t len, const char *runtime, const char *id, const char *name);
/* The parts of a row key (name "" when it has none; a name may hold '/'). 0, -EINVAL. */
int pc_container_split_key(const char *key, char *runtime, size_t rtlen, char *id, size_t idlen,
			   char *name, size_t namelen);

#endif
