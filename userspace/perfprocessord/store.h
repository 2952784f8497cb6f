/* SPDX-License-Identifier: MIT */
/*
 * store.h: where perfprocessord puts the batches it receives, behind one
 * small interface so that the store can change in one file: today an
 * append-only file per host (store.c); the encrypted journal
 * (include/pc/journal.h) slots in behind the same calls. The contract:
 * store__put() queues a batch and returns a ticket, store__wait() returns
 * once that ticket is durable (written and fsynced; syncs of all hosts are
 * grouped by one committer thread), and only then is the batch acknowledged
 * to the collector. store__have() says whether a batch is already stored, so
 * resent batches are dropped, never written twice.
 */
#ifndef PD_STORE_H
#define PD_STORE_H

#include <stdint.h>
#include <stdio.h>

#include "pc/wire.h"

struct store;

/* Open every host file in dir (created when missing); torn tails are cut and reported. */
struct store *store__open(const char *dir, char *err, size_t errlen);
void store__close(struct store *st);
/* 1 when (host, run, bseq) is stored already. */
int store__have(struct store *st, uint32_t host, uint32_t run, uint64_t bseq);
/* Write one batch (not yet durable); its ticket in *ticket. 0 or -errno. */
int store__put(struct store *st, const struct pc_wire_batch *b, uint64_t *ticket);
/* Wait until ticket is durable; 0, or -errno when the sync failed (do not acknowledge). */
int store__wait(struct store *st, uint64_t ticket);

/*
 * Read every stored sample back: one line per sample to f, "host run seq
 * time_ns flags gap_reason gap_count" (for tests and operators), then a
 * summary line per host and run to stderr. 0, or -errno on damage.
 */
int store__dump(const char *dir, FILE *f);

#endif
