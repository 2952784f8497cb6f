// SPDX-License-Identifier: MIT
/*
 * shape.c: the load shapes of perfload (constant, steps, square wave, ramp,
 * random walk) used by its synthetic traces, and the size parser.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/config.h"
#include "perfload.h"

static int parse_list(struct shape *s, const char *p, int want_period, char *err, size_t errlen,
		      const char *text)
{
	s->nv = 0;
	while (*p) {
		char *end;
		double v;
		if (s->nv == 16) {
			snprintf(err, errlen, "shape \"%s\": more than 16 values", text);
			return -EINVAL;
		}
		if (want_period && s->nv == 2) {
			if (pc_parse_duration(p, &s->period_ns) || s->period_ns < 2000000) {
				snprintf(err, errlen,
					 "shape \"%s\": period \"%s\" is not a duration >= 2ms",
					 text, p);
				return -EINVAL;
			}
			return 0;
		}
		v = strtod(p, &end);
		if (end == p || !isfinite(v) || v < 0 || (*end && *end != ',')) {
			snprintf(err, errlen, "shape \"%s\": bad value at \"%s\"", text, p);
			return -EINVAL;
		}
		s->v[s->nv++] = v;
		p = *end ? end + 1 : end;
	}
	if (want_period) {
		snprintf(err, errlen, "shape \"%s\": want square:LOW,HIGH,PERIOD", text);
		return -EINVAL;
	}
	return 0;
}

int shape_parse(struct shape *s, const char *text, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		enum shape_kind kind;
		unsigned min;
	} kinds[] = {
	    {"steps:", SH_STEPS, 1},
	    {"square:", SH_SQUARE, 2},
	    {"ramp:", SH_RAMP, 2},
	};
	int rc;

	memset(s, 0, sizeof(*s));
	if (!strncmp(text, "walk:", 5)) {
		char *end;
		s->kind = SH_WALK;
		s->seed = strtoull(text + 5, &end, 10);
		if (end == text + 5 || *end) {
			snprintf(err, errlen, "shape \"%s\": want walk:SEED (a number)", text);
			return -EINVAL;
		}
		s->v[0] = 50;
		return 0;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(text, kinds[i].prefix, n))
			continue;
		s->kind = kinds[i].kind;
		if ((rc = parse_list(s, text + n, s->kind == SH_SQUARE, err, errlen, text)))
			return rc;
		if (s->nv < kinds[i].min) {
			snprintf(err, errlen, "shape \"%s\": want at least %u values", text,
				 kinds[i].min);
			return -EINVAL;
		}
		return 0;
	}
	s->kind = SH_CONST;
	if ((rc = parse_list(s, text, 0, err, errlen, text)))
		return rc;
	if (s->nv != 1) {
		snprintf(err, errlen,
			 "shape \"%s\": want a number, steps:A,B,..., square:LOW,HIGH,PERIOD, "
			 "ramp:FROM,TO or walk:SEED",
			 text);
		return -EINVAL;
	}
	return 0;
}

double shape_at(struct shape *s, uint64_t t, uint64_t dur)
{
	double f = dur ? (double)t / (double)dur : 0;

	switch (s->kind) {
	case SH_STEPS: {
		unsigned i = (unsigned)(f * s->nv);
		return s->v[i < s->nv ? i : s->nv - 1];
	}
	case SH_SQUARE:
		return (t % s->period_ns) < s->period_ns / 2 ? s->v[0] : s->v[1];
	case SH_RAMP:
		return s->v[0] + (s->v[1] - s->v[0]) * f;
	case SH_WALK:
		/* Steps of -10..+10 reflected into 0..100: a deterministic, bounded walk. */
		s->seed = s->seed * 6364136223846793005ull + 1442695040888963407ull;
		s->v[0] += (double)((s->seed >> 33) % 21) - 10;
		if (s->v[0] < 0)
			s->v[0] = -s->v[0];
		if (s->v[0] > 100)
			s->v[0] = 200 - s->v[0];
		return s->v[0];
	default:
		return s->v[0];
	}
}
