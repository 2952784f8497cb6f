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

/* The cgroup files read, by slot (containers_read.c keeps them open within a budget). */
#define CT_NFILES  24
#define CT_NLIMITS 4

#define CT_ID_MAX   80
#define CT_NAME_MAX 96

struct ct {
	enum pc_ct_runtime rt;
	char id[CT_ID_MAX];
	char name[CT_NAME_MAX]; /* "" until known */
	int name_tries;		/* lookups that failed; given up after a few */
	char *dir[CT_NDIRS];	/* absolute cgroup directories, NULL when absent */
	char *rel;		/* the path under its hierarchy (for rootless podman's uid) */
	uint64_t cg2id;		/* the v2 directory's cgroup id (bpf_cgroup's PC_CG_ID), 0 unknown */
	unsigned gen;		/* the scan that last saw it */
	int fd[CT_NFILES];	/* fd + 1 of an open file; 0 not open; -1 absent when last tried */
	uint64_t limits[CT_NLIMITS]; /* quota, period, memory max, pids max as last read */
	int have_limits;
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
	unsigned nfds, fd_budget; /* files kept open, and how many may be */
	unsigned reads;	      /* containers__read calls: absent files are tried again every 16 */
	char buf[CT_READBUF]; /* one file at a time */
};

/* Fill one container's row (containers_read.c): 0, -ENOENT when it vanished, -ENOMEM. */
int ct_read_row(struct pc_containers *c, struct ct *t, uint64_t *row, struct pc_perr *perr);
/* Close the files kept open for t (it stopped, or its directories changed). */
void ct_close_files(struct pc_containers *c, struct ct *t);
/* How many files may stay open: half the RLIMIT_NOFILE soft limit. */
unsigned ct_fd_budget(void);
/* Read a small file whole into buf (NUL-terminated): bytes, or negative errno. */
ssize_t ct_read_file(const char *path, char *buf, size_t len);

#endif
