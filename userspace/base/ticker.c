// SPDX-License-Identifier: MIT
/* ticker.c: absolute-deadline ticks on a wall-clock grid; see ticker.h for the rules. */
#include <errno.h>
#include <sys/prctl.h>
#include <time.h>

#include "pc/ticker.h"

static uint64_t now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t pc_now_real(void)
{
	return now(CLOCK_REALTIME);
}

uint64_t pc_now_mono(void)
{
	return now(CLOCK_MONOTONIC);
}

int ticker__init(struct pc_ticker *t, uint64_t interval_ns)
{
	uint64_t real, mono;

	if (interval_ns < 1000000ULL)
		return -EINVAL;
	/* 50 us default slack would be 0.5 % of a 10 ms tick; ask for none. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	mono = now(CLOCK_MONOTONIC);
	real = now(CLOCK_REALTIME);
	t->interval_ns = interval_ns;
	t->start_real = real;
	t->real_to_mono = (int64_t)(mono - real);
	t->grid_real = (real + interval_ns / 2) / interval_ns * interval_ns + interval_ns;
	t->k = 0;
	t->missed = 0;
	t->last_skipped = 0;
	return 0;
}

uint64_t ticker__deadline(const struct pc_ticker *t, uint64_t k)
{
	return k == 0 ? t->start_real : t->grid_real + (k - 1) * t->interval_ns;
}

static int64_t to_mono(const struct pc_ticker *t, uint64_t real)
{
	return (int64_t)real + t->real_to_mono;
}

int ticker__next(struct pc_ticker *t, uint64_t *deadline)
{
	struct timespec ts;
	uint64_t mono = now(CLOCK_MONOTONIC), next = t->k + 1;
	int64_t when;
	int rc;

	/* Skip deadlines that are already past (the previous tick overran). */
	t->last_skipped = 0;
	while (to_mono(t, ticker__deadline(t, next + 1)) <= (int64_t)mono) {
		next++;
		t->last_skipped++;
	}
	t->missed += t->last_skipped;
	t->k = next;
	when = to_mono(t, ticker__deadline(t, next));
	ts.tv_sec = when / 1000000000LL;
	ts.tv_nsec = when % 1000000000LL;
	rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	if (rc == EINTR) {
		t->k = next - 1; /* resume waiting for the same tick */
		t->missed -= t->last_skipped;
		return -EINTR;
	}
	*deadline = ticker__deadline(t, next);
	return 0;
}
