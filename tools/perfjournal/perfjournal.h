/* SPDX-License-Identifier: MIT */
/* perfjournal.h: what main.c hands the sink modes (sink.c). */
#ifndef PERFJOURNAL_H
#define PERFJOURNAL_H

#include "pc/input.h"
#include "pc/sink.h"

struct pj_sink_args {
	enum pc_sink_kind kind;
	const char *input, *uri, *cursor;
	const struct pc_input_opts *o;
	const char *sitename;  /* --site-name (inputs without a site identity) */
	const char *collector; /* --collector-name */
};

/* --mode=pgsql / remote-write; the exit status. */
int pj_sink(const struct pj_sink_args *a);

#endif
