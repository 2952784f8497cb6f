/* SPDX-License-Identifier: MIT */
/*
 * Absolute-deadline ticks on a wall-clock grid.
 *
 * Tick 0 is "now" (the baseline every rate needs, taken at once so that the
 * caller can prove it can write before saying it is collecting). Ticks 1..
 * fall on multiples of the interval on the wall clock (CLOCK_REALTIME), so
 * samples of different hosts line up: tick k (k >= 1) is at g + (k-1) x
 * interval, g being the first multiple at least half an interval after tick
 * 0. Sleeping uses CLOCK_MONOTONIC with TIMER_ABSTIME against deadlines
 * computed from the tick number, never from the previous wake-up, so there is
 * no drift however long the run, and a wall-clock step does not make ticks
 * bunch up or vanish. A tick that overran its successor's deadline skips the
 * deadlines it missed and counts them.
 */
#ifndef PC_TICKER_H
#define PC_TICKER_H

#include <stdint.h>

struct pc_ticker {
	uint64_t interval_ns;
	uint64_t start_real;   /* tick 0, CLOCK_REALTIME */
	uint64_t grid_real;    /* tick 1, a multiple of interval_ns */
	int64_t real_to_mono;  /* add to a CLOCK_REALTIME instant to get CLOCK_MONOTONIC */
	uint64_t k;	       /* the tick being waited for / just returned */
	uint64_t missed;       /* deadlines skipped in total */
	uint64_t last_skipped; /* deadlines skipped just before tick k */
};

uint64_t pc_now_real(void);
uint64_t pc_now_mono(void);

/* interval_ns >= 1 ms; -EINVAL otherwise. Also sets this thread's timer slack to 1 ns. */
int ticker__init(struct pc_ticker *t, uint64_t interval_ns);
/* The CLOCK_REALTIME deadline of tick k. */
uint64_t ticker__deadline(const struct pc_ticker *t, uint64_t k);
/*
 * Advance to the next tick (skipping deadlines already past) and sleep until
 * it. Returns 0 with *deadline set, or -EINTR when a signal interrupted the
 * sleep (call again to resume waiting for the same tick).
 */
int ticker__next(struct pc_ticker *t, uint64_t *deadline);

#endif
