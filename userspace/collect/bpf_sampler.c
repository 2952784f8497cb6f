// SPDX-License-Identifier: MIT
/*
 * bpf_sampler.c: the lifecycle of the eBPF sampler (include/pc/bpf_sampler.h):
 * the programs are loaded and attached by a short-lived child (bpf_load.c),
 * whose fds we keep; this file holds them, their reader (bpf_read.c) and
 * BPF run-time statistics (enabled by fd for as long as the sampler lives),
 * and reports what runs. Draining the maps into a sample is bpf_read.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_internal.h"
#include "pc/log.h"

struct bpf_sampler *bpf_sampler__open(unsigned flags, char *why, size_t whylen)
{
	struct bpf_sampler_opts o = {.flags = flags};

	return bpf_sampler__open_opts(&o, why, whylen);
}

struct bpf_sampler *bpf_sampler__open_opts(const struct bpf_sampler_opts *o, char *why,
					   size_t whylen)
{
	struct bpf_sampler *b = NULL;
	int err = 0;

	if (whylen)
		why[0] = 0;
	if (geteuid() != 0 && !bpf_broker__active()) {
		snprintf(why, whylen, "not root");
		errno = EPERM;
		return NULL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err = errno;
		snprintf(why, whylen, "no BTF at /sys/kernel/btf/vmlinux");
		errno = err;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	bpf_loaded__init(&b->l);
	err = bpf_reader__init(&b->rd, &b->l);
	if (err) {
		snprintf(why, whylen, "cannot set up: %s", strerror(-err));
		goto cleanup;
	}
	err = bpf_load(o, &b->l, why, whylen);
	if (err)
		goto cleanup;
	if (b->l.on[PART_SCHED] && (err = bpf_reader__map_cpus(&b->rd))) {
		bpf_note(b->l.missing, sizeof(b->l.missing),
			 "sched: cannot map its CPU array: %s (exact CPU busy, run-queue latency, "
			 "cgroup CPU missing)",
			 strerror(-err));
		b->l.on[PART_SCHED] = 0;
		err = 0;
	}
	b->rd.want_cgroup = !(o->flags & BPF_SAMPLER_NO_CGROUP);
	b->rd.want_runq = b->l.want_runq;
	if (b->l.on[PART_PROC] && (err = bpf_reader__events(&b->rd, b->l.map[M_EVENTS].fd))) {
		bpf_note(b->l.missing, sizeof(b->l.missing),
			 "proc ring buffer: %s (exec/exit events missing)", strerror(-err));
		b->l.on[PART_PROC] = 0;
		err = 0;
	}
	snprintf(why, whylen, "%s", b->l.missing);
	return b;

cleanup:
	bpf_sampler__close(b);
	errno = -err;
	return NULL;
}

const char *bpf_sampler__missing(const struct bpf_sampler *b)
{
	return b ? b->l.missing : "eBPF sampler not running";
}

int bpf_sampler__busy_time(const struct bpf_sampler *b)
{
	return b->l.on[PART_SCHED];
}

int bpf_sampler__uses_btf(const struct bpf_sampler *b)
{
	int any = 0;

	for (int p = 0; p < PART_MAX; p++) {
		if (b->l.on[p] && !b->l.btf[p])
			return 0;
		any |= b->l.on[p] && b->l.btf[p];
	}
	return any;
}

int bpf_sampler__costs(const struct bpf_sampler *b, struct bpf_prog_cost *out, int max)
{
	return bpf_loaded__costs(&b->l, out, max);
}

int bpf_sampler__read(struct bpf_sampler *b, struct pc_sample *s)
{
	return bpf_sampler__read_some(b, s, 0);
}

int bpf_sampler__read_some(struct bpf_sampler *b, struct pc_sample *s, unsigned skip)
{
	if (!b || !s)
		return -EINVAL;
	return bpf_reader__read(&b->rd, s, skip);
}

void bpf_sampler__close(struct bpf_sampler *b)
{
	if (!b)
		return;
	bpf_reader__fini(&b->rd);
	bpf_loaded__close(&b->l);
	free(b);
}
