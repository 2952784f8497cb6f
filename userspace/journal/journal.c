// SPDX-License-Identifier: MIT
/*
 * journal.c: the native encrypted journal's reader (include/pc/journal.h,
 * format in docs/JOURNAL.md): header parsing and the identity checks that
 * name the wrong part, the record loop with its damage list, resync and
 * sequence checks (gaps, reordering, duplicates, splices), and the per-run
 * summary. Also the helpers the writer (journal_write.c) and the legacy
 * reader build on: damage list, read-only mapping, key derivation. Where a
 * field sits in the file is journal_layout.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "journal_int.h"

void jdamage_add(struct jdamage *d, uint64_t off, uint64_t len, const char *fmt, ...)
{
	struct journal_damage *e;
	va_list ap;

	d->total++;
	if (d->n >= JDAMAGE_MAX)
		return; /* counted; the list keeps the first ones */
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 4;

		e = realloc(d->v, cap * sizeof(*e));
		if (!e)
			return;
		d->v = e;
		d->cap = cap;
	}
	e = &d->v[d->n++];
	e->offset = off;
	e->len = len;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
}

void jdamage_free(struct jdamage *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int jmap(const char *path, int fd, const uint8_t **base, size_t *size, char *err, size_t errlen)
{
	int own = fd < 0, ret = 0;
	struct stat st;
	void *m;

	*base = NULL;
	*size = 0;
	if (own && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto cleanup;
	}
	if (st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			ret = -errno;
			snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
			goto cleanup;
		}
		*base = m;
		*size = (size_t)st.st_size;
	}
cleanup:
	if (own)
		close(fd);
	return ret;
}

void junmap(const uint8_t *base, size_t size)
{
	if (base)
		munmap((void *)(uintptr_t)base, size);
}

/* Two-byte check of one identity part, keyed by the salt (not secret). */
static uint16_t id_check(const uint8_t salt[16], int kind, const void *p, size_t n)
{
	uint8_t out[16];

	license__keyed_check(salt, 16, kind, p, n, out);
	return (uint16_t)(out[0] | out[1] << 8);
}

void j_site_checks(const struct pc_site *site, const uint8_t salt[16], uint16_t c[3])
{
	uint8_t id[8];

	put_le(id, site->siteid, 8);
	c[0] = id_check(salt, 'I', id, 8);
	c[1] = id_check(salt, 'N', site->sitename, strlen(site->sitename));
	c[2] = id_check(salt, 'M', site->mac, 6);
}

void j_header_sums(const uint8_t *h, const struct keys *k, uint8_t keycheck[16], uint8_t sum[16])
{
	if (keycheck)
		crypto_generichash(keycheck, JH_CHECK_LEN, h, JH_KEYCHECK, k->chk, 32);
	if (sum)
		crypto_generichash(sum, JH_CHECK_LEN, h, JH_SUM, NULL, 0);
}

int j_derive(struct journal *j, const struct pc_site *site, const uint8_t salt[16],
	     const struct journal_kdf *kdf)
{
	uint8_t *master;
	int ret;

	master = sodium_malloc(32);
	if (!master)
		return -ENOMEM;
	ret = kdf__journal_key(site, salt, kdf, master);
	if (!ret) {
		crypto_kdf_derive_from_key(j->k->rec, 32, 1, "pcjrnl01", master);
		crypto_kdf_derive_from_key(j->k->chk, 32, 2, "pcjrnl01", master);
	}
	sodium_free(master);
	return ret;
}

struct journal *j_new(void)
{
	struct journal *j;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->k = sodium_malloc(sizeof(*j->k));
	if (!j->k) {
		free(j);
		errno = ENOMEM;
		return NULL;
	}
	return j;
}

int journal__is_native(const void *p, size_t len)
{
	return len >= sizeof(JMAGIC) && !memcmp(p, JMAGIC, sizeof(JMAGIC));
}

static int header_ok(const uint8_t *h)
{
	uint8_t sum[16];

	if (memcmp(h, JMAGIC, sizeof(JMAGIC)))
		return 0;
	j_header_sums(h, NULL, NULL, sum);
	return !sodium_memcmp(sum, h + JH_SUM, JH_CHECK_LEN);
}

/* A file that could be a journal at all: not empty, a magic, both header copies there. */
static int check_size_magic(const struct journal *j, char *err, size_t errlen)
{
	if (!j->size) {
		snprintf(err, errlen, "empty file, not a journal");
		return -EINVAL;
	}
	if (!journal__is_native(j->base, j->size) &&
	    !(j->size >= J_HDR && journal__is_native(j->base + J_HDR, j->size - J_HDR)) &&
	    (j->size >= sizeof(JMAGIC) || memcmp(j->base, JMAGIC, j->size))) {
		snprintf(err, errlen, "not a perfcollector journal (no magic at offset 0)");
		return -EINVAL;
	}
	if (j->size < J_DATA_START) {
		snprintf(err, errlen, "header truncated: %zu of %d bytes", j->size, J_DATA_START);
		return -EBADMSG;
	}
	return 0;
}

/* The intact header copy into *used (0 or 1); a damaged other copy goes to the damage list. */
static int pick_copy(struct journal *j, int *used, char *err, size_t errlen)
{
	int ok0 = header_ok(j->base), ok1 = header_ok(j->base + J_HDR);

	if (!ok0 && !ok1) {
		snprintf(err, errlen,
			 "header damaged: both copies (offsets 0 and %d) fail their "
			 "checksum",
			 J_HDR);
		return -EBADMSG;
	}
	if (ok0 && ok1 && memcmp(j->base, j->base + J_HDR, J_HDR)) {
		snprintf(err, errlen, "header copies at offsets 0 and %d differ", J_HDR);
		return -EBADMSG;
	}
	*used = ok0 ? 0 : 1;
	if (!ok0 || !ok1)
		jdamage_add(&j->dmg, ok0 ? J_HDR : 0, J_HDR,
			    "header copy at offset %d damaged; using the other", ok0 ? J_HDR : 0);
	return 0;
}

/* Siteid, sitename and MAC against the header's keyed checks, naming the part that differs. */
static int check_identity(const struct jl_header *h, const struct pc_site *site, char *err,
			  size_t errlen)
{
	uint16_t want[3];
	char mac[18];

	if (!site->sitename || !site->license) {
		snprintf(err, errlen, "no sitename or license given");
		return -EINVAL;
	}
	j_site_checks(site, h->salt, want);
	license__format_mac(site->mac, mac);
	if (want[0] != h->check[0]) {
		snprintf(err, errlen, "siteid %llu is not this journal's siteid",
			 (unsigned long long)site->siteid);
		return -EKEYREJECTED;
	}
	if (want[1] != h->check[1]) {
		snprintf(err, errlen,
			 "sitename '%s' is not this journal's (compared exactly: case and spaces)",
			 site->sitename);
		return -EKEYREJECTED;
	}
	if (want[2] != h->check[2]) {
		snprintf(err, errlen, "MAC %s is not this journal's", mac);
		return -EKEYREJECTED;
	}
	return 0;
}

/* Derive the keys with the header's KDF parameters and prove them on the key check. */
static int open_keys(struct journal *j, const struct jl_header *h, const uint8_t *raw,
		     const struct pc_site *site, char *err, size_t errlen)
{
	struct journal_kdf kdf = {h->opslimit, h->memlimit};
	uint8_t kc[JH_CHECK_LEN];
	int ret;

	if (h->kdf != J_KDF_ARGON2ID) {
		snprintf(err, errlen, "unknown key derivation %u in header", (unsigned)h->kdf);
		return -EPROTONOSUPPORT;
	}
	ret = j_derive(j, site, h->salt, &kdf);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "KDF parameters out of range: opslimit %u, memlimit %llu",
			 kdf.opslimit, (unsigned long long)kdf.memlimit);
		return -EBADMSG;
	}
	if (ret) {
		snprintf(err, errlen, "key derivation failed (memlimit %llu bytes): %s",
			 (unsigned long long)kdf.memlimit, strerror(-ret));
		return ret;
	}
	j_header_sums(raw, j->k, kc, NULL);
	if (sodium_memcmp(kc, h->keycheck, JH_CHECK_LEN)) {
		char shown[PC_LICENSE_SHOWN];

		snprintf(err, errlen,
			 "license '%s' does not open this journal (siteid, sitename and MAC "
			 "match)",
			 license__shown(site->license, shown));
		return -EKEYREJECTED;
	}
	return 0;
}

/*
 * Validate the header copies of base[0..size) and open the keys with site.
 * *used is the copy in use (0 or 1); a bad other copy goes to the damage list.
 */
int j_open_header(struct journal *j, const struct pc_site *site, int *used, char *err,
		  size_t errlen)
{
	struct jl_header h;
	const uint8_t *raw;
	int ret;

	if ((ret = check_size_magic(j, err, errlen)) || (ret = pick_copy(j, used, err, errlen)))
		return ret;
	raw = j->base + *used * J_HDR;
	jl_header_unpack(raw, &h);
	if (h.version != J_VERSION || h.hdrlen != J_HDR) {
		snprintf(err, errlen,
			 "journal version %u (header %u bytes) not supported: this "
			 "build reads version %d",
			 (unsigned)h.version, (unsigned)h.hdrlen, J_VERSION);
		return -EPROTONOSUPPORT;
	}
	memcpy(j->id, h.id, JH_ID_LEN);
	if ((ret = check_identity(&h, site, err, errlen)) ||
	    (ret = open_keys(j, &h, raw, site, err, errlen)))
		return ret;
	j->off = J_DATA_START;
	j->last_good_end = J_DATA_START;
	return 0;
}

/* --- reader */

/* Offset of the next plausible record header at or after from, or size. */
static uint64_t resync(const struct journal *j, uint64_t from)
{
	while (from + J_RHDR <= j->size) {
		const uint8_t *m = memmem(j->base + from, j->size - from, JMARKER, 4);

		if (!m)
			break;
		from = (uint64_t)(m - j->base);
		if (from + J_RHDR <= j->size && jl_rhdr_ok(m))
			return from;
		from++;
	}
	return j->size;
}

/*
 * The record of length L at off did not authenticate, so its length is not
 * to be trusted either: go on at the next record header after off, so that a
 * crafted length cannot hide the records it spans. Every such trial costs
 * its L bytes of Poly1305; past J_TRIAL_BUDGET of them the length is trusted
 * (linear on a file of crafted headers), and what it skips unsearched is
 * remembered in blind_end so that the writer never cuts it.
 */
static void skip_unauthentic(struct journal *j, uint64_t off, uint64_t L)
{
	j->tried += L;
	if (j->tried <= J_TRIAL_BUDGET(j->size)) {
		j->off = resync(j, off + 1);
		return;
	}
	j->off = off + J_RHDR + L;
	j->blind_end = j->off;
}

static struct journal_run *run_of(struct journal *j, uint32_t host, uint32_t run)
{
	struct journal_run *r;

	if (j->runhint < j->nruns && j->runs[j->runhint].host == host &&
	    j->runs[j->runhint].run == run)
		return &j->runs[j->runhint];
	for (size_t i = 0; i < j->nruns; i++) {
		if (j->runs[i].host == host && j->runs[i].run == run) {
			j->runhint = i;
			return &j->runs[i];
		}
	}
	if (j->nruns == j->runcap) {
		size_t cap = j->runcap ? 2 * j->runcap : 16;

		r = realloc(j->runs, cap * sizeof(*r));
		if (!r)
			return NULL;
		j->runs = r;
		j->runcap = cap;
	}
	r = &j->runs[j->nruns];
	memset(r, 0, sizeof(*r));
	r->host = host;
	r->run = run;
	j->runhint = j->nruns++;
	return r;
}

static void account(struct journal *j, const struct journal_rec *rec)
{
	const struct journal_meta *m = &rec->meta;
	struct journal_run *r = run_of(j, m->host, m->run);

	j->sum.records++;
	j->sum.samples += m->count;
	j->sum.bytes += rec->len;
	if (m->t_first && (!j->sum.t_first || m->t_first < j->sum.t_first))
		j->sum.t_first = m->t_first;
	if (m->t_last > j->sum.t_last)
		j->sum.t_last = m->t_last;
	if (!r)
		return;
	if (!r->records) {
		r->first_seq = m->first_seq;
		r->next_seq = m->first_seq + m->count;
	} else {
		if (m->first_seq > r->next_seq) {
			r->seq_gaps += m->first_seq - r->next_seq;
			j->sum.seq_gaps += m->first_seq - r->next_seq;
		}
		if (m->first_seq < r->first_seq)
			r->first_seq = m->first_seq;
		if (m->first_seq + m->count > r->next_seq)
			r->next_seq = m->first_seq + m->count;
	}
	r->records++;
	r->samples += m->count;
	if (m->t_first && (!r->t_first || m->t_first < r->t_first))
		r->t_first = m->t_first;
	if (m->t_last > r->t_last)
		r->t_last = m->t_last;
}

/* Record seq was authenticated at off: is it in order? 1 = deliver it, 0 = skip it. */
static int sequence(struct journal *j, uint64_t seq, uint64_t off)
{
	if (seq == j->expect) {
		j->expect++;
		return 1;
	}
	if (seq > j->expect) {
		jdamage_add(&j->dmg, off, 0, "records %llu..%llu missing before seq %llu (dropped)",
			    (unsigned long long)j->expect, (unsigned long long)seq - 1,
			    (unsigned long long)seq);
		if (j->ngaps < J_GAPS_MAX) {
			struct gap *g = realloc(j->gaps, (j->ngaps + 1) * sizeof(*g));

			if (g) {
				j->gaps = g;
				j->gaps[j->ngaps++] = (struct gap){j->expect, seq - 1};
			}
		}
		j->expect = seq + 1;
		return 1;
	}
	for (size_t i = 0; i < j->ngaps; i++) {
		struct gap *g = &j->gaps[i];

		if (seq < g->lo || seq > g->hi)
			continue;
		jdamage_add(&j->dmg, off, 0, "record seq %llu out of order (after seq %llu)",
			    (unsigned long long)seq, (unsigned long long)j->expect - 1);
		if (g->lo == g->hi) {
			*g = j->gaps[--j->ngaps];
		} else if (seq == g->lo) {
			g->lo++;
		} else if (seq == g->hi) {
			g->hi--;
		} else {
			struct gap *n = realloc(j->gaps, (j->ngaps + 1) * sizeof(*n));

			if (n) {
				j->gaps = n;
				g = &j->gaps[i];
				j->gaps[j->ngaps++] = (struct gap){seq + 1, g->hi};
				g->hi = seq - 1;
			}
		}
		return 1;
	}
	jdamage_add(&j->dmg, off, 0, "record seq %llu duplicated (already read); skipped",
		    (unsigned long long)seq);
	return 0;
}

/* Payload z[0..zlen) into j->out, exactly plen bytes: 1, 0 when it is not that, -ENOMEM. */
static int unzstd(struct journal *j, const uint8_t *z, size_t zlen, size_t plen)
{
	size_t r;

	if (!j->zd && !(j->zd = ZSTD_createDCtx()))
		return -ENOMEM;
	r = ZSTD_decompressDCtx(j->zd, j->out.p, plen, z, zlen);
	return !ZSTD_isError(r) && r == plen;
}

/* The same for the raw deflate records earlier versions wrote. */
static int inflate_to(struct journal *j, const uint8_t *z, size_t zlen, size_t plen)
{
	if (!j->inf_ok) {
		if (inflateInit2(&j->inf, -15) != Z_OK)
			return -ENOMEM;
		j->inf_ok = 1;
	}
	inflateReset(&j->inf);
	j->inf.next_in = (uint8_t *)(uintptr_t)z;
	j->inf.avail_in = (uInt)zlen;
	j->inf.next_out = j->out.p;
	j->inf.avail_out = (uInt)plen;
	return inflate(&j->inf, Z_FINISH) == Z_STREAM_END && j->inf.total_out == plen &&
	       !j->inf.avail_in;
}

/* Decode the authenticated plaintext p[0..n) of the record at off into rec. */
static int inner(struct journal *j, const uint8_t *p, size_t n, uint64_t off,
		 struct journal_rec *rec)
{
	struct jl_inner in;
	uint64_t plen;
	size_t dlen = n - J_INNER;
	int ret;

	jl_inner_unpack(p, &in);
	if (in.version != 1 || in.comp > J_COMP_ZSTD) {
		jdamage_add(&j->dmg, off, 0,
			    "record at %llu: unknown payload version %u / compression %u",
			    (unsigned long long)off, in.version, in.comp);
		return 0;
	}
	rec->meta = in.meta;
	plen = in.plen;
	if (plen > JOURNAL_MAX_PAYLOAD || (in.comp == J_COMP_STORED && plen != dlen)) {
		jdamage_add(&j->dmg, off, 0,
			    "record at %llu: payload length %llu does not fit %zu bytes",
			    (unsigned long long)off, (unsigned long long)plen, dlen);
		return 0;
	}
	if (in.comp == J_COMP_STORED) {
		rec->payload = p + J_INNER;
		rec->len = dlen;
		return 1;
	}
	if (pc_buf_reserve(&j->out, plen ? plen : 1))
		return -ENOMEM;
	ret = in.comp == J_COMP_DEFLATE ? inflate_to(j, p + J_INNER, dlen, plen)
					: unzstd(j, p + J_INNER, dlen, plen);
	if (ret < 0)
		return ret;
	if (!ret) {
		jdamage_add(&j->dmg, off, 0,
			    "record at %llu: payload does not decompress to %llu bytes",
			    (unsigned long long)off, (unsigned long long)plen);
		return 0;
	}
	rec->payload = j->out.p;
	rec->len = plen;
	return 1;
}

int journal__next(struct journal *j, struct journal_rec *rec)
{
	while (j->base && j->off < j->size) {
		uint64_t off = j->off, left = j->size - off, seq, L, next;
		const uint8_t *p = j->base + off;
		struct jl_rhdr rh;
		uint8_t ad[J_AD];
		unsigned long long n;
		int ret;

		if (left < J_RHDR) {
			jdamage_add(&j->dmg, off, left, "torn record: %llu bytes at end of file",
				    (unsigned long long)left);
			j->off = j->size;
			break;
		}
		if (!jl_rhdr_ok(p)) {
			next = resync(j, off + 1);
			jdamage_add(&j->dmg, off, next - off,
				    "no intact record header at %llu: %llu bytes skipped",
				    (unsigned long long)off, (unsigned long long)(next - off));
			j->off = next;
			continue;
		}
		jl_rhdr_unpack(p, &rh);
		L = rh.len;
		seq = rh.seq;
		if (L < J_INNER + J_TAG || L > J_MAX_SEALED) {
			next = resync(j, off + 1);
			jdamage_add(&j->dmg, off, next - off,
				    "record at %llu: impossible length %llu",
				    (unsigned long long)off, (unsigned long long)L);
			j->off = next;
			continue;
		}
		if (L > left - J_RHDR && (next = resync(j, off + 1)) < j->size) {
			jdamage_add(&j->dmg, off, next - off,
				    "record seq %llu at %llu: length %llu runs past end of file, "
				    "a record header follows at %llu: %llu bytes skipped",
				    (unsigned long long)seq, (unsigned long long)off,
				    (unsigned long long)L, (unsigned long long)next,
				    (unsigned long long)(next - off));
			j->off = next;
			continue;
		}
		if (L > left - J_RHDR) {
			jdamage_add(
			    &j->dmg, off, left,
			    "torn record seq %llu: length %llu runs %llu bytes past end of file",
			    (unsigned long long)seq, (unsigned long long)L,
			    (unsigned long long)(L - (left - J_RHDR)));
			j->off = j->size;
			break;
		}
		j->off = off + J_RHDR + L;
		if (memcmp(rh.idpfx, j->id, 4)) {
			skip_unauthentic(j, off, L);
			jdamage_add(
			    &j->dmg, off, j->off - off,
			    "record seq %llu at %llu is from another journal (id %02x%02x%02x%02x)",
			    (unsigned long long)seq, (unsigned long long)off, rh.idpfx[0],
			    rh.idpfx[1], rh.idpfx[2], rh.idpfx[3]);
			continue;
		}
		if (pc_buf_reserve(&j->plain, L))
			return -ENOMEM;
		jl_ad(ad, j->id, p);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
			j->plain.p, &n, NULL, p + J_RHDR, L, ad, sizeof(ad), rh.nonce, j->k->rec)) {
			skip_unauthentic(j, off, L);
			jdamage_add(&j->dmg, off, j->off - off,
				    "record seq %llu at %llu does not authenticate",
				    (unsigned long long)seq, (unsigned long long)off);
			continue;
		}
		j->last_good_end = j->off;
		if (!sequence(j, seq, off))
			continue;
		ret = inner(j, j->plain.p, (size_t)n, off, rec);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		rec->seq = seq;
		rec->offset = off;
		account(j, rec);
		return 1;
	}
	return 0;
}

int j_map_file(struct journal *j, int fd, const char *path, char *err, size_t errlen)
{
	int ret = jmap(path, fd, &j->base, &j->size, err, errlen);

	j->mapped = !ret && j->base;
	return ret;
}

void j_unmap(struct journal *j)
{
	if (j->mapped)
		junmap(j->base, j->size);
	j->mapped = 0;
	j->base = NULL;
}

struct journal *journal__open_buf(const void *p, size_t len, const struct pc_site *site, char *err,
				  size_t errlen)
{
	struct journal *j = j_new();
	int used, ret;

	if (!j)
		return NULL;
	j->base = p;
	j->size = len;
	ret = j_open_header(j, site, &used, err, errlen);
	if (ret) {
		journal__close(j);
		errno = -ret;
		return NULL;
	}
	return j;
}

struct journal *journal__open(const char *path, const struct pc_site *site, char *err,
			      size_t errlen)
{
	struct journal *j = j_new();
	char msg[200];
	int used, ret;

	if (!j)
		return NULL;
	ret = j_map_file(j, -1, path, err, errlen);
	if (ret)
		goto cleanup;
	ret = j_open_header(j, site, &used, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto cleanup;
	}
	return j;
cleanup:
	journal__close(j);
	errno = -ret;
	return NULL;
}

int journal__verify(struct journal *j, struct journal_summary *s)
{
	struct journal_rec rec;
	int ret;

	while ((ret = journal__next(j, &rec)) > 0)
		;
	j->sum.runs = (uint32_t)j->nruns;
	j->sum.hosts = 0;
	for (size_t i = 0; i < j->nruns; i++) {
		size_t k;

		for (k = 0; k < i && j->runs[k].host != j->runs[i].host; k++)
			;
		j->sum.hosts += k == i;
	}
	j->sum.damage = j->dmg.total;
	if (s)
		*s = j->sum;
	return ret;
}

const struct journal_run *journal__runs(const struct journal *j, size_t *n)
{
	*n = j->nruns;
	return j->runs;
}

const struct journal_damage *journal__damage(const struct journal *j, size_t *n)
{
	*n = j->dmg.n;
	return j->dmg.v;
}

int journal__close(struct journal *j)
{
	int ret = 0;

	if (!j)
		return 0;
	if (j->w_close)
		ret = j->w_close(j);
	j_unmap(j);
	if (j->inf_ok)
		inflateEnd(&j->inf);
	ZSTD_freeDCtx(j->zd);
	sodium_free(j->k);
	pc_buf_free(&j->plain);
	pc_buf_free(&j->out);
	free(j->gaps);
	jdamage_free(&j->dmg);
	free(j->runs);
	free(j);
	return ret;
}
