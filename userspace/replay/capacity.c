// SPDX-License-Identifier: MIT
/*
 * capacity.c: the capacity curve of include/pc/capacity.h. Reads training
 * lines (the seed's four fields plus ours), keeps the points sorted and the
 * units non-decreasing so that the curve can be inverted, writes them back,
 * and converts utilization between two machines through work units.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pc/capacity.h"
#include "pc/json.h"

/* A string member copied into dst; absent is fine, anything but a string is not. */
static int get_str(const struct json_doc *d, const char *key, char *dst, size_t len)
{
	int t = json_get(d, 0, key);
	char *s;

	if (t < 0)
		return 0;
	if (d->tok[t].type != JSON_STRING)
		return -EINVAL;
	s = json_strdup(d, t, NULL);
	if (!s)
		return -ENOMEM;
	snprintf(dst, len, "%s", s);
	free(s);
	return 0;
}

/* A number member; 1 found, 0 absent, -EINVAL not a finite number. */
static int get_num(const struct json_doc *d, const char *key, double *v)
{
	int t = json_get(d, 0, key);

	if (t < 0)
		return 0;
	if (json_double(d, t, v) || !isfinite(*v))
		return -EINVAL;
	return 1;
}

static int parse_line(struct pc_capacity *c, const struct json_doc *d, int first, const char *where,
		      char *err, size_t errlen)
{
	double busy, units, v;
	int rc, b;

	if (d->ntok == 0 || d->tok[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "%s: not a JSON object", where);
		return -EINVAL;
	}
	if (get_str(d, "kernel", c->kernel, sizeof(c->kernel)) ||
	    get_str(d, "placement", c->placement, sizeof(c->placement)) ||
	    get_str(d, "machine", c->machine, sizeof(c->machine))) {
		snprintf(err, errlen, "%s: kernel, placement and machine must be strings", where);
		return -EINVAL;
	}
	if ((rc = get_num(d, "ncpu", &v)) < 0 || (rc && (v < 1 || v > 65536 || v != floor(v)))) {
		snprintf(err, errlen, "%s: ncpu must be a whole number 1..65536", where);
		return -EINVAL;
	}
	if (rc)
		c->ncpu = (uint32_t)v;
	static const char *const ids[] = {"siteid", "host"};
	for (int i = 0; i < 2; i++) {
		uint32_t *dst = i ? &c->host : &c->siteid;
		if ((rc = get_num(d, ids[i], &v)) < 0 || (rc && (v < 0 || v > UINT32_MAX))) {
			snprintf(err, errlen, "%s: %s is not a 32-bit number", where, ids[i]);
			return -EINVAL;
		}
		if (!rc)
			continue;
		if (!first && *dst != (uint32_t)v) {
			snprintf(err, errlen, "%s: %s %.0f differs from the first line's %u", where,
				 ids[i], v, *dst);
			return -EINVAL;
		}
		*dst = (uint32_t)v;
	}
	rc = get_num(d, "busy", &busy);
	if (rc == 0)
		return 0; /* a machine line or a kind we do not know */
	if (rc < 0 || busy < 1 || busy > 100 || busy != floor(busy)) {
		snprintf(err, errlen, "%s: busy must be a whole percentage 1..100", where);
		return -EINVAL;
	}
	if (get_num(d, "units", &units) != 1 || units < 0 || units > 1e15) {
		snprintf(err, errlen, "%s: busy %.0f: units missing, negative or too large", where,
			 busy);
		return -EINVAL;
	}
	b = (int)busy;
	for (uint32_t i = 0; i < c->npts; i++)
		if (c->busy[i] == busy) {
			snprintf(err, errlen, "%s: busy %d given twice", where, b);
			return -EINVAL;
		}
	/* The precise value when we wrote it; the seed's integer otherwise. */
	if (get_num(d, "units_exact", &v) == 1 && v >= 0 && v <= 1e15)
		units = v;
	c->busy[c->npts] = busy;
	c->units[c->npts] = units;
	c->spread[c->npts] = get_num(d, "spread", &v) == 1 && v >= 0 ? v : 0;
	c->npts++;
	return 0;
}

static void sort_points(struct pc_capacity *c)
{
	for (uint32_t i = 1; i < c->npts; i++)
		for (uint32_t j = i; j > 0 && c->busy[j - 1] > c->busy[j]; j--) {
			double t;
			t = c->busy[j], c->busy[j] = c->busy[j - 1], c->busy[j - 1] = t;
			t = c->units[j], c->units[j] = c->units[j - 1], c->units[j - 1] = t;
			t = c->spread[j], c->spread[j] = c->spread[j - 1], c->spread[j - 1] = t;
		}
	/* Measurement noise can make a level do less than the one below: flatten it. */
	for (uint32_t i = 1; i < c->npts; i++)
		if (c->units[i] < c->units[i - 1])
			c->units[i] = c->units[i - 1];
}

int capacity__parse(struct pc_capacity *c, const char *text, size_t len, const char *name,
		    char *err, size_t errlen)
{
	struct json_doc d = {0};
	unsigned line = 0, seen = 0;
	size_t pos = 0;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char where[300];

		pos += n + (nl ? 1 : 0);
		line++;
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		snprintf(where, sizeof(where), "%s line %u", name, line);
		if (c->npts >= PC_CAP_MAXPTS) {
			snprintf(err, errlen, "%s: more than %d levels", where, PC_CAP_MAXPTS);
			rc = -EINVAL;
			goto cleanup;
		}
		rc = json_parse(&d, s, n);
		if (rc) {
			snprintf(err, errlen, "%s: %s", where, d.err);
			goto cleanup;
		}
		rc = parse_line(c, &d, !seen++, where, err, errlen);
		if (rc)
			goto cleanup;
	}
	sort_points(c);
	if (!c->npts || c->busy[c->npts - 1] != 100) {
		snprintf(err, errlen, "%s: no busy=100 line (%u levels read)", name, c->npts);
		rc = -EINVAL;
		goto cleanup;
	}
	if (c->units[c->npts - 1] <= 0) {
		snprintf(err, errlen, "%s: busy 100 does no work (units 0)", name);
		rc = -EINVAL;
		goto cleanup;
	}
cleanup:
	json_free(&d);
	return rc;
}

int capacity__load(struct pc_capacity *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	do {
		if (cap - len < 65536) {
			char *nb;
			if (cap > (64u << 20)) {
				snprintf(err, errlen, "%s: larger than 64 MiB, not a training file",
					 path);
				rc = -EFBIG;
				goto cleanup;
			}
			nb = realloc(buf, cap = cap * 2 + 65536);
			if (!nb) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto cleanup;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto cleanup;
	}
	rc = capacity__parse(c, buf ? buf : "", len, path, err, errlen);
cleanup:
	free(buf);
	fclose(f);
	return rc;
}

int capacity__set_levels(struct pc_capacity *c, const double *units, unsigned nlevels,
			 unsigned passes)
{
	if (!passes || !nlevels || nlevels > PC_CAP_MAXPTS || 100 % nlevels)
		return -EINVAL;
	for (unsigned lv = 0; lv < nlevels; lv++) {
		double sum = 0, lo = INFINITY, hi = -INFINITY;
		for (unsigned p = 0; p < passes; p++) {
			double v = units[p * nlevels + lv];
			if (!isfinite(v) || v < 0)
				return -EINVAL;
			sum += v, lo = fmin(lo, v), hi = fmax(hi, v);
		}
		c->busy[lv] = 100.0 / nlevels * (lv + 1);
		c->units[lv] = sum / passes;
		c->spread[lv] = c->units[lv] > 0 ? (hi - lo) / c->units[lv] : 0;
	}
	c->npts = nlevels;
	sort_points(c);
	return 0;
}

int capacity__write(const struct pc_capacity *c, FILE *f)
{
	for (uint32_t i = 0; i < c->npts; i++) {
		fprintf(f, "{\"siteid\":%u,\"host\":%u,\"busy\":%.0f,\"units\":%.0f", c->siteid,
			c->host, c->busy[i], c->units[i]);
		fprintf(f, ",\"units_exact\":%.3f,\"spread\":%.4f", c->units[i], c->spread[i]);
		if (c->ncpu)
			fprintf(f, ",\"ncpu\":%u,\"units_per_cpu\":%.3f", c->ncpu,
				c->units[i] / c->ncpu);
		if (*c->kernel) {
			fputs(",\"kernel\":", f);
			json_write_string(f, c->kernel, strlen(c->kernel));
		}
		if (*c->placement) {
			fputs(",\"placement\":", f);
			json_write_string(f, c->placement, strlen(c->placement));
		}
		if (*c->machine) {
			fputs(",\"machine\":", f);
			json_write_string(f, c->machine, strlen(c->machine));
		}
		fputs("}\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

double capacity__units(const struct pc_capacity *c, double busy_pct)
{
	double b0 = 0, u0 = 0;

	if (!(busy_pct > 0) || !c->npts)
		return 0;
	if (busy_pct >= 100)
		return c->units[c->npts - 1];
	for (uint32_t i = 0; i < c->npts; i++) {
		if (busy_pct <= c->busy[i])
			return u0 + (c->units[i] - u0) * (busy_pct - b0) / (c->busy[i] - b0);
		b0 = c->busy[i], u0 = c->units[i];
	}
	return c->units[c->npts - 1];
}

double capacity__busy(const struct pc_capacity *c, double units, int *saturated)
{
	double b0 = 0, u0 = 0;

	if (saturated)
		*saturated = 0;
	if (!(units > 0) || !c->npts)
		return 0;
	for (uint32_t i = 0; i < c->npts; i++) {
		/* Flat segments map to their lowest busy level. */
		if (units <= c->units[i] && c->units[i] > u0)
			return b0 + (c->busy[i] - b0) * (units - u0) / (c->units[i] - u0);
		b0 = c->busy[i], u0 = c->units[i];
	}
	if (saturated)
		*saturated = 1;
	return 100;
}

double capacity__cpu_units(const struct pc_capacity *c, double busy_pct)
{
	return c->ncpu ? capacity__units(c, busy_pct) / c->ncpu : 0;
}

double capacity__cpu_busy(const struct pc_capacity *c, double units, int *saturated)
{
	if (!c->ncpu) {
		if (saturated)
			*saturated = 0;
		return 0;
	}
	return capacity__busy(c, units * c->ncpu, saturated);
}

double capacity__convert(const struct pc_capacity *src, const struct pc_capacity *dst,
			 double src_pct, int *saturated)
{
	return capacity__cpu_busy(dst, capacity__cpu_units(src, src_pct), saturated);
}
