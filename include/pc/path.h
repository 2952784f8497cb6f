/* SPDX-License-Identifier: MIT */
/*
 * Bounded path building: a path made from a HOME, a --datadir or a flag is
 * either complete or refused, never cut short (a cut path names another
 * file) and never written past its buffer.
 */
#ifndef PC_PATH_H
#define PC_PATH_H

#include <stddef.h>

/*
 * snprintf into buf (len bytes). 0, or -ENAMETOOLONG when the result does not
 * fit (buf then holds "" so that a caller who ignores the error opens nothing).
 */
__attribute__((format(printf, 3, 4))) int pc_pathf(char *buf, size_t len, const char *fmt, ...);

#endif
