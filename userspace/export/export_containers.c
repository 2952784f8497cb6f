// SPDX-License-Identifier: MIT
/*
 * export_containers.c: containers.csv and container_names.json, as the
 * second seed's pcprocess writes them (docs/CONTAINERS.md, docs/EXPORT.md):
 * one row per container per sample, grouped by container (in order of full
 * id) and in time order within it, CRLF line ends; cpu_percent =
 * Δusage µs / 10^6 / Δt × 100 with two decimals, empty on a container's
 * first row; memory_percent = current / max × 100, two decimals, empty
 * without a limit; I/O counters and pids as recorded. Containers are matched
 * across samples by runtime and id, so a name that becomes known later, or
 * changes, does not start a new container; one missing from a sample that
 * had containers starts over (its CPU row is empty again).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc/json.h"
#include "pc/sample_container.h"
#include "export_containers.h"
#include "export_int.h"

#define CT_HEADER                                                                                  \
	"timestamp,container_id,container_name,runtime,cpu_percent,cpu_user_percent,"              \
	"cpu_system_percent,memory_current_bytes,memory_max_bytes,memory_percent,io_read_bytes,"   \
	"io_write_bytes,io_read_ops,io_write_ops,pids_current"
/* After them when the recording has eBPF cgroup rows (exp_ct.ebpf): from the sched program. */
#define CT_HEADER_BPF ",cpu_percent_ebpf,runq_wait_percent,runq_wait_avg_us"

/* A container as the rows follow it: identity and its last row's CPU counters. */
struct ct_id {
	char rt[32], id[80], name[PC_KEY_MAX], shortid[16];
	uint64_t prev_ns, prev[3]; /* time, and usage, user, system of its last row */
	uint64_t bprev[3];	   /* eBPF CPU ns, wait ns, waits of its last row */
	uint64_t seen;		   /* the sample (counting those with containers) of its last row */
	size_t idx;		   /* its place in exp_ct.ct */
};

struct exp_ct {
	struct ct_id **ct; /* in order of first sight; each one stays where it is allocated */
	size_t nct, capct;
	uint64_t nsamples; /* samples that carried containers */
	int ebpf;	   /* the first of them had bpf_cgroup rows: the eBPF columns are shown */
};

/* One container's rows in containers.csv, by its index in the exp_ct. */
struct ect {
	FILE *f; /* its latest rows, formatted (open_memstream) */
	char *buf;
	size_t len;
	struct blk {
		off_t off;
		size_t len;
	} * blk; /* its earlier rows, in the spill file */
	size_t nblk, capblk;
};

struct exp_ct_csv {
	char dir[PATH_MAX];
	struct exp_ct *t;
	struct ect *ct;
	size_t nct, capct;
	struct exp_file csv, names;
	int spill_fd; /* rows past exp_ct_csv_spill_at bytes in memory go here; -1 none */
	off_t spill_end;
	size_t buffered; /* bytes of rows in memory, about */
};

size_t exp_ct_csv_spill_at = 16u << 20;

/* ---- the values of containers.csv, for every consumer */

static struct ct_id *ct_get(struct exp_ct *c, const char *rt, const char *id)
{
	struct ct_id *e;

	for (size_t i = 0; i < c->nct; i++)
		if (!strcmp(c->ct[i]->id, id) && !strcmp(c->ct[i]->rt, rt))
			return c->ct[i];
	if (c->nct == c->capct) {
		size_t cap = c->capct ? c->capct * 2 : 16;
		struct ct_id **n = realloc(c->ct, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->ct = n;
		c->capct = cap;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	snprintf(e->rt, sizeof(e->rt), "%s", rt);
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->shortid, sizeof(e->shortid), "%.12s", id);
	e->idx = c->nct;
	return c->ct[c->nct++] = e;
}

/* The name a row shows: the recorded one, else the short id (12 hex) or the id. */
static const char *shown_name(const struct ct_id *e)
{
	if (e->name[0])
		return e->name;
	return strlen(e->id) == 64 ? e->shortid : e->id;
}

/*
 * cpu_ebpf_pct = ΔCPU ns / Δt / 10^7; runq_wait_pct = Δwait ns / Δt / 10^7
 * (summed over tasks: past 100 when several wait at once); the mean wait in
 * µs. NaN on a first row, and where a counter went back (a child cgroup of
 * the container removed).
 */
static void ebpf_values(struct ct_id *e, int fresh, double dt, const uint64_t *v,
			struct pc_iv_container *o)
{
	const unsigned col[3] = {PC_CT_BPF_CPU_NS, PC_CT_RUNQ_WAIT_NS, PC_CT_RUNQ_WAITS};
	int ok = !fresh;

	for (int i = 0; i < 3; i++)
		ok &= v[col[i]] >= e->bprev[i];
	o->cpu_ebpf_pct = o->runq_wait_pct = o->runq_wait_avg_us = NAN;
	if (ok) {
		double waits = (double)(v[PC_CT_RUNQ_WAITS] - e->bprev[2]);
		double wait = (double)(v[PC_CT_RUNQ_WAIT_NS] - e->bprev[1]);

		o->cpu_ebpf_pct = (double)(v[PC_CT_BPF_CPU_NS] - e->bprev[0]) / 1e7 / dt;
		o->runq_wait_pct = wait / 1e7 / dt;
		if (waits > 0)
			o->runq_wait_avg_us = wait / waits / 1e3;
	}
	for (int i = 0; i < 3; i++)
		e->bprev[i] = v[col[i]];
}

/* A row's values; moves e's CPU baseline on. */
static void ct_values(const struct exp_ct *c, struct ct_id *e, uint64_t t_ns, const uint64_t *v,
		      struct pc_iv_container *o)
{
	const unsigned cpu[3] = {PC_CT_CPU_USAGE_US, PC_CT_CPU_USER_US, PC_CT_CPU_SYSTEM_US};
	int fresh = !e->seen || e->seen + 1 != c->nsamples || t_ns <= e->prev_ns;
	double dt = (double)(t_ns - e->prev_ns) / 1e9, pct[3];

	for (int i = 0; i < 3; i++) {
		pct[i] =
		    fresh ? NAN : (double)pc_counter_delta(e->prev[i], v[cpu[i]]) / 1e6 / dt * 100;
		e->prev[i] = v[cpu[i]];
	}
	*o = (struct pc_iv_container){
	    .runtime = e->rt,
	    .id = e->id,
	    .name = shown_name(e),
	    .cpu_pct = pct[0],
	    .cpu_user_pct = pct[1],
	    .cpu_system_pct = pct[2],
	    .mem_current = v[PC_CT_MEM_CURRENT],
	    .mem_max = v[PC_CT_MEM_MAX],
	    .mem_pct = v[PC_CT_MEM_MAX]
			   ? (double)v[PC_CT_MEM_CURRENT] / (double)v[PC_CT_MEM_MAX] * 100
			   : NAN,
	    .io_read_bytes = v[PC_CT_IO_READ_BYTES],
	    .io_write_bytes = v[PC_CT_IO_WRITE_BYTES],
	    .io_read_ops = v[PC_CT_IO_READ_OPS],
	    .io_write_ops = v[PC_CT_IO_WRITE_OPS],
	    .pids = v[PC_CT_PIDS_CURRENT],
	    .raw = v,
	};
	ebpf_values(e, fresh, dt, v, o);
	e->prev_ns = t_ns;
	e->seen = c->nsamples;
}

int exp_ct_sample(struct exp_ct **cp, const struct pc_sample *s, exp_ct_fn fn, void *ctx)
{
	const struct pc_table *t = &s->t[PC_G_CONTAINER];
	struct exp_ct *c = *cp;

	if (!t->nrows)
		return 0;
	if (!c) {
		if (!(c = *cp = calloc(1, sizeof(*c))))
			return -ENOMEM;
		c->ebpf = s->t[PC_G_BPF_CGROUP].nrows > 0;
	}
	c->nsamples++;
	for (uint32_t r = 0; r < t->nrows; r++) {
		char rt[32], id[80], name[PC_KEY_MAX];
		struct pc_iv_container o;
		struct ct_id *e;
		int rc;

		if (pc_container_split_key(t->key[r], rt, sizeof(rt), id, sizeof(id), name,
					   sizeof(name)))
			continue; /* not a container key: nothing to show */
		if (!(e = ct_get(c, rt, id)))
			return -ENOMEM;
		if (name[0])
			snprintf(e->name, sizeof(e->name), "%s", name);
		ct_values(c, e, s->time_ns, pc_table_row(t, r), &o);
		if ((rc = fn(ctx, e->idx, &o)))
			return rc;
	}
	return 0;
}

void exp_ct_free(struct exp_ct *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nct; i++)
		free(c->ct[i]);
	free(c->ct);
	free(c);
}

/* ---- containers.csv and container_names.json */

/* Move every container's rows in memory to the end of the spill file (made unlinked in dir). */
static int spill(struct exp_ct_csv *c)
{
	char path[PATH_MAX + 32];

	if (c->spill_fd < 0) {
		snprintf(path, sizeof(path), "%s/.containers.spill-XXXXXX", c->dir);
		if ((c->spill_fd = mkstemp(path)) < 0)
			return -errno;
		unlink(path);
	}
	for (size_t i = 0; i < c->nct; i++) {
		struct ect *e = &c->ct[i];

		if (!e->f)
			continue;
		if (fclose(e->f))
			return -ENOMEM;
		e->f = NULL;
		if (e->nblk == e->capblk) {
			size_t cap = e->capblk ? e->capblk * 2 : 8;
			struct blk *b = realloc(e->blk, cap * sizeof(*b));

			if (!b)
				return -ENOMEM;
			e->blk = b;
			e->capblk = cap;
		}
		if (pwrite(c->spill_fd, e->buf, e->len, c->spill_end) != (ssize_t)e->len)
			return errno ? -errno : -ENOSPC;
		e->blk[e->nblk++] = (struct blk){c->spill_end, e->len};
		c->spill_end += (off_t)e->len;
		free(e->buf);
		e->buf = NULL;
		e->len = 0;
	}
	c->buffered = 0;
	return 0;
}

/* One container's rows into the CSV: the spilled blocks, then what is in memory. */
static int put_rows(struct exp_ct_csv *c, struct ect *e, FILE *out)
{
	char buf[65536];

	for (size_t b = 0; b < e->nblk; b++)
		for (size_t done = 0; done < e->blk[b].len;) {
			size_t want =
			    e->blk[b].len - done < sizeof(buf) ? e->blk[b].len - done : sizeof(buf);
			ssize_t n = pread(c->spill_fd, buf, want, e->blk[b].off + (off_t)done);

			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			fwrite(buf, 1, (size_t)n, out);
			done += (size_t)n;
		}
	if (e->f && fclose(e->f)) {
		e->f = NULL;
		return -ENOMEM;
	}
	e->f = NULL;
	fwrite(e->buf, 1, e->len, out);
	return 0;
}

/* A number with two decimals, nothing for NaN; then the comma. */
static void put_pct(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.2f", v);
	fputc(',', f);
}

/* Container idx's row, formatted into its memory stream. */
static int csv_row(void *ctx, size_t idx, const struct pc_iv_container *o)
{
	struct exp_ct_csv *c = ctx;
	struct ect *e;
	long at;

	if (idx >= c->capct) {
		size_t cap = c->capct ? c->capct * 2 : 16;
		struct ect *n = realloc(c->ct, (cap > idx ? cap : idx + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cap = cap > idx ? cap : idx + 1;
		memset(n + c->capct, 0, (cap - c->capct) * sizeof(*n));
		c->ct = n;
		c->capct = cap;
	}
	if (idx >= c->nct)
		c->nct = idx + 1;
	e = &c->ct[idx];
	if (!e->f && !(e->f = open_memstream(&e->buf, &e->len)))
		return -ENOMEM;
	at = ftell(e->f);
	exp_put_ts(e->f, c->t->ct[idx]->prev_ns); /* its last row's time: this one's */
	fprintf(e->f, ",%s,", o->id);
	exp_put_csv(e->f, o->name);
	fprintf(e->f, ",%s,", o->runtime);
	put_pct(e->f, o->cpu_pct);
	put_pct(e->f, o->cpu_user_pct);
	put_pct(e->f, o->cpu_system_pct);
	fprintf(e->f, "%" PRIu64 ",%" PRIu64 ",", o->mem_current, o->mem_max);
	put_pct(e->f, o->mem_pct);
	fprintf(e->f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, o->io_read_bytes,
		o->io_write_bytes, o->io_read_ops, o->io_write_ops, o->pids);
	if (c->t->ebpf) {
		fputc(',', e->f);
		put_pct(e->f, o->cpu_ebpf_pct);
		put_pct(e->f, o->runq_wait_pct);
		if (!isnan(o->runq_wait_avg_us))
			fprintf(e->f, "%.1f", o->runq_wait_avg_us);
	}
	fputs("\r\n", e->f);
	c->buffered += (size_t)(ftell(e->f) - at);
	return ferror(e->f) ? -ENOMEM : 0;
}

int exp_ct_csv_sample(struct exp_ct_csv **cp, const char *dir, const struct pc_sample *s, char *err,
		      size_t errlen)
{
	struct exp_ct_csv *c = *cp;
	int rc;

	if (!s->t[PC_G_CONTAINER].nrows)
		return 0;
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			goto nomem;
		snprintf(c->dir, sizeof(c->dir), "%s", dir);
		c->spill_fd = -1;
		*cp = c;
	}
	if (exp_ct_sample(&c->t, s, csv_row, c))
		goto nomem;
	/* Rows are grouped by container at the end: memory stays flat by spilling to a file. */
	if (c->buffered >= exp_ct_csv_spill_at) {
		rc = spill(c);
		if (rc) {
			snprintf(err, errlen, "%s/.containers.spill: %s", c->dir, strerror(-rc));
			return rc;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "containers.csv: out of memory");
	return -ENOMEM;
}

static int by_id(const void *a, const void *b, void *t)
{
	struct ct_id *const *ct = ((const struct exp_ct *)t)->ct;
	const struct ct_id *x = ct[*(const size_t *)a], *y = ct[*(const size_t *)b];
	int d = strcmp(x->id, y->id);

	return d ? d : strcmp(x->rt, y->rt);
}

/* container_names.json in the layout pcprocess gives it: one member per line, ",\n" between. */
static void write_names(struct exp_ct_csv *c, const size_t *order, FILE *f)
{
	fputs("{\n", f);
	for (size_t i = 0; i < c->nct; i++) {
		const struct ct_id *e = c->t->ct[order[i]];
		const char *n = shown_name(e);

		fputs(i ? "\n,\n  " : "  ", f);
		json_write_string(f, e->id, strlen(e->id));
		fputs(": ", f);
		json_write_string(f, n, strlen(n));
	}
	fputs("\n\n}\n", f);
}

static int write_files(struct exp_ct_csv *c, const size_t *order, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/containers.csv", c->dir);
	if ((rc = exp_file_open(&c->csv, path, err, errlen)))
		return rc;
	snprintf(path, sizeof(path), "%s/container_names.json", c->dir);
	if ((rc = exp_file_open(&c->names, path, err, errlen)))
		return rc;
	fputs(c->t->ebpf ? CT_HEADER CT_HEADER_BPF "\r\n" : CT_HEADER "\r\n", c->csv.f);
	for (size_t i = 0; i < c->nct; i++)
		if ((rc = put_rows(c, &c->ct[order[i]], c->csv.f))) {
			snprintf(err, errlen, "%s: %s", c->csv.r.path, strerror(-rc));
			return rc;
		}
	write_names(c, order, c->names.f);
	for (struct exp_file *f = &c->csv; f; f = f == &c->csv ? &c->names : NULL)
		if (fflush(f->f) || ferror(f->f)) {
			rc = -(errno ? errno : EIO);
			snprintf(err, errlen, "%s: %s", f->r.path, strerror(-rc));
			return rc;
		}
	return 0;
}

int exp_ct_csv_flush(struct exp_ct_csv *c, char *err, size_t errlen)
{
	size_t *order;
	int rc;

	if (!c)
		return 0;
	if (!(order = calloc(c->nct + 1, sizeof(*order)))) {
		snprintf(err, errlen, "containers.csv: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nct; i++)
		order[i] = i;
	qsort_r(order, c->nct, sizeof(*order), by_id, c->t);
	rc = write_files(c, order, err, errlen);
	free(order);
	return rc;
}

static void ct_free(struct exp_ct_csv *c)
{
	for (size_t i = 0; i < c->nct; i++) {
		if (c->ct[i].f)
			fclose(c->ct[i].f);
		free(c->ct[i].buf);
		free(c->ct[i].blk);
	}
	if (c->spill_fd >= 0)
		close(c->spill_fd);
	exp_ct_free(c->t);
	free(c->ct);
	free(c);
}

int exp_ct_csv_commit(struct exp_ct_csv *c, char *err, size_t errlen)
{
	int rc, r;

	if (!c)
		return 0;
	rc = exp_file_commit(&c->csv, err, errlen);
	r = exp_file_commit(&c->names, err, rc ? 0 : errlen);
	ct_free(c);
	return rc ? rc : r;
}

void exp_ct_csv_abort(struct exp_ct_csv *c)
{
	if (!c)
		return;
	exp_file_abort(&c->csv);
	exp_file_abort(&c->names);
	ct_free(c);
}

/* ---- summary mode ---- */

#define SUM_SHOWN 10

struct ct_acc {
	char key[PC_KEY_MAX];
	uint64_t n, nb; /* intervals; of them with the eBPF join */
	double sum, peak, mem_peak, bcpu, bwait;
};

struct exp_ct_sum {
	struct ct_acc *a;
	size_t n, cap;
	int ebpf; /* some container had the eBPF join: its columns are shown */
};

int exp_ct_has_ebpf(const uint64_t *v)
{
	return v[PC_CT_BPF_CPU_NS] || v[PC_CT_RUNQ_WAIT_NS] || v[PC_CT_RUNQ_WAITS];
}

static struct ct_acc *acc_get(struct exp_ct_sum *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->a[i].key, key))
			return &s->a[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ct_acc *a = realloc(s->a, cap * sizeof(*a));

		if (!a)
			return NULL;
		s->a = a;
		s->cap = cap;
	}
	memset(&s->a[s->n], 0, sizeof(*s->a));
	snprintf(s->a[s->n].key, sizeof(s->a->key), "%s", key);
	return &s->a[s->n++];
}

int exp_ct_sum_interval(struct exp_ct_sum **sp, const struct pc_sample *ps,
			const struct pc_sample *cs, double itv)
{
	const struct pc_table *p = &ps->t[PC_G_CONTAINER], *c = &cs->t[PC_G_CONTAINER];

	if (!c->nrows)
		return 0;
	if (!*sp && !(*sp = calloc(1, sizeof(**sp))))
		return -ENOMEM;
	for (uint32_t r = 0; r < c->nrows; r++) {
		const uint64_t *pv = exp_prev_row(p, c, r), *v = pc_table_row(c, r);
		struct ct_acc *a = acc_get(*sp, c->key[r]);
		double cpu;

		if (!a)
			return -ENOMEM;
		if ((double)v[PC_CT_MEM_CURRENT] / 1048576 > a->mem_peak)
			a->mem_peak = (double)v[PC_CT_MEM_CURRENT] / 1048576;
		if (!pv || itv <= 0)
			continue;
		cpu = exp_rate(pv, v, PC_CT_CPU_USAGE_US, itv) / 1e4;
		if (!a->n || cpu > a->peak)
			a->peak = cpu;
		a->sum += cpu;
		a->n++;
		if (exp_ct_has_ebpf(v) && exp_ct_has_ebpf(pv)) {
			a->bcpu += exp_cpu_pct(pv, v, PC_CT_BPF_CPU_NS, itv);
			a->bwait += exp_cpu_pct(pv, v, PC_CT_RUNQ_WAIT_NS, itv);
			a->nb++;
			(*sp)->ebpf = 1;
		}
	}
	return 0;
}

static int by_avg(const void *x, const void *y)
{
	const struct ct_acc *a = x, *b = y;
	double u = a->n ? a->sum / (double)a->n : -1, v = b->n ? b->sum / (double)b->n : -1;

	return u < v ? 1 : u > v ? -1 : strcmp(a->key, b->key);
}

/* One container's line: cpu avg and peak, memory peak, and the eBPF averages when shown. */
static void sum_line(const struct exp_ct_sum *s, const struct ct_acc *a, FILE *f)
{
	char rt[32], id[80], name[PC_KEY_MAX], shown[PC_KEY_MAX + 40];

	if (pc_container_split_key(a->key, rt, sizeof(rt), id, sizeof(id), name, sizeof(name)))
		snprintf(shown, sizeof(shown), "%s", a->key);
	else
		snprintf(shown, sizeof(shown), "%s/%.*s", rt, name[0] ? 100 : 12,
			 name[0] ? name : id);
	if (a->n)
		fprintf(f, "  %-34s %9.3f %9.3f %9.1f", shown, a->sum / (double)a->n, a->peak,
			a->mem_peak);
	else
		fprintf(f, "  %-34s %9s %9s %9.1f", shown, "n/a", "n/a", a->mem_peak);
	if (s->ebpf && a->nb)
		fprintf(f, " %9.3f %9.3f", a->bcpu / (double)a->nb, a->bwait / (double)a->nb);
	else if (s->ebpf)
		fprintf(f, " %9s %9s", "n/a", "n/a");
	fputc('\n', f);
}

void exp_ct_sum_print(struct exp_ct_sum *s, FILE *f)
{
	if (!s)
		return;
	qsort(s->a, s->n, sizeof(*s->a), by_avg);
	fprintf(f, "containers         %zu (cpu %% of one core avg, peak; memory MB peak%s)\n",
		s->n, s->ebpf ? "; eBPF cpu %, run-queue wait % avg" : "");
	for (size_t i = 0; i < s->n && i < SUM_SHOWN; i++)
		sum_line(s, &s->a[i], f);
	if (s->n > SUM_SHOWN)
		fprintf(f, "  ... %zu more\n", s->n - SUM_SHOWN);
	exp_ct_sum_free(s);
}

void exp_ct_sum_free(struct exp_ct_sum *s)
{
	if (!s)
		return;
	free(s->a);
	free(s);
}
