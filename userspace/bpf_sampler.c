// SPDX-License-Identifier: MIT
/*
 * bpf_sampler.c: the lifecycle of the eBPF sampler (include/pc/bpf_sampler.h).
 * For each program set (sched, blk, proc): open the skeleton, set its
 * load-time constants, pick the tp_btf or raw_tp twins, load, attach, in
 * separate steps, falling back to raw_tp when tp_btf fails and switching the
 * set off (with the reason kept for bpf_sampler__missing) when both fail.
 * Keeps BPF run-time statistics enabled by fd for as long as it lives.
 * Draining the maps into a sample is userspace/bpf_read.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf_internal.h"
#include "pc/log.h"

/* First libbpf warning of the step in progress: the reason we give for a failure. */
static char libbpf_first[200];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	if (level == LIBBPF_WARN && !libbpf_first[0] && n) {
		/* Drop the "libbpf: " prefix: the sentence reads better without it. */
		snprintf(libbpf_first, sizeof(libbpf_first), "%.199s",
			 strncmp(line, "libbpf: ", 8) ? line : line + 8);
	}
	if (level != LIBBPF_DEBUG)
		log_debug("%s", line);
	return 0;
}

static void note(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used) {
		strcpy(buf + used, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Autoload the *_btf programs or their *_raw twins, never both. */
static void choose_progs(struct bpf_object *obj, int raw)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj)
	{
		const char *n = bpf_program__name(p);
		size_t l = strlen(n);
		int is_raw = l > 4 && !strcmp(n + l - 4, "_raw");

		bpf_program__set_autoload(p, is_raw == raw);
	}
}

static int step_failed(const char *step, int err, char *why, size_t len)
{
	snprintf(why, len, "%s: %s", step, libbpf_first[0] ? libbpf_first : strerror(-err));
	return err;
}

static int sched_start(struct bpf_sampler *b, const struct bpf_sampler_opts *o, int raw, char *why,
		       size_t len)
{
	struct sched_bpf *s = sched_bpf__open();
	int err;

	if (!s)
		return step_failed("open", -errno, why, len);
	b->sched = s;
	s->rodata->want_cgroup = !(o->flags & BPF_SAMPLER_NO_CGROUP);
	s->rodata->want_runq = !(o->flags & BPF_SAMPLER_NO_RUNQ);
	s->rodata->targ_tgid = o->runq_tgid;
	choose_progs(s->obj, raw);
	/* Each variant uses one of the two wakeup-time maps: do not create the other. */
	bpf_map__set_autocreate(raw ? s->maps.wake_ts : s->maps.wake_pid, false);
	err = sched_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = sched_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	return 0;
}

/* block_rq_issue lost its request_queue argument in 5.11: count the BTF prototype's params. */
static int issue_has_q(void)
{
	struct btf *vb = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id, has = 0;

	if (!vb)
		return 0;
	id = btf__find_by_name_kind(vb, "btf_trace_block_rq_issue", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(vb, id) : NULL;
	if (t)
		t = btf__type_by_id(vb, t->type); /* pointer */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(vb, t->type); /* function prototype */
	if (t && btf_is_func_proto(t))
		has = btf_vlen(t) == 3; /* (void *, q, rq) */
	btf__free(vb);
	return has;
}

static int blk_start(struct bpf_sampler *b, const struct bpf_sampler_opts *o, int raw, char *why,
		     size_t len)
{
	struct blk_bpf *s = blk_bpf__open();
	int err;

	(void)o;
	if (!s)
		return step_failed("open", -errno, why, len);
	b->blk = s;
	s->rodata->issue_has_q = issue_has_q();
	choose_progs(s->obj, raw);
	err = blk_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = blk_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	return 0;
}

static int proc_start(struct bpf_sampler *b, const struct bpf_sampler_opts *o, int raw, char *why,
		      size_t len)
{
	struct proc_bpf *s = proc_bpf__open();
	int err;

	(void)o;
	if (!s)
		return step_failed("open", -errno, why, len);
	b->proc = s;
	choose_progs(s->obj, raw);
	err = proc_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = proc_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	b->rb = ring_buffer__new(bpf_map__fd(s->maps.events), bpf_read__event, b, NULL);
	if (!b->rb)
		return step_failed("ring buffer", -errno, why, len);
	return 0;
}

static void stop(struct bpf_sampler *b, int part)
{
	switch (part) {
	case PART_SCHED:
		sched_bpf__destroy(b->sched);
		b->sched = NULL;
		break;
	case PART_BLK:
		blk_bpf__destroy(b->blk);
		b->blk = NULL;
		break;
	case PART_PROC:
		ring_buffer__free(b->rb);
		b->rb = NULL;
		proc_bpf__destroy(b->proc);
		b->proc = NULL;
		break;
	}
}

typedef int (*start_fn)(struct bpf_sampler *, const struct bpf_sampler_opts *, int, char *, size_t);

static const struct {
	const char *name;
	const char *lost; /* what is missing without it, for the operator */
	unsigned off_flag;
	start_fn start;
} parts[PART_MAX] = {
    [PART_SCHED] = {"sched", "exact CPU busy, run-queue latency, cgroup CPU", BPF_SAMPLER_NO_SCHED,
		    sched_start},
    [PART_BLK] = {"blk", "block I/O latency", BPF_SAMPLER_NO_BLK, blk_start},
    [PART_PROC] = {"proc", "exec/exit events", BPF_SAMPLER_NO_PROC, proc_start},
};

/* tp_btf first unless told otherwise, then raw_tp; 0 when either runs. */
static int part_start(struct bpf_sampler *b, int part, const struct bpf_sampler_opts *o)
{
	char e_btf[200] = "", e_raw[200] = "";

	if (!(o->flags & BPF_SAMPLER_RAW_TP)) {
		libbpf_first[0] = 0;
		if (!parts[part].start(b, o, 0, e_btf, sizeof(e_btf))) {
			b->btf[part] = 1;
			return 0;
		}
		stop(b, part);
	}
	libbpf_first[0] = 0;
	if (!parts[part].start(b, o, 1, e_raw, sizeof(e_raw))) {
		if (e_btf[0])
			log_info("eBPF %s: tp_btf failed (%s), using raw tracepoints",
				 parts[part].name, e_btf);
		return 0;
	}
	stop(b, part);
	note(b->missing, sizeof(b->missing), "%s program failed to %s (%s off)", parts[part].name,
	     e_raw, parts[part].lost);
	return -1;
}

struct bpf_sampler *bpf_sampler__open(unsigned flags, char *why, size_t whylen)
{
	struct bpf_sampler_opts o = {.flags = flags};

	return bpf_sampler__open_opts(&o, why, whylen);
}

struct bpf_sampler *bpf_sampler__open_opts(const struct bpf_sampler_opts *o, char *why,
					   size_t whylen)
{
	struct bpf_sampler *b = NULL;
	libbpf_print_fn_t prev_print;
	int err = 0, running = 0;

	if (whylen)
		why[0] = 0;
	if (geteuid() != 0) {
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
	b->stats_fd = -1;
	prev_print = libbpf_set_print(libbpf_print);
	err = bpf_read__init(b);
	if (err) {
		snprintf(why, whylen, "cannot set up: %s", strerror(-err));
		goto cleanup;
	}
	for (int p = 0; p < PART_MAX; p++) {
		if (o->flags & parts[p].off_flag) {
			note(b->missing, sizeof(b->missing), "%s off by request (%s missing)",
			     parts[p].name, parts[p].lost);
			continue;
		}
		if (!part_start(b, p, o))
			running++;
		else
			err = -ENOENT;
	}
	if (!running) {
		snprintf(why, whylen, "%s",
			 b->missing[0] ? b->missing : "every program switched off");
		err = err ? err : -ENOENT;
		goto cleanup;
	}
	/* Run time and count per program; held by fd, so it ends with us (not the sysctl). */
	b->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (b->stats_fd < 0)
		note(b->missing, sizeof(b->missing),
		     "BPF run time not measured (bpf_enable_stats: %s)", strerror(errno));
	snprintf(why, whylen, "%s", b->missing);
	libbpf_set_print(prev_print);
	return b;

cleanup:
	libbpf_set_print(prev_print);
	bpf_sampler__close(b);
	errno = -err;
	return NULL;
}

const char *bpf_sampler__missing(const struct bpf_sampler *b)
{
	return b ? b->missing : "eBPF sampler not running";
}

int bpf_sampler__uses_btf(const struct bpf_sampler *b)
{
	int any = 0;

	if (b->sched && !b->btf[PART_SCHED])
		return 0;
	if (b->blk && !b->btf[PART_BLK])
		return 0;
	if (b->proc && !b->btf[PART_PROC])
		return 0;
	for (int p = 0; p < PART_MAX; p++)
		any |= b->btf[p];
	return any;
}

static struct bpf_object *part_obj(const struct bpf_sampler *b, int part)
{
	switch (part) {
	case PART_SCHED:
		return b->sched ? b->sched->obj : NULL;
	case PART_BLK:
		return b->blk ? b->blk->obj : NULL;
	case PART_PROC:
		return b->proc ? b->proc->obj : NULL;
	}
	return NULL;
}

int bpf_sampler__costs(const struct bpf_sampler *b, struct bpf_prog_cost *out, int max)
{
	struct bpf_prog_info info;
	struct bpf_program *p;
	__u32 len;
	int n = 0;

	for (int part = 0; part < PART_MAX; part++) {
		struct bpf_object *obj = part_obj(b, part);

		if (!obj)
			continue;
		bpf_object__for_each_program(p, obj)
		{
			int fd = bpf_program__fd(p);

			if (fd < 0 || !bpf_program__autoload(p))
				continue;
			memset(&info, 0, sizeof(info));
			len = sizeof(info);
			if (bpf_obj_get_info_by_fd(fd, &info, &len))
				return -errno;
			if (n < max && out) {
				snprintf(out[n].name, sizeof(out[n].name), "%s",
					 bpf_program__name(p));
				out[n].run_ns = info.run_time_ns;
				out[n].run_cnt = info.run_cnt;
			}
			n++;
		}
	}
	return n;
}

void bpf_sampler__close(struct bpf_sampler *b)
{
	if (!b)
		return;
	for (int p = 0; p < PART_MAX; p++)
		stop(b, p);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	bpf_read__fini(b);
	free(b);
}
