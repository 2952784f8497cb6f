// SPDX-License-Identifier: MIT
/*
 * log.c: the log API of include/pc/log.h. One line per message on stderr,
 * prefixed with the program name; nothing is buffered so a crash loses nothing.
 * Also log_esc, which makes a peer-supplied string safe to put in a line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/log.h"

static const char *prog = "perfcollector";
static int verbosity;

void log_init(const char *progname, int verbose)
{
	const char *slash = strrchr(progname, '/');

	prog = slash ? slash + 1 : progname;
	verbosity = verbose;
}

static void vlog(const char *fmt, va_list ap, int err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, msg, strerror(err));
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, err);
	va_end(ap);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbosity)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, 0);
	va_end(ap);
	exit(1);
}

const char *log_esc(char *buf, size_t len, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!len)
		return "";
	for (i = 0; s && s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\';

		if (o + (plain ? 1 : 4) + 4 > len)
			break; /* room kept for "..." and the NUL */
		if (plain) {
			buf[o++] = (char)c;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	if (s && s[i] && len >= 4) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}
