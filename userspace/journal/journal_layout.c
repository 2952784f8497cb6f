// SPDX-License-Identifier: MIT
/*
 * journal_layout.c: packs and unpacks the native journal's header copy,
 * record header and inner header (journal_layout.h, docs/JOURNAL.md). The
 * only code that knows where a field sits in the file.
 */
#include <string.h>

#include <zlib.h>

#include "journal_layout.h"

const uint8_t JMAGIC[8] = {0x89, 'P', 'C', 'J', 'R', 'N', 'L', '\n'};
const uint8_t JMARKER[4] = {0xe7, 'P', 'J', 'R'};

void jl_header_pack(const struct jl_header *h, uint8_t out[J_HDR])
{
	memset(out, 0, J_HDR);
	memcpy(out + JH_MAGIC, JMAGIC, sizeof(JMAGIC));
	put_le(out + JH_VERSION, h->version, 2);
	put_le(out + JH_HDRLEN, h->hdrlen, 2);
	memcpy(out + JH_ID, h->id, JH_ID_LEN);
	memcpy(out + JH_SALT, h->salt, JH_SALT_LEN);
	put_le(out + JH_KDF, h->kdf, 4);
	put_le(out + JH_OPSLIMIT, h->opslimit, 4);
	put_le(out + JH_MEMLIMIT, h->memlimit, 8);
	for (int i = 0; i < 3; i++)
		put_le(out + JH_CHECKS + 2 * i, h->check[i], 2);
	memcpy(out + JH_KEYCHECK, h->keycheck, JH_CHECK_LEN);
	memcpy(out + JH_SUM, h->sum, JH_CHECK_LEN);
}

void jl_header_unpack(const uint8_t in[J_HDR], struct jl_header *h)
{
	h->version = (uint16_t)get_le(in + JH_VERSION, 2);
	h->hdrlen = (uint16_t)get_le(in + JH_HDRLEN, 2);
	memcpy(h->id, in + JH_ID, JH_ID_LEN);
	memcpy(h->salt, in + JH_SALT, JH_SALT_LEN);
	h->kdf = (uint32_t)get_le(in + JH_KDF, 4);
	h->opslimit = (uint32_t)get_le(in + JH_OPSLIMIT, 4);
	h->memlimit = get_le(in + JH_MEMLIMIT, 8);
	for (int i = 0; i < 3; i++)
		h->check[i] = (uint16_t)get_le(in + JH_CHECKS + 2 * i, 2);
	memcpy(h->keycheck, in + JH_KEYCHECK, JH_CHECK_LEN);
	memcpy(h->sum, in + JH_SUM, JH_CHECK_LEN);
}

static uint32_t rhdr_crc(const uint8_t *p)
{
	return (uint32_t)(crc32(0, p, JR_CRC) & 0xffffffffu);
}

void jl_rhdr_pack(uint8_t out[J_RHDR], uint32_t len, uint64_t seq, const uint8_t id[JH_ID_LEN],
		  const uint8_t nonce_prefix[JR_NONCE_PFX])
{
	memcpy(out + JR_MARKER, JMARKER, sizeof(JMARKER));
	put_le(out + JR_LEN, len, 4);
	put_le(out + JR_SEQ, seq, 8);
	memcpy(out + JR_IDPFX, id, 4);
	memcpy(out + JR_NONCE, nonce_prefix, JR_NONCE_PFX);
	put_le(out + JR_NONCE_SEQ, seq, 8);
	put_le(out + JR_CRC, rhdr_crc(out), 4);
}

int jl_rhdr_ok(const uint8_t *p)
{
	return !memcmp(p + JR_MARKER, JMARKER, sizeof(JMARKER)) &&
	       get_le(p + JR_CRC, 4) == rhdr_crc(p);
}

void jl_rhdr_unpack(const uint8_t *p, struct jl_rhdr *r)
{
	r->len = (uint32_t)get_le(p + JR_LEN, 4);
	r->seq = get_le(p + JR_SEQ, 8);
	r->idpfx = p + JR_IDPFX;
	r->nonce = p + JR_NONCE;
}

void jl_ad(uint8_t ad[J_AD], const uint8_t id[JH_ID_LEN], const uint8_t *p)
{
	memcpy(ad, id, JH_ID_LEN);
	memcpy(ad + JH_ID_LEN, p, JR_AD_LEN);
}

void jl_inner_pack(uint8_t out[J_INNER], const struct jl_inner *in)
{
	out[JI_VERSION] = in->version;
	out[JI_COMP] = in->comp;
	out[2] = out[3] = 0;
	put_le(out + JI_HOST, in->meta.host, 4);
	put_le(out + JI_RUN, in->meta.run, 4);
	put_le(out + JI_FIRST_SEQ, in->meta.first_seq, 8);
	put_le(out + JI_COUNT, in->meta.count, 4);
	put_le(out + JI_T_FIRST, in->meta.t_first, 8);
	put_le(out + JI_T_LAST, in->meta.t_last, 8);
	put_le(out + JI_PLEN, in->plen, 4);
}

void jl_inner_unpack(const uint8_t *p, struct jl_inner *in)
{
	in->version = p[JI_VERSION];
	in->comp = p[JI_COMP];
	in->meta.host = (uint32_t)get_le(p + JI_HOST, 4);
	in->meta.run = (uint32_t)get_le(p + JI_RUN, 4);
	in->meta.first_seq = get_le(p + JI_FIRST_SEQ, 8);
	in->meta.count = (uint32_t)get_le(p + JI_COUNT, 4);
	in->meta.t_first = get_le(p + JI_T_FIRST, 8);
	in->meta.t_last = get_le(p + JI_T_LAST, 8);
	in->plen = (uint32_t)get_le(p + JI_PLEN, 4);
}
