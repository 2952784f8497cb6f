// SPDX-License-Identifier: MIT
/*
 * fuzz_json.c: libFuzzer target for the JSON reader, the JSON sample reader
 * and the string escaper. Every token of a document that parses is read back
 * through the accessors; any string written by json_write_string that parses
 * must unescape to exactly the bytes written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"
#include "pc/json.h"

static struct json_doc doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pc_sample s;
	char err[128], *w = NULL, *back;
	size_t wlen = 0, blen;
	FILE *f;

	if (json_parse(&doc, text, size) == 0) {
		for (uint32_t i = 0; i < doc.ntok; i++) {
			uint64_t u;
			int64_t v;
			double x;

			if (doc.tok[i].span < 1 || i + doc.tok[i].span > doc.ntok)
				abort();
			switch (doc.tok[i].type) {
			case JSON_STRING:
				free(json_strdup(&doc, (int)i, NULL));
				break;
			case JSON_NUMBER:
				json_uint64(&doc, (int)i, &u);
				json_int64(&doc, (int)i, &v);
				json_double(&doc, (int)i, &x);
				break;
			case JSON_OBJECT:
				json_get(&doc, (int)i, "time_ns");
				break;
			default:
				break;
			}
		}
	}
	pc_sample_init(&s);
	pc_json_read_sample(text, size, &s, err, sizeof(err));
	pc_sample_free(&s);

	f = open_memstream(&w, &wlen);
	if (!f)
		return 0;
	json_write_string(f, text, size);
	fclose(f);
	if (json_parse(&doc, w, wlen) == 0) {
		back = json_strdup(&doc, 0, &blen);
		if (!back || blen != size || memcmp(back, text, size))
			abort();
		free(back);
	}
	free(w);
	return 0;
}
