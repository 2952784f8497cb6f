// SPDX-License-Identifier: MIT
/*
 * input.c: include/pc/input.h, reading recorded data whatever wrote it.
 * The first bytes decide: a native collection (coll__is_native) is read
 * with the collection reader, anything else is handed to the JSON-lines
 * reader (userspace/input_pcc.c), which tells pcc collections from legacy
 * captures itself. Damage is skipped and counted in both cases, with the
 * first instance described, so one bad record never costs the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pc/collection.h"
#include "input_int.h"

struct pc_input {
	enum pc_input_kind kind;
	char path[256];
	struct pc_sysinfo si;
	struct pc_coll *coll;
	struct pcc_reader *pcc;
	unsigned long skipped; /* native only; pcc counts its own */
	char first_skip[512];
	char err[320];
};

struct pc_input *input__open(const char *path, char *err, size_t errlen)
{
	struct pc_input *in;
	unsigned char head[64];
	size_t n;
	FILE *f;
	int e;

	if (!path || !*path) {
		snprintf(err, errlen, "input: empty path");
		errno = EINVAL;
		return NULL;
	}
	f = fopen(path, "rb");
	if (!f) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	n = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
		fclose(f);
		errno = e;
		return NULL;
	}
	if (!n) {
		snprintf(err, errlen, "%s: empty file", path);
		fclose(f);
		errno = EINVAL;
		return NULL;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(in->path, sizeof(in->path), "%s", path);
	if (coll__is_native(head, n)) {
		fclose(f);
		in->kind = PC_IN_NATIVE;
		in->coll = coll__open(path);
		if (!in->coll) {
			e = errno ? errno : EINVAL;
			snprintf(err, errlen, "%s: not a readable collection: %s", path,
				 strerror(e));
			free(in);
			errno = e;
			return NULL;
		}
		in->si = *coll__sysinfo(in->coll);
		return in;
	}
	rewind(f);
	in->pcc = pcc__open(f, path, &in->si, err, errlen);
	if (!in->pcc) {
		e = errno;
		free(in);
		errno = e;
		return NULL;
	}
	in->kind = pcc__kind(in->pcc);
	return in;
}

enum pc_input_kind input__kind(const struct pc_input *in)
{
	return in->kind;
}

const struct pc_sysinfo *input__sysinfo(const struct pc_input *in)
{
	return &in->si;
}

int input__next(struct pc_input *in, struct pc_sample *s)
{
	int rc;

	if (in->pcc)
		return pcc__next(in->pcc, s);
	for (;;) {
		rc = coll__next(in->coll, s);
		if (rc >= 0)
			return rc;
		/* Only damage moves the reader on; anything else would repeat forever. */
		if (rc != -EBADMSG && rc != -EINVAL && rc != -EPROTO) {
			snprintf(in->err, sizeof(in->err), "%s: %s", in->path,
				 coll__error(in->coll));
			return rc;
		}
		/* A damaged frame: the reader resumes at the next key frame (or ends). */
		if (!in->skipped++)
			snprintf(in->first_skip, sizeof(in->first_skip), "%s: %s", in->path,
				 coll__error(in->coll));
	}
}

const char *input__error(const struct pc_input *in)
{
	return in->pcc ? pcc__error(in->pcc) : in->err;
}

unsigned long input__skipped(const struct pc_input *in)
{
	return in->pcc ? pcc__skipped(in->pcc) : in->skipped;
}

const char *input__skip_reason(const struct pc_input *in)
{
	return in->pcc ? pcc__first_skip(in->pcc) : in->first_skip;
}

void input__close(struct pc_input *in)
{
	if (!in)
		return;
	if (in->coll)
		coll__close(in->coll);
	pcc__close(in->pcc);
	free(in);
}
