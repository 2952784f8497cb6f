/* SPDX-License-Identifier: MIT */
/*
 * journal_layout.h: the native journal's on-disk layout (docs/JOURNAL.md),
 * named once. Offsets and sizes of the file header, the record header and
 * the sealed record's inner header, and the only code that packs and unpacks
 * them (journal_layout.c): the reader (journal.c), the writer
 * (journal_write.c) and tests/test_journal.c use these, never numbers.
 * All integers are little-endian.
 */
#ifndef PC_JOURNAL_LAYOUT_H
#define PC_JOURNAL_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "pc/journal.h"

/* --- file: two copies of the header, then records */
#define J_VERSION      1
#define J_HDR	       128 /* one header copy */
#define J_DATA_START   (2 * J_HDR)
#define J_KDF_ARGON2ID 2

/* Header copy: field offsets and sizes. */
#define JH_MAGIC     0	 /* 8: JMAGIC */
#define JH_VERSION   8	 /* 2 */
#define JH_HDRLEN    10	 /* 2: J_HDR */
#define JH_ID	     16	 /* 16: random journal id */
#define JH_SALT	     32	 /* 16: KDF salt */
#define JH_KDF	     48	 /* 4: J_KDF_ARGON2ID */
#define JH_OPSLIMIT  52	 /* 4 */
#define JH_MEMLIMIT  56	 /* 8 */
#define JH_CHECKS    64	 /* 3 x 2: keyed checks of siteid, sitename, MAC */
#define JH_KEYCHECK  96	 /* 16: keyed hash of bytes [0, JH_KEYCHECK) */
#define JH_SUM	     112 /* 16: plain hash of bytes [0, JH_SUM) */
#define JH_ID_LEN    16
#define JH_SALT_LEN  16
#define JH_CHECK_LEN 16

/* Record header (J_RHDR bytes) before the sealed bytes. */
#define J_RHDR	     48
#define JR_MARKER    0	/* 4: JMARKER */
#define JR_LEN	     4	/* 4: length of the sealed bytes that follow */
#define JR_SEQ	     8	/* 8: record sequence number */
#define JR_IDPFX     16 /* 4: first bytes of the journal id */
#define JR_NONCE     20 /* 24: per-open random prefix (16) + the seq again (8) */
#define JR_NONCE_SEQ 36
#define JR_CRC	     44	      /* 4: CRC-32 of bytes [0, JR_CRC) */
#define JR_AD_LEN    JR_NONCE /* header bytes [0, JR_NONCE) are authenticated */
#define JR_NONCE_PFX 16
#define J_AD	     (JH_ID_LEN + JR_AD_LEN) /* associated data: journal id + those bytes */

/* Inner header: the first J_INNER bytes of the plaintext, before the payload. */
#define J_INNER	       44
#define JI_VERSION     0  /* 1: 1 */
#define JI_COMP	       1  /* 1: J_COMP_* */
#define JI_HOST	       4  /* 4 */
#define JI_RUN	       8  /* 4 */
#define JI_FIRST_SEQ   12 /* 8 */
#define JI_COUNT       20 /* 4 */
#define JI_T_FIRST     24 /* 8 */
#define JI_T_LAST      32 /* 8 */
#define JI_PLEN	       40 /* 4: payload length before compression */
#define J_TAG	       crypto_aead_xchacha20poly1305_ietf_ABYTES
#define J_MAX_SEALED   (J_INNER + JOURNAL_MAX_PAYLOAD + J_TAG)
#define J_MIN_COMPRESS 128 /* payloads shorter than this are stored */

/* Payload compression: deflate was written by earlier versions and is still read. */
enum { J_COMP_STORED = 0, J_COMP_DEFLATE = 1, J_COMP_ZSTD = 2 };

extern const uint8_t JMAGIC[8], JMARKER[4];

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

/* One header copy, unpacked (the magic is implied). */
struct jl_header {
	uint16_t version, hdrlen;
	uint8_t id[JH_ID_LEN], salt[JH_SALT_LEN];
	uint32_t kdf, opslimit;
	uint64_t memlimit;
	uint16_t check[3];
	uint8_t keycheck[JH_CHECK_LEN], sum[JH_CHECK_LEN];
};
void jl_header_pack(const struct jl_header *h, uint8_t out[J_HDR]);
void jl_header_unpack(const uint8_t in[J_HDR], struct jl_header *h);

/* A record header, unpacked. */
struct jl_rhdr {
	uint32_t len;
	uint64_t seq;
	const uint8_t *idpfx; /* JR_IDPFX inside the packed header */
	const uint8_t *nonce; /* JR_NONCE inside the packed header */
};
/* Pack a record header for seq with len sealed bytes at out (marker and CRC included). */
void jl_rhdr_pack(uint8_t out[J_RHDR], uint32_t len, uint64_t seq, const uint8_t id[JH_ID_LEN],
		  const uint8_t nonce_prefix[JR_NONCE_PFX]);
/* Marker and CRC intact? */
int jl_rhdr_ok(const uint8_t *p);
void jl_rhdr_unpack(const uint8_t *p, struct jl_rhdr *r);
/* The associated data of the record header p in journal id. */
void jl_ad(uint8_t ad[J_AD], const uint8_t id[JH_ID_LEN], const uint8_t *p);

/* Inner header. */
struct jl_inner {
	uint8_t version, comp;
	struct journal_meta meta;
	uint32_t plen;
};
void jl_inner_pack(uint8_t out[J_INNER], const struct jl_inner *in);
void jl_inner_unpack(const uint8_t *p, struct jl_inner *in);

/* Size of the record whose header is at p (header + sealed bytes); the next record follows. */
static inline size_t jl_record_size(const uint8_t *p)
{
	struct jl_rhdr r;

	jl_rhdr_unpack(p, &r);
	return J_RHDR + (size_t)r.len;
}

#endif
