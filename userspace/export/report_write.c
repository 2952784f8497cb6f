// SPDX-License-Identifier: MIT
/*
 * report_write.c: mode html, the writing half. One self-contained page:
 * uPlot's script and style and the report's own (embedded into the binary
 * at build time), then the data as one JSON document: per host its
 * description, span and interval, per series the statistics of every sample
 * and the levels of detail (report_series.c), per heatmap its columns. A
 * Content-Security-Policy forbids the page any network access.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

static const char *const stat_names[RS_NSTATS] = {"min", "avg", "p50", "p90", "p95", "p99", "max"};

/* A JSON string that is also safe inside a <script> element (no <, >, &). */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A JSON number (null for NaN and infinities). */
static void put_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		exp_putd(f, v);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* How the host is called on the page: its hostname, or its number, unique in the report. */
static void host_name(const struct rh *r, size_t i, char *buf, size_t len)
{
	const struct pc_sysinfo *si = &r->h[i].si;
	int dup = 0;

	if (si->hostname[0])
		snprintf(buf, len, "%s", si->hostname);
	else
		snprintf(buf, len, "host %u", si->host);
	for (size_t k = 0; k < i; k++) {
		const struct pc_sysinfo *o = &r->h[k].si;

		if (!strcmp(o->hostname, si->hostname) && o->host == si->host)
			dup++;
	}
	if (dup || (si->hostname[0] && i && !strcmp(r->h[0].si.hostname, si->hostname)))
		snprintf(buf + strlen(buf), len - strlen(buf), " #%zu", i + 1);
}

static void put_sysinfo(FILE *f, const struct pc_sysinfo *si)
{
	fputs("{\"hostname\":", f);
	put_str(f, si->hostname);
	fputs(",\"kernel\":", f);
	put_str(f, si->kernel);
	fputs(",\"machine\":", f);
	put_str(f, si->machine);
	fputs(",\"cpu_model\":", f);
	put_str(f, si->cpu_model);
	fprintf(f, ",\"ncpu\":%u,\"cores\":%u,\"sockets\":%u,\"mhz\":", si->ncpu, si->cores,
		si->sockets);
	put_num(f, si->cpu_mhz_x1000 / 1000.0);
	fprintf(f, ",\"mem_total_kb\":%llu,\"host\":%u,\"run\":%u}",
		(unsigned long long)si->mem_total_kb, si->host, si->run);
}

/* The levels of a host: bucket count, start and width (bucketed) or the raw times. */
static int put_levels(FILE *f, const struct rh_host *h, const struct rs_levels *l)
{
	double t0 = secs(h->t[0]), span = secs(h->t[h->n - 1] - h->t[0]);

	fputs(",\"levels\":[", f);
	for (int k = 0; k < l->n; k++) {
		fprintf(f, "%s{\"b\":%zu,\"t0\":", k ? "," : "", l->buckets[k]);
		put_num(f, t0);
		if (l->buckets[k]) {
			fputs(",\"w\":", f);
			put_num(f, span / (double)l->buckets[k]);
		} else {
			uint32_t *ms = malloc(h->n * sizeof(*ms));

			if (!ms)
				return -ENOMEM;
			for (size_t i = 0; i < h->n; i++)
				ms[i] = (uint32_t)((h->t[i] - h->t[0]) / 1000000);
			fputs(",\"t\":\"", f);
			rs_b64(f, ms, h->n * sizeof(*ms));
			fputc('"', f);
			free(ms);
		}
		fputc('}', f);
	}
	fputc(']', f);
	return 0;
}

/*
 * How many of the host's levels a series carries: the exact per-CPU busy is drawn as a heatmap
 * (its series are for the tables only), and the series of which there is one per CPU or cgroup
 * stop before the raw points (a host of many CPUs would otherwise be mostly those).
 */
static int series_levels(const struct rh_series *s, const struct rs_levels *l)
{
	if (!strcmp(s->chart, "bpfcpu"))
		return 0;
	if ((!strcmp(s->chart, "percpu") || !strcmp(s->chart, "cgroup")) && l->n > 1 &&
	    !l->buckets[l->n - 1])
		return l->n - 1;
	return l->n;
}

/* One series: chart, label, statistics of every sample, then each level as uint16 base64. */
static int put_series(FILE *f, const struct rh_host *h, const struct rh_series *s,
		      const struct rs_levels *l)
{
	double st[RS_NSTATS], lo, hi, *out = NULL;
	size_t cnt = rs_stats(s->v.v, s->v.n, st);
	int rc = 0;

	fputs("{\"chart\":", f);
	put_str(f, s->chart);
	fputs(",\"label\":", f);
	put_str(f, s->label);
	fprintf(f, ",\"count\":%zu", cnt);
	for (int i = 0; i < RS_NSTATS; i++) {
		fprintf(f, ",\"%s\":", stat_names[i]);
		put_num(f, st[i]);
	}
	rs_range(s->v.v, s->v.n, &lo, &hi);
	fputs(",\"lo\":", f);
	put_num(f, lo);
	fputs(",\"hi\":", f);
	put_num(f, hi);
	fputs(",\"d\":[", f);
	for (int k = 0; k < series_levels(s, l) && !rc; k++) {
		size_t b = l->buckets[k];

		fputs(k ? ",\"" : "\"", f);
		if (!b) {
			rc = rs_put_u16(f, s->v.v, s->v.n, lo, hi);
		} else {
			double *o = realloc(out, 2 * b * sizeof(*out));

			if (!o) {
				rc = -ENOMEM;
				break;
			}
			out = o;
			rs_decimate(h->t, s->v.v, s->v.n, b, out);
			rc = rs_put_u16(f, out, 2 * b, lo, hi);
		}
		fputc('"', f);
	}
	fputs("]}", f);
	free(out);
	return rc;
}

static const char *const heat_ids[RH_HEAT_N] = {"runq", "blk", "busy"};

/* A heatmap: column start times (ms after the host's first interval), rows r0..r1. */
static void put_heat(FILE *f, const struct rh_host *h, int k, int *first)
{
	const struct rs_heat *m = &h->heat[k];
	unsigned r0 = m->rows, r1 = 0;

	if (!m->ncols)
		return;
	for (size_t c = 0; c < m->ncols; c++)
		for (unsigned r = 0; r < m->rows; r++)
			if (m->cell[c * m->rows + r] > 0) {
				r0 = r < r0 ? r : r0;
				r1 = r + 1 > r1 ? r + 1 : r1;
			}
	if (r1 <= r0)
		r0 = 0, r1 = m->rows;
	fprintf(f, "%s{\"id\":\"%s\",\"rows\":%u,\"r0\":%u,\"r1\":%u,\"t\":[", *first ? "" : ",",
		heat_ids[k], m->rows, r0, r1);
	*first = 0;
	for (size_t c = 0; c < m->ncols; c++)
		fprintf(f, "%s%llu", c ? "," : "",
			(unsigned long long)((m->t0[c] - h->t[0]) / 1000000));
	fputs("],\"n\":[", f);
	for (size_t c = 0; c < m->ncols; c++)
		fprintf(f, "%s%u", c ? "," : "", m->nitv[c]);
	fputs("],\"c\":[", f);
	for (size_t c = 0; c < m->ncols; c++)
		for (unsigned r = r0; r < r1; r++)
			fprintf(f, "%s%.4g", c || r > r0 ? "," : "", m->cell[c * m->rows + r]);
	fputs("]}", f);
}

static int put_host(FILE *f, const struct rh *r, size_t i)
{
	const struct rh_host *h = &r->h[i];
	struct rs_levels l;
	char name[192];
	int rc, first = 1;

	host_name(r, i, name, sizeof(name));
	fputs("{\"name\":", f);
	put_str(f, name);
	fputs(",\"si\":", f);
	put_sysinfo(f, &h->si);
	fprintf(f, ",\"n\":%zu", h->n);
	if (!h->n)
		return fputs(",\"levels\":[],\"series\":[],\"heat\":[]}", f), 0;
	fputs(",\"first\":", f);
	put_num(f, secs(h->first_ns));
	fputs(",\"last\":", f);
	put_num(f, secs(h->t[h->n - 1]));
	fputs(",\"interval\":", f);
	put_num(f, h->si.interval_ns ? secs(h->si.interval_ns)
				     : secs(h->t[h->n - 1] - h->first_ns) / (double)h->n);
	rs_levels_plan(h->n, &l);
	rc = put_levels(f, h, &l);
	fputs(",\"series\":[", f);
	for (size_t k = 0; k < h->ns && !rc; k++) {
		struct rh_series *s = &h->s[k];

		if (k)
			fputc(',', f);
		rc = rs_vec_pad(&s->v, h->n);
		if (!rc)
			rc = put_series(f, h, s, &l);
	}
	fputs("],\"heat\":[", f);
	for (int k = 0; k < RH_HEAT_N; k++)
		put_heat(f, h, k, &first);
	fputs("]}", f);
	return rc;
}

int rh_write(const struct rh *r, FILE *f)
{
	char ts[32];
	int rc = 0;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>perfcollector report</title>\n<style>",
	      f);
	fputs(pc_asset_uplot_css, f);
	fputs("</style>\n<style>", f);
	fputs(pc_asset_report_css, f);
	fputs("</style></head><body>\n<noscript>This report draws its charts with "
	      "JavaScript.</noscript>\n<div id=\"app\"></div>\n"
	      "<script type=\"application/json\" id=\"pc-data\">{\"generated\":",
	      f);
	put_str(f, exp_iso8601(ts, (uint64_t)time(NULL) * 1000000000ull));
	fputs(",\"hosts\":[", f);
	for (size_t i = 0, k = 0; i < r->nh && !rc; i++) {
		/* A host that gave no interval (a --host the input does not hold) is left out. */
		if (!r->h[i].n && (k || i + 1 < r->nh))
			continue;
		if (k++)
			fputc(',', f);
		rc = put_host(f, r, i);
	}
	fputs("]}</script>\n<script>", f);
	fputs(pc_asset_uplot_js, f);
	fputs("</script>\n<script>", f);
	fputs(pc_asset_report_js, f);
	fputs("</script>\n</body></html>\n", f);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
