/* SPDX-License-Identifier: MIT */
/*
 * Load generators shared by perfcpumeasure, perfreplay and perfload.
 *
 * CPU (userspace/replay/load_cpu.c): one fixed busy-loop kernel whose work unit is
 * what capacity curves count, and a set of worker threads, one per CPU, each
 * following a schedule of intervals (a target busy % per worker per interval)
 * on absolute CLOCK_MONOTONIC deadlines. Each interval is cut into slices;
 * a slice is busy for the part of the interval's target not yet done (read
 * from the thread's own CPU clock, so preemption and overshoot are trimmed
 * in the next slice) and idle for the rest, waiting with TIMER_ABSTIME. The
 * busy part is an arc of the slice turned by a phase that moves every slice
 * (load_phase): a scheduler tick that samples the CPU at a fixed rate finds
 * it busy in the target's share of its samples, not always or never.
 *
 * Memory (load_mem.c): holds a target number of bytes of anonymous memory,
 * every page written with varied data, grown and shrunk in place
 * (MADV_DONTNEED). Disk (load_disk.c): paced O_DIRECT reads and writes on a
 * scratch file. Network (load_net.c): a veth pair into a private network
 * namespace with a sink inside, or a remote sink, carrying paced bytes.
 */
#ifndef PC_LOAD_H
#define PC_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- CPU ---- */

/* Version of the busy-loop kernel: curves measured with another one do not compare. */
#define PC_LOAD_KERNEL "pcmix-1"
/* One work unit: this many rounds of the kernel. */
#define PC_LOAD_UNIT_ROUNDS 4096u

/* Run n units of the kernel on *state; returns a value the caller must use (or the loop goes). */
uint64_t load_cpu__kernel(uint64_t *state, uint64_t n);

/*
 * A schedule: n intervals, interval k ending end_ns[k] after the start
 * (strictly increasing), pct[k * nworkers + w] the busy % of worker w in it.
 */
struct load_sched {
	uint32_t n, nworkers;
	const uint64_t *end_ns;
	const double *pct;
};

/*
 * The shortest slice: below it a worker spends its time on clock reads and
 * wake-ups, not on the schedule (1 ns slices spun at 100 % and never ended).
 * Shorter slice_ns are raised to it.
 */
#define PC_LOAD_MIN_SLICE_NS 1000000ull

/*
 * Where in each slice the busy part goes. SPREAD (the default): slice j's arc
 * starts at frac(u0 + j * 0.618...) of the slice, u0 random per worker: every
 * instant of a slice is busy with probability busy/slice, and golden-ratio
 * steps spread any run of consecutive slices evenly over it (low discrepancy:
 * about half the tick-sampling noise of independent offsets). RANDOM: an
 * independent uniform offset per slice. START: busy from the slice's start,
 * the original behaviour, phase-locked to a tick whose period divides a few
 * slices (10 ms slices, 4 ms tick); kept to compare.
 */
enum load_phase_mode { LOAD_PHASE_SPREAD, LOAD_PHASE_RANDOM, LOAD_PHASE_START };

struct load_phase {
	enum load_phase_mode mode;
	uint64_t u;   /* position of the next arc, 2^-64 units of a slice */
	uint64_t rng; /* splitmix64 state */
};

/* Seed a phase: seed picks u0 (SPREAD) or the random sequence (RANDOM). */
void load_phase__init(struct load_phase *p, enum load_phase_mode mode, uint64_t seed);
/* The next slice's arc start, in [0, slice_ns). */
uint64_t load_phase__next(struct load_phase *p, uint64_t slice_ns);

/*
 * One slice of len_ns from its start: busy_ns in total (capped to len_ns) as
 * the arc [at, at + busy) of a circle of len_ns, i.e. busy for head_ns from
 * the start (the part that wraps around), idle until tail_at_ns, busy from
 * there to tail_at_ns + busy_ns - head_ns (at most len_ns).
 */
struct load_arc {
	uint64_t head_ns, tail_at_ns, busy_ns;
};
void load_arc__place(uint64_t len_ns, uint64_t busy_ns, uint64_t at_ns, struct load_arc *a);
/*
 * A worker's slice ending at se, entered at now, of an interval begun at beg
 * with pct % busy of which done ns are done: busy for what the interval
 * should have had by se less done (the feedback: what preemption took or an
 * overshoot gave is made up here), at most se - now, placed by the phase
 * (which moves on every call, busy or not). All times CLOCK_MONOTONIC ns.
 */
void load_cpu__slice(uint64_t beg, uint64_t se, uint64_t now, double pct, uint64_t done,
		     struct load_phase *ph, struct load_arc *a);

struct load_cpu_opts {
	uint32_t nworkers;
	enum load_phase_mode phase; /* 0 = LOAD_PHASE_SPREAD */
	const int *cpu;	   /* CPU to pin worker w to, -1 = not pinned; NULL = none pinned */
	uint64_t slice_ns; /* 0 = 10 ms (shortened to fit short intervals), >= PC_LOAD_MIN_SLICE_NS */
	double speed;	   /* schedule time runs this many times faster; 0 = 1 */
	/*
	 * Called by each worker in its own thread before it pins itself and
	 * starts (a cpuset attach resets affinity): put tid in a cgroup. A
	 * negative return stops that worker and fails load_cpu__start.
	 */
	int (*place)(void *arg, uint32_t w, pid_t tid);
	void *place_arg;
};

struct load_cpu;

/*
 * Start the workers at once; interval 0 begins at start_mono (CLOCK_MONOTONIC
 * ns, 0 = now). The schedule must outlive the generator. NULL with errno.
 */
struct load_cpu *load_cpu__start(const struct load_cpu_opts *o, const struct load_sched *s,
				 uint64_t start_mono);
uint64_t load_cpu__start_mono(const struct load_cpu *l);
/* Thread id of worker w (to place it in a cgroup); 0 when unknown. */
pid_t load_cpu__tid(const struct load_cpu *l, uint32_t w);
/* CPU time of worker w from its thread CPU clock, read by the caller (not the worker). */
uint64_t load_cpu__cpu_ns(const struct load_cpu *l, uint32_t w);
/* Work units done by worker w so far. */
uint64_t load_cpu__units(const struct load_cpu *l, uint32_t w);
/*
 * Busy % of the whole machine over the next ns nanoseconds (user + nice +
 * system over all CPUs, from /proc/stat): how much other work there is before
 * measuring or replaying. 0 or negative errno.
 */
int load_cpu__background(uint64_t ns, double *pct);
/*
 * The machine's CPUs as /proc/stat shows them (tick-sampled where the kernel
 * accounts CPU time by ticks): each read keeps the one before, busy % is
 * user + nice + system (irq, softirq inside) between the last two, of CPU
 * cpu or of the whole machine (cpu < 0); NaN before two reads or for a CPU
 * /proc/stat does not list.
 */
struct load_stat;
struct load_stat *load_stat__open(void);
int load_stat__read(struct load_stat *st);
double load_stat__busy(const struct load_stat *st, int cpu);
/* The time the hypervisor ran something else on the CPU (steal), % of the interval. */
double load_stat__steal(const struct load_stat *st, int cpu);
void load_stat__close(struct load_stat *st);
/* The scheduler tick rate (CONFIG_HZ, from the coarse clock's resolution); 0 when unknown. */
double load_stat__hz(void);
/*
 * Capacity measurement: o->nworkers workers at 10, 20, ... 100 % (levels
 * ascending, passes times over), step_ns per level. got[pass * 10 + level]
 * receives the units/s of all workers together, counted over the last 80 %
 * of each step (the first part settles the feedback). progress (optional) is
 * called as each step starts; *stop is checked between steps (-EINTR).
 */
#define PC_LOAD_LEVELS 10
int load_cpu__measure(const struct load_cpu_opts *o, uint64_t step_ns, unsigned passes, double *got,
		      const volatile int *stop, void (*progress)(unsigned pass, unsigned level));
/* 1 when every worker has finished the schedule. */
int load_cpu__done(const struct load_cpu *l);
/* Ask the workers to stop, join them and free; safe on NULL. */
void load_cpu__stop(struct load_cpu *l);

/* ---- memory ---- */

struct load_mem;

/* Reserve address space for up to max_bytes (nothing is touched yet). NULL with errno. */
struct load_mem *load_mem__open(uint64_t max_bytes);
/* Hold bytes (rounded to pages, capped to max): write new pages, release the rest. */
int load_mem__set(struct load_mem *m, uint64_t bytes);
uint64_t load_mem__held(const struct load_mem *m);
void load_mem__close(struct load_mem *m);
/*
 * The machine's used and available memory now, bytes, with the exporters'
 * definition of used (sar's kbmemused). 0 or negative errno.
 */
int load_mem__meminfo(uint64_t *used, uint64_t *avail);
/* Resident set of this process in bytes (/proc/self/statm), 0 when unreadable. */
uint64_t load_mem__rss(void);

/*
 * What this process may still take: MemAvailable, and the memory cgroup
 * (its own or an ancestor: v2 memory.max less memory.current, v1
 * memory.limit_in_bytes less memory.usage_in_bytes, under /sys/fs/cgroup,
 * unified/ on a hybrid machine) that leaves the least room; cg "" when no
 * limit is set. 0 or negative errno (meminfo unreadable).
 */
struct load_mem_room {
	uint64_t avail;
	uint64_t cg_limit, cg_used;
	char cg[4096]; /* the limit file that binds */
};
int load_mem__room(struct load_mem_room *r);
/* The smaller of MemAvailable and the cgroup's room, bytes. */
uint64_t load_mem__room_bytes(const struct load_mem_room *r);
/* "MemAvailable N MiB, cgroup limit N MiB with N MiB used (FILE)" into buf. */
void load_mem__room_text(const struct load_mem_room *r, char *buf, size_t len);
/*
 * Before allocating bytes: 0 when they fit in the room, else -ENOMEM with err
 * giving both figures (or the error reading them).
 */
int load_mem__check(uint64_t bytes, char *err, size_t errlen);

/* ---- disk ---- */

struct load_disk;

/*
 * Create a scratch file of size bytes in dir (O_DIRECT when the filesystem
 * allows it, written once so that reads reach the device). NULL with errno,
 * err says which file and why.
 */
struct load_disk *load_disk__open(const char *dir, uint64_t size, char *err, size_t errlen);
/* "major:minor" device holding the scratch file, for /proc/diskstats. */
void load_disk__dev(const struct load_disk *d, unsigned *major, unsigned *minor);
/*
 * Do rd_bytes in rd_ios reads and wr_bytes in wr_ios writes spread evenly
 * over [start_mono, end_mono), each I/O at its own deadline. Returns 0 or
 * negative errno; *late_ios counts I/Os issued after the interval ended.
 */
int load_disk__run(struct load_disk *d, uint64_t rd_bytes, uint64_t rd_ios, uint64_t wr_bytes,
		   uint64_t wr_ios, uint64_t start_mono, uint64_t end_mono,
		   const volatile int *stop);
/* Close and delete the scratch file. */
void load_disk__close(struct load_disk *d);

/* ---- network ---- */

struct load_net;

/*
 * A veth pair into a network namespace of our own with a sink inside
 * (needs root and the ip(8) tool), or, with sink = "host:port", TCP to a
 * `perfreplay --sink` peer. NULL with errno and err saying why.
 */
struct load_net *load_net__open(const char *sink, char *err, size_t errlen);
/* Interface whose counters show the traffic ("" for a remote sink). */
const char *load_net__ifname(const struct load_net *n);
/* Send tx_bytes and have rx_bytes sent back, paced over [start_mono, end_mono). */
int load_net__run(struct load_net *n, uint64_t tx_bytes, uint64_t rx_bytes, uint64_t start_mono,
		  uint64_t end_mono, const volatile int *stop);
/* Stop the sink, delete the namespace and the veth pair. */
void load_net__close(struct load_net *n);
/* Serve as a sink on port until *stop: discard what comes, send back what is asked. */
int load_net__sink(uint16_t port, const volatile int *stop);

#endif
