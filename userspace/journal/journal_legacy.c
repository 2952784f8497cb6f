// SPDX-License-Identifier: MIT
/*
 * journal_legacy.c: reading journals written by the original Go tools
 * (format in docs/JOURNAL.md): [u32 LE length L][24-byte nonce][XChaCha20-
 * Poly1305 ciphertext of L-24 bytes], no header, no associated data; key =
 * HMAC-SHA256(license text, decimal siteid + sitename); plaintext = gzip of
 * one JSON line. Yields each line; the export side parses it. There is no
 * sync marker, so after a damaged record the reader scans forward byte by
 * byte for the next position that authenticates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "journal_int.h"

#define NONCE		  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAGB		  crypto_aead_xchacha20poly1305_ietf_ABYTES
#define LEGACY_MAX_RECORD (16u << 20)
#define LEGACY_MAX_LINE	  (64u << 20)

struct journal_legacy {
	const uint8_t *base;
	size_t size;
	uint64_t off;
	uint8_t *key;		  /* sodium_malloc'd */
	struct pc_buf plain, out; /* plain.len stays 0; out.len is the line's length */
	z_stream inf;
	int inf_ok;
	struct jdamage dmg;
	uint64_t budget; /* bytes of trial decryption left for resync */
	int gave_up;
};

static uint32_t get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Length of the record at off when it is plausible and fits the file, else 0. */
static uint32_t plausible(const struct journal_legacy *l, uint64_t off)
{
	uint32_t len;

	if (l->size - off < 4 + NONCE + TAGB)
		return 0;
	len = get_u32le(l->base + off);
	if (len < NONCE + TAGB || len > LEGACY_MAX_RECORD || len > l->size - off - 4)
		return 0;
	return len;
}

/* Decrypt the record at off into l->plain; its plaintext length, or -1. */
static long long open_record(struct journal_legacy *l, uint64_t off, uint32_t len)
{
	const uint8_t *p = l->base + off + 4;
	unsigned long long n;

	if (pc_buf_reserve(&l->plain, len))
		return -2;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(l->plain.p, &n, NULL, p + NONCE, len - NONCE,
						       NULL, 0, p, l->key))
		return -1;
	return (long long)n;
}

/*
 * The next offset at or after from where a record authenticates, or size.
 * Every byte may look like a length, so trial decryption is bounded by a
 * budget (a few times the file size) lest a hostile file cost O(n^2).
 */
static uint64_t resync(struct journal_legacy *l, uint64_t from)
{
	for (; from < l->size; from++) {
		uint32_t len = plausible(l, from);

		if (!len)
			continue;
		if (len > l->budget) {
			l->gave_up = 1;
			break;
		}
		l->budget -= len;
		if (open_record(l, from, len) >= 0)
			return from;
	}
	return l->size;
}

/* gunzip l->plain[0..n) into l->out; 0, or -1 when it is not one gzip member. */
static int gunzip(struct journal_legacy *l, size_t n)
{
	int zr;

	inflateReset(&l->inf);
	l->inf.next_in = l->plain.p;
	l->inf.avail_in = (uInt)n;
	l->out.len = 0;
	do {
		if (l->out.len == l->out.cap &&
		    (l->out.cap >= LEGACY_MAX_LINE || pc_buf_reserve(&l->out, 4096)))
			return -1;
		l->inf.next_out = l->out.p + l->out.len;
		l->inf.avail_out = (uInt)(l->out.cap - l->out.len);
		zr = inflate(&l->inf, Z_NO_FLUSH);
		l->out.len = l->out.cap - l->inf.avail_out;
	} while (zr == Z_OK);
	return zr == Z_STREAM_END && !l->inf.avail_in ? 0 : -1;
}

int journal_legacy__next(struct journal_legacy *l, const char **line, size_t *len)
{
	while (l->off < l->size) {
		uint64_t off = l->off;
		uint32_t rlen = plausible(l, off);
		long long n = rlen ? open_record(l, off, rlen) : -1;

		if (n == -2)
			return -ENOMEM;
		if (n < 0) {
			uint64_t next = resync(l, off + 1);

			if (l->gave_up)
				jdamage_add(
				    &l->dmg, off, next - off,
				    "record at %llu does not authenticate; too much damage to "
				    "search the remaining %llu bytes",
				    (unsigned long long)off, (unsigned long long)(next - off));
			else if (next == l->size && (l->size - off < 4 ||
						     get_u32le(l->base + off) > l->size - off - 4))
				jdamage_add(&l->dmg, off, next - off,
					    "torn record at %llu: %llu bytes at end of file",
					    (unsigned long long)off,
					    (unsigned long long)(next - off));
			else
				jdamage_add(
				    &l->dmg, off, next - off,
				    "record at %llu does not authenticate: %llu bytes skipped",
				    (unsigned long long)off, (unsigned long long)(next - off));
			l->off = next;
			continue;
		}
		l->off = off + 4 + rlen;
		if (gunzip(l, (size_t)n)) {
			jdamage_add(&l->dmg, off, 4 + rlen, "record at %llu: not a gzip'd line",
				    (unsigned long long)off);
			continue;
		}
		while (l->out.len &&
		       (l->out.p[l->out.len - 1] == '\n' || l->out.p[l->out.len - 1] == '\r'))
			l->out.len--;
		*line = (const char *)l->out.p;
		*len = l->out.len;
		return 1;
	}
	return 0;
}

struct journal_legacy *journal_legacy__open(const char *path, const struct pc_site *site, char *err,
					    size_t errlen)
{
	crypto_auth_hmacsha256_state st;
	struct journal_legacy *l;
	char id[24];
	uint64_t first;
	int ret;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->key = sodium_malloc(32);
	if (!l->key || inflateInit2(&l->inf, 16 + MAX_WBITS) != Z_OK) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	l->inf_ok = 1;
	if (!site->sitename || !site->license) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: no sitename or license given", path);
		goto cleanup;
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)site->siteid);
	crypto_auth_hmacsha256_init(&st, (const uint8_t *)site->license, strlen(site->license));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)site->sitename, strlen(site->sitename));
	crypto_auth_hmacsha256_final(&st, l->key);
	sodium_memzero(&st, sizeof(st));
	ret = jmap(path, -1, &l->base, &l->size, err, errlen);
	if (ret)
		goto cleanup;
	if (!l->size) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: empty file", path);
		goto cleanup;
	}
	/* A wrong identity opens nothing; damage leaves other records readable. */
	l->budget = IO_RESYNC_BUDGET(l->size);
	first = resync(l, 0);
	if (first == l->size) {
		ret = -EKEYREJECTED;
		char shown[PC_LICENSE_SHOWN];

		snprintf(err, errlen,
			 "%s: no record decrypts with siteid %s, sitename '%s', license '%s' "
			 "(wrong identity, or not a journal of the original tools)",
			 path, id, site->sitename, license__shown(site->license, shown));
		goto cleanup;
	}
	if (first)
		jdamage_add(&l->dmg, 0, first, "no record authenticates before offset %llu",
			    (unsigned long long)first);
	l->off = first;
	return l;
cleanup:
	journal_legacy__close(l);
	errno = -ret;
	return NULL;
}

const struct journal_damage *journal_legacy__damage(const struct journal_legacy *l, size_t *n)
{
	*n = l->dmg.n;
	return l->dmg.v;
}

void journal_legacy__close(struct journal_legacy *l)
{
	if (!l)
		return;
	junmap(l->base, l->size);
	if (l->inf_ok)
		inflateEnd(&l->inf);
	sodium_free(l->key);
	pc_buf_free(&l->plain);
	pc_buf_free(&l->out);
	jdamage_free(&l->dmg);
	free(l);
}
