/* SPDX-License-Identifier: MIT */
/*
 * input_pcc_container.h: pcc-container's measurements
 * ({"timestamp":…,"subsystem":"container/docker/<12 hex>","measurement":"{…}"},
 * the measurement itself a JSON object) into PC_G_CONTAINER rows, for
 * userspace/input/input_pcc.c. Private to userspace/input/ and its tests.
 */
#ifndef PC_INPUT_PCC_CONTAINER_H
#define PC_INPUT_PCC_CONTAINER_H

#include <stddef.h>

#include "pc/proc.h"
#include "pc/sample.h"

/*
 * One measurement's text into a row of s. *state (NULL at first) holds what
 * the reader keeps between lines: the names of container_names.json beside
 * the collection (path), loaded at the first call. 0, or -ENOMEM; a bad
 * measurement goes to perr.
 */
int pcc_container_apply(void **state, const char *path, const char *text, size_t len,
			struct pc_sample *s, struct pc_perr *perr);
void pcc_container_free(void *state);

#endif
