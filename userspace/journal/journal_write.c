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
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "pc/journal.h"
#include "journal_int.h"

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) && errno != EINVAL) /* EINVAL: cannot sync directories here */
			ret = -errno;
		close(fd);
	}
	free(copy);
	return ret;
}

static int create_header(struct journal *j, const struct pc_site *site,
			 const struct journal_kdf *kdf, const char *path, char *err, size_t errlen)
{
	uint8_t h[J_DATA_START] = {0};
	uint16_t c[3];
	int ret;

	memcpy(h, JMAGIC, sizeof(JMAGIC));
	put_le(h + 8, J_VERSION, 2);
	put_le(h + 10, J_HDR, 2);
	randombytes_buf(j->id, 16);
	memcpy(h + 16, j->id, 16);
	randombytes_buf(h + 32, 16);
	put_le(h + 48, J_KDF_ARGON2ID, 4);
	put_le(h + 52, kdf->opslimit, 4);
	put_le(h + 56, kdf->memlimit, 8);
	j_site_checks(site, h + 32, c);
	for (int i = 0; i < 3; i++)
		put_le(h + 64 + 2 * i, c[i], 2);
	ret = j_derive(j, site, h + 32, kdf);
	if (ret) {
		snprintf(err, errlen, "%s: key derivation: %s", path,
			 ret == -ERANGE ? "KDF parameters out of range" : strerror(-ret));
		return ret;
	}
	j_header_sums(h, j->k, h + 96, NULL);
	j_header_sums(h, NULL, NULL, h + 112);
	memcpy(h + J_HDR, h, J_HDR);
	if ((ret = ftruncate(j->fd, 0) ? -errno : 0) || (ret = write_all(j->fd, h, sizeof(h), 0)) ||
	    (ret = fsync(j->fd) ? -errno : 0) || (ret = sync_dir(path))) {
		snprintf(err, errlen, "%s: writing header: %s", path, strerror(-ret));
		return ret;
	}
	j->committed_end = J_DATA_START;
	return 0;
}

struct journal *journal__open_append(const char *path, const struct pc_site *site,
				     const struct journal_kdf *kdf, char *err, size_t errlen)
{
	static const struct journal_kdf defaults = {JOURNAL_KDF_OPS, JOURNAL_KDF_MEM};
	struct journal *j = j_new();
	char msg[200];
	int used, ret;

	if (!j)
		return NULL;
	j->writer = 1;
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "%s: in use by another writer", path);
		goto cleanup;
	}
	ret = j_map_file(j, j->fd, path, err, errlen);
	if (ret)
		goto cleanup;
	/* Empty, or a creation torn before its header was complete: (re)create. */
	if (j->size < J_DATA_START &&
	    (!j->size || !memcmp(j->base, JMAGIC, j->size < 8 ? j->size : 8))) {
		if (j->size)
			jdamage_add(&j->dmg, 0, j->size,
				    "torn journal header (%zu bytes) rewritten", j->size);
		j_unmap(j);
		ret = create_header(j, site, kdf ? kdf : &defaults, path, err, errlen);
		if (ret)
			goto cleanup;
	} else {
		ret = j_open_header(j, site, &used, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "%s: %s", path, msg);
			goto cleanup;
		}
		if (j->dmg.n) /* one header copy damaged: restore it from the other */
			ret = write_all(j->fd, j->base + used * J_HDR, J_HDR, used ? 0 : J_HDR);
		if (!ret)
			ret = journal__verify(j, NULL);
		if (ret)
			goto cleanup;
		j->committed_end = j->last_good_end;
		if (j->size > j->last_good_end) {
			jdamage_add(&j->dmg, j->last_good_end, j->size - j->last_good_end,
				    "truncated %llu bytes after the last intact record",
				    (unsigned long long)(j->size - j->last_good_end));
			if (ftruncate(j->fd, (off_t)j->last_good_end) || fsync(j->fd)) {
				ret = -errno;
				snprintf(err, errlen, "%s: truncating torn tail: %s", path,
					 strerror(errno));
				goto cleanup;
			}
		}
		j_unmap(j);
	}
	j->next_seq = j->committed_seq = j->expect;
	randombytes_buf(j->nonce, sizeof(j->nonce));
	j->zc = ZSTD_createCCtx();
	if (!j->zc || ZSTD_isError(ZSTD_CCtx_setParameter(j->zc, ZSTD_c_compressionLevel, 1))) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: zstd: out of memory", path);
		goto cleanup;
	}
	return j;
cleanup:
	j->writer = 0;
	journal__close(j);
	errno = -ret;
	return NULL;
}

int journal__append(struct journal *j, uint32_t host, uint32_t run, const void *payload, size_t len)
{
	struct journal_meta m = {.host = host, .run = run};

	return journal__append_batch(j, &m, payload, len);
}

int journal__append_batch(struct journal *j, const struct journal_meta *m, const void *payload,
			  size_t len)
{
	uint8_t *plain, *h, ad[16 + 20];
	size_t dlen = len;
	int comp = J_COMP_STORED, ret;

	if (!j->writer)
		return -EBADF;
	if (len > JOURNAL_MAX_PAYLOAD)
		return -EINVAL;
	j->scratch.len = 0;
	ret = pc_buf_reserve(&j->scratch, J_INNER + len);
	if (ret)
		return ret;
	plain = j->scratch.p;
	if (len >= J_MIN_COMPRESS) { /* tiny payloads do not shrink; keep it only if smaller */
		size_t z = ZSTD_compress2(j->zc, plain + J_INNER, len - 1, payload, len);

		if (!ZSTD_isError(z)) {
			comp = J_COMP_ZSTD;
			dlen = z;
		}
	}
	if (comp == J_COMP_STORED && len)
		memcpy(plain + J_INNER, payload, len);
	plain[0] = 1;
	plain[1] = (uint8_t)comp;
	plain[2] = plain[3] = 0;
	put_le(plain + 4, m->host, 4);
	put_le(plain + 8, m->run, 4);
	put_le(plain + 12, m->first_seq, 8);
	put_le(plain + 20, m->count, 4);
	put_le(plain + 24, m->t_first, 8);
	put_le(plain + 32, m->t_last, 8);
	put_le(plain + 40, len, 4);

	ret = pc_buf_reserve(&j->queue, J_RHDR + J_INNER + dlen + J_TAG);
	if (ret)
		return ret;
	h = j->queue.p + j->queue.len;
	memcpy(h, JMARKER, 4);
	put_le(h + 4, J_INNER + dlen + J_TAG, 4);
	put_le(h + 8, j->next_seq, 8);
	memcpy(h + 16, j->id, 4);
	memcpy(h + 20, j->nonce, 16);
	put_le(h + 36, j->next_seq, 8);
	put_le(h + 44, crc32(0, h, 44), 4);
	memcpy(ad, j->id, 16);
	memcpy(ad + 16, h, 20);
	crypto_aead_xchacha20poly1305_ietf_encrypt(h + J_RHDR, NULL, plain, J_INNER + dlen, ad,
						   sizeof(ad), NULL, h + 20, j->k->rec);
	j->queue.len += J_RHDR + J_INNER + dlen + J_TAG;
	j->next_seq++;
	j->pending++;
	return 0;
}

size_t journal__pending(const struct journal *j)
{
	return j->pending;
}

int journal__commit(struct journal *j)
{
	int ret;

	if (!j->writer)
		return -EBADF;
	if (!j->queue.len)
		return 0;
	ret = write_all(j->fd, j->queue.p, j->queue.len, j->committed_end);
	if (!ret && fdatasync(j->fd))
		ret = -errno;
	if (ret) {
		/* Cut back so the next commit does not follow a torn record. */
		if (ftruncate(j->fd, (off_t)j->committed_end) == 0)
			(void)fdatasync(j->fd);
		j->next_seq = j->committed_seq;
	} else {
		j->committed_end += j->queue.len;
		j->committed_seq = j->next_seq;
	}
	j->queue.len = 0;
	j->pending = 0;
	return ret;
}
