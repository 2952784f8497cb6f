// SPDX-License-Identifier: MIT
/*
 * export.c: the exporter dispatcher of include/pc/export.h and the helpers
 * every mode shares (userspace/export/export_int.h). The dispatcher keeps the
 * previous sample and hands each mode one interval at a time; the helpers
 * are the only place where raw counters become sar's percentages and rates,
 * where numbers get their printed form, and where output files are written
 * under a temporary name and renamed only once complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pc/log.h"
#include "export_int.h"

/* ---- output files ---- */

int exp_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (!len || len >= sizeof(buf)) {
		snprintf(err, errlen, "%s: %s", dir, len ? "path too long" : "empty path");
		return -ENAMETOOLONG;
	}
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot create directory: %s", buf, strerror(e));
			return -e;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		int e = errno ? errno : ENOTDIR;
		snprintf(err, errlen, "%s: not a directory", dir);
		return -e;
	}
	return 0;
}

int exp_file_open(struct exp_file *ef, const char *path, char *err, size_t errlen)
{
	const char *slash;
	struct stat st;
	int fd, n;

	memset(ef, 0, sizeof(*ef));
	if (!strcmp(path, "-")) {
		ef->is_stdout = 1;
		ef->f = stdout;
		snprintf(ef->path, sizeof(ef->path), "(stdout)");
		return 0;
	}
	if (snprintf(ef->path, sizeof(ef->path), "%s", path) >= (int)sizeof(ef->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, want a file", path);
		return -EISDIR;
	}
	/* The temporary sits next to the final name so that rename(2) is atomic. */
	slash = strrchr(path, '/');
	if (slash)
		n = snprintf(ef->tmp, sizeof(ef->tmp), "%.*s/.%s.tmp-XXXXXX", (int)(slash - path),
			     path, slash + 1);
	else
		n = snprintf(ef->tmp, sizeof(ef->tmp), ".%s.tmp-XXXXXX", path);
	if (n >= (int)sizeof(ef->tmp)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(ef->tmp);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		ef->tmp[0] = 0;
		return -e;
	}
	fchmod(fd, 0644);
	ef->f = fdopen(fd, "w");
	if (!ef->f) {
		int e = errno;
		close(fd);
		unlink(ef->tmp);
		ef->tmp[0] = 0;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int exp_file_commit(struct exp_file *ef, char *err, size_t errlen)
{
	int e = 0;

	if (!ef->f)
		return 0;
	if (fflush(ef->f) || ferror(ef->f))
		e = errno ? errno : EIO;
	if (ef->is_stdout) {
		ef->f = NULL;
		if (e)
			snprintf(err, errlen, "standard output: %s", strerror(e));
		return -e;
	}
	if (!e && fsync(fileno(ef->f)))
		e = errno;
	if (fclose(ef->f) && !e)
		e = errno ? errno : EIO;
	ef->f = NULL;
	if (!e && rename(ef->tmp, ef->path))
		e = errno;
	if (e) {
		snprintf(err, errlen, "%s: %s", ef->path, strerror(e));
		unlink(ef->tmp);
	}
	ef->tmp[0] = 0;
	return -e;
}

void exp_file_abort(struct exp_file *ef)
{
	if (!ef->f)
		return;
	if (ef->is_stdout) {
		fflush(ef->f);
	} else {
		fclose(ef->f);
		unlink(ef->tmp);
	}
	ef->f = NULL;
	ef->tmp[0] = 0;
}

int exp_single_open(struct pc_export *x, size_t size, char *err, size_t errlen)
{
	struct exp_file *ef = calloc(1, size);
	int rc;

	if (!ef) {
		snprintf(err, errlen, "export: out of memory");
		return -ENOMEM;
	}
	rc = exp_file_open(ef, x->out, err, errlen);
	if (rc < 0) {
		free(ef);
		return rc;
	}
	x->priv = ef;
	return 0;
}

int exp_single_commit(struct pc_export *x, char *err, size_t errlen)
{
	int rc = exp_file_commit(x->priv, err, errlen);

	free(x->priv);
	x->priv = NULL;
	return rc;
}

void exp_single_abort(struct pc_export *x)
{
	if (!x->priv)
		return;
	exp_file_abort(x->priv);
	free(x->priv);
	x->priv = NULL;
}

/* ---- numbers and times ---- */

char *exp_fmt(char buf[40], double v)
{
	if (isnan(v)) {
		strcpy(buf, "NaN");
		return buf;
	}
	if (isinf(v)) {
		strcpy(buf, v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	if (v == 0) {
		strcpy(buf, "0"); /* also -0 */
		return buf;
	}
	/* Go switches to an exponent only from 1e21 on; integers print bare. */
	if (v == trunc(v) && fabs(v) < 1e21) {
		snprintf(buf, 40, "%.0f", v);
		return buf;
	}
	/*
	 * Shortest round trip. Any decimal of <= 15 digits survives decimal ->
	 * double -> %.15g unchanged, so when %.15g reads back, %g's trimming of
	 * trailing zeros already gives the shortest form; otherwise 16 or 17 do.
	 */
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

void exp_putd(FILE *f, double v)
{
	char b[40];

	fputs(exp_fmt(b, v), f);
}

void exp_put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

char *exp_iso8601(char buf[32], uint64_t time_ns)
{
	time_t t = (time_t)(time_ns / 1000000000ull);
	char tmp[96]; /* what the compiler thinks int fields could take */
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		strcpy(buf, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(time_ns % 1000000000ull / 1000000));
	snprintf(buf, 32, "%.31s", tmp);
	return buf;
}

/* ---- derived quantities ---- */

const uint64_t *exp_prev_row(const struct pc_table *prev, const struct pc_table *cur, uint32_t row)
{
	int i;

	if (row >= cur->nrows)
		return NULL;
	if (row < prev->nrows && !strcmp(prev->key[row], cur->key[row]))
		return pc_table_row(prev, row);
	i = pc_table_find(prev, cur->key[row]);
	return i < 0 ? NULL : pc_table_row(prev, (uint32_t)i);
}

double exp_itv(const struct pc_export *x, const struct pc_sample *cur, int g)
{
	/* export__add only passes samples later than x->prev, and group_ns[g] is never later. */
	uint64_t from = x->group_ns[g] ? x->group_ns[g] : x->prev.time_ns;

	return (double)(cur->time_ns - from) / 1e9;
}

const uint64_t *exp_prev_or_zero(const struct pc_table *prev, const struct pc_table *cur,
				 uint32_t row)
{
	static const uint64_t zeros[64];
	const uint64_t *p = exp_prev_row(prev, cur, row);

	return p || row >= cur->nrows || cur->ncols > 64 ? p : zeros;
}

static double pct(uint64_t part, uint64_t tot)
{
	return (double)part * 100 / (double)tot;
}

int exp_cpu(const struct pc_table *prev, const struct pc_table *cur, uint32_t row,
	    struct exp_cpu *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);
	uint64_t d[PC_CPU_NCOLS], tot;

	if (!p || !c)
		return -ENOENT;
	for (int k = 0; k < PC_CPU_NCOLS; k++)
		d[k] = pc_counter_delta(p[k], c[k]);
	/* guest and guest_nice are already inside user and nice. */
	tot = d[PC_CPU_USER] + d[PC_CPU_NICE] + d[PC_CPU_SYSTEM] + d[PC_CPU_IDLE] +
	      d[PC_CPU_IOWAIT] + d[PC_CPU_IRQ] + d[PC_CPU_SOFTIRQ] + d[PC_CPU_STEAL];
	if (!tot) {
		/* No tick at all (tickless idle CPU): sar shows it idle. */
		*o = (struct exp_cpu){.idle = 100};
		return 0;
	}
	o->usr = d[PC_CPU_USER] > d[PC_CPU_GUEST] ? pct(d[PC_CPU_USER] - d[PC_CPU_GUEST], tot) : 0;
	o->nice = d[PC_CPU_NICE] > d[PC_CPU_GUEST_NICE]
		      ? pct(d[PC_CPU_NICE] - d[PC_CPU_GUEST_NICE], tot)
		      : 0;
	o->sys = pct(d[PC_CPU_SYSTEM] + d[PC_CPU_IRQ] + d[PC_CPU_SOFTIRQ], tot);
	o->iowait = pct(d[PC_CPU_IOWAIT], tot);
	o->steal = pct(d[PC_CPU_STEAL], tot);
	o->idle = pct(d[PC_CPU_IDLE], tot);
	return 0;
}

int exp_mem(const struct pc_table *mem, struct exp_mem *o)
{
	uint64_t notused;
	double den;

	memset(o, 0, sizeof(*o));
	if (pc_table_find(mem, "MemTotal") < 0)
		return -ENOENT;
	o->total = pc_table_get(mem, "MemTotal", PC_KV_VALUE, 0);
	o->free = pc_table_get(mem, "MemFree", PC_KV_VALUE, 0);
	o->avail = pc_table_get(mem, "MemAvailable", PC_KV_VALUE, 0);
	o->buffers = pc_table_get(mem, "Buffers", PC_KV_VALUE, 0);
	o->cached = pc_table_get(mem, "Cached", PC_KV_VALUE, 0);
	o->slab = pc_table_get(mem, "Slab", PC_KV_VALUE, 0);
	o->commit = pc_table_get(mem, "Committed_AS", PC_KV_VALUE, 0);
	o->swap_total = pc_table_get(mem, "SwapTotal", PC_KV_VALUE, 0);
	o->active = pc_table_get(mem, "Active", PC_KV_VALUE, 0);
	o->inact = pc_table_get(mem, "Inactive", PC_KV_VALUE, 0);
	o->dirty = pc_table_get(mem, "Dirty", PC_KV_VALUE, 0);
	/* Saturating sums: hostile values must not wrap into a huge "used". */
	notused = o->free;
	notused = notused + o->buffers < notused ? UINT64_MAX : notused + o->buffers;
	notused = notused + o->cached < notused ? UINT64_MAX : notused + o->cached;
	notused = notused + o->slab < notused ? UINT64_MAX : notused + o->slab;
	o->used = notused < o->total ? o->total - notused : 0;
	o->pct_used = o->total ? pct(o->used, o->total) : 0;
	den = (double)o->total + (double)o->swap_total;
	o->pct_commit = den > 0 ? (double)o->commit * 100 / den : 0;
	return 0;
}

static double rate(uint64_t prev, uint64_t cur, double itv)
{
	return (double)pc_counter_delta(prev, cur) / itv;
}

int exp_disk(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	     struct exp_disk *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);

	if (!p || !c)
		return -ENOENT;
	o->rtps = rate(p[PC_DISK_RD_IOS], c[PC_DISK_RD_IOS], itv);
	o->wtps = rate(p[PC_DISK_WR_IOS], c[PC_DISK_WR_IOS], itv);
	o->dtps = rate(p[PC_DISK_DC_IOS], c[PC_DISK_DC_IOS], itv);
	o->tps = o->rtps + o->wtps + o->dtps;
	o->rsect = rate(p[PC_DISK_RD_SECTORS], c[PC_DISK_RD_SECTORS], itv);
	o->wsect = rate(p[PC_DISK_WR_SECTORS], c[PC_DISK_WR_SECTORS], itv);
	o->dsect = rate(p[PC_DISK_DC_SECTORS], c[PC_DISK_DC_SECTORS], itv);
	return 0;
}

int exp_disk_idle(const struct pc_table *cur, uint32_t row)
{
	const uint64_t *c = pc_table_row(cur, row);

	return !c || (!c[PC_DISK_RD_IOS] && !c[PC_DISK_WR_IOS] && !c[PC_DISK_DC_IOS]);
}

/* name = parent + digits, or parent + 'p' + digits (nvme0n1p1, mmcblk0p2). */
static int is_partition_of(const char *name, const char *parent)
{
	size_t n = strlen(parent);
	const char *s;

	if (strncmp(name, parent, n) || !name[n])
		return 0;
	s = name + n;
	if (*s == 'p' && s[1])
		s++;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int exp_disk_whole(const struct pc_table *cur, uint32_t row)
{
	static const char *const virt[] = {"loop", "ram", "zram", "dm-", "md"};
	const char *name;

	if (row >= cur->nrows)
		return 0;
	name = cur->key[row];
	/* Stacked or memory-backed devices would count the same I/O twice, or no disk at all. */
	for (size_t i = 0; i < sizeof(virt) / sizeof(*virt); i++)
		if (!strncmp(name, virt[i], strlen(virt[i])))
			return 0;
	for (uint32_t j = 0; j < cur->nrows; j++)
		if (j != row && is_partition_of(name, cur->key[j]))
			return 0;
	return 1;
}

int exp_net(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	    struct exp_net *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);
	double speed;

	if (!p || !c)
		return -ENOENT;
	o->rxpck = rate(p[PC_NET_RX_PACKETS], c[PC_NET_RX_PACKETS], itv);
	o->txpck = rate(p[PC_NET_TX_PACKETS], c[PC_NET_TX_PACKETS], itv);
	o->rxbyt = rate(p[PC_NET_RX_BYTES], c[PC_NET_RX_BYTES], itv);
	o->txbyt = rate(p[PC_NET_TX_BYTES], c[PC_NET_TX_BYTES], itv);
	o->rxcmp = rate(p[PC_NET_RX_COMPRESSED], c[PC_NET_RX_COMPRESSED], itv);
	o->txcmp = rate(p[PC_NET_TX_COMPRESSED], c[PC_NET_TX_COMPRESSED], itv);
	o->rxmcst = rate(p[PC_NET_RX_MULTICAST], c[PC_NET_RX_MULTICAST], itv);
	o->ifutil = 0;
	speed = (double)c[PC_NET_SPEED] * 1e6; /* bit/s */
	if (speed > 0) {
		/* sar: full duplex is limited by the busier direction, anything else by the sum. */
		double bytes =
		    c[PC_NET_DUPLEX] == 2 ? fmax(o->rxbyt, o->txbyt) : o->rxbyt + o->txbyt;
		o->ifutil = bytes * 8 / speed * 100;
	}
	return 0;
}

double exp_hist_pct(const uint64_t *bucket, unsigned n, double q)
{
	double total = 0, rank, cum = 0;

	for (unsigned i = 0; i < n; i++)
		total += (double)bucket[i];
	if (total <= 0)
		return 0;
	rank = q * total;
	for (unsigned i = 0; i < n; i++) {
		double b = (double)bucket[i], lo = ldexp(1, (int)i), hi = ldexp(1, (int)i + 1);

		if (b > 0 && cum + b >= rank)
			return lo + (hi - lo) * ((rank - cum) / b);
		cum += b;
	}
	return ldexp(1, (int)n);
}

void exp_hist(const uint64_t *prev, const uint64_t *cur, unsigned b0, unsigned count, unsigned sum,
	      double itv, struct exp_hist *o)
{
	uint64_t dc = pc_counter_delta(prev[count], cur[count]);

	for (unsigned i = 0; i < PC_HIST_BUCKETS; i++)
		o->d[i] = pc_counter_delta(prev[b0 + i], cur[b0 + i]);
	o->count_s = (double)dc / itv;
	o->avg_us = dc ? (double)pc_counter_delta(prev[sum], cur[sum]) / (double)dc : 0;
	o->p50 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.50);
	o->p90 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.90);
	o->p99 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.99);
}

void exp_put_ts(FILE *f, uint64_t time_ns)
{
	uint64_t sec = time_ns / 1000000000ULL, ms = time_ns % 1000000000ULL / 1000000ULL;

	if (time_ns % 1000000000ULL)
		fprintf(f, "%llu.%03llu", (unsigned long long)sec, (unsigned long long)ms);
	else
		fprintf(f, "%llu", (unsigned long long)sec);
}

/* ---- dispatcher ---- */

struct pc_export *export__open(enum pc_export_mode mode, const char *out,
			       const struct pc_sysinfo *si, char *err, size_t errlen)
{
	return exp_open_priv(mode, out, si, NULL, err, errlen);
}

struct pc_export *exp_open_priv(enum pc_export_mode mode, const char *out,
				const struct pc_sysinfo *si, void *priv, char *err, size_t errlen)
{
	struct pc_export *x;
	int rc;

	if (!out || !*out) {
		snprintf(err, errlen, "output: empty path");
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "export: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	switch (mode) {
	case PC_EXPORT_CSV:
		x->ops = &exp_sar_ops;
		break;
	case PC_EXPORT_JSON:
		x->ops = &exp_json_ops;
		break;
	case PC_EXPORT_SUMMARY:
		x->ops = &exp_summary_ops;
		break;
	case PC_EXPORT_RAW:
		x->ops = &exp_raw_ops;
		break;
	case PC_EXPORT_FN:
		x->ops = &exp_fn_ops;
		break;
	default:
		snprintf(err, errlen, "export: unknown mode %d", (int)mode);
		free(x);
		errno = EINVAL;
		return NULL;
	}
	x->mode = mode;
	if (si)
		x->si = *si;
	if (snprintf(x->out, sizeof(x->out), "%s", out) >= (int)sizeof(x->out)) {
		snprintf(err, errlen, "%.64s...: path too long", out);
		free(x);
		errno = ENAMETOOLONG;
		return NULL;
	}
	pc_sample_init(&x->prev);
	x->priv = priv;
	rc = x->ops->open(x, err, errlen);
	if (rc < 0) {
		pc_sample_free(&x->prev);
		free(x);
		errno = -rc;
		return NULL;
	}
	return x;
}

int export__add(struct pc_export *x, const struct pc_sample *s)
{
	int rc;

	if (!x || !s)
		return -EINVAL;
	if (x->have_prev && s->time_ns <= x->prev.time_ns) {
		/* Not after its predecessor: no interval to compute; keep the older baseline. */
		if (!x->skipped++)
			log_warnx("export: sample at %llu ns is not after %llu ns; skipped",
				  (unsigned long long)s->time_ns,
				  (unsigned long long)x->prev.time_ns);
		return 0;
	}
	if (x->ops->sample) {
		rc = x->ops->sample(x, s);
		if (rc < 0)
			return rc;
	}
	if (x->have_prev && x->ops->interval) {
		double itv = (double)(s->time_ns - x->prev.time_ns) / 1e9;

		rc = x->ops->interval(x, &x->prev, s, itv);
		if (rc < 0)
			return rc;
		x->nintervals++;
	} else {
		x->first_ns = s->time_ns;
	}
	x->last_ns = s->time_ns;
	x->nsamples++;
	rc = pc_sample_merge(&x->prev, s);
	if (rc < 0)
		return rc;
	for (int g = 0; g < PC_G_MAX; g++)
		if (s->t[g].nrows)
			x->group_ns[g] = s->time_ns;
	x->have_prev = 1;
	return 0;
}

int export__close(struct pc_export *x, char *err, size_t errlen)
{
	int rc;

	if (!x)
		return -EINVAL;
	rc = x->ops->commit(x, err, errlen);
	pc_sample_free(&x->prev);
	free(x);
	return rc;
}

void export__abort(struct pc_export *x)
{
	if (!x)
		return;
	x->ops->abort(x);
	pc_sample_free(&x->prev);
	free(x);
}
