// SPDX-License-Identifier: MIT
/*
 * fuzz_containers.c: libFuzzer target for the container readers that take
 * foreign text: a pcc-container measurement (userspace/input/input_pcc_container.c)
 * into a PC_G_CONTAINER row, and container row keys (pc_container_split_key,
 * pc_container_key) round trip. Whatever the bytes, a row that is made has a
 * key that splits again into a runtime and an id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc/sample.h"
#include "pc/sample_container.h"
#include "../../userspace/input/input_pcc_container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rt[32], id[80], name[PC_KEY_MAX], key[PC_KEY_MAX], *text = malloc(size + 1);
	struct pc_perr perr = {0};
	struct pc_sample s;
	void *state = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	pc_sample_init(&s);
	/* No container_names.json beside a path that does not exist. */
	pcc_container_apply(&state, "/nonexistent/c.json", text, size, &s, &perr);
	for (uint32_t r = 0; r < s.t[PC_G_CONTAINER].nrows; r++) {
		if (pc_container_split_key(s.t[PC_G_CONTAINER].key[r], rt, sizeof(rt), id,
					   sizeof(id), name, sizeof(name)))
			abort();
		if (pc_container_key(key, sizeof(key), rt, id, name) ||
		    strcmp(key, s.t[PC_G_CONTAINER].key[r]))
			abort();
	}
	/* The text as a key, too. */
	if (size < sizeof(key) && !memchr(data, 0, size))
		pc_container_split_key(text, rt, sizeof(rt), id, sizeof(id), name, sizeof(name));
	pcc_container_free(state);
	pc_sample_free(&s);
	free(text);
	return 0;
}
