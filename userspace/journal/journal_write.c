// SPDX-License-Identifier: MIT
/*
 * journal_write.c: the journal writer (include/pc/journal.h). Opening
 * creates the header or reads the journal through the reader, cuts a torn
 * tail and restores a damaged header copy; journal__append compresses and
 * seals a record into the queue; journal__commit writes the queue and
 * fdatasyncs once (grouped fsync), cutting back on failure so no torn record
 * stays behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "pc/io.h"
#include "pc/journal.h"
#include "journal_int.h"

/* The writer's state; the reader's (struct journal) is used only while opening. */
struct jwriter {
	int fd;
	uint8_t nonce[JR_NONCE_PFX]; /* per-open random nonce prefix; the record seq completes it */
	struct pc_buf queue, scratch;
	size_t pending;
	uint64_t next_seq, committed_seq, committed_end;
	ZSTD_CCtx *zc;
};

static int w_close(struct journal *j)
{
	struct jwriter *w = j->w;
	int ret;

	if (!w)
		return 0;
	ret = journal__commit(j);
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->zc);
	pc_buf_free(&w->queue);
	pc_buf_free(&w->scratch);
	free(w);
	j->w = NULL;
	j->w_close = NULL;
	return ret;
}

static int create_header(struct journal *j, const struct pc_site *site,
			 const struct journal_kdf *kdf, const char *path, char *err, size_t errlen)
{
	struct jl_header hd = {.version = J_VERSION,
			       .hdrlen = J_HDR,
			       .kdf = J_KDF_ARGON2ID,
			       .opslimit = kdf->opslimit,
			       .memlimit = kdf->memlimit};
	uint8_t h[J_DATA_START] = {0};
	int ret;

	randombytes_buf(j->id, sizeof(j->id));
	memcpy(hd.id, j->id, sizeof(hd.id));
	randombytes_buf(hd.salt, sizeof(hd.salt));
	j_site_checks(site, hd.salt, hd.check);
	ret = j_derive(j, site, hd.salt, kdf);
	if (ret) {
		snprintf(err, errlen, "%s: key derivation: %s", path,
			 ret == -ERANGE ? "KDF parameters out of range" : strerror(-ret));
		return ret;
	}
	jl_header_pack(&hd, h); /* the checks cover the packed bytes before them */
	j_header_sums(h, j->k, hd.keycheck, NULL);
	jl_header_pack(&hd, h);
	j_header_sums(h, NULL, NULL, hd.sum);
	jl_header_pack(&hd, h);
	memcpy(h + J_HDR, h, J_HDR);
	if ((ret = ftruncate(j->w->fd, 0) ? -errno : 0) ||
	    (ret = io_pwrite_all(j->w->fd, h, sizeof(h), 0)) || (ret = io_sync(j->w->fd)) ||
	    (ret = io_sync_dir(path))) {
		snprintf(err, errlen, "%s: writing header: %s", path, strerror(-ret));
		return ret;
	}
	j->w->committed_end = J_DATA_START;
	return 0;
}

/* Lock path's journal for writing: created 0600 (never through a symlink) or opened. */
static int open_locked(struct journal *j, const char *path, char *err, size_t errlen)
{
	int ret;

	j->w = calloc(1, sizeof(*j->w));
	if (!j->w) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	j->w_close = w_close;
	j->w->fd = io_open_create(path, O_RDWR, 0600);
	if (j->w->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (flock(j->w->fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "%s: in use by another writer", path);
		return ret;
	}
	return 0;
}

/* An existing journal: read it through, restore a damaged header copy, cut a torn tail. */
static int recover(struct journal *j, const struct pc_site *site, const char *path, char *err,
		   size_t errlen)
{
	char msg[200];
	int used, ret;

	ret = j_open_header(j, site, &used, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return ret;
	}
	if (j->dmg.n) /* one header copy damaged: restore it from the other */
		ret = io_pwrite_all(j->w->fd, j->base + used * J_HDR, J_HDR, used ? 0 : J_HDR);
	if (!ret)
		ret = journal__verify(j, NULL);
	if (ret)
		return ret;
	if (j->blind_end > j->last_good_end) {
		snprintf(err, errlen,
			 "%s: too damaged to search: bytes %llu..%llu were skipped unsearched "
			 "(trial budget spent), so cutting after the last intact record at %llu "
			 "could destroy records; move the journal aside",
			 path, (unsigned long long)j->last_good_end,
			 (unsigned long long)j->blind_end, (unsigned long long)j->last_good_end);
		return -EBADMSG;
	}
	j->w->committed_end = j->last_good_end;
	if (j->size > j->last_good_end) {
		jdamage_add(&j->dmg, j->last_good_end, j->size - j->last_good_end,
			    "truncated %llu bytes after the last intact record",
			    (unsigned long long)(j->size - j->last_good_end));
		ret = ftruncate(j->w->fd, (off_t)j->last_good_end) ? -errno : io_sync(j->w->fd);
		if (ret) {
			snprintf(err, errlen, "%s: truncating torn tail: %s", path, strerror(-ret));
			return ret;
		}
	}
	j_unmap(j);
	return 0;
}

struct journal *journal__open_append(const char *path, const struct pc_site *site,
				     const struct journal_kdf *kdf, char *err, size_t errlen)
{
	static const struct journal_kdf defaults = {JOURNAL_KDF_OPS, JOURNAL_KDF_MEM};
	struct journal *j = j_new();
	int ret;

	if (!j)
		return NULL;
	if ((ret = open_locked(j, path, err, errlen)) ||
	    (ret = j_map_file(j, j->w->fd, path, err, errlen)))
		goto cleanup;
	/* Empty, or a creation torn before its header was complete: (re)create. */
	if (j->size < J_DATA_START &&
	    (!j->size || !memcmp(j->base, JMAGIC, j->size < 8 ? j->size : 8))) {
		if (j->size)
			jdamage_add(&j->dmg, 0, j->size,
				    "torn journal header (%zu bytes) rewritten", j->size);
		j_unmap(j);
		ret = create_header(j, site, kdf ? kdf : &defaults, path, err, errlen);
	} else {
		ret = recover(j, site, path, err, errlen);
	}
	if (ret)
		goto cleanup;
	j->w->next_seq = j->w->committed_seq = j->expect;
	randombytes_buf(j->w->nonce, sizeof(j->w->nonce));
	j->w->zc = ZSTD_createCCtx();
	if (!j->w->zc ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(j->w->zc, ZSTD_c_compressionLevel, 1))) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: zstd: out of memory", path);
		goto cleanup;
	}
	return j;
cleanup:
	if (j->w) /* nothing queued: closing commits nothing */
		w_close(j);
	journal__close(j);
	errno = -ret;
	return NULL;
}

int journal__append(struct journal *j, uint32_t host, uint32_t run, const void *payload, size_t len)
{
	struct journal_meta m = {.host = host, .run = run};

	return journal__append_batch(j, &m, payload, len);
}

/* Compress payload into w->scratch after the inner header when that makes it smaller. */
static int pack_payload(struct jwriter *w, const void *payload, size_t len, size_t *dlen)
{
	uint8_t *plain;
	int ret;

	w->scratch.len = 0;
	ret = pc_buf_reserve(&w->scratch, J_INNER + len);
	if (ret)
		return ret;
	plain = w->scratch.p;
	*dlen = len;
	if (len >= J_MIN_COMPRESS) { /* tiny payloads do not shrink; keep it only if smaller */
		size_t z = ZSTD_compress2(w->zc, plain + J_INNER, len - 1, payload, len);

		if (!ZSTD_isError(z)) {
			*dlen = z;
			return J_COMP_ZSTD;
		}
	}
	if (len)
		memcpy(plain + J_INNER, payload, len);
	return J_COMP_STORED;
}

int journal__append_batch(struct journal *j, const struct journal_meta *m, const void *payload,
			  size_t len)
{
	struct jwriter *w = j->w;
	struct jl_inner in = {.version = 1, .meta = *m, .plen = (uint32_t)len};
	uint8_t *h, ad[J_AD];
	size_t dlen = 0, sealed;
	int ret;

	if (!w)
		return -EBADF;
	if (len > JOURNAL_MAX_PAYLOAD)
		return -EINVAL;
	ret = pack_payload(w, payload, len, &dlen);
	if (ret < 0)
		return ret;
	in.comp = (uint8_t)ret;
	jl_inner_pack(w->scratch.p, &in);
	sealed = J_INNER + dlen + J_TAG;
	ret = pc_buf_reserve(&w->queue, J_RHDR + sealed);
	if (ret)
		return ret;
	h = w->queue.p + w->queue.len;
	jl_rhdr_pack(h, (uint32_t)sealed, w->next_seq, j->id, w->nonce);
	jl_ad(ad, j->id, h);
	crypto_aead_xchacha20poly1305_ietf_encrypt(h + J_RHDR, NULL, w->scratch.p, J_INNER + dlen,
						   ad, sizeof(ad), NULL, h + JR_NONCE, j->k->rec);
	w->queue.len += J_RHDR + sealed;
	w->next_seq++;
	w->pending++;
	return 0;
}

size_t journal__pending(const struct journal *j)
{
	return j->w ? j->w->pending : 0;
}

int journal__commit(struct journal *j)
{
	struct jwriter *w = j->w;
	int ret;

	if (!w)
		return -EBADF;
	if (!w->queue.len)
		return 0;
	ret = io_pwrite_all(w->fd, w->queue.p, w->queue.len, w->committed_end);
	if (!ret)
		ret = io_datasync(w->fd);
	if (ret) {
		/* Cut back so the next commit does not follow a torn record. */
		if (ftruncate(w->fd, (off_t)w->committed_end) == 0)
			(void)io_datasync(w->fd);
		w->next_seq = w->committed_seq;
	} else {
		w->committed_end += w->queue.len;
		w->committed_seq = w->next_seq;
	}
	w->queue.len = 0;
	w->pending = 0;
	return ret;
}
