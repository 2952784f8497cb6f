/* SPDX-License-Identifier: MIT */
/*
 * The collector's bounded spool of batches waiting for the processor's
 * acknowledgement. Every sealed batch is appended to <dir>/spool (one
 * write(2), no fsync: a killed collector loses only the batch it had not
 * sealed yet; the restart is then marked as a gap). The newest batches are
 * also kept in memory up to mem_max bytes so that sending them costs no read;
 * older ones are read back from the file. The file may hold at most file_max
 * bytes of batches: past that the caller drops samples (counted here, and
 * marked as a PC_GAP_SPOOL_FULL gap by the sampler).
 *
 * Batches are sent in order; spool__rewind() after a reconnect sends every
 * unacknowledged one again. The position of the first unacknowledged batch
 * and the identity of the last batch ever appended live in the file header,
 * so a restarted collector resends what was not acknowledged and continues
 * the numbering. Thread-safe: the sampling thread appends while a session
 * thread sends and acknowledges.
 */
#ifndef PC_SPOOL_H
#define PC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* A batch's identity and extent; data points at its payload (one codec stream). */
struct spool_batch {
	uint32_t host, run;
	uint64_t bseq;
	uint64_t first_seq;
	uint32_t nsamples;
	uint64_t first_ns, last_ns, sealed_ns;
	const uint8_t *data;
	size_t len;
};

struct spool_stats {
	uint64_t batches; /* unacknowledged */
	uint64_t bytes;	  /* their payload bytes */
	uint64_t mem;	  /* payload bytes held in memory */
	uint64_t file;	  /* size of the spool file */
	uint64_t free;	  /* bytes that can still be appended */
	uint64_t dropped; /* samples dropped because the spool was full (this process) */
	uint64_t acked;	  /* batches acknowledged (this process) */
	uint64_t unsent;  /* unacknowledged batches not sent in this session yet */
};

struct spool;

#define SPOOL_DEFAULT_MEM  (16ull << 20)
#define SPOOL_DEFAULT_FILE (1ull << 30)

/*
 * Open (create) <dir>/spool and load the unacknowledged batches it holds.
 * A torn or corrupt tail is cut off and reported through log_warnx with its
 * byte offset. NULL with errno on failure (EINVAL: not a spool file).
 */
struct spool *spool__open(const char *dir, uint64_t mem_max, uint64_t file_max);
void spool__close(struct spool *sp);

/* Whether a batch of len payload bytes would fit now. */
int spool__fits(struct spool *sp, size_t len);
/* Append a sealed batch (copied); 0, -ENOSPC (full: nothing appended), -EIO, -ENOMEM. */
int spool__append(struct spool *sp, const struct spool_batch *b);
/* Count samples dropped because the spool was full. */
void spool__drop(struct spool *sp, uint64_t samples);

/*
 * The next batch not yet sent in this session, in order: 1 with *b set (data
 * valid until the next spool__next on this spool), 0 when none, -errno on a
 * read error of the file.
 */
int spool__next(struct spool *sp, struct spool_batch *b);
/* Make every unacknowledged batch unsent again (a new session starts). */
void spool__rewind(struct spool *sp);
/* Acknowledge one batch; 0, or -ENOENT when it is not (or no longer) in the spool. */
int spool__ack(struct spool *sp, uint32_t run, uint64_t bseq);

/* The last batch ever appended (its data is NULL): 1, or 0 when there was none. */
int spool__last(struct spool *sp, struct spool_batch *b);
void spool__stats(struct spool *sp, struct spool_stats *st);

#endif
