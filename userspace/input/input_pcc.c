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
 * What stops the read, with the file and line: a line longer than
 * PC_PCC_LINE_MAX (refused while it is read, never held whole), memory that
 * cannot be had, a read error. At open a few samples are read ahead to derive
 * the host's sysinfo.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/json.h"
#include "pc/pcc_line.h"
#include "pc/source.h"
#include "input_int.h"
#include "input_pcc_container.h"

/* pcc-container's measurements (container/<runtime>/<12 hex>): not a registry source. */
#define SRC_CONTAINER (-2)

/* One measurement line, parsed. */
struct rec {
	uint64_t time_ns;
	uint64_t freq_ns;
	uint32_t host, run;
	int src; /* the pc_sources[] row of its subsystem */
	char *text;
	size_t len;
	unsigned long line;
};

struct pcc_reader {
	FILE *f;
	char path[256];
	enum pc_input_kind kind;
	struct json_doc doc;
	struct pc_line_reader lr;
	struct rec pending;
	int have_pending, eof;
	uint64_t seq;
	void *containers; /* input_pcc_container.c's state */
	unsigned long skipped;
	char first_skip[512];
	char err[512];
};

static void skip(struct pcc_reader *r, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct pcc_reader *r, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->skipped++) {
		n = snprintf(r->first_skip, sizeof(r->first_skip), "%s line %lu: ", r->path, line);
		if (n > 0 && (size_t)n < sizeof(r->first_skip)) {
			va_start(ap, fmt);
			vsnprintf(r->first_skip + n, sizeof(r->first_skip) - n, fmt, ap);
			va_end(ap);
		}
	}
}

static int src_by_name(const char *name)
{
	int i = pc_source_by_pcc(name);

	/* pcc has spelled the statfs measurement more than one way. */
	if (!strncmp(name, "container/", 10))
		return SRC_CONTAINER;
	if (i < 0 && !strncmp(name, "statfs", 6))
		i = pc_source_by_pcc("statfs[*]");
	return i;
}

static int str_member(const struct json_doc *doc, int obj, const char *key, char **out, size_t *len)
{
	int t = json_get(doc, obj, key);

	if (t < 0 || doc->tok[t].type != JSON_STRING)
		return -ENOENT;
	*out = json_strdup(doc, t, len);
	return *out ? 0 : -ENOMEM;
}

/* A small unsigned member of the top object, if present, into *out. */
static int u32_member(const struct json_doc *doc, const char *key, uint32_t *out, char *why,
		      size_t whylen)
{
	int t = json_get(doc, 0, key);
	uint64_t v;

	if (t < 0)
		return 0;
	if (json_uint64(doc, t, &v) || v > UINT32_MAX) {
		snprintf(why, whylen, "\"%s\" is not a small unsigned integer", key);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * A Go-tool capture record: {"Host","Run","Measurement":{"Timestamp",
 * "Frequency","System","Measurement"}}; m is the inner object.
 */
static int rec_legacy(struct pcc_reader *r, int m, struct rec *rc, char **sys, char *why,
		      size_t whylen)
{
	const struct json_doc *doc = &r->doc;
	size_t slen;
	int t, err;

	if (r->kind == PC_IN_PCC) {
		snprintf(why, whylen, "a legacy capture record in a pcc collection");
		return -EINVAL;
	}
	r->kind = PC_IN_LEGACY;
	if (u32_member(doc, "Host", &rc->host, why, whylen) ||
	    u32_member(doc, "Run", &rc->run, why, whylen))
		return -EINVAL;
	t = json_get(doc, m, "Frequency");
	if (t >= 0 && json_uint64(doc, t, &rc->freq_ns))
		rc->freq_ns = 0; /* optional; a bad one is not worth the sample */
	t = json_get(doc, m, "Timestamp");
	if (t < 0 || doc->tok[t].type != JSON_STRING ||
	    input_parse_rfc3339(doc->text + doc->tok[t].start, doc->tok[t].len, &rc->time_ns)) {
		snprintf(why, whylen, "missing or bad \"Timestamp\" (want RFC 3339)");
		return -EINVAL;
	}
	err = str_member(doc, m, "System", sys, &slen);
	return err ? err : str_member(doc, m, "Measurement", &rc->text, &rc->len);
}

/* pcc's "timestamp": unix seconds (integer or not), or an RFC 3339 string. */
static int pcc_time(const struct json_doc *doc, int t, uint64_t *ns, char *why, size_t whylen)
{
	uint64_t sec;
	double d;

	if (doc->tok[t].type == JSON_STRING) {
		if (input_parse_rfc3339(doc->text + doc->tok[t].start, doc->tok[t].len, ns)) {
			snprintf(why, whylen, "bad \"timestamp\" string");
			return -EINVAL;
		}
	} else if (json_double(doc, t, &d) || !(d >= 0 && d < 1.8e10)) {
		snprintf(why, whylen, "bad \"timestamp\" %.*s (want unix seconds)",
			 (int)(doc->tok[t].len > 40 ? 40 : doc->tok[t].len),
			 doc->text + doc->tok[t].start);
		return -EINVAL;
	} else if (!json_uint64(doc, t, &sec)) {
		*ns = sec * 1000000000ull; /* exact for integers */
	} else {
		*ns = (uint64_t)(d * 1e9);
	}
	return 0;
}

/* A pcc record: {"timestamp","subsystem","measurement"}. */
static int rec_pcc(struct pcc_reader *r, struct rec *rc, char **sys, char *why, size_t whylen)
{
	const struct json_doc *doc = &r->doc;
	size_t slen;
	int t, err;

	t = json_get(doc, 0, "timestamp");
	if (json_get(doc, 0, "subsystem") < 0 || t < 0) {
		snprintf(why, whylen, "neither a pcc record nor a legacy capture record");
		return -EINVAL;
	}
	if (r->kind == PC_IN_LEGACY) {
		snprintf(why, whylen, "a pcc record in a legacy capture");
		return -EINVAL;
	}
	r->kind = PC_IN_PCC;
	if (pcc_time(doc, t, &rc->time_ns, why, whylen))
		return -EINVAL;
	err = str_member(doc, 0, "subsystem", sys, &slen);
	return err ? err : str_member(doc, 0, "measurement", &rc->text, &rc->len);
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
	int m, err;

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
	if (m >= 0 && doc->tok[m].type == JSON_OBJECT)
		err = rec_legacy(r, m, rc, &sys, why, whylen);
	else
		err = rec_pcc(r, rc, &sys, why, whylen);
	if (err == -ENOENT) {
		snprintf(why, whylen, "missing subsystem or measurement text");
		err = -EINVAL;
	}
	if (!err) {
		rc->src = src_by_name(sys);
		if (rc->src < 0 && rc->src != SRC_CONTAINER) {
			snprintf(why, whylen, "unknown subsystem \"%.64s\"", sys);
			err = -EINVAL;
		}
	}
	free(sys);
	if (err) {
		free(rc->text);
		rc->text = NULL;
	}
	return err;
}

/* Next usable record into r->pending: 1, 0 at end, negative errno. */
static int read_rec(struct pcc_reader *r)
{
	char why[224];
	size_t n;
	int rc;

	for (;;) {
		rc = pc_line_next(&r->lr);
		if (rc < 0) {
			pc_line_error(&r->lr, rc, r->path, r->err, sizeof(r->err));
			return rc;
		}
		if (!rc) {
			r->eof = 1;
			return 0;
		}
		n = r->lr.len;
		while (n > 0 && (r->lr.line[n - 1] == '\r' || r->lr.line[n - 1] == ' ' ||
				 r->lr.line[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		rc = rec_parse(r, r->lr.line, n, &r->pending, why, sizeof(why));
		if (rc == -ENOMEM) {
			snprintf(r->err, sizeof(r->err), "%s line %lu: out of memory", r->path,
				 r->lr.lineno);
			return rc;
		}
		if (rc) {
			skip(r, r->lr.lineno, "%s", why);
			continue;
		}
		r->pending.line = r->lr.lineno;
		r->have_pending = 1;
		return 1;
	}
}

static int rec_apply(struct pcc_reader *r, const struct rec *rc, struct pc_sample *s)
{
	struct pc_perr perr = {0};
	int err;

	if (rc->src == SRC_CONTAINER)
		err = pcc_container_apply(&r->containers, r->path, rc->text, rc->len, s, &perr);
	else if (rc->src < 0 || (unsigned)rc->src >= pc_nsources)
		return 0;
	else
		err = pc_sources[rc->src].parse(rc->text, rc->len, s, &perr);
	if (err == -ENOMEM) {
		snprintf(r->err, sizeof(r->err), "%s line %lu: out of memory", r->path, rc->line);
		return err;
	}
	if (perr.count) {
		/* Lines inside the measurement that the parser could not use. */
		if (!r->skipped)
			snprintf(r->first_skip, sizeof(r->first_skip), "%s line %lu: %s", r->path,
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
		/* a tick has each source once; containers come several to a tick */
		unsigned bit = p->src >= 0 ? 1u << p->src : 0;

		if (have && ((seen & bit) || (r->kind == PC_IN_PCC && p->time_ns != s->time_ns)))
			break; /* the next tick begins */
		if (!have) {
			s->time_ns = s->taken_ns = p->time_ns;
			s->host = p->host;
			s->run = p->run;
			s->seq = r->seq++;
			have = 1;
		}
		seen |= bit;
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
	int rc = pc_line_rewind(&r->lr);

	if (rc) {
		snprintf(r->err, sizeof(r->err), "%s: cannot rewind: %s", r->path, strerror(-rc));
		return rc;
	}
	free(r->pending.text);
	memset(&r->pending, 0, sizeof(r->pending));
	r->have_pending = r->eof = 0;
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
	pc_line_init(&r->lr, f, PC_PCC_LINE_MAX);
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
	pcc_container_free(r->containers);
	pc_line_free(&r->lr);
	json_free(&r->doc);
	free(r);
}
