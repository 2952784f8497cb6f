// SPDX-License-Identifier: MIT
/*
 * config.c: configuration files merged into the command line, and the value
 * parsers (durations, integers) every program's flags share. See config.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/config.h"

int pc_config_path(const char *tool, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	int n;

	if (!home || !*home)
		return -ENOENT;
	n = snprintf(buf, len, "%s/.%s/%s.conf", home, tool, tool);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static const struct option *find_opt(const struct option *opts, const char *key)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, key))
			return opts;
	return NULL;
}

static int push(char ***v, int *n, int *cap, char *s)
{
	if (!s)
		return -ENOMEM;
	if (*n + 1 >= *cap) {
		int nc = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, (size_t)nc * sizeof(**v));
		if (!nv) {
			free(s);
			return -ENOMEM;
		}
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
	return 0;
}

/* Append the settings of one file; the caller owns nothing on error. */
static int read_conf(const char *path, const struct option *opts, char ***v, int *n, int *cap,
		     char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], *key, *val, *eq, *arg;
	const struct option *o;
	unsigned lineno = 0;
	int ret = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s line %u: longer than %zu bytes", path, lineno,
				 sizeof(line) - 2);
			ret = -EINVAL;
			break;
		}
		key = trim(line);
		if (!*key || *key == '#' || *key == ';' || *key == '[')
			continue;
		eq = strchr(key, '=');
		if (eq) {
			*eq = 0;
			val = trim(eq + 1);
			key = trim(key);
		} else {
			val = NULL;
		}
		o = find_opt(opts, key);
		if (!o) {
			snprintf(err, errlen, "%s line %u: unknown setting '%.64s'", path, lineno,
				 key);
			ret = -EINVAL;
			break;
		}
		if (o->has_arg == required_argument && (!val || !*val)) {
			snprintf(err, errlen, "%s line %u: '%s' needs a value (%s=...)", path,
				 lineno, key, key);
			ret = -EINVAL;
			break;
		}
		if (o->has_arg == no_argument && val && strcmp(val, "true") && strcmp(val, "1")) {
			if (!strcmp(val, "false") || !strcmp(val, "0"))
				continue;
			snprintf(err, errlen, "%s line %u: '%s' is a switch: true or false, not '%.64s'",
				 path, lineno, key, val);
			ret = -EINVAL;
			break;
		}
		if (o->has_arg == no_argument || !val || !*val)
			ret = asprintf(&arg, "--%s", key);
		else
			ret = asprintf(&arg, "--%s=%s", key, val);
		ret = push(v, n, cap, ret < 0 ? NULL : arg);
		if (ret) {
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
	}
	fclose(f);
	return ret;
}

void pc_config_free(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int pc_config_argv(const char *tool, const char *path, const struct option *opts, int argc,
		   char **argv, int *outc, char ***outv, char *err, size_t errlen)
{
	char def[PATH_MAX];
	char **v = NULL;
	int n = 0, cap = 0, ret;

	ret = push(&v, &n, &cap, strdup(argv[0]));
	if (ret)
		goto cleanup;
	if (!path && pc_config_path(tool, def, sizeof(def)) == 0)
		path = def, ret = 1;
	if (path) {
		int r = read_conf(path, opts, &v, &n, &cap, err, errlen);
		if (r == -ENOENT && ret == 1) {
			r = 0; /* the default file is optional */
		} else if (r < 0 && !*err) {
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		}
		ret = r;
		if (ret)
			goto cleanup;
	}
	ret = 0;
	for (int i = 1; i < argc && !ret; i++)
		ret = push(&v, &n, &cap, strdup(argv[i]));
	if (ret)
		goto cleanup;
	*outc = n;
	*outv = v;
	return 0;
cleanup:
	pc_config_free(n, v);
	return ret;
}

int pc_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
	{ "s", 1000000000ULL }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
};

int pc_parse_duration(const char *s, uint64_t *ns)
{
	long double total = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	while (*p) {
		long double num = 0, frac = 0, scale = 1;
		int digits = 0;
		size_t best = 0, ulen;
		uint64_t mult = 0;

		while (*p >= '0' && *p <= '9')
			num = num * 10 + (*p++ - '0'), digits++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				frac = frac * 10 + (*p++ - '0'), scale *= 10, digits++;
		}
		if (!digits)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ulen = strlen(units[i].name);
			if (!strncmp(p, units[i].name, ulen) && ulen > best)
				best = ulen, mult = units[i].ns;
		}
		if (!best)
			return -EINVAL;
		p += best;
		total += (num + frac / scale) * mult;
		if (total > (long double)UINT64_MAX)
			return -ERANGE;
	}
	*ns = (uint64_t)(total + 0.5L);
	return 0;
}

void pc_format_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns == 0)
		snprintf(buf, len, "0s");
	else if (ns % 3600000000000ULL == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ns / 3600000000000ULL));
	else if (ns % 60000000000ULL == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ns / 60000000000ULL));
	else if (ns % 1000000000ULL == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ULL));
	else if (ns % 1000000ULL == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ULL));
	else if (ns % 1000ULL == 0)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000ULL));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}
