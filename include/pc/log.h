/* SPDX-License-Identifier: MIT */
/*
 * The tiny log API every program uses (after OpenBSD's daemons):
 * log_warn appends strerror(errno), log_warnx does not, fatal/fatalx exit(1).
 * Messages go to stderr with the program name; log_debug only when verbose.
 */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stdarg.h>
#include <stddef.h>

void log_init(const char *progname, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A peer-supplied string s made safe for one log line, into buf (returned):
 * at most max bytes of it, each control or non-ASCII byte and the backslash
 * as \xNN, "..." when cut. A NULL s gives "".
 */
const char *log_esc(char *buf, size_t len, const char *s, size_t max);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
