/* SPDX-License-Identifier: MIT */
/*
 * The encrypted, tamper-evident journal (docs/JOURNAL.md): one file holding
 * every batch from every host, encrypted with a key derived (Argon2id) from
 * the site identity. A header (written twice) carries the KDF salt and
 * parameters, a random journal id and a key check; then self-delimiting
 * records, each XChaCha20-Poly1305 sealed with the journal id, its sequence
 * number and length as associated data, payload zlib-compressed first.
 *
 * Writer: journal__open_append verifies what is there, truncates a torn tail
 * (reported) and appends after the last intact record; journal__append only
 * queues, journal__commit writes and fsyncs everything queued at once
 * (grouped fsync: acknowledge batches after it returns 0).
 * Reader: journal__next yields intact records in order; damage (bad records,
 * sequence gaps, reordering, splices) goes to a list with byte offsets and
 * reading resumes at the next record that authenticates.
 * Also the legacy reader for journals of the original Go tools.
 */
#ifndef PC_JOURNAL_H
#define PC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pc/license.h"

#define JOURNAL_MAX_PAYLOAD (16u << 20)

/* Argon2id parameters, stored in the header so they can change. */
struct journal_kdf {
	uint32_t opslimit;
	uint64_t memlimit; /* bytes */
};
/* Defaults for new journals; a reader accepts up to the maxima. */
#define JOURNAL_KDF_OPS	    3
#define JOURNAL_KDF_MEM	    (64ull << 20)
#define JOURNAL_KDF_OPS_MAX 32
#define JOURNAL_KDF_MEM_MAX (1ull << 30)

/* What a record says about its payload (the processor's batch). */
struct journal_meta {
	uint32_t host, run;
	uint64_t first_seq;	  /* sequence number of the batch's first sample */
	uint32_t count;		  /* samples in the batch */
	uint64_t t_first, t_last; /* sample times (ns since the epoch), 0 when unknown */
};

struct journal_rec {
	struct journal_meta meta;
	uint64_t seq;		/* record number in the journal, from 0 */
	uint64_t offset;	/* byte offset of the record in the file */
	const uint8_t *payload; /* valid until the next call */
	size_t len;
};

struct journal_damage {
	uint64_t offset; /* where in the file */
	uint64_t len;	 /* bytes skipped (0 for a gap or reordering) */
	char reason[160];
};

/* Per host and run, as seen by journal__verify. */
struct journal_run {
	uint32_t host, run;
	uint64_t records, samples;
	uint64_t first_seq, next_seq; /* next_seq: one past the highest sample seq stored */
	uint64_t seq_gaps;	      /* samples missing between batches */
	uint64_t t_first, t_last;
};

struct journal_summary {
	uint64_t records, samples, bytes;
	uint32_t hosts, runs;
	uint64_t t_first, t_last;
	uint64_t seq_gaps; /* samples missing inside runs */
	uint64_t damage;   /* entries in the damage list */
};

struct journal;

/*
 * Open for appending, creating the file (mode 0600) when missing or empty
 * with kdf parameters (NULL: defaults). Verifies the identity, reads every
 * record, truncates a torn tail and takes an exclusive lock. NULL with errno
 * (EKEYREJECTED for a wrong identity, EBADMSG for a damaged header, EBUSY if
 * another writer holds it) and err saying which part of the identity or
 * which byte offset.
 */
struct journal *journal__open_append(const char *path, const struct pc_site *site,
				     const struct journal_kdf *kdf, char *err, size_t errlen);
/* Queue one record; 0 or -EINVAL (too big), -ENOMEM. Nothing is written yet. */
int journal__append(struct journal *j, uint32_t host, uint32_t run, const void *payload,
		    size_t len);
int journal__append_batch(struct journal *j, const struct journal_meta *m, const void *payload,
			  size_t len);
/*
 * Write everything queued and fdatasync once. 0: durable. On error the
 * queued records are dropped, the file is cut back to the last commit and a
 * negative errno is returned (the caller resends them later).
 */
int journal__commit(struct journal *j);
/* Records queued and not yet committed. */
size_t journal__pending(const struct journal *j);

/* Open for reading. Same errors as journal__open_append (EINVAL: not a journal). */
struct journal *journal__open(const char *path, const struct pc_site *site, char *err,
			      size_t errlen);
/* The same over a buffer the caller keeps alive (tests, fuzzing). */
struct journal *journal__open_buf(const void *p, size_t len, const struct pc_site *site, char *err,
				  size_t errlen);
/* 1 = a record, 0 = end; negative only for -ENOMEM. Damage is listed, not returned. */
int journal__next(struct journal *j, struct journal_rec *rec);
/* Read (the rest of) the journal and summarise; per-run figures via journal__runs. */
int journal__verify(struct journal *j, struct journal_summary *s);
const struct journal_run *journal__runs(const struct journal *j, size_t *n);
const struct journal_damage *journal__damage(const struct journal *j, size_t *n);
/* Close either kind; 0 or a negative errno. */
int journal__close(struct journal *j);

/* True when p starts with a native journal's magic. */
int journal__is_native(const void *p, size_t len);

/* The Argon2id journal key of site with salt (kdf.c). 0 or negative errno. */
int kdf__journal_key(const struct pc_site *site, const uint8_t salt[16],
		     const struct journal_kdf *kdf, uint8_t key[32]);

/*
 * Journals of the original Go tools (journal_legacy.c): records of [u32 LE
 * length][24-byte nonce][XChaCha20-Poly1305 ciphertext], key =
 * HMAC-SHA256(license text, decimal siteid + sitename), plaintext = gzip of
 * one JSON line. The MAC is not part of that key.
 */
struct journal_legacy;

/* NULL with errno (EKEYREJECTED: no record decrypts with this identity). */
struct journal_legacy *journal_legacy__open(const char *path, const struct pc_site *site, char *err,
					    size_t errlen);
/*
 * Next JSON line, without its newline, in *line (valid until the next call):
 * 1 = a line, 0 = end, -ENOMEM. Damaged records are skipped and listed.
 */
int journal_legacy__next(struct journal_legacy *l, const char **line, size_t *len);
const struct journal_damage *journal_legacy__damage(const struct journal_legacy *l, size_t *n);
void journal_legacy__close(struct journal_legacy *l);

#endif
