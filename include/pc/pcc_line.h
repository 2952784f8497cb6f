/* SPDX-License-Identifier: MIT */
/*
 * Writing pcc's JSON lines (docs/FORMAT.md): strings escaped as Go's
 * encoding/json does (HTML-safe: <, > and & as \u003c, \u003e, \u0026), so
 * lines are byte for byte what pcc and pcc-container write for the same
 * values. perfcollectord's pcc and pcc-container modes use it.
 */
#ifndef PC_PCC_LINE_H
#define PC_PCC_LINE_H

#include <stdint.h>
#include <stdio.h>

#include "pc/sample.h"

void pc_go_escape(FILE *f, const char *s, size_t len);
void pc_go_string(FILE *f, const char *s, size_t len);
/* {"timestamp":TS,"subsystem":"...","measurement":  (the caller writes the rest) */
void pc_pcc_line_start(FILE *f, uint64_t ts, const char *subsystem);
/*
 * pcc-container's lines of one tick: one per row of ct (PC_G_CONTAINER),
 * subsystem container/<runtime>/<short id>, the measurement an object of
 * the members of pc_ct_pcc_fields plus container_id, container_name and
 * runtime, in Go's member order; a limit of 0 (none) as -1. 0, or -errno.
 */
int pc_pcc_container_lines(FILE *f, uint64_t ts, const struct pc_table *ct);

#endif
