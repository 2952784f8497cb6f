/* SPDX-License-Identifier: MIT */
/*
 * Containers of this host, found in the cgroup tree and read from it
 * (docs/CONTAINERS.md): docker, containerd / Kubernetes, CRI-O, podman
 * (rootful and rootless), systemd-nspawn machines and LXC, on cgroup v2, v1
 * and hybrid hierarchies. containers__scan walks the trees and keeps the set
 * of containers (runtime, full id, name, cgroup directories);
 * containers__read appends one PC_G_CONTAINER row per container. Every path
 * is under configurable roots, so tests run on snapshot trees.
 */
#ifndef PC_CONTAINERS_H
#define PC_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include "pc/proc.h"
#include "pc/sample.h"
#include "pc/sample_container.h"

/* Where to look; NULL or "" members take the real system's paths. */
struct pc_ct_opts {
	const char *cgroot;	    /* /sys/fs/cgroup: v2 at it or at unified/, v1 in <ctrl>/ */
	const char *docker_root;    /* /var/lib/docker */
	const char *containerd_run; /* /run/containerd */
	const char *podman_root;    /* /var/lib/containers/storage (rootful) */
	const char *home_root; /* "" = each user's home from getpwuid; else <home_root>/<uid> */
};

/* Runtimes, as they appear in row keys. */
enum pc_ct_runtime {
	PC_CT_DOCKER,
	PC_CT_CONTAINERD,
	PC_CT_CRIO,
	PC_CT_PODMAN,
	PC_CT_NSPAWN,
	PC_CT_LXC,
	PC_CT_NRUNTIMES
};
const char *containers__runtime_name(enum pc_ct_runtime rt);

/*
 * What a cgroup directory's path says: the runtime and id of the container
 * it is, or -1 when it is none. rel is the path under the hierarchy's root
 * ("system.slice/docker-<id>.scope"); id gets the full id (64 hex, or the
 * machine / LXC name). Pure, for tests.
 */
int containers__classify(const char *rel, char *id, size_t idlen);

struct pc_containers;

struct pc_containers *containers__open(const struct pc_ct_opts *o);
void containers__free(struct pc_containers *c);
/*
 * Walk the trees: new containers are added (name looked up once), vanished
 * ones dropped. Returns the number of containers, or -ENOMEM. Problems
 * (an unreadable tree, a state file that does not parse) go to perr.
 */
int containers__scan(struct pc_containers *c, struct pc_perr *perr);
/*
 * One row per known container into s->t[PC_G_CONTAINER]. A file that is
 * missing reads as 0; one that does not parse leaves its columns 0 and is
 * named in perr; a container whose directory vanished mid-read gets no row
 * (named in perr) and is dropped. 0 or -ENOMEM.
 */
int containers__read(struct pc_containers *c, struct pc_sample *s, struct pc_perr *perr);
size_t containers__count(const struct pc_containers *c);
/*
 * After containers__read and the eBPF read of the same sample: each
 * container row gets the sum of the bpf_cgroup rows of its v2 cgroup and
 * the cgroups below it (PC_CT_BPF_CPU_NS, _RUNQ_WAIT_NS, _RUNQ_WAITS).
 */
void containers__join_bpf(const struct pc_containers *c, struct pc_sample *s);

/* A name lookup alone (for tests and the pcc-container reader): 0, or -ENOENT. */
int containers__lookup_name(const struct pc_ct_opts *o, enum pc_ct_runtime rt, const char *id,
			    const char *cgpath, char *name, size_t len);

/* A whole small file (a runtime's state), malloc'd and NUL-terminated; NULL when absent/too big. */
char *containers__slurp(const char *path, size_t max, size_t *len);

#endif
