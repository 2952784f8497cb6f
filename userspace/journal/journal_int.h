/* SPDX-License-Identifier: MIT */
/*
 * journal_int.h: what the journal files share and nobody else needs: the
 * damage list and read-only mapping (native and legacy readers), and the
 * native format's constants, state and header helpers (reader and writer).
 */
#ifndef PC_JOURNAL_INT_H
#define PC_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>
#include <zlib.h>
#include <zstd.h>

#include "pc/codec.h"
#include "pc/journal.h"

#define JDAMAGE_MAX 10000 /* entries kept; more are only counted */

struct jdamage {
	struct journal_damage *v;
	size_t n, cap;
	uint64_t total;
};

void jdamage_add(struct jdamage *d, uint64_t off, uint64_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void jdamage_free(struct jdamage *d);

/*
 * Map path read-only (fd < 0) or the open fd. An empty file gives *base NULL,
 * *size 0. 0 or negative errno with err naming the file.
 */
int jmap(const char *path, int fd, const uint8_t **base, size_t *size, char *err, size_t errlen);
void junmap(const uint8_t *base, size_t size);

/* --- native format (docs/JOURNAL.md) */
extern const uint8_t JMAGIC[8], JMARKER[4];
#define J_VERSION      1
#define J_HDR	       128 /* one header copy */
#define J_DATA_START   256 /* two header copies, then records */
#define J_KDF_ARGON2ID 2
#define J_RHDR	       48 /* record header: marker len seq idpfx nonce crc */
#define J_INNER	       44 /* plaintext header before the payload */
#define J_TAG	       crypto_aead_xchacha20poly1305_ietf_ABYTES
#define J_MAX_SEALED   (J_INNER + JOURNAL_MAX_PAYLOAD + J_TAG)
#define J_GAPS_MAX     4096
#define J_MIN_COMPRESS 128 /* payloads shorter than this are stored */

/* Payload compression: deflate was written by earlier versions and is still read. */
enum { J_COMP_STORED = 0, J_COMP_DEFLATE = 1, J_COMP_ZSTD = 2 };

struct keys {
	uint8_t rec[32];
	uint8_t chk[32];
};

struct gap {
	uint64_t lo, hi; /* record seqs missing, inclusive */
};

struct journal {
	/* identity and keys */
	uint8_t id[16];
	struct keys *k; /* sodium_malloc'd */
	/* reader */
	const uint8_t *base;
	size_t size;
	int mapped;
	uint64_t off, expect, last_good_end;
	struct gap *gaps;
	size_t ngaps;
	struct pc_buf plain, out; /* decrypted record, inflated payload (len stays 0) */
	z_stream inf;		  /* deflate records of earlier versions (set up at the first) */
	int inf_ok;
	ZSTD_DCtx *zd; /* made at the first zstd record */
	struct jdamage dmg;
	struct journal_run *runs;
	size_t nruns, runcap, runhint;
	struct journal_summary sum;
	/* writer */
	int fd, writer;
	uint8_t nonce[16]; /* per-open random nonce prefix; the record seq completes it */
	struct pc_buf queue, scratch;
	size_t pending;
	uint64_t next_seq, committed_seq, committed_end;
	ZSTD_CCtx *zc;
};

static inline void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Shared by journal.c (reader) and journal_write.c (writer). */
struct journal *j_new(void);
void j_site_checks(const struct pc_site *site, const uint8_t salt[16], uint16_t c[3]);
void j_header_sums(const uint8_t *h, const struct keys *k, uint8_t keycheck[16], uint8_t sum[16]);
int j_derive(struct journal *j, const struct pc_site *site, const uint8_t salt[16],
	     const struct journal_kdf *kdf);
int j_open_header(struct journal *j, const struct pc_site *site, int *used, char *err,
		  size_t errlen);
int j_map_file(struct journal *j, int fd, const char *path, char *err, size_t errlen);
void j_unmap(struct journal *j);

#endif
