// SPDX-License-Identifier: MIT
/*
 * server.c: perfcollectord's server mode. Three parts:
 *  - the run state (running, run number, interval, systems), persisted in
 *    <datadir>/state so that a restarted collector resumes the run it was
 *    in, continuing its batch and sample numbering from the spool and
 *    marking the samples it could not take as a PC_GAP_RESTART gap;
 *  - the sampling thread: while a run is on, one sample per tick on the
 *    ticker's absolute deadlines, grouped into batches (one codec stream
 *    each) sealed into the spool. When the spool has no room the sample is
 *    not taken: it is counted and the next one carries a PC_GAP_SPOOL_FULL
 *    gap. (A loop of its own rather than cd_loop: it starts, stops and
 *    changes interval on the processor's orders and numbers across restarts.)
 *  - the session handler, one per SSH session thread: HELLO, then requests
 *    (start, stop, status, once, dir, netcache), pings, and for the data
 *    session (the newest one wins) batches out and acknowledgements in.
 *    Any protocol violation closes the session with the reason logged.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/codec.h"
#include "pc/config.h"
#include "pc/log.h"
#include "pc/sampler.h"
#include "pc/spool.h"
#include "pc/ssh.h"
#include "pc/ticker.h"
#include "pc/wire.h"

#define WINDOW		 32 /* batches in flight per data session */
#define HELLO_TIMEOUT_NS 10000000000ull
#define IDLE_TIMEOUT_NS	 30000000000ull /* the processor pings every 5 s */
#define FLOOD_MAX	 500		/* requests + pings in one second */
#define AWAY_BATCH_NS	 60000000000ull /* bigger batches while nobody is listening */
#define MAX_BATCH_BYTES	 (1u << 20)

struct srv {
	const struct cd_opts *o;
	struct spool *spool;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t sampler;
	/* run state, under mu; persisted in statepath */
	int running;
	uint32_t host, run;
	uint64_t interval_ns, start_ns;
	char systems[PC_WIRE_MAX_TEXT + 1];
	unsigned gen; /* bumped by every start and stop */
	int resume;   /* the run was on when the collector last stopped */
	uint64_t samples;
	unsigned data_gen; /* the newest data session */
	int sink;	   /* a data session is connected */
	char statepath[PATH_MAX + 16];
};

/* --- systems: which groups a run keeps ("" keeps all) */

static const struct {
	const char *name;
	int g[2];
} systems_map[] = {
    {"/proc/stat", {PC_G_CPU, PC_G_STAT}}, {"/proc/meminfo", {PC_G_MEM, -1}},
    {"/proc/vmstat", {PC_G_VMSTAT, -1}},   {"/proc/diskstats", {PC_G_DISK, -1}},
    {"/proc/net/dev", {PC_G_NET, -1}},	   {"statfs", {PC_G_FS, -1}},
    {"/proc/loadavg", {PC_G_LOAD, -1}},	   {"/proc/pressure", {PC_G_PSI, -1}},
    {"/proc/uptime", {PC_G_UPTIME, -1}},
};

/* Groups mask of a systems list; -EINVAL with why naming the unknown entry. */
static int systems_mask(const char *list, uint32_t *mask, char *why, size_t whylen)
{
	char buf[PC_WIRE_MAX_TEXT + 1], *save = NULL, *tok;

	*mask = 0;
	if (!*list || !strcmp(list, "all")) {
		*mask = (1u << PC_G_MAX) - 1;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < sizeof(systems_map) / sizeof(*systems_map); i++)
			if (!strcmp(tok, systems_map[i].name))
				break;
		if (i == sizeof(systems_map) / sizeof(*systems_map)) {
			snprintf(why, whylen,
				 "systems: '%.64s' unknown (known: /proc/stat /proc/meminfo "
				 "/proc/vmstat /proc/diskstats /proc/net/dev statfs /proc/loadavg "
				 "/proc/pressure /proc/uptime, or all)",
				 tok);
			return -EINVAL;
		}
		for (int k = 0; k < 2; k++)
			if (systems_map[i].g[k] >= 0)
				*mask |= 1u << systems_map[i].g[k];
	}
	/* the collector's own cost and the eBPF groups always travel */
	for (int g = PC_G_SELF; g < PC_G_MAX; g++)
		*mask |= 1u << g;
	return 0;
}

/* --- run state file */

static void state_save(struct srv *S)
{
	char tmp[PATH_MAX + 32];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", S->statepath);
	f = fopen(tmp, "w");
	if (!f) {
		log_warn("cannot write %s", tmp);
		return;
	}
	fprintf(f, "running=%d\nrun=%u\nhost=%u\ninterval_ns=%llu\nstart_ns=%llu\nsystems=%s\n",
		S->running, S->run, S->host, (unsigned long long)S->interval_ns,
		(unsigned long long)S->start_ns, S->systems);
	if (fclose(f) || rename(tmp, S->statepath))
		log_warn("cannot write %s", S->statepath);
}

static void state_load(struct srv *S)
{
	char line[PC_WIRE_MAX_TEXT + 64];
	unsigned lineno = 0;
	uint64_t v;
	FILE *f = fopen(S->statepath, "r");
	uint32_t mask;
	char why[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!eq)
			goto bad;
		*eq = 0;
		val = eq + 1;
		if (!strcmp(line, "systems")) {
			snprintf(S->systems, sizeof(S->systems), "%s", val);
			continue;
		}
		if (pc_parse_u64(val, UINT64_MAX, &v))
			goto bad;
		if (!strcmp(line, "running"))
			S->running = v == 1;
		else if (!strcmp(line, "run") && v <= UINT32_MAX)
			S->run = (uint32_t)v;
		else if (!strcmp(line, "host") && v <= UINT32_MAX)
			S->host = (uint32_t)v;
		else if (!strcmp(line, "interval_ns"))
			S->interval_ns = v;
		else if (!strcmp(line, "start_ns"))
			S->start_ns = v;
		else
			goto bad;
		continue;
	bad:
		log_warnx("%s line %u: '%.80s' not understood; ignored", S->statepath, lineno,
			  line);
	}
	fclose(f);
	if (S->running && (S->interval_ns < 10000000ull || S->interval_ns > 3600000000000ull ||
			   systems_mask(S->systems, &mask, why, sizeof(why)))) {
		log_warnx("%s: interval %llu ns or systems '%s' invalid: not resuming run %u",
			  S->statepath, (unsigned long long)S->interval_ns, S->systems, S->run);
		S->running = 0;
	}
	S->resume = S->running;
}

/* --- sampling thread */

struct runctx {
	struct srv *S;
	struct pc_sampler *sp;
	struct pc_enc enc;
	struct pc_buf batch;
	struct pc_sample s;
	uint32_t host, run, mask;
	uint64_t bseq, first_seq, first_ns, last_ns, opened_mono;
	uint32_t nb;
	uint64_t lost_unsealed; /* samples lost after they were taken (spool refused their batch) */
};

static void seal(struct runctx *r)
{
	struct spool_batch b = {r->host,     r->run,	 r->bseq,	r->first_seq, r->nb,
				r->first_ns, r->last_ns, pc_now_real(), r->batch.p,   r->batch.len};
	int ret;

	if (!r->nb)
		return;
	ret = spool__append(r->S->spool, &b);
	if (ret) {
		log_warnx("run %u batch %llu (%u samples): cannot spool: %s; marked as a gap",
			  r->run, (unsigned long long)r->bseq, r->nb, strerror(-ret));
		spool__drop(r->S->spool, r->nb);
		r->lost_unsealed += r->nb;
	}
	r->bseq++;
	r->nb = 0;
	r->batch.len = 0;
}

static int changed(struct srv *S, unsigned gen)
{
	int c;

	pthread_mutex_lock(&S->mu);
	c = S->gen != gen || cd_stop;
	pthread_mutex_unlock(&S->mu);
	return c;
}

static void add_sample(struct runctx *r, uint64_t deadline, uint64_t seq_base)
{
	int ret = sampler__take(r->sp, &r->s, deadline);

	if (ret) {
		log_warnx("run %u: sample at %llu: %s", r->run, (unsigned long long)deadline,
			  strerror(-ret));
		return;
	}
	r->s.seq += seq_base;
	if (r->lost_unsealed) {
		r->s.flags |= PC_SF_GAP_BEFORE;
		r->s.gap_reason = PC_GAP_SPOOL_FULL;
		r->s.gap_count += r->lost_unsealed;
		r->lost_unsealed = 0;
	}
	for (int g = 0; g < PC_G_MAX; g++)
		if (!(r->mask & (1u << g)))
			r->s.t[g].nrows = 0;
	if (!r->nb) {
		pc_enc_reset(&r->enc);
		r->batch.len = 0;
		r->first_seq = r->s.seq;
		r->first_ns = r->s.time_ns;
		r->opened_mono = pc_now_mono();
	}
	ret = pc_enc_sample(&r->enc, &r->s, &r->batch);
	if (ret) {
		log_warnx("run %u: encoding sample %llu: %s", r->run, (unsigned long long)r->s.seq,
			  strerror(-ret));
		return;
	}
	r->nb++;
	r->last_ns = r->s.time_ns;
	pthread_mutex_lock(&r->S->mu);
	r->S->samples++;
	pthread_mutex_unlock(&r->S->mu);
}

static void run_one(struct srv *S, unsigned gen, uint64_t interval, const char *systems, int resume,
		    uint64_t start_ns)
{
	struct runctx r = {.S = S};
	struct spool_batch last;
	struct pc_ticker tk;
	uint64_t deadline, seq_base = 0, est = 16384, full_since = 0;
	char why[256];
	int ret, sink;

	pthread_mutex_lock(&S->mu);
	r.host = S->host;
	r.run = S->run;
	pthread_mutex_unlock(&S->mu);
	systems_mask(systems, &r.mask, why, sizeof(why));
	r.sp = sampler__open(S->o->root, S->o->sampler_flags, r.host, r.run);
	if (!r.sp) {
		log_warn("run %u: cannot read %s/proc", r.run, S->o->root ? S->o->root : "");
		return;
	}
	if (*sampler__missing(r.sp))
		log_warnx("running without: %s", sampler__missing(r.sp));
	pc_sample_init(&r.s);
	pc_enc_init(&r.enc);
	ticker__init(&tk, interval);
	deadline = tk.start_real;
	if (spool__last(S->spool, &last) && last.run == r.run) {
		seq_base = last.first_seq + last.nsamples;
		r.bseq = last.bseq + 1;
	}
	if (resume) {
		/* samples due after the last one spooled and before now were lost */
		uint64_t from = last.run == r.run && last.nsamples ? last.last_ns
				: start_ns > interval		   ? start_ns - interval
								   : 0;
		uint64_t lost = deadline > from + 1 ? (deadline - from - 1) / interval : 0;

		if (lost)
			sampler__gap(r.sp, lost, PC_GAP_RESTART);
		log_info("resuming run %u after a restart at batch %llu, sample %llu: %llu samples "
			 "lost, marked as a gap",
			 r.run, (unsigned long long)r.bseq, (unsigned long long)(seq_base + lost),
			 (unsigned long long)lost);
	} else {
		log_info("run %u: sampling every %s", r.run,
			 (pc_format_duration(interval, why, sizeof(why)), why));
	}
	while (!changed(S, gen)) {
		if (!spool__fits(S->spool, r.batch.len + est)) {
			if (!full_since)
				log_warnx(
				    "run %u: spool full: dropping samples (counted, marked as a "
				    "gap) until the processor acknowledges",
				    r.run);
			full_since = 1;
			if (r.nb)
				seal(&r); /* what fits goes in; then drop */
			sampler__gap(r.sp, 1, PC_GAP_SPOOL_FULL);
			spool__drop(S->spool, 1);
		} else {
			size_t before = r.batch.len;

			if (full_since)
				log_info("run %u: spool has room again", r.run);
			full_since = 0;
			add_sample(&r, deadline, seq_base);
			/* room for the next sample: twice the largest seen, so the open batch
			 * always fits; at most a quarter of the spool, so a small one works */
			if (r.batch.len > before && (r.batch.len - before) * 2 > est)
				est = (r.batch.len - before) * 2;
			if (est > S->o->spool_file / 4)
				est = S->o->spool_file / 4;
		}
		pthread_mutex_lock(&S->mu);
		sink = S->sink;
		pthread_mutex_unlock(&S->mu);
		if (r.nb && (pc_now_mono() - r.opened_mono + interval / 2 >=
				 (sink ? S->o->batch_ns : AWAY_BATCH_NS) ||
			     r.batch.len >= MAX_BATCH_BYTES))
			seal(&r);
		while ((ret = ticker__next(&tk, &deadline)) == -EINTR && !changed(S, gen))
			;
		if (ret)
			break;
		if (tk.last_skipped)
			sampler__gap(r.sp, tk.last_skipped, PC_GAP_OVERRUN);
	}
	seal(&r);
	pc_buf_free(&r.batch);
	pc_enc_free(&r.enc);
	pc_sample_free(&r.s);
	sampler__close(r.sp);
}

static void *sampler_main(void *arg)
{
	struct srv *S = arg;

	pthread_mutex_lock(&S->mu);
	while (!cd_stop) {
		unsigned gen;
		uint64_t interval, start_ns;
		char systems[sizeof(S->systems)];
		int resume;

		if (!S->running) {
			pthread_cond_wait(&S->cv, &S->mu);
			continue;
		}
		gen = S->gen;
		interval = S->interval_ns;
		start_ns = S->start_ns;
		resume = S->resume;
		S->resume = 0;
		memcpy(systems, S->systems, sizeof(systems));
		pthread_mutex_unlock(&S->mu);
		run_one(S, gen, interval, systems, resume, start_ns);
		pthread_mutex_lock(&S->mu);
		if (S->gen == gen && !cd_stop && S->running) {
			/* the run could not continue: say so rather than spin */
			S->running = 0;
			state_save(S);
		}
	}
	pthread_mutex_unlock(&S->mu);
	return NULL;
}

static void wake_sampler(struct srv *S)
{
	pthread_cond_broadcast(&S->cv);
	pthread_kill(S->sampler, SIGUSR1); /* interrupts the tick's sleep */
}

/* --- requests */

static void fill_status(struct srv *S, struct pc_wire_status *st)
{
	struct spool_stats ss;

	spool__stats(S->spool, &ss);
	pthread_mutex_lock(&S->mu);
	st->running = (uint8_t)S->running;
	st->sink = (uint8_t)S->sink;
	st->host = S->host;
	st->run = S->run;
	st->interval_ns = S->interval_ns;
	st->samples = S->samples;
	pthread_mutex_unlock(&S->mu);
	st->dropped = ss.dropped;
	st->spool_batches = ss.batches;
	st->spool_bytes = ss.bytes;
	st->spool_free = ss.free;
	st->spool_mem = ss.mem;
}

static int do_start(struct srv *S, uint64_t interval, const char *systems, struct pc_buf *out)
{
	char why[512], ival[32];
	uint32_t mask;
	int n;

	if (interval < 10000000ull || interval > 3600000000000ull) {
		n = snprintf(why, sizeof(why), "frequency %llu ns: must be between 10ms and 1h",
			     (unsigned long long)interval);
		pc_buf_put(out, why, (size_t)n);
		return -EINVAL;
	}
	if (systems_mask(systems, &mask, why, sizeof(why))) {
		pc_buf_put(out, why, strlen(why));
		return -EINVAL;
	}
	pthread_mutex_lock(&S->mu);
	if (S->running) {
		n = snprintf(why, sizeof(why), "already running run %u (stop it first)", S->run);
		pthread_mutex_unlock(&S->mu);
		pc_buf_put(out, why, (size_t)n);
		return -EALREADY;
	}
	S->running = 1;
	S->run++;
	S->interval_ns = interval;
	S->start_ns = pc_now_real();
	snprintf(S->systems, sizeof(S->systems), "%s", systems);
	S->samples = 0;
	S->gen++;
	S->resume = 0;
	state_save(S);
	pc_format_duration(interval, ival, sizeof(ival));
	n = snprintf(why, sizeof(why), "started run %u every %s", S->run, ival);
	pthread_mutex_unlock(&S->mu);
	wake_sampler(S);
	pc_buf_put(out, why, (size_t)n);
	return 0;
}

static int do_stop(struct srv *S, struct pc_buf *out)
{
	char msg[128];
	int n;

	pthread_mutex_lock(&S->mu);
	if (!S->running) {
		pthread_mutex_unlock(&S->mu);
		pc_buf_put(out, "not running", 11);
		return 0;
	}
	S->running = 0;
	S->gen++;
	state_save(S);
	n = snprintf(msg, sizeof(msg), "stopped run %u after %llu samples", S->run,
		     (unsigned long long)S->samples);
	pthread_mutex_unlock(&S->mu);
	wake_sampler(S);
	pc_buf_put(out, msg, (size_t)n);
	return 0;
}

/* Answer one request into out (a whole frame). */
static int handle_request(struct srv *S, const struct pc_wire_request *q, struct pc_buf *out)
{
	struct pc_wire_msg m = {.type = PC_W_REPLY};
	struct pc_buf text = {0};
	char arg[PC_WIRE_MAX_TEXT + 1];
	int ret;

	memcpy(arg, q->arg.p, q->arg.len);
	arg[q->arg.len] = 0;
	if (memchr(q->arg.p, 0, q->arg.len)) {
		ret = -EINVAL;
		pc_buf_put(&text, "argument contains a NUL byte", 28);
		goto reply;
	}
	switch (q->op) {
	case PC_OP_STATUS:
		m.type = PC_W_STATUS;
		fill_status(S, &m.status);
		m.status.id = q->id;
		pthread_mutex_lock(&S->mu);
		snprintf(arg, sizeof(arg), "%s", S->systems);
		pthread_mutex_unlock(&S->mu);
		m.status.systems = wire__str(arg);
		return wire__encode(out, &m);
	case PC_OP_START:
		ret = do_start(S, q->interval_ns, arg, &text);
		break;
	case PC_OP_STOP:
		ret = do_stop(S, &text);
		break;
	case PC_OP_ONCE:
		ret = cd_req_once(arg, &text);
		break;
	case PC_OP_DIR:
		ret = cd_req_dir(arg, &text);
		break;
	case PC_OP_NETCACHE:
		ret = cd_req_netcache(&text);
		break;
	default:
		ret = -EOPNOTSUPP;
		snprintf(arg, sizeof(arg), "operation %u unknown to this collector", q->op);
		pc_buf_put(&text, arg, strlen(arg));
	}
reply:
	if (text.len > PC_WIRE_MAX_REPLY)
		text.len = PC_WIRE_MAX_REPLY;
	m.reply.id = q->id;
	m.reply.err = ret;
	m.reply.text.p = text.len ? (const char *)text.p : "";
	m.reply.text.len = (uint32_t)text.len;
	ret = wire__encode(out, &m);
	pc_buf_free(&text);
	return ret;
}

/* --- sessions */

static void send_error(struct pc_chan *c, int code, const char *text)
{
	struct pc_wire_msg m = {.type = PC_W_ERROR};
	struct pc_buf b = {0};

	m.error.code = (uint32_t)code;
	m.error.text = wire__str(text);
	if (!wire__encode(&b, &m))
		chan__write(c, b.p, b.len);
	pc_buf_free(&b);
}

struct sess_state {
	int role; /* -1 before HELLO */
	unsigned my_gen;
	uint64_t inflight;
	uint64_t window_start, window_count;
	char why[256];
};

/* Handle one message; 0 to go on, -1 to close (why set). */
static int on_message(struct srv *S, struct pc_chan *c, struct sess_state *ss,
		      const struct pc_wire_msg *m, struct pc_buf *out)
{
	struct pc_wire_msg r = {0};
	char name[64] = "collector";
	uint64_t now = pc_now_mono();

	if (ss->role < 0 && m->type != PC_W_HELLO) {
		snprintf(ss->why, sizeof(ss->why), "first message is %s, not HELLO",
			 wire__type_name(m->type));
		return -1;
	}
	if (m->type == PC_W_REQUEST || m->type == PC_W_PING) {
		if (now - ss->window_start > 1000000000ull) {
			ss->window_start = now;
			ss->window_count = 0;
		}
		if (++ss->window_count > FLOOD_MAX) {
			snprintf(ss->why, sizeof(ss->why),
				 "request flood: more than %d requests within a second", FLOOD_MAX);
			return -1;
		}
	}
	switch (m->type) {
	case PC_W_HELLO:
		if (ss->role >= 0) {
			snprintf(ss->why, sizeof(ss->why), "second HELLO");
			return -1;
		}
		if (m->hello.vmin > PC_WIRE_VERSION || m->hello.vmax < PC_WIRE_VERSION) {
			snprintf(ss->why, sizeof(ss->why),
				 "peer speaks wire versions %u..%u, we speak %d", m->hello.vmin,
				 m->hello.vmax, PC_WIRE_VERSION);
			send_error(c, EPROTONOSUPPORT, ss->why);
			return -1;
		}
		ss->role = m->hello.role;
		gethostname(name, sizeof(name) - 1);
		r.type = PC_W_HELLO;
		r.hello = (struct pc_wire_hello){
		    PC_WIRE_MAGIC,  PC_WIRE_VERSION, PC_WIRE_VERSION, m->hello.role, 0,
		    wire__str(name)};
		pthread_mutex_lock(&S->mu);
		r.hello.host = S->host;
		if (ss->role == PC_ROLE_DATA) {
			ss->my_gen = ++S->data_gen;
			S->sink = 1;
			if (S->host != m->hello.host) {
				S->host = m->hello.host; /* the processor names the host */
				state_save(S);
			}
		}
		pthread_mutex_unlock(&S->mu);
		if (ss->role == PC_ROLE_DATA)
			spool__rewind(S->spool);
		log_info("%s: %s session (wire version %d)", chan__peer(c),
			 ss->role == PC_ROLE_DATA ? "data" : "control", PC_WIRE_VERSION);
		return wire__encode(out, &r) ? -1 : 0;
	case PC_W_PING:
		r.type = PC_W_PONG;
		r.ping = m->ping;
		return wire__encode(out, &r) ? -1 : 0;
	case PC_W_PONG:
		return 0;
	case PC_W_REQUEST:
		if (handle_request(S, &m->req, out)) {
			snprintf(ss->why, sizeof(ss->why), "cannot encode the reply to %s",
				 wire__op_name(m->req.op));
			return -1;
		}
		return 0;
	case PC_W_ACK:
		if (ss->role != PC_ROLE_DATA) {
			snprintf(ss->why, sizeof(ss->why), "ACK on a control session");
			return -1;
		}
		if (spool__ack(S->spool, m->ack.run, m->ack.bseq))
			log_debug("%s: ACK of run %u batch %llu not in the spool (duplicate)",
				  chan__peer(c), m->ack.run, (unsigned long long)m->ack.bseq);
		else if (ss->inflight)
			ss->inflight--;
		return 0;
	case PC_W_ERROR:
		snprintf(ss->why, sizeof(ss->why), "peer reported error %u: %.*s", m->error.code,
			 (int)(m->error.text.len > 160 ? 160 : m->error.text.len), m->error.text.p);
		return -1;
	default:
		snprintf(ss->why, sizeof(ss->why), "unexpected %s from the processor",
			 wire__type_name(m->type));
		return -1;
	}
}

static int send_batches(struct srv *S, struct sess_state *ss, struct pc_buf *out)
{
	struct spool_batch b;
	struct pc_wire_msg m = {.type = PC_W_BATCH};
	int ret;

	while (ss->inflight < WINDOW && out->len < MAX_BATCH_BYTES &&
	       (ret = spool__next(S->spool, &b)) == 1) {
		m.batch = (struct pc_wire_batch){
		    b.host,	 b.run,	      b.bseq,
		    b.first_seq, b.nsamples,  b.first_ns,
		    b.last_ns,	 b.sealed_ns, {(const char *)b.data, (uint32_t)b.len}};
		if (wire__encode(out, &m))
			return -EINVAL;
		ss->inflight++;
	}
	return 0;
}

static void session(struct pc_chan *c, void *ctx)
{
	struct srv *S = ctx;
	struct sess_state ss = {.role = -1};
	struct pc_wire_rd rd;
	struct pc_wire_msg m;
	struct pc_buf out = {0};
	uint8_t *buf = malloc(65536);
	uint64_t started = pc_now_mono(), last_rx = started;
	int n, r;

	wire_rd__init(&rd);
	if (!buf)
		return;
	while (!cd_stop) {
		uint64_t now;

		n = chan__read(c, buf, 65536, 50);
		now = pc_now_mono();
		if (n < 0) {
			snprintf(ss.why, sizeof(ss.why), "%s%s",
				 n == -EPIPE ? "closed by the peer" : "connection error",
				 rd.in.len > rd.off ? " in the middle of a frame (truncated)" : "");
			break;
		}
		if (n > 0) {
			last_rx = now;
			if (wire_rd__feed(&rd, buf, (size_t)n)) {
				snprintf(ss.why, sizeof(ss.why), "out of memory");
				break;
			}
		}
		while ((r = wire_rd__next(&rd, &m)) == 1)
			if (on_message(S, c, &ss, &m, &out))
				break;
		if (r < 0) {
			snprintf(ss.why, sizeof(ss.why), "malformed frame: %s", rd.err);
			send_error(c, EBADMSG, ss.why);
			break;
		}
		if (ss.why[0])
			break;
		if (ss.role < 0 && now - started > HELLO_TIMEOUT_NS) {
			snprintf(ss.why, sizeof(ss.why), "no HELLO within 10 s");
			break;
		}
		if (now - last_rx > IDLE_TIMEOUT_NS) {
			snprintf(ss.why, sizeof(ss.why), "nothing received for 30 s (peer dead?)");
			break;
		}
		if (ss.role == PC_ROLE_DATA) {
			pthread_mutex_lock(&S->mu);
			r = ss.my_gen != S->data_gen;
			pthread_mutex_unlock(&S->mu);
			if (r) {
				snprintf(ss.why, sizeof(ss.why),
					 "replaced by a newer data session");
				break;
			}
			if (send_batches(S, &ss, &out)) {
				snprintf(ss.why, sizeof(ss.why), "cannot encode a batch");
				break;
			}
		}
		if (out.len) {
			if ((r = chan__write(c, out.p, out.len))) {
				snprintf(ss.why, sizeof(ss.why), "write: %s", strerror(-r));
				break;
			}
			out.len = 0;
		}
	}
	if (!ss.why[0])
		snprintf(ss.why, sizeof(ss.why), "collector stopping");
	log_info("%s: session closed: %s", chan__peer(c), ss.why);
	if (ss.role == PC_ROLE_DATA) {
		pthread_mutex_lock(&S->mu);
		if (ss.my_gen == S->data_gen)
			S->sink = 0;
		pthread_mutex_unlock(&S->mu);
	}
	wire_rd__free(&rd);
	pc_buf_free(&out);
	free(buf);
}

static int exec_cmd(const char *cmd, struct pc_buf *out, void *ctx)
{
	struct srv *S = ctx;
	struct pc_wire_status st = {0};
	char systems[sizeof(S->systems)];

	if (strcmp(cmd, "status")) {
		static const char msg[] = "perfcollectord: unknown command (try: status)\n";

		pc_buf_put(out, msg, sizeof(msg) - 1);
		return 2;
	}
	fill_status(S, &st);
	pthread_mutex_lock(&S->mu);
	memcpy(systems, S->systems, sizeof(systems));
	pthread_mutex_unlock(&S->mu);
	st.systems = wire__str(systems);
	return wire__status_text(&st, out) ? 1 : 0;
}

/* --- mode entry */

static void on_usr1(int sig)
{
	(void)sig;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int cd_run_server(const struct cd_opts *o)
{
	struct srv S = {.o = o};
	struct pc_sshd_conf conf = {0};
	struct pc_sshd *d = NULL;
	struct sigaction sa;
	char err[512], datadir[PATH_MAX], hostkey[PATH_MAX];
	const char *home = getenv("HOME");
	static const char *const default_listen[] = {":2222"};
	int status = 1, ret;

	if ((!o->datadir || !o->sshid) && (!home || !*home)) {
		log_warnx("HOME is not set: give --datadir and --sshid");
		return 1;
	}
	snprintf(datadir, sizeof(datadir), "%s%s", o->datadir ? o->datadir : home,
		 o->datadir ? "" : "/.perfcollectord/data");
	snprintf(hostkey, sizeof(hostkey), "%s%s", o->sshid ? o->sshid : home,
		 o->sshid ? "" : "/.perfcollectord/ssh_host_ed25519_key");
	if ((ret = mkdir_p(datadir))) {
		log_warnx("cannot create %s: %s", datadir, strerror(-ret));
		return 1;
	}
	if (!o->sshid && (ret = mkdir_p(strcat(strcpy(err, home), "/.perfcollectord")))) {
		log_warnx("cannot create %s: %s", err, strerror(-ret));
		return 1;
	}
	pthread_mutex_init(&S.mu, NULL);
	pthread_cond_init(&S.cv, NULL);
	snprintf(S.statepath, sizeof(S.statepath), "%s/state", datadir);
	S.host = o->host;
	S.spool = spool__open(datadir, o->spool_mem, o->spool_file);
	if (!S.spool) {
		log_warn("cannot open the spool in %s", datadir);
		goto cleanup;
	}
	state_load(&S);
	conf.listen = o->nlisten ? o->listen : (const char **)default_listen;
	conf.nlisten = o->nlisten ? o->nlisten : 1;
	conf.hostkey = hostkey;
	conf.allowed = o->allowed;
	conf.nallowed = o->nallowed;
	d = sshd__open(&conf, err, sizeof(err));
	if (!d) {
		log_warnx("%s", err);
		goto cleanup;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: interrupts the tick's sleep */
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&S.sampler, NULL, sampler_main, &S)) {
		log_warnx("cannot start the sampling thread");
		goto cleanup;
	}
	if (S.running)
		log_info("run %u was on when the collector stopped: resuming it", S.run);
	log_info("ready: %d allowed key(s), data in %s", o->nallowed, datadir);
	sshd__run(d, session, exec_cmd, &S, &cd_stop);
	pthread_mutex_lock(&S.mu);
	pthread_mutex_unlock(&S.mu);
	wake_sampler(&S);
	pthread_join(S.sampler, NULL);
	status = 0;
	log_info("stopped%s", S.running ? " (the run resumes at the next start)" : "");
cleanup:
	sshd__close(d);
	spool__close(S.spool);
	pthread_mutex_destroy(&S.mu);
	pthread_cond_destroy(&S.cv);
	return status;
}
