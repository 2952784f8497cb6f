/* SPDX-License-Identifier: MIT */
/*
 * store.h: where perfprocessord puts the batches it receives, behind one
 * small interface: the site's encrypted journal (include/pc/journal.h), one
 * file for every batch of every host. The contract: store__put() queues a
 * batch and returns a ticket, store__wait() returns once that ticket is
 * durable (journal__commit returned 0; the commits of all hosts are grouped
 * by one committer thread), and only then is the batch acknowledged to the
 * collector. store__put() recognises a batch already stored (the journal's
 * own per-run sample sequence, rebuilt from the file when it opens) so a
 * resent batch is dropped, never written twice, also after a kill -9.
 */
#ifndef PD_STORE_H
#define PD_STORE_H

#include <stdint.h>
#include <stdio.h>

#include "pc/license.h"
#include "pc/wire.h"

struct store;

/*
 * Open (or create) the journal at path with the site's identity: verifies
 * that it decrypts (a wrong identity fails here, before anything is
 * appended), cuts a torn tail (reported) and logs what it holds. NULL with
 * err saying why (the journal's message: which part of the identity, or
 * which byte offset).
 */
struct store *store__open(const char *path, const struct pc_site *site, char *err, size_t errlen);
void store__close(struct store *st);
/*
 * Queue one batch: 0 when queued, 1 when it is a duplicate (already stored
 * or queued: not written again), negative errno on failure. Either way
 * *ticket is what to store__wait() for before acknowledging.
 */
int store__put(struct store *st, const struct pc_wire_batch *b, uint64_t *ticket);
/*
 * Call fn(ctx, host, run, payload, len) for every batch once it is durable, on
 * the committer thread (it must not block: dbsink__put copies). Before traffic.
 */
typedef void (*store_durable_fn)(void *ctx, uint32_t host, uint32_t run, const void *payload,
				 size_t len);
void store__on_durable(struct store *st, store_durable_fn fn, void *ctx);
/* Wait until ticket is durable; 0, or -errno when the commit failed (do not acknowledge). */
int store__wait(struct store *st, uint64_t ticket);

/*
 * Read every stored sample back from the journal at path: one line per
 * sample to f, "host run seq time_ns flags gap_reason gap_count" (for
 * operators and benchmarks; perfjournal is the exporter), then a summary
 * to stderr. 0, or -errno (err says why) when it cannot be read or damage
 * was found.
 */
int store__dump(const char *path, const struct pc_site *site, FILE *f, char *err, size_t errlen);

#endif
