// SPDX-License-Identifier: MIT
/* path.c: bounded path building (include/pc/path.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "pc/path.h"

int pc_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = 0;
		return -ENAMETOOLONG;
	}
	return 0;
}
