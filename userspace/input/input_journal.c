// SPDX-License-Identifier: MIT
/*
 * input_journal.c: journals as input (see input.h). An encrypted journal of
 * perfprocessord holds records whose payloads are batches (each one binary
 * codec stream, docs/FORMAT.md): they are decoded sample by sample. A journal
 * of the original Go tools decrypts to the same JSON lines as their captures,
 * so it is handed to the capture reader (input_pcc.c) as a stream: a stdio
 * cookie that serves decrypted lines, and reopens the journal when the
 * capture reader rewinds. The identity's MAC is tried for each of this
 * machine's addresses in turn when the caller gives several.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "pc/license.h"
#include "input_int.h"

struct jrn_reader {
	struct journal *j;
	struct pc_dec dec;
	const uint8_t *payload;
	size_t len, off;
	uint64_t rec_offset;
	unsigned long damaged;
	char path[256];
	char err[512];
};

/* journal__open with each candidate MAC until one is this journal's. */
static struct journal *open_any_mac(const char *path, const struct pc_input_opts *o, char *err,
				    size_t errlen)
{
	struct pc_site site = *o->site;
	struct journal *j;
	char macs[256] = "", m[18];
	int n = o->nmacs ? o->nmacs : 1;

	for (int i = 0; i < n; i++) {
		if (o->nmacs)
			memcpy(site.mac, o->macs[i], 6);
		j = journal__open(path, &site, err, errlen);
		if (j || errno != EKEYREJECTED || !strstr(err, "MAC"))
			return j;
		license__format_mac(site.mac, m);
		snprintf(macs + strlen(macs), sizeof(macs) - strlen(macs), "%s%s", i ? ", " : "",
			 m);
	}
	if (o->nmacs > 1) {
		snprintf(err, errlen,
			 "%s: the journal was written with another MAC address than any of this "
			 "machine's (%s): give the processor's with --mac",
			 path, macs);
		errno = EKEYREJECTED;
	}
	return NULL;
}

struct jrn_reader *jrn__open(const char *path, const struct pc_input_opts *o, char *err,
			     size_t errlen)
{
	struct jrn_reader *r;

	if (!o || !o->site) {
		snprintf(err, errlen,
			 "%s: an encrypted journal: give --siteid, --sitename and --license "
			 "(and --mac when it is not one of this machine's)",
			 path);
		errno = EKEYREJECTED;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	r->j = open_any_mac(path, o, err, errlen);
	if (!r->j) {
		int e = errno;

		free(r);
		errno = e;
		return NULL;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	pc_dec_init(&r->dec);
	return r;
}

int jrn__next(struct jrn_reader *r, struct pc_sample *s)
{
	struct journal_rec rec;
	long used;
	int rc;

	for (;;) {
		if (r->off < r->len) {
			used = pc_dec_sample(&r->dec, r->payload + r->off, r->len - r->off, s);
			if (used > 0) {
				r->off += (size_t)used;
				return 1;
			}
			if (used == -ENOMEM)
				return -ENOMEM;
			/* An authenticated record that does not decode: count it, go on. */
			if (!r->damaged++)
				snprintf(r->err, sizeof(r->err), "%s: record at byte %llu: %s",
					 r->path, (unsigned long long)r->rec_offset, r->dec.err);
			r->off = r->len;
		}
		rc = journal__next(r->j, &rec);
		if (rc <= 0) {
			if (rc < 0)
				snprintf(r->err, sizeof(r->err), "%s: %s", r->path, strerror(-rc));
			return rc;
		}
		r->payload = rec.payload;
		r->len = rec.len;
		r->off = 0;
		r->rec_offset = rec.offset;
		pc_dec_reset(&r->dec); /* every batch is one self-contained stream */
	}
}

/* Damaged records (journal's own list) plus undecodable ones; first described. */
unsigned long jrn__skipped(const struct jrn_reader *r, const char **first)
{
	size_t n;
	const struct journal_damage *d = journal__damage(r->j, &n);

	*first = r->damaged ? r->err : "";
	if (n && !r->damaged)
		*first = d[0].reason;
	return n + r->damaged;
}

const char *jrn__error(const struct jrn_reader *r)
{
	return r->err;
}

void jrn__close(struct jrn_reader *r)
{
	if (!r)
		return;
	journal__close(r->j);
	pc_dec_free(&r->dec);
	free(r);
}

static void put_time(FILE *out, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char buf[32];

	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	fprintf(out, "%s.%03lluZ", buf, (unsigned long long)(ns % 1000000000ULL / 1000000ULL));
}

int jrn__verify(const char *path, const struct pc_input_opts *o, FILE *out, char *err,
		size_t errlen)
{
	struct jrn_reader *r = jrn__open(path, o, err, errlen);
	struct journal_summary sum;
	const struct journal_run *runs;
	const struct journal_damage *dmg;
	size_t nruns, ndmg;
	int rc;

	if (!r)
		return -errno;
	rc = journal__verify(r->j, &sum);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		jrn__close(r);
		return rc;
	}
	runs = journal__runs(r->j, &nruns);
	dmg = journal__damage(r->j, &ndmg);
	fprintf(out, "journal   %s\nrecords   %llu (%llu bytes)\nsamples   %llu\n", path,
		(unsigned long long)sum.records, (unsigned long long)sum.bytes,
		(unsigned long long)sum.samples);
	fprintf(out, "hosts     %u\nruns      %u\nspan      ", sum.hosts, sum.runs);
	if (sum.records) {
		put_time(out, sum.t_first);
		fputs(" .. ", out);
		put_time(out, sum.t_last);
	}
	fprintf(out, "\ngaps      %llu samples missing inside runs\ndamage    %llu\n",
		(unsigned long long)sum.seq_gaps, (unsigned long long)sum.damage);
	for (size_t i = 0; i < nruns; i++) {
		fprintf(out,
			"  host %u run %u: %llu samples in %llu records, seq %llu..%llu, %llu "
			"missing, ",
			runs[i].host, runs[i].run, (unsigned long long)runs[i].samples,
			(unsigned long long)runs[i].records, (unsigned long long)runs[i].first_seq,
			(unsigned long long)(runs[i].next_seq ? runs[i].next_seq - 1 : 0),
			(unsigned long long)runs[i].seq_gaps);
		put_time(out, runs[i].t_first);
		fputs(" .. ", out);
		put_time(out, runs[i].t_last);
		fputc('\n', out);
	}
	for (size_t i = 0; i < ndmg; i++)
		fprintf(out, "  damage at byte %llu (%llu bytes): %s\n",
			(unsigned long long)dmg[i].offset, (unsigned long long)dmg[i].len,
			dmg[i].reason);
	jrn__close(r);
	return ndmg || sum.seq_gaps ? 1 : 0;
}

/* ---- journals of the Go tools, as a stream of JSON lines ---- */

struct lj_cookie {
	char path[256];
	char sitename[PC_SITENAME_MAX + 1];
	char license[64];
	struct pc_site site;
	struct journal_legacy *l;
	const char *line;
	size_t len, off; /* off == len + 1 once the newline is served too */
	int eof;
};

static ssize_t lj_read(void *c, char *buf, size_t size)
{
	struct lj_cookie *k = c;
	size_t done = 0, n;
	int rc;

	while (done < size && !k->eof) {
		if (!k->line || k->off > k->len) {
			rc = journal_legacy__next(k->l, &k->line, &k->len);
			if (rc < 0)
				return done ? (ssize_t)done : -1;
			if (rc == 0) {
				k->eof = 1;
				break;
			}
			k->off = 0;
		}
		if (k->off < k->len) {
			n = k->len - k->off < size - done ? k->len - k->off : size - done;
			memcpy(buf + done, k->line + k->off, n);
			k->off += n;
			done += n;
		} else {
			buf[done++] = '\n';
			k->off++;
		}
	}
	return (ssize_t)done;
}

static int lj_reopen(struct lj_cookie *k, char *err, size_t errlen)
{
	if (k->l)
		journal_legacy__close(k->l);
	k->l = journal_legacy__open(k->path, &k->site, err, errlen);
	k->line = NULL;
	k->len = k->off = 0;
	k->eof = 0;
	return k->l ? 0 : -1;
}

/* Only "back to the start" is needed (the capture reader's prescan). */
static int lj_seek(void *c, off64_t *pos, int whence)
{
	struct lj_cookie *k = c;
	char err[256];

	if (*pos != 0 || whence != SEEK_SET) {
		errno = ESPIPE;
		return -1;
	}
	return lj_reopen(k, err, sizeof(err));
}

static int lj_close(void *c)
{
	struct lj_cookie *k = c;

	if (k->l)
		journal_legacy__close(k->l);
	free(k);
	return 0;
}

FILE *jrn__legacy_stream(const char *path, const struct pc_site *site, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = {
	    .read = lj_read, .seek = lj_seek, .close = lj_close};
	struct lj_cookie *k = calloc(1, sizeof(*k));
	FILE *f;

	if (!k) {
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(k->path, sizeof(k->path), "%s", path);
	snprintf(k->sitename, sizeof(k->sitename), "%s", site->sitename ? site->sitename : "");
	snprintf(k->license, sizeof(k->license), "%s", site->license ? site->license : "");
	k->site = *site;
	k->site.sitename = k->sitename;
	k->site.license = k->license;
	if (lj_reopen(k, err, errlen)) {
		int e = errno;

		free(k);
		errno = e;
		return NULL;
	}
	f = fopencookie(k, "r", io);
	if (!f) {
		lj_close(k);
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
	}
	return f;
}
