/* SPDX-License-Identifier: MIT */
/*
 * A cgroup of our own for replay workers: a CPU set and a CPU limit, and its
 * CPU usage in nanoseconds as an independent measurement. cgroup v2 when the
 * unified hierarchy offers the cpu and cpuset controllers (at the root or
 * under unified/), v1 (cpuset, cpu, cpuacct hierarchies) otherwise, and
 * sched_setaffinity alone when neither can be used. A root prefix (default
 * /sys/fs/cgroup) lets tests use a fake tree. Destroying moves the tasks back
 * to the parent and removes every directory created.
 */
#ifndef PC_CGROUP_H
#define PC_CGROUP_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

enum pc_cg_mode { PC_CG_AFFINITY = 0, PC_CG_V1, PC_CG_V2 };

struct pc_cgroup {
	enum pc_cg_mode mode;
	char cpus[256];	       /* cpuset list, e.g. "0-1" */
	char v2[PATH_MAX];     /* v2: our directory */
	char cpuset[PATH_MAX]; /* v1: our directory in each hierarchy ("" = none) */
	char cpu[PATH_MAX];
	char cpuacct[PATH_MAX];
	char why[256]; /* why a better mode was not used, "" when none */
};

/*
 * Create root/<name> (root NULL = /sys/fs/cgroup) limited to cpus (a cpuset
 * list) and to cpu_limit CPUs of bandwidth (0 = no limit). Falls back to
 * PC_CG_AFFINITY (returning 0, why filled) when no hierarchy can be used.
 * Negative errno with err naming the file and value on a real failure.
 */
int cgroup__create(struct pc_cgroup *cg, const char *root, const char *name, const char *cpus,
		   double cpu_limit, char *err, size_t errlen);
/* Move one thread (v1) or its whole process (v2) in; affinity mode pins it to cpus. */
int cgroup__attach(struct pc_cgroup *cg, pid_t tid);
/* CPU used by the members since creation, ns; -ENOTSUP in affinity mode. */
int cgroup__usage_ns(const struct pc_cgroup *cg, uint64_t *ns);
/*
 * The same per CPU (v1 cpuacct.usage_percpu: ns[c] for CPU c): the count of
 * CPUs read, -ENOTSUP where the hierarchy has no per-CPU figure (v2, affinity).
 */
int cgroup__usage_percpu_ns(const struct pc_cgroup *cg, uint64_t *ns, int max);
/*
 * Every task's CPU time per CPU, ns, from the root of our group's v1 cpuacct
 * hierarchy (exact, whatever the tick; ours included): the count, -ENOTSUP
 * elsewhere. Less ours, it is the other work the replay shared the CPUs with.
 */
int cgroup__machine_percpu_ns(const struct pc_cgroup *cg, uint64_t *ns, int max);
/* Move members back to the parent and remove the directories. 0 or first error. */
int cgroup__destroy(struct pc_cgroup *cg);
const char *cgroup__mode_name(enum pc_cg_mode m);
/* Parse a cpuset list ("0-3,6") into a mask of up to 1024 CPUs; count or -EINVAL. */
int cgroup__parse_cpus(const char *list, uint8_t mask[128]);
/* The same list as CPU numbers in ascending order (at most max): the count, or -EINVAL. */
int cgroup__cpu_array(const char *list, int *cpus, int max);

#endif
