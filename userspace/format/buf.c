// SPDX-License-Identifier: MIT
/*
 * buf.c: struct pc_buf, the growable byte buffer of include/pc/codec.h that the
 * codecs, the spool and the transport append to. Growth doubles so appending
 * n bytes one at a time costs O(n); sizes are checked for overflow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"

int pc_buf_reserve(struct pc_buf *b, size_t extra)
{
	size_t want, cap;
	uint8_t *p;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	want = b->len + extra;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want) {
		if (cap > SIZE_MAX / 2) {
			cap = want;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int pc_buf_put(struct pc_buf *b, const void *p, size_t n)
{
	int err;

	if (!n)
		return 0;
	err = pc_buf_reserve(b, n);
	if (err)
		return err;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int pc_buf_printf(struct pc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = pc_buf_reserve(b, (size_t)n + 1); /* vsnprintf writes the NUL too */
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void pc_buf_free(struct pc_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
