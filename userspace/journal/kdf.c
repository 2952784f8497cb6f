// SPDX-License-Identifier: MIT
/*
 * kdf.c: the journal key. Argon2id (crypto_pwhash) over an unambiguous
 * encoding of the site identity, siteid | len | sitename | MAC | len |
 * license, with the journal's random salt and the parameters from its header.
 * The password and the key live in sodium_malloc'd memory (locked, not
 * swapped, wiped on free); nothing here touches disk.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "pc/journal.h"

static size_t put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 4;
}

int kdf__journal_key(const struct pc_site *site, const uint8_t salt[16],
		     const struct journal_kdf *kdf, uint8_t key[32])
{
	size_t nlen, llen, n = 0;
	uint8_t *pw;
	int ret = 0;

	if (sodium_init() < 0)
		return -EIO;
	if (!site->sitename || !site->license)
		return -EINVAL;
	if (kdf->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    kdf->opslimit > JOURNAL_KDF_OPS_MAX ||
	    kdf->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    kdf->memlimit > JOURNAL_KDF_MEM_MAX)
		return -ERANGE;
	nlen = strnlen(site->sitename, PC_SITENAME_MAX + 1);
	llen = strnlen(site->license, 256);
	if (nlen > PC_SITENAME_MAX || llen >= 256)
		return -EINVAL;
	pw = sodium_malloc(8 + 4 + nlen + 6 + 4 + llen);
	if (!pw)
		return -ENOMEM;
	for (int i = 0; i < 8; i++)
		pw[n++] = (uint8_t)(site->siteid >> (8 * i));
	n += put_u32le(pw + n, (uint32_t)nlen);
	memcpy(pw + n, site->sitename, nlen);
	n += nlen;
	memcpy(pw + n, site->mac, 6);
	n += 6;
	n += put_u32le(pw + n, (uint32_t)llen);
	memcpy(pw + n, site->license, llen);
	n += llen;
	if (crypto_pwhash(key, 32, (const char *)pw, n, salt, kdf->opslimit, (size_t)kdf->memlimit,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		ret = -ENOMEM; /* libsodium fails only when it cannot allocate memlimit */
	sodium_free(pw);
	return ret;
}
