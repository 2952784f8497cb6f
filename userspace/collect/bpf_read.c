// SPDX-License-Identifier: MIT
/*
 * bpf_read.c: the reader (struct bpf_reader): each tick, drain the maps of a
 * loaded set of programs (bpf_load.c) into a sample. Per-CPU
 * values are summed here (the kernel side never shares a counter between
 * CPUs); hash maps are read with batch lookups where the kernel has them and
 * key by key where it does not; cgroup ids and disk dev_t become names via
 * bpf_names.c. Everything written is a cumulative raw counter. A map that
 * cannot be read is logged once and skipped, never fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_internal.h"
#include "pc/log.h"
#include "pc/ticker.h"

#define CHUNK	      64	    /* entries per batch lookup */
#define CG_RETRIES    4		    /* reads again when a CPU flushed its cgroup time meanwhile */
#define COST_EVERY_NS 1000000000ull /* BPF stats and error counters: at most this often */

/* Bits of b->warned: what was already logged once. */
enum {
	W_CG = 1u << 2,
	W_BLK = 1u << 3,
	W_COST = 1u << 4,
	W_CGFULL = 1u << 5,
	W_BLKERR = 1u << 7,
	W_EVENT = 1u << 8,
};

static void warn_once(struct bpf_reader *b, unsigned bit, const char *what, int err)
{
	if (b->warned & bit)
		return;
	b->warned |= bit;
	log_warnx("eBPF: %s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
}

static size_t vsize_max(void)
{
	size_t m = sizeof(struct pcb_disk);

	if (sizeof(struct pcb_hist) > m)
		m = sizeof(struct pcb_hist);
	if (sizeof(struct pcb_cg) > m)
		m = sizeof(struct pcb_cg);
	return m;
}

int bpf_reader__init(struct bpf_reader *b, const struct bpf_loaded *l)
{
	int n = libbpf_num_possible_cpus();

	b->l = l;
	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	b->ncpu = n;
	b->cpu = calloc((size_t)n, sizeof(*b->cpu));
	b->keys = calloc(CHUNK, sizeof(uint64_t));
	b->vals = calloc((size_t)CHUNK * (size_t)n, vsize_max());
	b->cpus = aligned_alloc(_Alignof(struct pcb_cpu), (size_t)n * sizeof(struct pcb_cpu));
	b->names = bpf_names__new(NULL);
	b->exited = calloc(PC_BPF_MAX_COMMS, sizeof(*b->exited));
	if (!b->cpu || !b->keys || !b->vals || !b->cpus || !b->names || !b->exited)
		return -ENOMEM;
	for (int c = 0; c < n; c++) {
		b->cpu[c].rt_fd = -1;
		snprintf(b->cpu[c].key, sizeof(b->cpu[c].key), "%d", c);
	}
	return 0;
}

int bpf_reader__map_cpus(struct bpf_reader *b)
{
	const struct bpf_map_ref *m = &b->l->map[M_CPUS];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
	void *p;

	if (m->value_size != sizeof(struct pcb_cpu) || m->max_entries < (uint32_t)b->ncpu)
		return -EINVAL;
	len = ((size_t)m->value_size * m->max_entries + page - 1) / page * page;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->cpus_map = p;
	b->cpus_map_len = len;
	return 0;
}

void bpf_reader__fini(struct bpf_reader *b)
{
	ring_buffer__free(b->rb);
	b->rb = NULL;
	for (int c = 0; b->cpu && c < b->ncpu; c++)
		if (b->cpu[c].rt_fd >= 0)
			close(b->cpu[c].rt_fd);
	if (b->cpus_map)
		munmap((void *)b->cpus_map, b->cpus_map_len);
	b->cpus_map = NULL;
	free(b->cpus);
	b->cpus = NULL;
	free(b->cpu);
	free(b->keys);
	free(b->vals);
	free(b->cglast);
	free(b->exited);
	b->cglast = NULL;
	b->exited = NULL;
	bpf_names__free(b->names);
	b->cpu = NULL;
	b->keys = b->vals = NULL;
	b->names = NULL;
}

/* The exited row with this key, through the open-addressed index (NULL: none yet). */
static struct exited *exited_find(struct bpf_reader *b, const char *key, uint32_t *slot)
{
	uint32_t h = 2166136261u;

	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (h &= PC_BPF_EXITED_SLOTS - 1; b->exited_slot[h];
	     h = (h + 1) & (PC_BPF_EXITED_SLOTS - 1))
		if (!strcmp(b->exited[b->exited_slot[h] - 1].comm, key))
			return &b->exited[b->exited_slot[h] - 1];
	*slot = h;
	return NULL;
}

/*
 * The exited row of a command: the comm as a key (bytes that would need
 * quoting or are not printable become '?'), made at its first exit; past
 * PC_BPF_MAX_COMMS commands the rest share "(other)".
 */
static struct exited *exited_row(struct bpf_reader *b, const char comm[16])
{
	struct exited *x;
	char key[16];
	uint32_t i, slot;

	for (i = 0; i < 15 && comm[i]; i++)
		key[i] = comm[i] > 32 && comm[i] < 127 && comm[i] != ',' && comm[i] != '"' &&
				 comm[i] != '\\'
			     ? comm[i]
			     : '?';
	key[i] = 0;
	if (!i)
		snprintf(key, sizeof(key), "(none)");
	if ((x = exited_find(b, key, &slot)))
		return x;
	if (b->nexited >= PC_BPF_MAX_COMMS - 1) {
		snprintf(key, sizeof(key), "(other)");
		if ((x = exited_find(b, key, &slot)))
			return x; /* the last row, made below when the others filled up */
	}
	x = &b->exited[b->nexited++];
	snprintf(x->comm, sizeof(x->comm), "%s", key);
	b->exited_slot[slot] = (uint16_t)b->nexited;
	return x;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct bpf_reader *b = ctx;
	struct pcb_event ev;

	if (len < sizeof(ev)) {
		warn_once(b, W_EVENT, "short ring-buffer event", 0);
		return 0;
	}
	memcpy(&ev, data, sizeof(ev));
	if (ev.type == PCB_EV_EXEC) {
		b->execs++;
	} else if (ev.type == PCB_EV_EXIT) {
		struct exited *x = exited_row(b, ev.comm);

		b->exits++;
		b->exit_cpu_ns += ev.cpu_ns;
		x->tasks++;
		x->cpu_ns += ev.cpu_ns;
	}
	return 0;
}

/* Called once per entry with the per-CPU values of one key (ncpu values of vsz bytes). */
typedef int (*entry_fn)(struct bpf_reader *b, const void *key, const void *vals,
			struct pc_sample *s);

/* Key-by-key walk, for kernels without batch ops; bounded by max_entries. */
static int dump_walk(struct bpf_reader *b, int fd, __u32 max, entry_fn fn, struct pc_sample *s)
{
	uint64_t key, next;
	void *prev = NULL;
	int err;

	for (__u32 i = 0; i < max && !bpf_map_get_next_key(fd, prev, &next); i++) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, b->vals))
			continue; /* deleted meanwhile */
		err = fn(b, &key, b->vals, s);
		if (err)
			return err;
	}
	return 0;
}

/* Every entry of a per-CPU hash map; vsz is the per-CPU value size (a multiple of 8). */
static int dump(struct bpf_reader *b, const struct bpf_map_ref *map, entry_fn fn,
		struct pc_sample *s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = map->key_size, stride = (size_t)map->value_size * (size_t)b->ncpu;
	int fd = map->fd, err, rc;
	uint64_t in = 0, out = 0;
	void *inp = NULL;
	__u32 count;

	if (ksz > sizeof(uint64_t) || map->value_size > vsize_max())
		return -EINVAL;
	for (;;) {
		count = CHUNK;
		err = bpf_map_lookup_batch(fd, inp, &out, b->keys, b->vals, &count, &opts);
		if (err < 0 && err != -ENOENT) {
			/* No batch ops here (or a bucket larger than a chunk): walk instead. */
			if (!inp && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP ||
				     err == -ENOSPC))
				return dump_walk(b, fd, map->max_entries, fn, s);
			return err;
		}
		for (__u32 i = 0; i < count && i < CHUNK; i++) {
			rc = fn(b, (char *)b->keys + i * ksz, (char *)b->vals + i * stride, s);
			if (rc)
				return rc;
		}
		if (err == -ENOENT)
			return 0;
		in = out;
		inp = &in;
	}
}

/* A cgroup's row: keyed by its path, or by its id once it is gone. */
static int cg_row(struct bpf_reader *b, struct pc_sample *s, uint64_t id, const struct pcb_cg *v)
{
	char key[PC_KEY_MAX];
	const char *path;
	uint64_t *row;
	size_t len;

	path = bpf_names__cgroup(b->names, id);
	if (!path) {
		/* Gone: reported once more under its id, then dropped from the map. */
		snprintf(key, sizeof(key), "cgroup-id:%" PRIu64, id);
		if (b->ndead < PC_BPF_MAX_DEAD)
			b->dead[b->ndead++] = id;
	} else if ((len = strlen(path)) >= sizeof(key)) {
		/* Keep the distinctive tail of an over-long path. */
		snprintf(key, sizeof(key), "...%s", path + len - (sizeof(key) - 4));
	} else {
		memcpy(key, path, len + 1);
	}
	row = pc_table_add(&s->t[PC_G_BPF_CGROUP], key);
	if (!row)
		return -errno;
	row[PC_CG_ID] = id;
	row[PC_CG_CPU_NS] = v->cpu_ns;
	row[PC_CG_WAIT_NS] = v->wait_ns;
	row[PC_CG_WAITS] = v->waits;
	return 0;
}

static int cg_entry(struct bpf_reader *b, const void *k, const void *v, struct pc_sample *s)
{
	const struct pcb_cg *per = v;
	struct pcb_cg sum = {0};
	uint64_t id;

	memcpy(&id, k, sizeof(id));
	for (int c = 0; c < b->ncpu; c++) {
		sum.cpu_ns += per[c].cpu_ns;
		sum.wait_ns += per[c].wait_ns;
		sum.waits += per[c].waits;
	}
	return cg_row(b, s, id, &sum);
}

/* Add what is still pending in a CPU's element to its cgroup's row. */
static int cg_pending(struct bpf_reader *b, struct pc_sample *s, const struct pcb_cpu *pc)
{
	struct pc_table *t = &s->t[PC_G_BPF_CGROUP];
	struct pcb_cg v = {pc->cg_pending, pc->cg_wait, pc->cg_waits};

	for (uint32_t r = b->cg_first; r < t->nrows; r++) {
		uint64_t *row = pc_table_row(t, r);

		if (row[PC_CG_ID] == pc->cg_id) {
			row[PC_CG_CPU_NS] += v.cpu_ns;
			row[PC_CG_WAIT_NS] += v.wait_ns;
			row[PC_CG_WAITS] += v.waits;
			return 0;
		}
	}
	return cg_row(b, s, pc->cg_id, &v);
}

static int cmp_last(const void *a, const void *b)
{
	const struct cg_last *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * A read can catch a CPU's element mid-update (id of one cgroup, pending
 * time of another): never report less than last tick, so that no counter
 * goes back; the next flush catches up.
 */
static int cg_clamp(struct bpf_reader *b, struct pc_sample *s)
{
	struct pc_table *t = &s->t[PC_G_BPF_CGROUP];
	uint32_t n = t->nrows - b->cg_first;
	struct cg_last *next;

	for (uint32_t r = b->cg_first; r < t->nrows; r++) {
		uint64_t *row = pc_table_row(t, r);
		struct cg_last key = {.id = row[PC_CG_ID]}, *old;

		old =
		    b->ncglast ? bsearch(&key, b->cglast, b->ncglast, sizeof(key), cmp_last) : NULL;
		if (old && row[PC_CG_CPU_NS] < old->ns)
			row[PC_CG_CPU_NS] = old->ns;
		if (old && row[PC_CG_WAITS] < old->waits)
			row[PC_CG_WAITS] = old->waits;
		if (old && row[PC_CG_WAIT_NS] < old->wait_ns)
			row[PC_CG_WAIT_NS] = old->wait_ns;
	}
	next = realloc(b->cglast, (n ? n : 1) * sizeof(*next));
	if (!next)
		return -ENOMEM;
	b->cglast = next;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t *row = pc_table_row(t, b->cg_first + i);

		next[i].id = row[PC_CG_ID];
		next[i].ns = row[PC_CG_CPU_NS];
		next[i].wait_ns = row[PC_CG_WAIT_NS];
		next[i].waits = row[PC_CG_WAITS];
	}
	qsort(next, n, sizeof(*next), cmp_last);
	b->ncglast = n;
	return 0;
}

/*
 * Add one CPU's histogram to row. The sum column holds nanoseconds while the
 * CPUs are added up; hist_done turns it into the sample's microseconds.
 */
static void hist_sum(uint64_t *row, const struct pcb_hist *h)
{
	for (int i = 0; i < PCB_HIST_BUCKETS; i++)
		row[PC_RUNQ_B0 + i] += h->slot[i];
	row[PC_RUNQ_COUNT] += h->count;
	row[PC_RUNQ_SUM_US] += h->sum_ns;
}

static void hist_done(uint64_t *row)
{
	row[PC_RUNQ_SUM_US] /= 1000;
}

_Static_assert(PCB_HIST_BUCKETS == PC_HIST_BUCKETS, "histogram buckets");
_Static_assert((int)PC_BLK_COUNT == (int)PC_RUNQ_COUNT && (int)PC_BLK_SUM_US == (int)PC_RUNQ_SUM_US,
	       "runq and blk histograms share a layout");

/*
 * se.sum_exec_runtime of task tid (/proc/TID/schedstat, first field); -1 when
 * gone. The file stays open while the same task is on the CPU (a CPU-bound
 * task is looked at every tick); a read that fails is tried once on a fresh
 * open, in case the tid now names another task.
 */
static int task_runtime(struct cpu_read *cr, uint64_t tid, uint64_t *ns)
{
	char path[64], buf[96];
	unsigned long long v;
	ssize_t n = -1;

	if (cr->rt_fd >= 0 && cr->rt_tid == tid)
		n = pread(cr->rt_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) { /* none open, another task, or the tid names a new task now */
		if (cr->rt_fd >= 0)
			close(cr->rt_fd);
		snprintf(path, sizeof(path), "/proc/%llu/schedstat", (unsigned long long)tid);
		cr->rt_fd = open(path, O_RDONLY | O_CLOEXEC);
		cr->rt_tid = tid;
		if (cr->rt_fd < 0)
			return -1;
		n = pread(cr->rt_fd, buf, sizeof(buf) - 1, 0);
	}
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%llu", &v) != 1)
		return -1;
	*ns = v;
	return 0;
}

/*
 * The time so far of the task running on a CPU: now - last_ns, unless the
 * kernel will not report its switch away (sched.bpf.c busy_since) and the
 * CPU has long been idle. A task on the CPU for over 20 ms is checked
 * against its own runtime counter; one that is gone (or in another PID
 * namespace) counts nothing until its switch is seen.
 */
static uint64_t running_ns(struct cpu_read *cr, const struct pcb_cpu *pc, uint64_t now)
{
	uint64_t t, rt, last = pc->last_ns + pc->clk_off; /* on CLOCK_MONOTONIC */

	if (!pc->curr_busy || !pc->last_ns || now <= last)
		return 0;
	t = now - last;
	if (t <= 20000000u)
		return t;
	if (task_runtime(cr, pc->curr_pid, &rt) || rt < pc->curr_rt)
		return 0;
	return rt - pc->curr_rt < t ? rt - pc->curr_rt : t;
}

/*
 * Copy each CPU's element of the mapped array (per words of 8 bytes) whole
 * and consistent: a switch on that CPU while the copy is under way (or this
 * thread preempted half way through it, which a busy machine does often)
 * gives busy_ns from before the switch and last_ns from after it, a read
 * one slice short (seen: -1.5 ms in one 100 ms interval, +1.5 ms in the
 * next). An element is taken when two copies in a row agree; a CPU that
 * keeps switching under us gets its last copy (the never-go-back floor in
 * read_cpus covers it).
 */
static void copy_cpus(const volatile uint64_t *from, uint64_t *to, size_t per, size_t ncpu)
{
	for (size_t c = 0; c < ncpu; c++, from += per, to += per) {
		for (int tries = 0; tries < 8; tries++) {
			size_t i;

			for (i = 0; i < per; i++)
				to[i] = from[i];
			for (i = 0; i < per && to[i] == from[i]; i++)
				;
			if (i == per)
				break;
		}
	}
}

/* Each CPU's cg_seq, from the mapping, before the cgroup map is read. */
static void cg_seq_mark(struct bpf_reader *b)
{
	size_t per = sizeof(struct pcb_cpu) / sizeof(uint64_t);
	size_t at = offsetof(struct pcb_cpu, cg_seq) / sizeof(uint64_t);

	for (int c = 0; c < b->ncpu; c++)
		b->cpu[c].cg_seq = __atomic_load_n(&b->cpus_map[c * per + at], __ATOMIC_ACQUIRE);
}

/* No CPU flushed since cg_seq_mark (nor was flushing then): map + pending is exact. */
static int cg_seq_same(const struct bpf_reader *b)
{
	for (int c = 0; c < b->ncpu; c++)
		if ((b->cpu[c].cg_seq & 1) || b->cpus[c].cg_seq != b->cpu[c].cg_seq)
			return 0;
	return 1;
}

/*
 * The CPUs' busy time and run-queue histogram; their cgroups' pending time
 * when cg: -EAGAIN (while *retry lasts) when a CPU moved pending time into
 * the cgroup map since cg_seq_mark, before the map read or after it.
 */
static int read_cpus(struct bpf_reader *b, struct pc_sample *s, int cg, int *retry)
{
	const struct pcb_cpu *pc = b->cpus;
	uint64_t cg_full = 0, now, busy, *row, *to = (uint64_t *)b->cpus;
	size_t words = (size_t)b->ncpu * sizeof(*pc) / sizeof(*to);

	/*
	 * last_ns + clk_off is CLOCK_MONOTONIC: the running task's time so far
	 * counts too, up to now. now is taken before the copy: a CPU copied
	 * before its next switch has that switch after now, so now - last_ns
	 * never exceeds what the switch will add (taken after the copy, a
	 * reader preempted in between counted the gap twice).
	 */
	now = pc_now_mono();
	copy_cpus(b->cpus_map, to, words / (size_t)b->ncpu, (size_t)b->ncpu);
	if (cg && *retry > 0 && !cg_seq_same(b)) {
		(*retry)--;
		return -EAGAIN;
	}
	for (int c = 0; c < b->ncpu; c++) {
		cg_full += pc[c].cg_full;
		if (cg && (pc[c].cg_pending || pc[c].cg_waits) && cg_pending(b, s, &pc[c]))
			return -ENOMEM;
		if (!pc[c].switches)
			continue; /* possible but never online */
		busy = pc[c].busy_ns + running_ns(&b->cpu[c], &pc[c], now);
		/* A copy racing a switch can see busy_ns and last_ns from different updates. */
		if (busy < b->cpu[c].busy_prev)
			busy = b->cpu[c].busy_prev;
		b->cpu[c].busy_prev = busy;
		row = pc_table_add(&s->t[PC_G_BPF_CPU], b->cpu[c].key);
		if (!row)
			return -errno;
		row[PC_BCPU_BUSY_NS] = busy;
		row[PC_BCPU_SWITCHES] = pc[c].switches;
		row[PC_BCPU_UNSEEN] = pc[c].unseen;
	}
	if (cg_full)
		warn_once(b, W_CGFULL,
			  "cgroup map full: some CPU time is not attributed to a cgroup", 0);
	if (!b->want_runq)
		return 0;
	row = pc_table_add(&s->t[PC_G_BPF_RUNQ], "runq");
	if (!row)
		return -errno;
	for (int c = 0; c < b->ncpu; c++)
		hist_sum(row, &pc[c].runq);
	hist_done(row);
	return 0;
}

static int read_cgroups(struct bpf_reader *b, struct pc_sample *s)
{
	int err;

	b->ndead = 0;
	err = dump(b, &b->l->map[M_CGROUPS], cg_entry, s);
	if (err == -ENOMEM)
		return err;
	if (err)
		warn_once(b, W_CG, "cannot read the cgroup CPU map", -err);
	return 0;
}

/*
 * sched's figures. The cgroup map, then the CPUs' pending time: a CPU that
 * flushed in between would make the tick short by what it flushed (or long,
 * the other way round), so the read is made again when one did (cg_seq), a
 * few times at most; after that the tick may be short (never long), and the
 * next catches up.
 */
static int read_sched(struct bpf_reader *b, struct pc_sample *s, int cg)
{
	struct pc_table *t = &s->t[PC_G_BPF_CGROUP];
	int err, retry = CG_RETRIES;

	b->cg_first = t->nrows;
	do {
		t->nrows = b->cg_first; /* drop what a read that raced a flush added */
		cg_seq_mark(b);
		err = cg ? read_cgroups(b, s) : 0;
		if (!err)
			err = read_cpus(b, s, cg, &retry);
	} while (err == -EAGAIN);
	if (!err && cg)
		err = cg_clamp(b, s);
	for (unsigned i = 0; cg && i < b->ndead; i++)
		bpf_map_delete_elem(b->l->map[M_CGROUPS].fd, &b->dead[i]);
	return err;
}

/*
 * The row of disk dev in this sample, added the first time a CPU shows it;
 * devs[i] is the disk of row first + i (*n of them).
 */
static uint64_t *disk_row(struct bpf_reader *b, struct pc_sample *s, uint32_t first, uint32_t *devs,
			  uint32_t *n, uint32_t dev)
{
	struct pc_table *t = &s->t[PC_G_BPF_BLK];
	char key[PC_KEY_MAX];
	const char *name;

	for (uint32_t i = 0; i < *n; i++)
		if (devs[i] == dev)
			return pc_table_row(t, first + i);
	if (*n == PCB_MAX_DISKS) {
		errno = EOVERFLOW;
		return NULL;
	}
	name = bpf_names__disk(b->names, dev);
	if (name)
		snprintf(key, sizeof(key), "%s", name);
	else
		snprintf(key, sizeof(key), "dev:%u:%u", dev >> 20, dev & ((1u << 20) - 1));
	devs[(*n)++] = dev;
	return pc_table_add(t, key);
}

/*
 * Every claimed disk slot, summed per CPU by the dev_t each CPU holds there
 * (two CPUs may hold different disks in one slot).
 */
static int read_disks(struct bpf_reader *b, struct pc_sample *s)
{
	const struct pcb_disk *d = b->vals;
	uint32_t first = s->t[PC_G_BPF_BLK].nrows, devs[PCB_MAX_DISKS], n = 0;
	struct pcb_disk_slots used;
	__u32 zero = 0;
	uint64_t *row;

	if (bpf_map_lookup_elem(b->l->map[M_DISK_SLOTS].fd, &zero, &used))
		return -errno;
	for (__u32 slot = 0; slot < PCB_MAX_DISKS; slot++) {
		if (!used.dev[slot])
			continue;
		if (bpf_map_lookup_elem(b->l->map[M_DISKS].fd, &slot, b->vals))
			return -errno;
		for (int c = 0; c < b->ncpu; c++) {
			if (!d[c].dev)
				continue;
			row = disk_row(b, s, first, devs, &n, d[c].dev);
			if (!row)
				return -errno;
			hist_sum(row, &d[c].lat);
			row[PC_BLK_RD_IOS] += d[c].rd_ios;
			row[PC_BLK_RD_BYTES] += d[c].rd_bytes;
			row[PC_BLK_WR_IOS] += d[c].wr_ios;
			row[PC_BLK_WR_BYTES] += d[c].wr_bytes;
		}
	}
	for (uint32_t r = first; r < first + n; r++)
		hist_done(pc_table_row(&s->t[PC_G_BPF_BLK], r));
	return 0;
}

static int read_blk(struct bpf_reader *b, struct pc_sample *s)
{
	const struct pcb_blk_err *e = b->vals;
	uint64_t lost = 0;
	__u32 zero = 0;
	int err;

	err = read_disks(b, s);
	if (err == -ENOMEM)
		return err;
	if (err)
		warn_once(b, W_BLK, "cannot read the block I/O map", -err);
	/* Error counters only matter for a warning: looked at once a second. */
	if (b->cost_at && pc_now_mono() - b->cost_at < COST_EVERY_NS)
		return 0;
	if (!bpf_map_lookup_elem(b->l->map[M_BLK_ERR].fd, &zero, b->vals))
		for (int c = 0; c < b->ncpu; c++)
			lost += e[c].inflight_full + e[c].disks_full;
	if (lost)
		warn_once(b, W_BLKERR, "block maps full: some I/Os were not timed", 0);
	return 0;
}

static uint64_t rb_drops(struct bpf_reader *b)
{
	const struct pcb_proc_stats *st = b->vals;
	uint64_t n = 0;
	__u32 zero = 0;

	if (!b->l->on[PART_PROC] || bpf_map_lookup_elem(b->l->map[M_PROC_STATS].fd, &zero, b->vals))
		return 0;
	for (int c = 0; c < b->ncpu; c++)
		n += st[c].rb_drops;
	return n;
}

static int read_proc(struct bpf_reader *b, struct pc_sample *s, int exited)
{
	uint64_t *row;

	/* Events are counted by on_event as they are consumed. */
	ring_buffer__consume(b->rb);
	row = pc_table_add(&s->t[PC_G_BPF_PROC], "proc");
	if (!row)
		return -errno;
	row[PC_PROC_EXECS] = b->execs;
	row[PC_PROC_EXITS] = b->exits;
	row[PC_PROC_EXIT_CPU_NS] = b->exit_cpu_ns;
	for (uint32_t i = 0; exited && i < b->nexited; i++) {
		row = pc_table_add(&s->t[PC_G_BPF_EXITED], b->exited[i].comm);
		if (!row)
			return -errno;
		row[PC_EXITED_TASKS] = b->exited[i].tasks;
		row[PC_EXITED_CPU_NS] = b->exited[i].cpu_ns;
	}
	return 0;
}

static void read_self(struct bpf_reader *b, struct pc_sample *s)
{
	struct bpf_prog_cost cost[16];
	int i = pc_table_find(&s->t[PC_G_SELF], "self"), n;
	uint64_t *row, ns = 0, cnt = 0, now;

	if (i < 0)
		return;
	row = pc_table_row(&s->t[PC_G_SELF], (uint32_t)i);
	if (!row || s->t[PC_G_SELF].ncols < PC_SELF_NCOLS)
		return;
	/*
	 * One syscall per program: at sub-second ticks that would be most of
	 * the read's own cost, so the totals (and the drop counter) are
	 * refreshed once a second; a tick in between repeats the last values,
	 * which stay cumulative.
	 */
	now = pc_now_mono();
	if (!b->cost_at || now - b->cost_at >= COST_EVERY_NS) {
		n = bpf_loaded__costs(b->l, cost, 16);
		if (n < 0)
			warn_once(b, W_COST, "cannot read BPF program statistics", -n);
		for (int k = 0; k < n && k < 16; k++) {
			ns += cost[k].run_ns;
			cnt += cost[k].run_cnt;
		}
		b->cost_ns = ns;
		b->cost_cnt = cnt;
		b->drops = rb_drops(b);
		b->cost_at = now;
	}
	row[PC_SELF_BPF_RUN_NS] = b->cost_ns;
	row[PC_SELF_BPF_RUN_CNT] = b->cost_cnt;
	row[PC_SELF_RB_DROPS] = b->drops;
}

int bpf_reader__events(struct bpf_reader *b, int fd)
{
	b->rb = ring_buffer__new(fd, on_event, b, NULL);
	return b->rb ? 0 : -errno;
}

int bpf_reader__read(struct bpf_reader *b, struct pc_sample *s, unsigned skip)
{
	int err = 0, cg;

	cg = b->want_cgroup && !(skip & BPF_READ_NO_CGROUP);
	bpf_names__tick(b->names);
	if (b->l->on[PART_SCHED])
		err = read_sched(b, s, cg);
	if (!err && b->l->on[PART_BLK] && !(skip & BPF_READ_NO_BLK))
		err = read_blk(b, s);
	if (!err && b->l->on[PART_PROC])
		err = read_proc(b, s, !(skip & BPF_READ_NO_EXITED));
	if (!err)
		read_self(b, s);
	return err;
}
