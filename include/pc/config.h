/* SPDX-License-Identifier: MIT */
/*
 * Command line and configuration files, the same for every program.
 * ~/.<tool>/<tool>.conf holds key=value lines with the long flags' names
 * (# comments, blank lines and [Section] lines ignored); its settings are
 * placed before the command line's, so the command line wins. Durations use
 * Go's syntax (100ms, 1.5s, 1h30m) as the original tools did.
 */
#ifndef PC_CONFIG_H
#define PC_CONFIG_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Build a new argv: argv[0], then one "--key=value" per setting of the
 * configuration file, then argv[1..]. path NULL means ~/.<tool>/<tool>.conf
 * (a missing default file is not an error; a missing explicit one is).
 * Keys are checked against opts. A line is "key=value" (or "key" for a
 * switch; '#', ';' and '[' start comments): blanks around the key and right
 * after '=' are dropped, the value is the rest of the line exactly, trailing
 * blanks included (site names compare exactly: docs/JOURNAL.md); the line
 * ends at "\n" or "\r\n". A line holding a NUL byte or longer than 4094
 * bytes is an error. On error returns -EINVAL/-ENOENT/-ENOMEM/-ENAMETOOLONG
 * with err naming the file, line and text. Free *out with pc_config_free.
 */
int pc_config_argv(const char *tool, const char *path, const struct option *opts, int argc,
		   char **argv, int *outc, char ***outv, char *err, size_t errlen);
void pc_config_free(int argc, char **argv);

/* Default config path of a tool, in buf: "$HOME/.<tool>/<tool>.conf". */
int pc_config_path(const char *tool, char *buf, size_t len);

/*
 * Parse a Go-style duration ("10ms", "1.5s", "2h45m", "0") into ns.
 * -EINVAL for anything else (a bare number without a unit included),
 * -ERANGE when it does not fit.
 */
int pc_parse_duration(const char *s, uint64_t *ns);

/* The sampling intervals served, everywhere one is given: 10 ms to 1 h (docs/COLLECTOR.md). */
static inline int pc_interval_ok(uint64_t ns)
{
	return ns >= 10000000ULL && ns <= 3600000000000ULL;
}
/* Format ns as a short Go-style duration ("100ms", "1m30s"). */
void pc_format_duration(uint64_t ns, char *buf, size_t len);
/*
 * Parse a size: a non-negative number (a fraction allowed: "1.5G") and a unit,
 * B or none = bytes, K/k/KiB, M/m/MiB, G/g/GiB, T/t/TiB powers of 1024,
 * KB/MB/GB/TB powers of 1000; with per_second the text ends in "/s"
 * ("10MiB/s"). -EINVAL for anything else, -ERANGE when it does not fit.
 */
int pc_parse_size(const char *s, int per_second, uint64_t *out);
/* Parse a non-negative decimal integer that must fit max; -EINVAL / -ERANGE. */
int pc_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
