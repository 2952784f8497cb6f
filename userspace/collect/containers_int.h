/* SPDX-License-Identifier: MIT */
/*
 * containers_int.h: what containers.c (finding), containers_names.c (names
 * from the runtimes' state) and containers_read.c (the cgroup files) share.
 */
#ifndef PC_CONTAINERS_INT_H
#define PC_CONTAINERS_INT_H

#include <limits.h>

#include "pc/containers.h"

/* The cgroup directories a container can have: v2, then v1 per controller. */
enum { CT_V2, CT_CPU, CT_CPUACCT, CT_MEMORY, CT_BLKIO, CT_PIDS, CT_NDIRS };

#define CT_ID_MAX   80
#define CT_NAME_MAX 96

struct ct {
	enum pc_ct_runtime rt;
	char id[CT_ID_MAX];
	char name[CT_NAME_MAX]; /* "" until known */
	int name_tries;		/* lookups that failed; given up after a few */
	char *dir[CT_NDIRS];	/* absolute cgroup directories, NULL when absent */
	char *rel;		/* the path under its hierarchy (for rootless podman's uid) */
	unsigned gen;		/* the scan that last saw it */
	char key[PC_KEY_MAX];
};

struct ct_hier {
	char path[PATH_MAX];
	unsigned dirs; /* bit per CT_* this hierarchy provides */
};

#define CT_MAX_HIER 12
#define CT_READBUF  65536

struct pc_containers {
	char cgroot[PATH_MAX];
	char docker_root[PATH_MAX];
	char containerd_run[PATH_MAX];
	char podman_root[PATH_MAX];
	char home_root[PATH_MAX];
	struct ct_hier hier[CT_MAX_HIER];
	int nhier, hier_found;
	struct ct *ct;
	size_t nct, capct;
	unsigned gen;
	long user_hz;
	char buf[CT_READBUF]; /* one file at a time */
};

/* Fill one container's row (containers_read.c): 0, -ENOENT when it vanished, -ENOMEM. */
int ct_read_row(struct pc_containers *c, const struct ct *t, uint64_t *row, struct pc_perr *perr);
/* Read a small file whole into buf (NUL-terminated): bytes, or negative errno. */
ssize_t ct_read_file(const char *path, char *buf, size_t len);

#endif
