/* SPDX-License-Identifier: MIT */
/*
 * journal_int.h: what the journal files share and nobody else needs: the
 * damage list and read-only mapping (native and legacy readers), and the
 * native reader's state and header helpers that the writer builds on.
 */
#ifndef PC_JOURNAL_INT_H
#define PC_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>
#include <zlib.h>
#include <zstd.h>

#include "pc/codec.h"
#include "pc/io.h"
#include "pc/journal.h"
#include "journal_layout.h"

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

/* --- native format: the layout is journal_layout.h's; what the reader and writer share */
#define J_GAPS_MAX 4096
/* bytes of records that fail to authenticate the reader tries before trusting lengths */
#define J_TRIAL_BUDGET(size) IO_RESYNC_BUDGET(size)

struct keys {
	uint8_t rec[32];
	uint8_t chk[32];
};

struct gap {
	uint64_t lo, hi; /* record seqs missing, inclusive */
};

struct jwriter; /* journal_write.c's own state */

/*
 * An open journal: its identity and keys, and the reader's state (the
 * mapped file and the record loop). A journal opened for append also has
 * the writer's state, which only journal_write.c knows, and the writer's
 * finaliser that journal__close() calls first.
 */
struct journal {
	uint8_t id[JH_ID_LEN];
	struct keys *k; /* sodium_malloc'd */
	const uint8_t *base;
	size_t size;
	int mapped;
	uint64_t off, expect, last_good_end;
	uint64_t tried, blind_end; /* trial bytes spent; end of what was skipped unsearched */
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
	struct jwriter *w;
	int (*w_close)(struct journal *j); /* commits and frees w */
};

/* journal.c's helpers that journal_write.c uses (the writer depends on the reader, not back). */
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
