// SPDX-License-Identifier: MIT
/*
 * fuzz_codec.c: libFuzzer target for the binary sample codec and the sysinfo
 * record. The input is read as a stream of frames by one decoder (so delta
 * frames meet a previous sample); every sample that decodes must encode and
 * decode again to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"

static void check_same(const struct pc_sample *a, const struct pc_sample *b)
{
	if (a->time_ns != b->time_ns || a->taken_ns != b->taken_ns || a->seq != b->seq ||
	    a->host != b->host || a->gap_count != b->gap_count)
		abort();
	for (unsigned g = 0; g < PC_G_MAX; g++) {
		if (a->t[g].nrows != b->t[g].nrows)
			abort();
		for (uint32_t r = 0; r < a->t[g].nrows; r++)
			if (strcmp(a->t[g].key[r], b->t[g].key[r]) ||
			    memcmp(pc_table_row(&a->t[g], r), pc_table_row(&b->t[g], r),
				   a->t[g].ncols * sizeof(uint64_t)))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_dec d, d2;
	struct pc_enc e;
	struct pc_sample s, back;
	struct pc_buf b = {0};
	struct pc_sysinfo si;
	size_t off = 0;

	pc_sysinfo_decode(data, size, &si);
	pc_dec_init(&d);
	pc_dec_init(&d2);
	pc_enc_init(&e);
	pc_sample_init(&s);
	pc_sample_init(&back);
	while (off < size) {
		long used = pc_dec_sample(&d, data + off, size - off, &s);

		if (used <= 0)
			break;
		if ((size_t)used > size - off)
			abort();
		off += (size_t)used;
		b.len = 0;
		if (pc_enc_sample(&e, &s, &b) ||
		    pc_dec_sample(&d2, b.p, b.len, &back) != (long)b.len)
			abort();
		check_same(&s, &back);
	}
	pc_buf_free(&b);
	pc_sample_free(&s);
	pc_sample_free(&back);
	pc_enc_free(&e);
	pc_dec_free(&d);
	pc_dec_free(&d2);
	return 0;
}
