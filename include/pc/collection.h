/* SPDX-License-Identifier: MIT */
/*
 * Native collection files (docs/FORMAT.md): a header (magic, version,
 * sysinfo) then length-prefixed, CRC-checked frames each holding one binary
 * sample. The writer flushes every frame to the kernel (write(2), no stdio
 * buffering) so a crash loses at most the sample being written; a reader
 * stops cleanly at a torn tail and reports it.
 */
#ifndef PC_COLLECTION_H
#define PC_COLLECTION_H

#include "pc/codec.h"
#include "pc/sample.h"
#include "pc/sysinfo.h"

struct pc_coll;

/* Create (truncate) path and write the header; NULL with errno on failure. */
struct pc_coll *coll__create(const char *path, const struct pc_sysinfo *si);
/* Append one sample; 0 or negative errno (ENOSPC, EIO, ...). */
int coll__append(struct pc_coll *c, const struct pc_sample *s);
/*
 * Write frames in groups: a frame waits until window_ns of samples (by
 * time_ns) or 64 KiB are pending, then all are written in one write(2).
 * The first frame is always written at once; coll__sync and coll__close
 * write what is pending. A crash (kill -9) loses at most the window.
 * 0 (the default) writes every frame as it comes.
 */
void coll__set_flush(struct pc_coll *c, uint64_t window_ns);
/* Write what is pending, then fsync; 0 or negative errno. */
int coll__sync(struct pc_coll *c);

/* Open for reading; NULL with errno (EINVAL for not-a-collection: see coll__error). */
struct pc_coll *coll__open(const char *path);
const struct pc_sysinfo *coll__sysinfo(const struct pc_coll *c);
/* Next sample: 1 read, 0 end, negative errno on damage (coll__error says where). */
int coll__next(struct pc_coll *c, struct pc_sample *s);
const char *coll__error(const struct pc_coll *c);

/* Close either kind; returns 0 or the first write error. */
int coll__close(struct pc_coll *c);

/* True when the first bytes of a file are a native collection's magic. */
int coll__is_native(const void *p, size_t len);

#endif
