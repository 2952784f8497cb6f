/* SPDX-License-Identifier: MIT */
/*
 * perfload's parts: the ad-hoc generators (main.c) and the synthetic trace
 * writer (synth.c), with the value parsers and the shapes they share.
 */
#ifndef PERFLOAD_H
#define PERFLOAD_H

#include <stdint.h>

/* A shape over time: value(t) for t in [0, duration). */
enum shape_kind { SH_CONST, SH_STEPS, SH_SQUARE, SH_RAMP, SH_WALK };
struct shape {
	enum shape_kind kind;
	double v[16];
	unsigned nv;
	uint64_t period_ns; /* square: full period */
	uint64_t seed;	    /* walk */
};

/*
 * "40", "steps:0,80,20", "square:10,70,1s", "ramp:0,100", "walk:SEED".
 * 0 or -EINVAL with err naming the text.
 */
int shape_parse(struct shape *s, const char *text, char *err, size_t errlen);
/* Value at t of a trace lasting dur (walk: call in increasing t). */
double shape_at(struct shape *s, uint64_t t_ns, uint64_t dur_ns);

int synth_main(int argc, char **argv);

#endif
