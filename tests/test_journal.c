// SPDX-License-Identifier: MIT
/*
 * test_journal.c: the native encrypted journal. Round trips for host/run
 * mixes; each wrong part of the identity gets its own error; truncation at
 * every byte offset and hundreds of single-bit flips never crash, never lose
 * an intact record and always report the damage; reordered, dropped,
 * duplicated and spliced records are detected; a torn tail is cut at the
 * next open; a failed commit leaves nothing half-written.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/journal.h"
#include "../userspace/journal/journal_layout.h"
#include "common/site.h"

struct fx {
	char *dir, *path;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->path = malloc(strlen(f->dir) + 16);
	snprintf(f->path, strlen(f->dir) + 16, "%s/journal", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Payload i: ~1 KiB of sample-like text, distinct per record, compressible. */
static size_t payload(unsigned i, char *buf, size_t cap)
{
	size_t n = 0;

	for (unsigned k = 0; n + 64 < cap && k < 16; k++)
		n += (size_t)snprintf(buf + n, cap - n, "cpu%u %u %u %u 0 0 %u\n", k, i * 7 + k,
				      i * 13, i ^ k, k * 1000 + i);
	return n;
}

static struct journal *writer(const char *path)
{
	char err[256];
	struct journal *j = journal__open_append(path, &site, &fast, err, sizeof(err));

	if (!j)
		fail_msg("open_append: %s", err);
	return j;
}

/* Append n records: host i % hosts, run i % runs, one commit every per records. */
static void write_records(const char *path, unsigned first, unsigned n, unsigned hosts,
			  unsigned runs, unsigned per)
{
	struct journal *j = writer(path);
	char buf[2048];

	for (unsigned i = first; i < first + n; i++) {
		struct journal_meta m = {.host = i % hosts,
					 .run = i % runs,
					 .first_seq = i / hosts * 10,
					 .count = 10,
					 .t_first = 1000000000ull * (i + 1),
					 .t_last = 1000000000ull * (i + 1) + 9};
		size_t len = payload(i, buf, sizeof(buf));

		assert_int_equal(journal__append_batch(j, &m, buf, len), 0);
		if ((i - first + 1) % per == 0) {
			assert_int_equal(journal__commit(j), 0);
			assert_int_equal(journal__pending(j), 0);
		}
	}
	assert_int_equal(journal__close(j), 0);
}

/* Read everything; check each record's payload against its seq; count them. */
static size_t read_all(struct journal *j, size_t *ndamage, uint8_t *seen, size_t maxseq)
{
	struct journal_rec r;
	char buf[2048];
	size_t n = 0;
	int ret;

	while ((ret = journal__next(j, &r)) == 1) {
		size_t len = payload((unsigned)r.seq, buf, sizeof(buf));

		assert_true(r.seq < maxseq);
		assert_int_equal(r.len, len);
		assert_memory_equal(r.payload, buf, len);
		assert_int_equal(r.meta.count, 10);
		if (seen) {
			assert_int_equal(seen[r.seq], 0);
			seen[r.seq] = 1;
		}
		n++;
	}
	assert_int_equal(ret, 0);
	journal__damage(j, ndamage);
	return n;
}

static size_t read_path(const char *path, size_t *ndamage)
{
	char err[256];
	struct journal *j = journal__open(path, &site, err, sizeof(err));
	size_t n;

	if (!j)
		fail_msg("open %s: %s", path, err);
	n = read_all(j, ndamage, NULL, 1u << 20);
	journal__close(j);
	return n;
}

/* Record offsets of an intact journal image, plus its end. */
static size_t offsets(const uint8_t *p, size_t len, size_t *off, size_t max)
{
	size_t n = 0, o = J_DATA_START;

	while (o + J_RHDR <= len && n < max) {
		off[n++] = o;
		o += jl_record_size(p + o);
	}
	off[n] = o;
	return n;
}

static void test_round_trip_host_run_mixes(void **state)
{
	static const unsigned mix[][3] = {{1, 1, 1}, {1, 3, 4}, {5, 1, 7}, {4, 6, 50}, {3, 3, 2}};
	struct fx *f = *state;

	for (size_t m = 0; m < sizeof(mix) / sizeof(mix[0]); m++) {
		struct journal_summary s;
		const struct journal_run *runs;
		struct journal *j;
		char err[256], buf[2048];
		size_t nd, nr, raw = 0;
		struct stat st;

		unlink(f->path);
		write_records(f->path, 0, 60, mix[m][0], mix[m][1], mix[m][2]);
		assert_int_equal(stat(f->path, &st), 0);
		for (unsigned i = 0; i < 60; i++)
			raw += payload(i, buf, sizeof(buf));
		assert_true((size_t)st.st_size < raw); /* compressed before sealing */
		assert_int_equal(read_path(f->path, &nd), 60);
		assert_int_equal(nd, 0);
		j = journal__open(f->path, &site, err, sizeof(err));
		assert_non_null(j);
		assert_int_equal(journal__verify(j, &s), 0);
		assert_int_equal(s.records, 60);
		assert_int_equal(s.samples, 600);
		assert_int_equal(s.hosts, mix[m][0]);
		assert_int_equal(s.damage, 0);
		assert_int_equal(s.t_first, 1000000000ull);
		assert_int_equal(s.t_last, 60000000009ull);
		runs = journal__runs(j, &nr);
		assert_int_equal(nr, s.runs);
		for (size_t i = 0; i < nr; i++)
			assert_true(runs[i].records > 0 && runs[i].next_seq > runs[i].first_seq);
		journal__close(j);
	}
}

static void test_reopen_appends_in_sequence(void **state)
{
	struct fx *f = *state;
	uint8_t seen[40] = {0};
	struct journal *j;
	char err[256];
	size_t nd;

	write_records(f->path, 0, 10, 2, 1, 3);
	write_records(f->path, 10, 10, 2, 1, 10);
	write_records(f->path, 20, 20, 2, 1, 1);
	j = journal__open(f->path, &site, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(read_all(j, &nd, seen, 40), 40);
	assert_int_equal(nd, 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(seen[i], 1);
	journal__close(j);
}

static void test_payload_edge_sizes(void **state)
{
	struct fx *f = *state;
	struct journal *j = writer(f->path);
	size_t big = 1u << 20, sizes[] = {0, 1, 33, 4096, big};
	uint8_t *p = malloc(big);
	struct journal_rec r;
	char err[256];

	for (size_t i = 0; i < big; i++) /* incompressible: stored, not compressed */
		p[i] = (uint8_t)(i * 2654435761u >> 13);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(journal__append(j, 7, 8, p, sizes[i]), 0);
	assert_int_equal(journal__append(j, 7, 8, p, JOURNAL_MAX_PAYLOAD + 1), -EINVAL);
	assert_int_equal(journal__commit(j), 0);
	journal__close(j);
	j = journal__open(f->path, &site, err, sizeof(err));
	assert_non_null(j);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(journal__next(j, &r), 1);
		assert_int_equal(r.len, sizes[i]);
		assert_int_equal(r.meta.host, 7);
		assert_int_equal(r.meta.run, 8);
		if (sizes[i])
			assert_memory_equal(r.payload, p, sizes[i]);
	}
	assert_int_equal(journal__next(j, &r), 0);
	journal__close(j);
	free(p);
}

/*
 * tests/fixtures/journal/deflate-v1 was written by the previous writer, which
 * deflated payloads (compression 1): four payload(i) records, hosts 0 1 0 1,
 * run 1. Journals written before zstd must stay readable.
 */
static void test_reads_deflate_records_of_earlier_versions(void **state)
{
	struct journal_summary sum;
	struct journal_rec r;
	char err[256], want[2048];
	struct journal *j;

	(void)state;
	j = journal__open(tu_path(tu_fixtures(), "journal/deflate-v1"), &site, err, sizeof(err));
	if (!j)
		fail_msg("%s", err);
	for (unsigned i = 0; i < 4; i++) {
		size_t n = payload(i, want, sizeof(want));

		assert_int_equal(journal__next(j, &r), 1);
		assert_int_equal(r.meta.host, i % 2);
		assert_int_equal(r.meta.run, 1);
		assert_int_equal(r.len, n);
		assert_memory_equal(r.payload, want, n);
	}
	assert_int_equal(journal__next(j, &r), 0);
	journal__close(j);
	j = journal__open(tu_path(tu_fixtures(), "journal/deflate-v1"), &site, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(journal__verify(j, &sum), 0);
	assert_int_equal(sum.records, 4);
	assert_int_equal(sum.damage, 0);
	journal__close(j);
}

static void expect_identity_error(const char *path, const struct pc_site *s, const char *says)
{
	char err[256];

	assert_null(journal__open(path, s, err, sizeof(err)));
	assert_int_equal(errno, EKEYREJECTED);
	if (!strstr(err, says))
		fail_msg("'%s' does not say '%s'", err, says);
}

static void test_each_wrong_identity_part_named(void **state)
{
	struct fx *f = *state;
	struct pc_site s;

	write_records(f->path, 0, 3, 1, 1, 1);
	s = site;
	s.siteid = 2;
	expect_identity_error(f->path, &s, "siteid 2 is not");
	s = site;
	s.sitename = "Evil Corp ";
	expect_identity_error(f->path, &s, "sitename 'Evil Corp ' is not");
	s = site;
	s.mac[0] = 0x12;
	expect_identity_error(f->path, &s, "MAC 12:fc:00:00:00:01 is not");
	s = site;
	s.license = "0151-49b3-648e-edcb-6331-01b8";
	expect_identity_error(f->path, &s, "license '0151-\xe2\x80\xa6' does not open");
	/* The writer refuses the same way instead of appending under another key. */
	assert_null(journal__open_append(f->path, &s, &fast, (char[256]){0}, 256));
	assert_int_equal(errno, EKEYREJECTED);
}

static void test_not_a_journal_refused(void **state)
{
	struct fx *f = *state;
	char err[256];
	FILE *fp;

	fp = fopen(f->path, "w");
	fclose(fp);
	assert_null(journal__open(f->path, &site, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "empty"));
	fp = fopen(f->path, "w");
	for (int i = 0; i < 1000; i++)
		fputc(0xff, fp);
	fclose(fp);
	assert_null(journal__open(f->path, &site, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "not a perfcollector journal"));
	/* Nor will a writer take it over. */
	assert_null(journal__open_append(f->path, &site, &fast, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

static void test_truncation_at_every_offset(void **state)
{
	struct fx *f = *state;
	size_t len, off[8], n, nd, cuts = 0;
	uint8_t *img;

	write_records(f->path, 0, 5, 2, 2, 5);
	img = (uint8_t *)tu_read_file(f->path, &len);
	n = offsets(img, len, off, 7);
	assert_int_equal(n, 5);
	assert_int_equal(off[n], len);
	for (size_t cut = 0; cut <= len; cut++) {
		char err[256];
		struct journal *j = journal__open_buf(img, cut, &site, err, sizeof(err));
		size_t whole = 0, got;

		if (cut < J_DATA_START) {
			assert_null(j);
			assert_true(errno == EBADMSG || errno == EINVAL);
			continue;
		}
		assert_non_null(j);
		while (whole < n && off[whole + 1] <= cut)
			whole++;
		got = read_all(j, &nd, NULL, 5);
		assert_int_equal(got, whole); /* every complete record survives */
		if (cut == off[whole])
			assert_int_equal(nd, 0); /* a cut between records leaves nothing torn */
		else
			assert_int_equal(nd, 1); /* a torn record is always reported */
		journal__close(j);
		cuts++;
	}
	assert_int_equal(cuts, len - 255);
	free(img);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_random_bit_flips(void **state)
{
	struct fx *f = *state;
	size_t len, off[16], n, flips = 0, in_header = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t *img;

	write_records(f->path, 0, 12, 3, 2, 4);
	img = (uint8_t *)tu_read_file(f->path, &len);
	n = offsets(img, len, off, 15);
	assert_int_equal(n, 12);
	for (int k = 0; k < 600; k++) {
		size_t at = (size_t)(rng(&seed) % len), nd, victim = n, got;
		uint8_t seen[12] = {0}, bit = (uint8_t)(1u << (rng(&seed) % 8));
		struct journal *j;
		char err[256];

		img[at] ^= bit;
		j = journal__open_buf(img, len, &site, err, sizeof(err));
		if (!j)
			fail_msg("flip at %zu: open: %s", at, err);
		for (size_t r = 0; r < n; r++)
			if (at >= off[r] && at < off[r + 1])
				victim = r;
		got = read_all(j, &nd, seen, 12);
		assert_true(nd >= 1); /* the damage is always reported */
		if (victim == n) {    /* a header copy: the other one carries on */
			assert_true(at < J_DATA_START);
			assert_int_equal(got, n);
			in_header++;
		} else {
			assert_int_equal(got, n - 1); /* only the damaged record is lost */
			assert_int_equal(seen[victim], 0);
		}
		journal__close(j);
		img[at] ^= bit;
		flips++;
	}
	assert_int_equal(flips, 600);
	assert_true(in_header > 0);
	free(img);
}

/* Rewrite the journal file with the records in the given order (-1 ends). */
static void rearrange(const char *path, const uint8_t *img, const size_t *off, const int *order,
		      const uint8_t *extra, size_t extralen, int extra_after)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fwrite(img, 1, J_DATA_START, fp);
	for (int i = 0; order[i] >= 0; i++) {
		fwrite(img + off[order[i]], 1, off[order[i] + 1] - off[order[i]], fp);
		if (i == extra_after)
			fwrite(extra, 1, extralen, fp);
	}
	fclose(fp);
}

static int damage_says(const char *path, const char *what, size_t *nrec)
{
	const struct journal_damage *d;
	struct journal *j;
	char err[256];
	size_t nd;
	int found = 0;

	j = journal__open(path, &site, err, sizeof(err));
	assert_non_null(j);
	*nrec = read_all(j, &nd, NULL, 64);
	d = journal__damage(j, &nd);
	for (size_t i = 0; i < nd; i++)
		found |= strstr(d[i].reason, what) != NULL;
	journal__close(j);
	return found;
}

static void test_reorder_drop_duplicate_detected(void **state)
{
	struct fx *f = *state;
	static const int swapped[] = {0, 1, 3, 2, 4, 5, -1}, dropped[] = {0, 1, 2, 4, 5, -1},
			 duplicated[] = {0, 1, 2, 3, 2, 4, 5, -1}, front[] = {2, 3, 4, 5, -1};
	size_t len, off[8], nrec;
	uint8_t *img;

	write_records(f->path, 0, 6, 1, 1, 6);
	img = (uint8_t *)tu_read_file(f->path, &len);
	assert_int_equal(offsets(img, len, off, 7), 6);

	rearrange(f->path, img, off, swapped, NULL, 0, -1);
	assert_true(damage_says(f->path, "out of order", &nrec));
	assert_int_equal(nrec, 6); /* displaced records are still authentic and read */
	rearrange(f->path, img, off, dropped, NULL, 0, -1);
	assert_true(damage_says(f->path, "records 3..3 missing", &nrec));
	assert_int_equal(nrec, 5);
	rearrange(f->path, img, off, duplicated, NULL, 0, -1);
	assert_true(damage_says(f->path, "seq 2 duplicated", &nrec));
	assert_int_equal(nrec, 6); /* read once */
	rearrange(f->path, img, off, front, NULL, 0, -1);
	assert_true(damage_says(f->path, "records 0..1 missing", &nrec));
	free(img);
}

static void test_splice_from_other_journal_detected(void **state)
{
	struct fx *f = *state;
	static const int all[] = {0, 1, 2, 3, -1};
	size_t len, olen, off[8], ooff[8], nrec;
	char other[512];
	uint8_t *img, *oimg;

	snprintf(other, sizeof(other), "%s/other", f->dir);
	write_records(f->path, 0, 4, 1, 1, 4);
	write_records(other, 0, 4, 1, 1, 4); /* same identity, another journal */
	img = (uint8_t *)tu_read_file(f->path, &len);
	oimg = (uint8_t *)tu_read_file(other, &olen);
	offsets(img, len, off, 7);
	offsets(oimg, olen, ooff, 7);
	rearrange(f->path, img, off, all, oimg + ooff[1], ooff[2] - ooff[1], 1);
	assert_true(damage_says(f->path, "from another journal", &nrec));
	assert_int_equal(nrec, 4);
	free(img);
	free(oimg);
}

/*
 * A crafted header (valid CRC, this journal's id) before record 2 claims a
 * length: past the end of the file, or spanning records 2..4. Either way
 * every authentic record is read, and the writer cuts none of them.
 */
static void test_crafted_length_hides_nothing(void **state)
{
	static const int all[] = {0, 1, 2, 3, 4, 5, -1};
	struct fx *f = *state;
	size_t len, off[8], nrec, nd;
	uint8_t *img, fake[J_RHDR], pfx[JR_NONCE_PFX] = {0};
	struct journal *j;

	write_records(f->path, 0, 6, 1, 1, 6);
	img = (uint8_t *)tu_read_file(f->path, &len);
	assert_int_equal(offsets(img, len, off, 7), 6);
	for (int k = 0; k < 2; k++) {
		uint32_t L = k ? (uint32_t)(off[5] - off[2]) : 16u << 20;

		jl_rhdr_pack(fake, L, 2, img + JH_ID, pfx);
		rearrange(f->path, img, off, all, fake, sizeof(fake), 1);
		assert_true(
		    damage_says(f->path, k ? "does not authenticate" : "runs past end", &nrec));
		assert_int_equal(nrec, 6);
		j = writer(f->path); /* nothing authentic after the fake is cut */
		journal__close(j);
		assert_int_equal(read_path(f->path, &nd), 6);
		assert_int_equal(nd, 1);
	}
	free(img);
}

static void test_torn_tail_cut_at_next_open(void **state)
{
	struct fx *f = *state;
	const struct journal_damage *d;
	size_t len, off[8], nd;
	struct journal *j;
	uint8_t *img;

	write_records(f->path, 0, 4, 1, 1, 4);
	img = (uint8_t *)tu_read_file(f->path, &len);
	offsets(img, len, off, 7);
	assert_int_equal(truncate(f->path, (off_t)(off[3] + 100)), 0); /* crash inside record 3 */
	j = writer(f->path);
	d = journal__damage(j, &nd);
	assert_true(nd >= 1);
	assert_non_null(strstr(d[nd - 1].reason, "truncated 100 bytes"));
	assert_int_equal(d[nd - 1].offset, off[3]);
	journal__close(j);
	write_records(f->path, 3, 3, 1, 1, 1); /* the resend lands as seq 3.. */
	assert_int_equal(read_path(f->path, &nd), 6);
	assert_int_equal(nd, 0);
	free(img);
}

static void test_failed_commit_leaves_no_torn_record(void **state)
{
	struct fx *f = *state;
	struct rlimit old, lim;
	struct journal *j;
	char buf[2048];
	size_t nd, len;

	write_records(f->path, 0, 2, 1, 1, 1);
	j = writer(f->path);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = J_DATA_START + 2 * 400; /* room for less than the queued batch */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned i = 2; i < 12; i++) {
		len = payload(i, buf, sizeof(buf));
		assert_int_equal(journal__append(j, 0, 0, buf, len), 0);
	}
	assert_int_equal(journal__commit(j), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	/* The caller resends: same seqs, nothing torn in between. */
	for (unsigned i = 2; i < 4; i++) {
		struct journal_meta m = {.count = 10};

		len = payload(i, buf, sizeof(buf));
		assert_int_equal(journal__append_batch(j, &m, buf, len), 0);
	}
	assert_int_equal(journal__commit(j), 0);
	journal__close(j);
	assert_int_equal(read_path(f->path, &nd), 4);
	assert_int_equal(nd, 0);
}

static void test_second_writer_refused(void **state)
{
	struct fx *f = *state;
	struct journal *a = writer(f->path);
	char err[256];

	assert_null(journal__open_append(f->path, &site, &fast, err, sizeof(err)));
	assert_int_equal(errno, EBUSY);
	journal__close(a);
}

static void test_damaged_header_copy_repaired(void **state)
{
	struct fx *f = *state;
	size_t nd;
	FILE *fp;

	write_records(f->path, 0, 3, 1, 1, 3);
	fp = fopen(f->path, "r+b");
	fseek(fp, 40, SEEK_SET); /* inside the salt of the first copy */
	fputc('X', fp);
	fclose(fp);
	assert_int_equal(read_path(f->path, &nd), 3);
	assert_int_equal(nd, 1);
	journal__close(writer(f->path)); /* the writer restores the copy */
	assert_int_equal(read_path(f->path, &nd), 3);
	assert_int_equal(nd, 0);
}

static void test_runs_report_sample_gaps(void **state)
{
	struct fx *f = *state;
	struct journal *j = writer(f->path);
	const struct journal_run *runs;
	struct journal_summary s;
	char err[256];
	size_t nr;
	struct journal_meta m[] = {
	    {.host = 1, .run = 0, .first_seq = 0, .count = 10},
	    {.host = 1, .run = 0, .first_seq = 10, .count = 10},
	    {.host = 1, .run = 0, .first_seq = 25, .count = 5}, /* 5 samples lost */
	    {.host = 2, .run = 0, .first_seq = 0, .count = 3},
	};

	for (size_t i = 0; i < 4; i++)
		assert_int_equal(journal__append_batch(j, &m[i], "x", 1), 0);
	journal__close(j);
	j = journal__open(f->path, &site, err, sizeof(err));
	assert_int_equal(journal__verify(j, &s), 0);
	assert_int_equal(s.hosts, 2);
	assert_int_equal(s.runs, 2);
	assert_int_equal(s.samples, 28);
	assert_int_equal(s.seq_gaps, 5);
	runs = journal__runs(j, &nr);
	assert_int_equal(nr, 2);
	assert_int_equal(runs[0].next_seq, 30);
	assert_int_equal(runs[0].seq_gaps, 5);
	assert_int_equal(runs[1].next_seq, 3);
	journal__close(j);
}

static void test_default_kdf_parameters_work(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct journal *j = journal__open_append(f->path, &site, NULL, err, sizeof(err));
	size_t nd;

	assert_non_null(j);
	assert_int_equal(journal__append(j, 0, 0, "hello", 5), 0);
	assert_int_equal(journal__close(j), 0);
	j = journal__open(f->path, &site, err, sizeof(err));
	assert_non_null(j);
	journal__damage(j, &nd);
	assert_int_equal(nd, 0);
	journal__close(j);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_round_trip_host_run_mixes),
	    T(test_reopen_appends_in_sequence),
	    T(test_payload_edge_sizes),
	    T(test_reads_deflate_records_of_earlier_versions),
	    T(test_each_wrong_identity_part_named),
	    T(test_not_a_journal_refused),
	    T(test_truncation_at_every_offset),
	    T(test_random_bit_flips),
	    T(test_reorder_drop_duplicate_detected),
	    T(test_splice_from_other_journal_detected),
	    T(test_crafted_length_hides_nothing),
	    T(test_torn_tail_cut_at_next_open),
	    T(test_failed_commit_leaves_no_torn_record),
	    T(test_second_writer_refused),
	    T(test_damaged_header_copy_repaired),
	    T(test_runs_report_sample_gaps),
	    T(test_default_kdf_parameters_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
