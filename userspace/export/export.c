// SPDX-License-Identifier: MIT
/*
 * export.c: the exporter dispatcher of include/pc/export.h: it picks a mode,
 * keeps the previous sample and each group's last read time, and hands each
 * mode one interval at a time. The formulas are export_formula.c; output
 * files and printed numbers are export_out.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pc/log.h"
#include "export_int.h"

double exp_itv(const struct pc_export *x, const struct pc_sample *cur, int g)
{
	/* export__add only passes samples later than x->prev, and group_ns[g] is never later. */
	uint64_t from = x->group_ns[g] ? x->group_ns[g] : x->prev.time_ns;

	return (double)(cur->time_ns - from) / 1e9;
}

/* ---- dispatcher ---- */

struct pc_export *export__open(enum pc_export_mode mode, const char *out,
			       const struct pc_sysinfo *si, char *err, size_t errlen)
{
	return exp_open_priv(mode, out, si, NULL, err, errlen);
}

struct pc_export *exp_open_priv(enum pc_export_mode mode, const char *out,
				const struct pc_sysinfo *si, void *priv, char *err, size_t errlen)
{
	struct pc_export *x;
	int rc;

	if (!out || !*out) {
		snprintf(err, errlen, "output: empty path");
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "export: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	switch (mode) {
	case PC_EXPORT_CSV:
		x->ops = &exp_sar_ops;
		break;
	case PC_EXPORT_JSON:
		x->ops = &exp_json_ops;
		break;
	case PC_EXPORT_SUMMARY:
		x->ops = &exp_summary_ops;
		break;
	case PC_EXPORT_RAW:
		x->ops = &exp_raw_ops;
		break;
	case PC_EXPORT_HTML:
		x->ops = &exp_html_ops;
		break;
	case PC_EXPORT_FN:
		x->ops = &exp_fn_ops;
		break;
	default:
		snprintf(err, errlen, "export: unknown mode %d", (int)mode);
		free(x);
		errno = EINVAL;
		return NULL;
	}
	x->mode = mode;
	if (si)
		x->si = *si;
	if (snprintf(x->out, sizeof(x->out), "%s", out) >= (int)sizeof(x->out)) {
		snprintf(err, errlen, "%.64s...: path too long", out);
		free(x);
		errno = ENAMETOOLONG;
		return NULL;
	}
	pc_sample_init(&x->prev);
	x->priv = priv;
	rc = x->ops->open(x, err, errlen);
	if (rc < 0) {
		pc_sample_free(&x->prev);
		free(x);
		errno = -rc;
		return NULL;
	}
	return x;
}

int export__add(struct pc_export *x, const struct pc_sample *s)
{
	int rc;

	if (!x || !s)
		return -EINVAL;
	if (x->have_prev && s->time_ns <= x->prev.time_ns) {
		/* Not after its predecessor: no interval to compute; keep the older baseline. */
		if (!x->skipped++)
			log_warnx("export: sample at %llu ns is not after %llu ns; skipped",
				  (unsigned long long)s->time_ns,
				  (unsigned long long)x->prev.time_ns);
		return 0;
	}
	if (x->ops->sample) {
		rc = x->ops->sample(x, s);
		if (rc < 0)
			return rc;
	}
	if (x->have_prev && x->ops->interval) {
		double itv = (double)(s->time_ns - x->prev.time_ns) / 1e9;

		rc = x->ops->interval(x, &x->prev, s, itv);
		if (rc < 0)
			return rc;
		x->nintervals++;
	} else {
		x->first_ns = s->time_ns;
	}
	x->last_ns = s->time_ns;
	x->nsamples++;
	rc = pc_sample_merge(&x->prev, s);
	if (rc < 0)
		return rc;
	for (int g = 0; g < PC_G_MAX; g++)
		if (s->t[g].nrows)
			x->group_ns[g] = s->time_ns;
	x->have_prev = 1;
	return 0;
}

int export__host(struct pc_export *x, const struct pc_sysinfo *si)
{
	if (!x || !x->ops->host)
		return -EINVAL;
	pc_sample_free(&x->prev);
	pc_sample_init(&x->prev);
	memset(x->group_ns, 0, sizeof(x->group_ns));
	x->have_prev = 0;
	if (si)
		x->si = *si;
	return x->ops->host(x);
}

int export__close(struct pc_export *x, char *err, size_t errlen)
{
	int rc;

	if (!x)
		return -EINVAL;
	rc = x->ops->commit(x, err, errlen);
	pc_sample_free(&x->prev);
	free(x);
	return rc;
}

void export__abort(struct pc_export *x)
{
	if (!x)
		return;
	x->ops->abort(x);
	pc_sample_free(&x->prev);
	free(x);
}
