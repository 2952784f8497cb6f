/* SPDX-License-Identifier: MIT */
/*
 * The eBPF sampler: loads the CO-RE programs of bpf/ (sched, blk, proc),
 * keeps BPF run-time statistics enabled by fd while it lives, and each tick
 * drains their maps and ring buffer into the sample's PC_G_BPF_* tables and
 * the BPF columns of the "self" row. Values are cumulative raw counters like
 * /proc; the exporter takes the deltas. It degrades per program: whatever
 * fails to load is switched off and named by bpf_sampler__missing().
 * Also here: the userspace name lookups the programs need (cgroup id to
 * path, dev_t to disk name), exposed so that they can be tested alone.
 */
#ifndef PC_BPF_SAMPLER_H
#define PC_BPF_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "pc/sample.h"

/* bpf_sampler__open flags: switch parts off, or force the raw_tp fallback. */
#define BPF_SAMPLER_NO_SCHED  (1u << 0) /* no busy ns, switches, run-queue, cgroup CPU */
#define BPF_SAMPLER_NO_BLK    (1u << 1) /* no block latency */
#define BPF_SAMPLER_NO_PROC   (1u << 2) /* no exec/exit events */
#define BPF_SAMPLER_NO_CGROUP (1u << 3) /* sched without per-cgroup CPU */
#define BPF_SAMPLER_NO_RUNQ   (1u << 4) /* sched without run-queue latency */
#define BPF_SAMPLER_RAW_TP    (1u << 5) /* raw tracepoints even where tp_btf works */
/* Tests: time every I/O from our own issue stamp, even where the block layer keeps one. */
#define BPF_SAMPLER_OWN_BLK_STAMPS (1u << 6)

struct bpf_sampler;

struct bpf_sampler_opts {
	unsigned flags;
	uint32_t runq_tgid; /* time only this process' wakeups (tests); 0 = every task */
};

/*
 * Open, set load-time constants, load and attach every program not switched
 * off. NULL with errno and a plain sentence in why ("not root", "no BTF at
 * /sys/kernel/btf/vmlinux", "sched program failed to load: ...") when none
 * loaded; a partial success returns the sampler and names what is off in
 * why and in bpf_sampler__missing().
 */
struct bpf_sampler *bpf_sampler__open(unsigned flags, char *why, size_t whylen);
struct bpf_sampler *bpf_sampler__open_opts(const struct bpf_sampler_opts *opts, char *why,
					   size_t whylen);
/*
 * Append this tick's rows to s->t[PC_G_BPF_CPU, _RUNQ, _BLK, _CGROUP, _PROC]
 * and set the BPF columns of the PC_G_SELF row "self" if it exists.
 * Returns 0 or a negative errno (-ENOMEM); a map that cannot be read is
 * skipped and logged once.
 */
int bpf_sampler__read(struct bpf_sampler *b, struct pc_sample *s);
/*
 * The same, leaving out the groups named in skip (the collector reads these
 * at most every 100 ms: docs/COLLECTOR.md). Their counters keep running: a
 * later read has everything since.
 */
#define BPF_READ_NO_CGROUP (1u << 0) /* PC_G_BPF_CGROUP: CPU per cgroup */
#define BPF_READ_NO_EXITED (1u << 1) /* PC_G_BPF_EXITED: exited tasks per command */
#define BPF_READ_NO_BLK	   (1u << 2) /* PC_G_BPF_BLK: block latency and I/O per disk */
int bpf_sampler__read_some(struct bpf_sampler *b, struct pc_sample *s, unsigned skip);
/* What is off and why, one clause per part ("blk: ..."), or "" when all runs. */
const char *bpf_sampler__missing(const struct bpf_sampler *b);
void bpf_sampler__close(struct bpf_sampler *b);

/*
 * Privilege separation (docs/PRIVSEP.md). The privileged part serves loads
 * on sock until its peer closes it or sends a malformed request: each
 * request (fixed size, checked whole) runs the loader child, which answers
 * on sock with the fds. The unprivileged part calls bpf_broker__use once,
 * before its threads start: from then on bpf_sampler__open loads through
 * sock and needs no privilege of its own.
 */
void bpf_broker__serve(int sock);
void bpf_broker__use(int sock);

/* Per-program BPF statistics, for benchmarks: cumulative since open. */
struct bpf_prog_cost {
	char name[32]; /* e.g. "pc_switch_btf" */
	uint64_t run_ns;
	uint64_t run_cnt;
};
/* Fill up to max entries; returns how many programs are attached, or a negative errno. */
int bpf_sampler__costs(const struct bpf_sampler *b, struct bpf_prog_cost *out, int max);
/* 1 when the sched program runs: every CPU's busy time is measured exactly. */
int bpf_sampler__busy_time(const struct bpf_sampler *b);
/* 1 when the programs run as tp_btf, 0 when as the raw_tp fallback. */
int bpf_sampler__uses_btf(const struct bpf_sampler *b);

/* --- names (userspace/collect/bpf_names.c) --- */

/* dev_t as the kernel encodes it inside (major << 20 | minor) and the disk name it has. */
struct bpf_names;
/* cg2root: the cgroup v2 mount ("" or NULL: found in /proc/self/mountinfo). */
struct bpf_names *bpf_names__new(const char *cg2root);
void bpf_names__free(struct bpf_names *n);
/* Where cgroup v2 is mounted (e.g. "/sys/fs/cgroup/unified"), or "" when it is not. */
const char *bpf_names__cg2root(const struct bpf_names *n);
/*
 * Path of a cgroup id relative to the v2 mount ("/" for the root, else
 * "/a/b"); NULL when no such cgroup exists now (rescans at most once per
 * call to bpf_names__tick, so unknown ids cost one walk per tick at most).
 */
const char *bpf_names__cgroup(struct bpf_names *n, uint64_t id);
/* A new tick: allow one more rescan of the cgroup tree. */
void bpf_names__tick(struct bpf_names *n);
/* Disk name of a kernel-internal dev_t, e.g. "vda"; NULL when unknown. */
const char *bpf_names__disk(struct bpf_names *n, uint32_t kdev);
/* The cgroup v2 id of a cgroup directory (name_to_handle_at), or 0 with errno set. */
uint64_t bpf_names__cgroup_id(const char *dir);
/*
 * Parse the text of /sys/dev/block/M:m/uevent for DEVNAME=; 0 and the name
 * in out, or -ENOENT (no DEVNAME), -EINVAL (bad or too long name).
 */
int bpf_names__parse_uevent(const char *buf, size_t len, char *out, size_t outlen);
/*
 * Find major:minor in the text of /proc/partitions; 0 and the name in out,
 * -ENOENT when absent, -EINVAL on a malformed line (named in err).
 */
int bpf_names__parse_partitions(const char *buf, size_t len, unsigned major, unsigned minor,
				char *out, size_t outlen, char *err, size_t errlen);

#endif
