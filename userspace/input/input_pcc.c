// SPDX-License-Identifier: MIT
/*
 * input_pcc.c: reading JSON-lines captures that hold verbatim /proc text,
 * one measurement per line: pcc collections ({"timestamp":unix seconds,
 * "subsystem":"/proc/stat","measurement":"<text>"}) and captures of the
 * original Go tools ({"Site","Host","Run","Measurement":{"Timestamp":
 * RFC 3339,"Frequency":ns,"System":"/proc/stat","Measurement":"<text>"}}).
 * Consecutive measurements of one tick become one sample (pcc: same second;
 * both: until a subsystem repeats), filled by the same /proc parsers as live
 * collection. A damaged or unknown line is skipped and counted, never fatal.
 * At open a few samples are read ahead to derive the host's sysinfo.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/json.h"
#include "pc/proc.h"
#include "input_int.h"

#define LINE_MAX_BYTES	(64u << 20) /* a /proc text of 64 MiB is not a /proc text */

/* What a measurement's text is and which parser reads it. */
enum src {
	SRC_STAT,
	SRC_MEMINFO,
	SRC_VMSTAT,
	SRC_DISKSTATS,
	SRC_NETDEV,
	SRC_LOADAVG,
	SRC_UPTIME,
	SRC_PSI_CPU,
	SRC_PSI_MEMORY,
	SRC_PSI_IO,
	SRC_STATFS,
	SRC_N
};

static const char *const src_names[SRC_N] = {
    [SRC_STAT] = "/proc/stat",
    [SRC_MEMINFO] = "/proc/meminfo",
    [SRC_VMSTAT] = "/proc/vmstat",
    [SRC_DISKSTATS] = "/proc/diskstats",
    [SRC_NETDEV] = "/proc/net/dev",
    [SRC_LOADAVG] = "/proc/loadavg",
    [SRC_UPTIME] = "/proc/uptime",
    [SRC_PSI_CPU] = "/proc/pressure/cpu",
    [SRC_PSI_MEMORY] = "/proc/pressure/memory",
    [SRC_PSI_IO] = "/proc/pressure/io",
    [SRC_STATFS] = "statfs[*]",
};

/* One measurement line, parsed. */
struct rec {
	uint64_t time_ns;
	uint64_t freq_ns;
	uint32_t host, run;
	int src;
	char *text;
	size_t len;
	unsigned line;
};

struct pcc_reader {
	FILE *f;
	char path[256];
	enum pc_input_kind kind;
	struct json_doc doc;
	char *buf;
	size_t cap;
	unsigned line;
	struct rec pending;
	int have_pending, eof;
	uint64_t seq;
	unsigned long skipped;
	char first_skip[512];
	char err[320];
};

static void skip(struct pcc_reader *r, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct pcc_reader *r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->skipped++) {
		n = snprintf(r->first_skip, sizeof(r->first_skip), "%s line %u: ", r->path, line);
		if (n > 0 && (size_t)n < sizeof(r->first_skip)) {
			va_start(ap, fmt);
			vsnprintf(r->first_skip + n, sizeof(r->first_skip) - n, fmt, ap);
			va_end(ap);
		}
	}
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, const char *end, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++, (*p)++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (unsigned)(**p - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 (Go's RFC3339Nano): 2026-01-10T18:06:07.784822869Z or +02:00 offsets. */
int input_parse_rfc3339(const char *s, size_t len, uint64_t *ns)
{
	const char *p = s, *end = s + len;
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	uint64_t frac = 0, scale = 100000000;
	int64_t t, sign = 0;

	if (digits(&p, end, 4, &y) || p >= end || *p++ != '-' || digits(&p, end, 2, &mo) ||
	    p >= end || *p++ != '-' || digits(&p, end, 2, &d) || p >= end ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' || digits(&p, end, 2, &mi) ||
	    p >= end || *p++ != ':' || digits(&p, end, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -EINVAL;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			frac += (uint64_t)(*p - '0') * scale; /* digits past ns are dropped */
			scale /= 10;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, end, 2, &oh) || p >= end || *p++ != ':' || digits(&p, end, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (p != end)
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (int64_t)(oh * 3600 + om * 60);
	if (t < 0 || (uint64_t)t > UINT64_MAX / 1000000000ull - 1)
		return -ERANGE;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return 0;
}

static int src_by_name(const char *name)
{
	for (int i = 0; i < SRC_N; i++)
		if (!strcmp(name, src_names[i]))
			return i;
	/* pcc has spelled the statfs measurement more than one way. */
	if (!strncmp(name, "statfs", 6))
		return SRC_STATFS;
	return -1;
}

static int str_member(const struct json_doc *doc, int obj, const char *key, char **out, size_t *len)
{
	int t = json_get(doc, obj, key);

	if (t < 0 || doc->tok[t].type != JSON_STRING)
		return -ENOENT;
	*out = json_strdup(doc, t, len);
	return *out ? 0 : -ENOMEM;
}

/*
 * One line into rec. 0 ok; -EINVAL damaged (why in why[]); -ENOMEM.
 * kind PC_IN_NATIVE means "not decided yet": the line decides.
 */
static int rec_parse(struct pcc_reader *r, const char *line, size_t len, struct rec *rc, char *why,
		     size_t whylen)
{
	const struct json_doc *doc = &r->doc;
	char *sys = NULL;
	size_t slen;
	int m, t, err;

	memset(rc, 0, sizeof(*rc));
	rc->src = -1;
	err = json_parse(&r->doc, line, len);
	if (err == -ENOMEM)
		return err;
	if (err) {
		snprintf(why, whylen, "not JSON: %s", r->doc.err);
		return -EINVAL;
	}
	if (doc->tok[0].type != JSON_OBJECT) {
		snprintf(why, whylen, "not a JSON object");
		return -EINVAL;
	}
	m = json_get(doc, 0, "Measurement");
	if (m >= 0 && doc->tok[m].type == JSON_OBJECT) {
		if (r->kind == PC_IN_PCC) {
			snprintf(why, whylen, "a legacy capture record in a pcc collection");
			return -EINVAL;
		}
		r->kind = PC_IN_LEGACY;
		t = json_get(doc, 0, "Host");
		if (t >= 0) {
			uint64_t v;

			if (json_uint64(doc, t, &v) || v > UINT32_MAX) {
				snprintf(why, whylen, "\"Host\" is not a small unsigned integer");
				return -EINVAL;
			}
			rc->host = (uint32_t)v;
		}
		t = json_get(doc, 0, "Run");
		if (t >= 0) {
			uint64_t v;

			if (json_uint64(doc, t, &v) || v > UINT32_MAX) {
				snprintf(why, whylen, "\"Run\" is not a small unsigned integer");
				return -EINVAL;
			}
			rc->run = (uint32_t)v;
		}
		t = json_get(doc, m, "Frequency");
		if (t >= 0 && json_uint64(doc, t, &rc->freq_ns))
			rc->freq_ns = 0; /* optional; a bad one is not worth the sample */
		t = json_get(doc, m, "Timestamp");
		if (t < 0 || doc->tok[t].type != JSON_STRING ||
		    input_parse_rfc3339(doc->text + doc->tok[t].start, doc->tok[t].len, &rc->time_ns)) {
			snprintf(why, whylen, "missing or bad \"Timestamp\" (want RFC 3339)");
			return -EINVAL;
		}
		err = str_member(doc, m, "System", &sys, &slen);
		if (!err)
			err = str_member(doc, m, "Measurement", &rc->text, &rc->len);
	} else {
		double d;

		if (json_get(doc, 0, "subsystem") < 0 || json_get(doc, 0, "timestamp") < 0) {
			snprintf(why, whylen, "neither a pcc record nor a legacy capture record");
			return -EINVAL;
		}
		if (r->kind == PC_IN_LEGACY) {
			snprintf(why, whylen, "a pcc record in a legacy capture");
			return -EINVAL;
		}
		r->kind = PC_IN_PCC;
		t = json_get(doc, 0, "timestamp");
		if (doc->tok[t].type == JSON_STRING) {
			if (input_parse_rfc3339(doc->text + doc->tok[t].start, doc->tok[t].len,
					  &rc->time_ns)) {
				snprintf(why, whylen, "bad \"timestamp\" string");
				return -EINVAL;
			}
		} else if (json_double(doc, t, &d) || !(d >= 0 && d < 1.8e10)) {
			snprintf(why, whylen, "bad \"timestamp\" %.*s (want unix seconds)",
				 (int)(doc->tok[t].len > 40 ? 40 : doc->tok[t].len),
				 doc->text + doc->tok[t].start);
			return -EINVAL;
		} else {
			uint64_t sec;

			if (!json_uint64(doc, t, &sec))
				rc->time_ns = sec * 1000000000ull; /* exact for integers */
			else
				rc->time_ns = (uint64_t)(d * 1e9);
		}
		err = str_member(doc, 0, "subsystem", &sys, &slen);
		if (!err)
			err = str_member(doc, 0, "measurement", &rc->text, &rc->len);
	}
	if (err == -ENOMEM) {
		free(sys);
		return err;
	}
	if (err) {
		snprintf(why, whylen, "missing subsystem or measurement text");
		free(sys);
		return -EINVAL;
	}
	rc->src = src_by_name(sys);
	if (rc->src < 0) {
		snprintf(why, whylen, "unknown subsystem \"%.64s\"", sys);
		free(sys);
		free(rc->text);
		rc->text = NULL;
		return -EINVAL;
	}
	free(sys);
	return 0;
}

/* Next usable record into r->pending: 1, 0 at end, negative errno. */
static int read_rec(struct pcc_reader *r)
{
	char why[224];
	ssize_t n;
	int rc;

	for (;;) {
		n = getline(&r->buf, &r->cap, r->f);
		if (n < 0) {
			if (ferror(r->f)) {
				snprintf(r->err, sizeof(r->err), "%s line %u: read error", r->path,
					 r->line + 1);
				return -EIO;
			}
			r->eof = 1;
			return 0;
		}
		r->line++;
		while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r' ||
				 r->buf[n - 1] == ' ' || r->buf[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		if ((size_t)n > LINE_MAX_BYTES) {
			skip(r, r->line, "line of %zd bytes is too long", n);
			continue;
		}
		rc = rec_parse(r, r->buf, (size_t)n, &r->pending, why, sizeof(why));
		if (rc == -ENOMEM) {
			snprintf(r->err, sizeof(r->err), "%s line %u: out of memory", r->path,
				 r->line);
			return rc;
		}
		if (rc) {
			skip(r, r->line, "%s", why);
			continue;
		}
		r->pending.line = r->line;
		r->have_pending = 1;
		return 1;
	}
}

static int rec_apply(struct pcc_reader *r, const struct rec *rc, struct pc_sample *s)
{
	struct pc_perr perr = {0};
	const char *t = rc->text;
	size_t n = rc->len;
	int err;

	switch (rc->src) {
	case SRC_STAT:
		err = proc_stat_parse(t, n, s, &perr);
		break;
	case SRC_MEMINFO:
		err = proc_meminfo_parse(t, n, s, &perr);
		break;
	case SRC_VMSTAT:
		err = proc_vmstat_parse(t, n, s, &perr);
		break;
	case SRC_DISKSTATS:
		err = proc_diskstats_parse(t, n, s, &perr);
		break;
	case SRC_NETDEV:
		err = proc_netdev_parse(t, n, s, &perr);
		break;
	case SRC_LOADAVG:
		err = proc_loadavg_parse(t, n, s, &perr);
		break;
	case SRC_UPTIME:
		err = proc_uptime_parse(t, n, s, &perr);
		break;
	case SRC_PSI_CPU:
		err = proc_pressure_parse("cpu", t, n, s, &perr);
		break;
	case SRC_PSI_MEMORY:
		err = proc_pressure_parse("memory", t, n, s, &perr);
		break;
	case SRC_PSI_IO:
		err = proc_pressure_parse("io", t, n, s, &perr);
		break;
	case SRC_STATFS:
		err = proc_statfs_json_parse(t, n, s, &perr);
		break;
	default:
		return 0;
	}
	if (err == -ENOMEM) {
		snprintf(r->err, sizeof(r->err), "%s line %u: out of memory", r->path, rc->line);
		return err;
	}
	if (perr.count) {
		/* Lines inside the measurement that the parser could not use. */
		if (!r->skipped)
			snprintf(r->first_skip, sizeof(r->first_skip), "%s line %u: %s", r->path,
				 rc->line, perr.first);
		r->skipped += perr.count;
	}
	return 0;
}

int pcc__next(struct pcc_reader *r, struct pc_sample *s)
{
	unsigned seen = 0;
	int have = 0, rc;

	pc_sample_reset(s);
	for (;;) {
		if (!r->have_pending) {
			if (r->eof)
				break;
			rc = read_rec(r);
			if (rc < 0)
				return rc;
			if (!rc)
				break;
		}
		struct rec *p = &r->pending;

		if (have &&
		    ((seen & (1u << p->src)) || (r->kind == PC_IN_PCC && p->time_ns != s->time_ns)))
			break; /* the next tick begins */
		if (!have) {
			s->time_ns = s->taken_ns = p->time_ns;
			s->host = p->host;
			s->run = p->run;
			s->seq = r->seq++;
			have = 1;
		}
		seen |= 1u << p->src;
		rc = rec_apply(r, p, s);
		free(p->text);
		p->text = NULL;
		r->have_pending = 0;
		if (rc < 0)
			return rc;
	}
	return have;
}

/* Read ahead a few samples for what a header would have said. */
static int prescan(struct pcc_reader *r, struct pc_sysinfo *si)
{
	struct si_derive d = {0};
	uint64_t freq = 0;
	struct pc_sample s;
	int rc = 0;

	pc_sample_init(&s);
	for (int n = 0; n < SI_DERIVE_SAMPLES; n++) {
		if (r->have_pending && r->pending.freq_ns && !freq)
			freq = r->pending.freq_ns;
		rc = pcc__next(r, &s);
		if (rc <= 0)
			break;
		si_derive_add(&d, si, &s);
	}
	pc_sample_free(&s);
	if (rc < 0)
		return rc;
	si_derive_end(&d, si, freq);
	return 0;
}

/* Start over after the prescan: the real pass counts the damage again. */
static int restart(struct pcc_reader *r)
{
	if (fseek(r->f, 0, SEEK_SET)) {
		int e = errno;

		snprintf(r->err, sizeof(r->err), "%s: cannot rewind: %s", r->path, strerror(e));
		return -e;
	}
	free(r->pending.text);
	memset(&r->pending, 0, sizeof(r->pending));
	r->have_pending = r->eof = 0;
	r->line = 0;
	r->seq = 0;
	r->skipped = 0;
	r->first_skip[0] = 0;
	return 0;
}

struct pcc_reader *pcc__open(FILE *f, const char *path, struct pc_sysinfo *si, char *err,
			     size_t errlen)
{
	struct pcc_reader *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	r->f = f;
	r->kind = PC_IN_NATIVE; /* undecided until a line says */
	snprintf(r->path, sizeof(r->path), "%s", path);
	rc = prescan(r, si);
	if (rc < 0) {
		snprintf(err, errlen, "%s", r->err);
		goto cleanup;
	}
	if (r->kind == PC_IN_NATIVE) {
		snprintf(err, errlen,
			 "%s: not a perfcollector collection, pcc collection or legacy capture%s%s",
			 path, r->first_skip[0] ? "; " : "", r->first_skip);
		rc = -EINVAL;
		goto cleanup;
	}
	rc = restart(r);
	if (rc < 0) {
		snprintf(err, errlen, "%s", r->err);
		goto cleanup;
	}
	return r;
cleanup:
	pcc__close(r);
	errno = -rc;
	return NULL;
}

enum pc_input_kind pcc__kind(const struct pcc_reader *r)
{
	return r->kind;
}

const char *pcc__error(const struct pcc_reader *r)
{
	return r->err;
}

unsigned long pcc__skipped(const struct pcc_reader *r)
{
	return r->skipped;
}

const char *pcc__first_skip(const struct pcc_reader *r)
{
	return r->first_skip;
}

void pcc__close(struct pcc_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->pending.text);
	free(r->buf);
	json_free(&r->doc);
	free(r);
}
