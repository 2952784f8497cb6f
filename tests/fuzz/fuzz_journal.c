// SPDX-License-Identifier: MIT
/*
 * fuzz_journal.c: libFuzzer target for the native journal reader. A real
 * journal (six records, cheap KDF parameters) is made once in a memfd; each
 * input then becomes, by its first byte, (0) a whole journal image, (1) the
 * record area after that journal's valid header, or (2) edits applied to the
 * valid journal (bit flips, cuts, copies of byte ranges: splices, reorders,
 * duplicates), or (3) a journal of the original Go tools for the legacy
 * reader. Whatever the bytes, every record the native reader delivers must be
 * exactly one of the records written, under its own sequence number.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pc/journal.h"

#define NREC 6

static const struct pc_site site = {.siteid = 7,
				    .sitename = "Fuzz Site",
				    .mac = {0x02, 0, 0, 0, 0, 9},
				    .license = "0151-49b3-648e-edcb-6331-01b9"};
static uint8_t *valid;
static int legacy_fd = -1;
static volatile char sink;
static size_t valid_len;
static char payloads[NREC][600];
static size_t paylens[NREC];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct journal_kdf fast = {1, 8192};
	char path[64], err[256];
	struct journal *j;
	int fd;

	(void)argc;
	(void)argv;
	/* a real path: the writer opens with O_NOFOLLOW, so not /proc/self/fd/N */
	snprintf(path, sizeof(path), "/tmp/fuzz_journal.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	j = journal__open_append(path, &site, &fast, err, sizeof(err));
	unlink(path);
	if (!j) {
		fprintf(stderr, "fuzz_journal: %s\n", err);
		abort();
	}
	for (int i = 0; i < NREC; i++) {
		size_t n = 0;

		/* Some compressible, one tiny (stored), one empty. */
		for (int k = 0; i != 5 && n + 40 < sizeof(payloads[i]) && k < (i == 4 ? 1 : 12);
		     k++)
			n += (size_t)snprintf(payloads[i] + n, sizeof(payloads[i]) - n,
					      "row%d %d %d\n", k, i * 100 + k, k * k);
		paylens[i] = n;
		if (journal__append(j, (uint32_t)(i % 2), (uint32_t)(i % 3), payloads[i], n))
			abort();
	}
	if (journal__close(j))
		abort();
	valid_len = (size_t)lseek(fd, 0, SEEK_END);
	valid = malloc(valid_len);
	if (!valid || pread(fd, valid, valid_len, 0) != (ssize_t)valid_len)
		abort();
	close(fd);
	legacy_fd = memfd_create("fuzz_journal_legacy", 0);
	if (legacy_fd < 0)
		abort();
	return 0;
}

static void legacy(const uint8_t *data, size_t size)
{
	struct journal_legacy *l;
	char path[64], err[256];
	const char *line;
	size_t len;

	if (ftruncate(legacy_fd, 0) || pwrite(legacy_fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", legacy_fd);
	l = journal_legacy__open(path, &site, err, sizeof(err));
	if (!l)
		return;
	while (journal_legacy__next(l, &line, &len) == 1)
		if (len)
			sink ^= line[len - 1]; /* ASan checks the line is all there */
	journal_legacy__close(l);
}

/* Apply 4-byte edits: op, position (2 bytes, scaled), value. */
static size_t edit(uint8_t *img, size_t len, size_t cap, const uint8_t *ops, size_t n)
{
	for (size_t i = 0; i + 4 <= n && len; i += 4) {
		size_t pos = ((size_t)ops[i + 1] << 8 | ops[i + 2]) % len, cnt;

		switch (ops[i] % 4) {
		case 0: /* flip bits */
			img[pos] ^= ops[i + 3] ? ops[i + 3] : 1;
			break;
		case 1: /* cut the tail */
			len = pos;
			break;
		case 2: /* copy a range to the end (duplicate or reorder) */
			cnt = (size_t)ops[i + 3] * 8;
			if (cnt > len - pos)
				cnt = len - pos;
			if (len + cnt <= cap) {
				memcpy(img + len, img + pos, cnt);
				len += cnt;
			}
			break;
		case 3: /* delete a range (drop from the middle) */
			cnt = (size_t)ops[i + 3] * 8;
			if (cnt > len - pos)
				cnt = len - pos;
			memmove(img + pos, img + pos + cnt, len - pos - cnt);
			len -= cnt;
			break;
		}
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_summary sum;
	struct journal_rec rec;
	struct journal *j;
	size_t len, cap, nd;
	uint8_t *img;
	char err[256];

	if (!size)
		return 0;
	if (data[0] % 4 == 3) {
		legacy(data + 1, size - 1);
		return 0;
	}
	cap = valid_len * 2 + size + 256;
	img = malloc(cap);
	if (!img)
		return 0;
	switch (data[0] % 4) {
	case 0:
		memcpy(img, data + 1, size - 1);
		len = size - 1;
		break;
	case 1:
		memcpy(img, valid, 256);
		memcpy(img + 256, data + 1, size - 1);
		len = 256 + size - 1;
		break;
	default:
		memcpy(img, valid, valid_len);
		len = edit(img, valid_len, cap, data + 1, size - 1);
		break;
	}
	j = journal__open_buf(img, len, &site, err, sizeof(err));
	if (j) {
		while (journal__next(j, &rec) == 1) {
			/* Only the key holder makes records: each must be an original. */
			if (rec.seq >= NREC || rec.len != paylens[rec.seq] ||
			    (rec.len && memcmp(rec.payload, payloads[rec.seq], rec.len)) ||
			    rec.meta.host != rec.seq % 2 || rec.meta.run != rec.seq % 3)
				abort();
		}
		journal__verify(j, &sum);
		journal__damage(j, &nd);
		if (sum.records > NREC * 2 || nd > sum.damage)
			abort();
		journal__close(j);
	}
	free(img);
	return 0;
}
