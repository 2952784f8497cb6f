// SPDX-License-Identifier: MIT
/*
 * bpf_load.c: loading the eBPF programs, in a child process. For each
 * program set (sched, blk, proc): open the skeleton, set its load-time
 * constants, pick the tp_btf or raw_tp twins, load, attach, in separate
 * steps, falling back to raw_tp when tp_btf fails and switching the set off
 * (with the reason kept for bpf_sampler__missing) when both fail.
 *
 * Why a child: CO-RE relocation makes libbpf read and index the kernel's
 * BTF (5.5 MB here), which took the collector's peak RSS from ~7 to ~18 MiB
 * for good (VmHWM never comes down). The child does all of that, then sends
 * the fds of the maps, programs and links over a socket (SCM_RIGHTS) and
 * exits; the collector holds the links, so the programs stay attached for
 * as long as it lives, and it reads the maps by fd (bpf_read.c).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "blk.skel.h"
#include "bpf_internal.h"
#include "pc/log.h"
#include "proc.skel.h"
#include "sched.skel.h"

/* The skeletons, in the child only. */
struct skels {
	struct sched_bpf *sched;
	struct blk_bpf *blk;
	struct proc_bpf *proc;
};

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

void bpf_note(char *buf, size_t len, const char *fmt, ...)
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

/* The kernel's BTF, parsed once in the child and left to its exit (NULL without it). */
static struct btf *kernel_btf(void)
{
	static struct btf *vb;

	if (!vb)
		vb = btf__load_vmlinux_btf();
	return vb;
}

/* Whether struct sname of the kernel has a member called member. */
static int has_member(const char *sname, const char *member)
{
	struct btf *vb = kernel_btf();
	const struct btf_type *t;
	const struct btf_member *m;
	int id = vb ? btf__find_by_name_kind(vb, sname, BTF_KIND_STRUCT) : -1;

	t = id > 0 ? btf__type_by_id(vb, id) : NULL;
	if (!t)
		return 0;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(vb, m->name_off), member))
			return 1;
	return 0;
}

/*
 * The run-queue histogram reads the scheduler's own enqueue timestamp
 * (sched_info.last_queued: CONFIG_SCHED_INFO) against the run queue's clock,
 * found through the task's cfs_rq (CONFIG_FAIR_GROUP_SCHED).
 */
static int runq_supported(void)
{
	return has_member("sched_info", "last_queued") && has_member("sched_entity", "cfs_rq") &&
	       has_member("cfs_rq", "rq");
}

/* The value of enumerator name in any enum of the kernel's BTF; -1 when none has it. */
static int enum_value(const char *name)
{
	struct btf *vb = kernel_btf();
	int n = vb ? (int)btf__type_cnt(vb) : 0;

	for (int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vb, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(vb, e->name_off), name))
				return e->val;
	}
	return -1;
}

/* block_rq_issue lost its request_queue argument in 5.11: count the BTF prototype's params. */
static int issue_has_q(void)
{
	struct btf *vb = kernel_btf();
	const struct btf_type *t;
	int id;

	if (!vb)
		return 0;
	id = btf__find_by_name_kind(vb, "btf_trace_block_rq_issue", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(vb, id) : NULL;
	if (t)
		t = btf__type_by_id(vb, t->type); /* pointer */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(vb, t->type);	      /* function prototype */
	return t && btf_is_func_proto(t) && btf_vlen(t) == 3; /* (void *, q, rq) */
}

static int sched_start(struct skels *k, const struct bpf_sampler_opts *o, int raw, char *why,
		       size_t len)
{
	struct sched_bpf *s = sched_bpf__open();
	int err;

	if (!s)
		return step_failed("open", -errno, why, len);
	k->sched = s;
	s->rodata->want_cgroup = !(o->flags & BPF_SAMPLER_NO_CGROUP);
	s->rodata->want_runq = !(o->flags & BPF_SAMPLER_NO_RUNQ) && runq_supported();
	s->rodata->targ_tgid = o->runq_tgid;
	err = libbpf_num_possible_cpus();
	if (err < 0 || (err = bpf_map__set_max_entries(s->maps.cpus, (__u32)err)))
		return step_failed("size the CPU map", err, why, len);
	choose_progs(s->obj, raw);
	err = sched_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = sched_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	return 0;
}

static int blk_start(struct skels *k, const struct bpf_sampler_opts *o, int raw, char *why,
		     size_t len)
{
	struct blk_bpf *s = blk_bpf__open();
	int err;

	if (!s)
		return step_failed("open", -errno, why, len);
	k->blk = s;
	s->rodata->issue_has_q = issue_has_q();
	if (!(o->flags & BPF_SAMPLER_OWN_BLK_STAMPS)) {
		/* Both or neither: a queue the issue side trusts must be read at completion. */
		int q = enum_value("QUEUE_FLAG_STATS"), r = enum_value("__RQF_STATS");

		s->rodata->q_stats_bit = q >= 0 && r >= 0 ? q : -1;
		s->rodata->rq_stats_bit = q >= 0 && r >= 0 ? r : -1;
	}
	choose_progs(s->obj, raw);
	err = blk_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = blk_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	return 0;
}

static int proc_start(struct skels *k, const struct bpf_sampler_opts *o, int raw, char *why,
		      size_t len)
{
	struct proc_bpf *s = proc_bpf__open();
	int err;

	(void)o;
	if (!s)
		return step_failed("open", -errno, why, len);
	k->proc = s;
	choose_progs(s->obj, raw);
	err = proc_bpf__load(s);
	if (err)
		return step_failed("load", err, why, len);
	err = proc_bpf__attach(s);
	if (err)
		return step_failed("attach", err, why, len);
	return 0;
}

static void stop(struct skels *k, int part)
{
	switch (part) {
	case PART_SCHED:
		sched_bpf__destroy(k->sched);
		k->sched = NULL;
		break;
	case PART_BLK:
		blk_bpf__destroy(k->blk);
		k->blk = NULL;
		break;
	case PART_PROC:
		proc_bpf__destroy(k->proc);
		k->proc = NULL;
		break;
	}
}

typedef int (*start_fn)(struct skels *, const struct bpf_sampler_opts *, int, char *, size_t);

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
static int part_start(struct skels *k, struct bpf_loaded *l, int part,
		      const struct bpf_sampler_opts *o)
{
	char e_btf[200] = "", e_raw[200] = "";

	if (!(o->flags & BPF_SAMPLER_RAW_TP)) {
		libbpf_first[0] = 0;
		if (!parts[part].start(k, o, 0, e_btf, sizeof(e_btf))) {
			l->btf[part] = 1;
			return 0;
		}
		stop(k, part);
	}
	libbpf_first[0] = 0;
	if (!parts[part].start(k, o, 1, e_raw, sizeof(e_raw))) {
		if (e_btf[0])
			log_info("eBPF %s: tp_btf failed (%s), using raw tracepoints",
				 parts[part].name, e_btf);
		return 0;
	}
	stop(k, part);
	bpf_note(l->missing, sizeof(l->missing), "%s program failed to %s (%s off)",
		 parts[part].name, e_raw, parts[part].lost);
	return -1;
}

/*
 * A map only the programs write: frozen, so that its fd (handed to a process
 * that dropped root, docs/PRIVSEP.md) can no longer update it or map it
 * writable. The sched program trusts what its CPU elements hold (a task's
 * address among them): written from userspace they would make it read any
 * kernel address. The programs themselves still write.
 */
static void map_freeze(struct bpf_loaded *l, int m, const char *name)
{
	int err = bpf_map_freeze(l->map[m].fd);

	if (err)
		bpf_note(l->missing, sizeof(l->missing), "map %s not frozen (%s)", name,
			 strerror(-err));
}

static void map_ref(struct bpf_loaded *l, int m, const struct bpf_map *map)
{
	l->map[m].fd = bpf_map__fd(map);
	l->map[m].key_size = bpf_map__key_size(map);
	l->map[m].value_size = bpf_map__value_size(map);
	l->map[m].max_entries = bpf_map__max_entries(map);
}

/* The attached programs of a skeleton: fds, links and names into l. */
static void progs_ref(struct bpf_loaded *l, const struct bpf_object_skeleton *s)
{
	for (int i = 0; i < s->prog_cnt && l->nprogs < PC_BPF_MAX_PROGS; i++) {
		struct bpf_link *link = *s->progs[i].link;

		if (!link)
			continue; /* the twin not loaded */
		l->prog_fd[l->nprogs] = bpf_program__fd(*s->progs[i].prog);
		l->link_fd[l->nprogs] = bpf_link__fd(link);
		snprintf(l->prog_name[l->nprogs], sizeof(l->prog_name[0]), "%s", s->progs[i].name);
		l->nprogs++;
	}
}

/* In the child: load what o asks for into k and describe it in l (child's fds). */
static int load_here(const struct bpf_sampler_opts *o, struct skels *k, struct bpf_loaded *l)
{
	int running = 0;

	libbpf_set_print(libbpf_print);
	for (int p = 0; p < PART_MAX; p++) {
		if (o->flags & parts[p].off_flag)
			bpf_note(l->missing, sizeof(l->missing), "%s off by request (%s missing)",
				 parts[p].name, parts[p].lost);
		else if (!part_start(k, l, p, o))
			running = l->on[p] = 1;
	}
	/* The histogram is on as loaded: asked for and supported by this kernel. */
	l->want_runq = k->sched && k->sched->rodata->want_runq;
	if (k->sched && !l->want_runq && !(o->flags & BPF_SAMPLER_NO_RUNQ))
		bpf_note(l->missing, sizeof(l->missing),
			 "run-queue latency missing (the kernel has no sched_info.last_queued: "
			 "CONFIG_SCHED_INFO, or no cfs_rq.rq: CONFIG_FAIR_GROUP_SCHED)");
	if (k->sched) {
		map_ref(l, M_CPUS, k->sched->maps.cpus);
		map_freeze(l, M_CPUS, "cpus");
		map_ref(l, M_CGROUPS, k->sched->maps.cgroups);
		progs_ref(l, k->sched->skeleton);
	}
	if (k->blk) {
		map_ref(l, M_DISKS, k->blk->maps.disks);
		map_ref(l, M_DISK_SLOTS, k->blk->maps.disk_slots);
		map_ref(l, M_BLK_ERR, k->blk->maps.blk_err);
		map_freeze(l, M_DISKS, "disks");
		map_freeze(l, M_DISK_SLOTS, "disk_slots");
		map_freeze(l, M_BLK_ERR, "blk_err");
		progs_ref(l, k->blk->skeleton);
	}
	if (k->proc) {
		map_ref(l, M_PROC_STATS, k->proc->maps.proc_stats);
		map_freeze(l, M_PROC_STATS, "proc_stats");
		map_ref(l, M_EVENTS, k->proc->maps.events);
		progs_ref(l, k->proc->skeleton);
	}
	return running ? 0 : -ENOENT;
}

#define MAX_FDS (M_MAX + 2 * PC_BPF_MAX_PROGS + 1)

struct load_msg {
	int err;
	struct bpf_loaded l;
};

/* The fds of l in the order they travel: maps present, programs, links, the stats fd. */
static int fd_list(struct bpf_loaded *l, int **slot)
{
	int n = 0;

	for (int m = 0; m < M_MAX; m++)
		if (l->map[m].fd >= 0)
			slot[n++] = &l->map[m].fd;
	for (int i = 0; i < l->nprogs; i++)
		slot[n++] = &l->prog_fd[i];
	for (int i = 0; i < l->nprogs; i++)
		slot[n++] = &l->link_fd[i];
	if (l->stats_fd >= 0)
		slot[n++] = &l->stats_fd;
	return n;
}

void bpf_loaded__init(struct bpf_loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->stats_fd = -1;
	for (int i = 0; i < M_MAX; i++)
		l->map[i].fd = -1;
}

/* Send m and the fds it names on sock; 0 or -1. */
static int send_loaded(int sock, struct load_msg *m)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)] = {0};
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int *slot[MAX_FDS], n = fd_list(&m->l, slot);

	if (n) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		for (int i = 0; i < n; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), slot[i], sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* The loader: load, turn the run-time statistics on (CAP_SYS_ADMIN), send, exit. */
static void child(int sock, const struct bpf_sampler_opts *o)
{
	struct skels k = {0};
	struct load_msg m = {0};

	/*
	 * libbpf reads and indexes the kernel's BTF once per object (and we
	 * once more): keep freed memory in the heap so that each parse reuses
	 * the pages of the one before instead of faulting in fresh ones.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	bpf_loaded__init(&m.l);
	m.err = load_here(o, &k, &m.l);
	/* Run time and count per program; held by fd, so it ends with the sampler. */
	if (!m.err && (m.l.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
		bpf_note(m.l.missing, sizeof(m.l.missing),
			 "BPF run time not measured (bpf_enable_stats: %s)", strerror(errno));
	_exit(send_loaded(sock, &m) ? 1 : 0);
}

int bpf_loaded__costs(const struct bpf_loaded *l, struct bpf_prog_cost *out, int max)
{
	struct bpf_prog_info info;
	__u32 len;

	for (int i = 0; i < l->nprogs; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(l->prog_fd[i], &info, &len))
			return -errno;
		if (i < max && out) {
			snprintf(out[i].name, sizeof(out[i].name), "%s", l->prog_name[i]);
			out[i].run_ns = info.run_time_ns;
			out[i].run_cnt = info.run_cnt;
		}
	}
	return l->nprogs;
}

void bpf_loaded__close(struct bpf_loaded *l)
{
	int *slot[MAX_FDS], n = fd_list(l, slot);

	for (int i = 0; i < n; i++)
		if (*slot[i] >= 0)
			close(*slot[i]);
	bpf_loaded__init(l);
}

/* The loader's pid (waited for here), or 0 when the broker ran it. */
static const char *loader_died(pid_t pid)
{
	int status = 0;

	if (!pid)
		return "sent nothing";
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "sent nothing";
}

/* Receive the loader's message and fds into l; 0, or a negative errno with why. */
static int recv_loaded(int sock, pid_t pid, struct bpf_loaded *l, char *why, size_t whylen)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct load_msg m;
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	int *slot[MAX_FDS], n;
	ssize_t got;

	do
		got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(m) || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		snprintf(why, whylen, "the loader process %s", loader_died(pid));
		return -EIO;
	}
	if (pid)
		loader_died(pid);
	*l = m.l;
	if (l->nprogs < 0 || l->nprogs > PC_BPF_MAX_PROGS)
		l->nprogs = 0;
	n = fd_list(l, slot);
	c = CMSG_FIRSTHDR(&mh);
	if (n && (!c || c->cmsg_type != SCM_RIGHTS ||
		  c->cmsg_len != CMSG_LEN(sizeof(int) * (size_t)n))) {
		snprintf(why, whylen, "the loader process sent %d fds short", n);
		bpf_loaded__init(l);
		return -EIO;
	}
	for (int i = 0; i < n; i++)
		memcpy(slot[i], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	if (m.err) {
		snprintf(why, whylen, "%s",
			 l->missing[0] ? l->missing : "every program switched off");
		bpf_loaded__close(l);
		return m.err < 0 ? m.err : -EIO;
	}
	return 0;
}

/* --- the broker: loads asked of the privileged part (docs/PRIVSEP.md) */

#define BROKER_MAGIC 0x50434250u /* "PCBP" */
#define BROKER_FLAGS ((BPF_SAMPLER_OWN_BLK_STAMPS << 1) - 1)

/* A load request: fixed size, checked whole before anything is done. */
struct broker_req {
	uint32_t magic, len;
	struct bpf_sampler_opts o;
};

static int broker_fd = -1;
static pthread_mutex_t broker_mu = PTHREAD_MUTEX_INITIALIZER;

void bpf_broker__use(int sock)
{
	broker_fd = sock;
}

int bpf_broker__active(void)
{
	return broker_fd >= 0;
}

static int broker_load(const struct bpf_sampler_opts *o, struct bpf_loaded *l, char *why,
		       size_t whylen)
{
	struct broker_req q = {BROKER_MAGIC, sizeof(q), *o};
	int ret;

	pthread_mutex_lock(&broker_mu);
	if (send(broker_fd, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q)) {
		ret = -errno;
		snprintf(why, whylen, "the privileged part is gone (%s)", strerror(errno));
	} else {
		ret = recv_loaded(broker_fd, 0, l, why, whylen);
	}
	pthread_mutex_unlock(&broker_mu);
	return ret;
}

/* One request of the broker's peer: run the loader, which answers it; 0, or -1 to end. */
static int broker_one(int sock)
{
	struct broker_req q;
	struct load_msg fail = {.err = -EIO};
	ssize_t n = recv(sock, &q, sizeof(q), MSG_TRUNC);
	int status = 0;
	pid_t pid;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	if (n != (ssize_t)sizeof(q) || q.magic != BROKER_MAGIC || q.len != sizeof(q) ||
	    (q.o.flags & ~BROKER_FLAGS)) {
		log_warnx("privileged part: malformed request (%zd bytes): ending", n);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child(sock, &q.o);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	bpf_loaded__init(&fail.l);
	snprintf(fail.l.missing, sizeof(fail.l.missing), "the loader process %s",
		 pid < 0 ? "could not be started" : "died");
	return send_loaded(sock, &fail);
}

void bpf_broker__serve(int sock)
{
	while (!broker_one(sock))
		;
}

int bpf_load(const struct bpf_sampler_opts *o, struct bpf_loaded *l, char *why, size_t whylen)
{
	int sv[2], ret;
	pid_t pid;

	if (bpf_broker__active())
		return broker_load(o, l, why, whylen);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return snprintf(why, whylen, "socketpair: %s", strerror(errno)), -errno;
	fflush(NULL); /* the child must not write our buffered output again */
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		snprintf(why, whylen, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], o);
	}
	close(sv[1]);
	ret = recv_loaded(sv[0], pid, l, why, whylen);
	close(sv[0]);
	return ret;
}
