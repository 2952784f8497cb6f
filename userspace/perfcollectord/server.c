// SPDX-License-Identifier: MIT
/*
 * server.c: perfcollectord's server mode. The run (its state, the sampling
 * thread, start/stop/status) is server_run.c; here:
 *  - the session handler, one per SSH session thread: HELLO, then requests
 *    (start, stop, status, once, dir, netcache), pings, and for the data
 *    session (the newest one wins) batches out and acknowledgements in.
 *    Any protocol violation closes the session with the reason logged;
 *  - the mode's entry: datadir, spool, state, the sampling thread, the SSH
 *    server, and the orderly stop.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc/io.h"
#include "pc/log.h"
#include "pc/path.h"
#include "pc/privdrop.h"
#include "pc/sampler.h"
#include "pc/spool.h"
#include "pc/ssh.h"
#include "pc/ticker.h"
#include "pc/wire.h"
#include "server_int.h"

#define WINDOW		 32 /* batches in flight per data session */
#define HELLO_TIMEOUT_NS 10000000000ull
#define IDLE_TIMEOUT_NS	 30000000000ull /* the processor pings every 5 s */
#define FLOOD_MAX	 500		/* requests + pings in one second */

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
		srv_fill_status(S, &m.status);
		m.status.id = q->id;
		pthread_mutex_lock(&S->mu);
		snprintf(arg, sizeof(arg), "%s", S->systems);
		pthread_mutex_unlock(&S->mu);
		m.status.systems = wire__str(arg);
		return wire__encode(out, &m);
	case PC_OP_START:
		ret = srv_start(S, q->interval_ns, arg, &text);
		break;
	case PC_OP_STOP:
		ret = srv_stop(S, &text);
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
				srv_state_save(S);
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
	srv_fill_status(S, &st);
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

/*
 * mkdir -p with 0700 levels, then sshd's StrictModes walk up to / (base/io.c,
 * io_mkdirs_strict); the directory itself may be the account's we hand it
 * to (also, or (uid_t)-1). 0, or -1 with the path, owner, mode and fix said.
 */
static int strict_dir(const char *what, const char *dir, uid_t also)
{
	char err[3 * PATH_MAX];

	if (io_mkdirs_strict(what, dir, also, err, sizeof(err))) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/*
 * out = the flag's value, else dot/rel; refused (said, -1) unless it and
 * out + suffix, the longest name made from it, fit in PATH_MAX.
 */
static int one_path(char out[PATH_MAX], const char *flag, const char *val, const char *dot,
		    const char *rel, const char *suffix)
{
	char probe[PATH_MAX];

	if (!(val ? pc_pathf(out, PATH_MAX, "%s", val) : pc_pathf(out, PATH_MAX, "%s/%s", dot, rel)) &&
	    !pc_pathf(probe, sizeof(probe), "%s%s", out, suffix))
		return 0;
	log_warnx("%s: the path of %s is too long (%zu bytes at most)", val ? flag : "HOME",
		  val ? flag : rel, PATH_MAX - 1 - strlen(suffix));
	return -1;
}

/*
 * The data directory and the host key, from the flags or under HOME, made
 * and checked whole: a path that does not fit is refused, never cut (the
 * longest name made under datadir is "spool.tmp", from the key its ".pub").
 */
static int server_paths(const struct cd_opts *o, const struct pc_priv_user *u,
			char datadir[PATH_MAX], char hostkey[PATH_MAX])
{
	const char *home = getenv("HOME");
	char dot[PATH_MAX] = "";

	if ((!o->datadir || !o->sshid) && (!home || !*home)) {
		log_warnx("HOME is not set: give --datadir and --sshid");
		return -1;
	}
	if ((!o->datadir || !o->sshid) && pc_pathf(dot, sizeof(dot), "%s/.perfcollectord", home)) {
		log_warnx("HOME (%zu bytes) is too long for paths under it: give --datadir and "
			  "--sshid",
			  strlen(home));
		return -1;
	}
	if (one_path(datadir, "--datadir", o->datadir, dot, "data", "/spool.tmp") ||
	    one_path(hostkey, "--sshid", o->sshid, dot, "ssh_host_ed25519_key", ".pub"))
		return -1;
	/* root hands the data directory to the --user (give_datadir): a restart finds it theirs */
	if (strict_dir("data directory", datadir, geteuid() ? (uid_t)-1 : u->uid))
		return -1;
	if (!o->sshid && strict_dir("host key directory", dot, (uid_t)-1))
		return -1;
	return 0;
}

/*
 * Work in the data directory from now on (spool and state by relative
 * names, so that it stays reachable after the drop even under a 0700 home)
 * and give it and its files to u, who writes them after the drop.
 */
static int enter_datadir(const char *datadir)
{
	if (chdir(datadir)) {
		log_warn("cannot enter the data directory %s", datadir);
		return -1;
	}
	return 0;
}

static int give_datadir(const char *datadir, const struct pc_priv_user *u)
{
	static const char *const names[] = {".", "spool", "state"};

	if (geteuid() != 0)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fchownat(AT_FDCWD, names[i], u->uid, u->gid, AT_SYMLINK_NOFOLLOW) &&
		    errno != ENOENT) {
			log_warn("cannot give %s/%s to %s (uid %u)", datadir, names[i], u->name,
				 (unsigned)u->uid);
			return -1;
		}
	return 0;
}

int cd_run_server(const struct cd_opts *o)
{
	struct srv S = {.o = o};
	struct pc_sshd_conf conf = {0};
	struct pc_sshd *d = NULL;
	struct sigaction sa;
	struct pc_priv_user u;
	struct pc_probe before;
	char err[512], datadir[PATH_MAX], hostkey[PATH_MAX];
	static const char *const default_listen[] = {":2222"};
	int status = 1;

	if (cd_privsep_user(o, &u) || server_paths(o, &u, datadir, hostkey))
		return 1;
	pthread_mutex_init(&S.mu, NULL);
	pthread_cond_init(&S.cv, NULL);
	snprintf(S.statepath, sizeof(S.statepath), "state");
	S.host = o->host;
	conf.listen = o->nlisten ? o->listen : (const char **)default_listen;
	conf.nlisten = o->nlisten ? o->nlisten : 1;
	conf.hostkey = hostkey;
	conf.allowed = o->allowed;
	conf.nallowed = o->nallowed;
	conf.limits = o->limits;
	d = sshd__open(&conf, err, sizeof(err));
	if (!d) {
		log_warnx("%s", err);
		goto cleanup;
	}
	if (enter_datadir(datadir))
		goto cleanup;
	S.spool = spool__open(".", o->spool_mem, o->spool_file);
	if (!S.spool) {
		log_warn("cannot open the spool in %s", datadir);
		goto cleanup;
	}
	srv_state_load(&S);
	/* every root-only thing is open: the network process gives up root (PRIVSEP.md) */
	if (cd_privsep_probe(o, &before) || give_datadir(datadir, &u) || cd_privsep_fork(o) ||
	    cd_privsep_drop(&u, 1) || cd_privsep_recheck(o, &before, &u))
		goto cleanup;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: interrupts the tick's sleep */
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&S.sampler, NULL, srv_sampler_main, &S)) {
		log_warnx("cannot start the sampling thread");
		goto cleanup;
	}
	if (S.running)
		log_info("run %u was on when the collector stopped: resuming it", S.run);
	log_info("ready: %d allowed key(s), data in %s", o->nallowed, datadir);
	sshd__run(d, session, exec_cmd, &S, &cd_stop);
	pthread_mutex_lock(&S.mu);
	pthread_mutex_unlock(&S.mu);
	srv_wake_sampler(&S);
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
