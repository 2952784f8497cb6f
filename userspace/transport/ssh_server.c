// SPDX-License-Identifier: MIT
/*
 * ssh_server.c: the collector's SSH daemon on libssh's server API (see
 * include/pc/ssh.h). Owns the host key (ed25519 only, created with its .pub when
 * missing), the listening sockets, public-key-only authentication against
 * the allowed fingerprints, and one thread per session: key exchange and
 * authentication through callbacks on an ssh_event, then either an exec
 * request (answered at once) or the "perfcollector" subsystem handed to the
 * caller. The TCP connection is accepted here, before any SSH work, and
 * admitted or closed at once by the limits on unauthenticated connections
 * (preauth.c); those dropped, and the refused authentication attempts, are
 * summed up in one log line per interval (each refusal in detail only with
 * -v). Key exchange is limited to curve25519 and nistp256 ECDH, so no peer
 * makes the collector compute large DH groups; a connection is closed after
 * PA_AUTH_TRIES refused attempts. Peer-supplied strings go through log_esc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "pc/io.h"
#include "pc/log.h"
#include "pc/ticker.h"
#include "pc/wire.h"
#include "preauth.h"
#include "ssh_int.h"

#define MAX_LISTEN	 16
#define SETUP_TIMEOUT_MS 15000
#define SUMMARY_NS	 10000000000ull /* one line of dropped connections per 10 s at most */
#define KEX_ALGOS	 "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256"
#define NAME_MAX_LOG	 64 /* bytes of a peer-supplied name put in a log line */

struct pc_sshd {
	ssh_bind bind[MAX_LISTEN];
	char where[MAX_LISTEN][128];
	int nbind;
	const struct pc_sshd_conf *conf;
	char fp[128];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pc_sshd_limits lim;
	struct preauth pa; /* unauthenticated connections, under mu */
	int sessions;	   /* authenticated, at most lim.max_sessions */
	int threads;	   /* session threads running */
	uint64_t accept_warned_ns;
	pc_sshd_session_fn fn;
	pc_sshd_exec_fn exec;
	void *ctx;
};

/* One session being set up or served. */
struct sess {
	struct pc_sshd *d;
	struct pc_chan c;
	struct ssh_server_callbacks_struct scb;
	struct ssh_channel_callbacks_struct ccb;
	char addr[64];
	char keyfp[128];
	int authed;
	int tries;	      /* refused authentication requests */
	int none;	      /* auth 'none' requests */
	int slot;	      /* in d->pa while not authenticated */
	uint64_t accepted_ns; /* monotonic */
	int want;	      /* 0 nothing yet, 1 subsystem, 2 exec */
	char cmd[256];
};

int ssh_fingerprint_check(const char *fp)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (strncmp(fp, "SHA256:", 7) || strlen(fp + 7) != 43)
		return -EINVAL;
	for (const char *p = fp + 7; *p; p++)
		if (!strchr(b64, *p))
			return -EINVAL;
	return 0;
}

/* --- host key */

static int write_pub(const ssh_key key, const char *path)
{
	char pub[PATH_MAX + 8], host[64] = "localhost", err[PATH_MAX + 64];
	char *b64 = NULL, *line = NULL;
	int ret, n;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return -EINVAL;
	gethostname(host, sizeof(host) - 1);
	n = asprintf(&line, "ssh-ed25519 %s perfcollectord@%s\n", b64, host);
	ret = n < 0 ? -ENOMEM : io_replace_file(pub, line, (size_t)n, 0644, 0, err, sizeof(err));
	free(line);
	ssh_string_free_char(b64);
	return ret;
}

static int load_or_create_hostkey(const char *path, char *fp, size_t fplen, char *err,
				  size_t errlen)
{
	ssh_key key = NULL;
	struct stat st;
	int ret = 0, fd;

	if (stat(path, &st) == 0) {
		if ((ret = io_check_private("--sshid", path, &st, err, errlen)))
			return ret;
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
			snprintf(err, errlen, "--sshid=%s: not a private key libssh can read",
				 path);
			return -EINVAL;
		}
		if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
			snprintf(err, errlen,
				 "--sshid=%s: a %s key; only ed25519 host keys are used (move it "
				 "away and one is created)",
				 path, ssh_key_type_to_char(ssh_key_type(key)));
			ret = -EINVAL;
			goto cleanup;
		}
	} else {
		if (errno != ENOENT) {
			snprintf(err, errlen, "--sshid=%s: %s", path, strerror(errno));
			return -errno;
		}
		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
			snprintf(err, errlen, "cannot generate an ed25519 host key");
			return -EINVAL;
		}
		/* create it 0600 first so the private key is never readable by others */
		fd = io_open_create(path, O_WRONLY | O_EXCL, 0600);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "--sshid=%s: cannot create: %s", path,
				 strerror(errno));
			goto cleanup;
		}
		close(fd);
		if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK ||
		    (ret = write_pub(key, path))) {
			snprintf(err, errlen, "--sshid=%s: cannot write the new host key", path);
			ret = ret ? ret : -EIO;
			goto cleanup;
		}
		log_info("created host key %s (and %s.pub)", path, path);
	}
	ret = ssh_key_fingerprint(key, fp, fplen);
	if (ret)
		snprintf(err, errlen, "--sshid=%s: cannot fingerprint the key", path);
cleanup:
	ssh_key_free(key);
	return ret;
}

/* --- listening */

static int split_listen(const char *spec, char *addr, size_t alen, char *port, size_t plen)
{
	const char *colon = strrchr(spec, ':');
	size_t n;

	if (!colon || !colon[1] || strlen(colon + 1) >= plen)
		return -EINVAL;
	n = (size_t)(colon - spec);
	if (n && spec[0] == '[') {
		if (spec[n - 1] != ']')
			return -EINVAL;
		spec++;
		n -= 2;
	}
	if (n >= alen)
		return -EINVAL;
	memcpy(addr, spec, n);
	addr[n] = 0;
	if (!n)
		snprintf(addr, alen, "0.0.0.0");
	snprintf(port, plen, "%s", colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return atoi(port) > 0 && atoi(port) < 65536 ? 0 : -EINVAL;
}

/* The configured limits (defaults when none), checked once more, and their bookkeeping. */
static int open_limits(struct pc_sshd *d, char *err, size_t errlen)
{
	const struct pc_sshd_limits def = PC_SSHD_LIMITS_DEFAULT;
	const struct pc_sshd_limits *l = &d->conf->limits;

	d->lim = l->full ? *l : def;
	if (d->lim.start < 1 || d->lim.start > d->lim.full || d->lim.rate < 0 ||
	    d->lim.rate > 100 || d->lim.per_source < 1 || d->lim.grace_ms < 1 ||
	    d->lim.max_sessions < 1) {
		snprintf(err, errlen,
			 "SSH limits: max-startups %d:%d:%d, per-source %d, login grace %u ms, "
			 "max sessions %d: out of range",
			 d->lim.start, d->lim.rate, d->lim.full, d->lim.per_source, d->lim.grace_ms,
			 d->lim.max_sessions);
		return -EINVAL;
	}
	if (preauth__init(&d->pa, &d->lim, 0)) {
		snprintf(err, errlen, "out of memory for %d unauthenticated connections",
			 d->lim.full);
		return -ENOMEM;
	}
	return 0;
}

struct pc_sshd *sshd__open(const struct pc_sshd_conf *conf, char *err, size_t errlen)
{
	struct pc_sshd *d = calloc(1, sizeof(*d));
	char addr[96], port[16];
	int verbosity = 0, e = EINVAL;

	if (!d)
		return NULL;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->conf = conf;
	if (open_limits(d, err, errlen))
		goto fail;
	if (conf->nallowed < 1) {
		snprintf(err, errlen,
			 "no --allowedkeys: at least one key fingerprint is required "
			 "(ssh-keygen -l -f KEY prints it)");
		goto fail;
	}
	for (int i = 0; i < conf->nallowed; i++)
		if (ssh_fingerprint_check(conf->allowed[i])) {
			snprintf(err, errlen,
				 "--allowedkeys=%s: not a SHA256 fingerprint as `ssh-keygen -l -f "
				 "KEY` prints it (SHA256: and 43 base64 characters)",
				 conf->allowed[i]);
			goto fail;
		}
	if (conf->nlisten < 1 || conf->nlisten > MAX_LISTEN) {
		snprintf(err, errlen, "--listen: between 1 and %d addresses", MAX_LISTEN);
		goto fail;
	}
	if (load_or_create_hostkey(conf->hostkey, d->fp, sizeof(d->fp), err, errlen))
		goto fail;
	for (int i = 0; i < conf->nlisten; i++) {
		ssh_bind b;

		if (split_listen(conf->listen[i], addr, sizeof(addr), port, sizeof(port))) {
			snprintf(err, errlen,
				 "--listen=%s: want ADDRESS:PORT, [IPv6]:PORT or :PORT",
				 conf->listen[i]);
			goto fail;
		}
		b = ssh_bind_new();
		d->bind[d->nbind++] = b;
		ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDADDR, addr);
		ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDPORT_STR, port);
		ssh_bind_options_set(b, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity);
		if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY, conf->hostkey) != SSH_OK ||
		    ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, KEX_ALGOS) != SSH_OK ||
		    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, "ssh-ed25519") !=
			SSH_OK ||
		    ssh_bind_listen(b) != SSH_OK) {
			snprintf(err, errlen, "--listen=%s: %s", conf->listen[i], ssh_get_error(b));
			e = EADDRINUSE;
			goto fail;
		}
		snprintf(d->where[i], sizeof(d->where[i]), "%s:%s", addr, port);
		log_info("listening on %s, host key %s", d->where[i], d->fp);
	}
	return d;
fail:
	sshd__close(d);
	errno = e;
	return NULL;
}

const char *sshd__fingerprint(const struct pc_sshd *d)
{
	return d->fp;
}

int sshd__sessions(struct pc_sshd *d)
{
	int n;

	pthread_mutex_lock(&d->mu);
	n = d->sessions;
	pthread_mutex_unlock(&d->mu);
	return n;
}

void sshd__close(struct pc_sshd *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->nbind; i++)
		ssh_bind_free(d->bind[i]);
	preauth__free(&d->pa);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

/* --- per-session callbacks */

static int allowed(const struct pc_sshd *d, const char *fp)
{
	for (int i = 0; i < d->conf->nallowed; i++)
		if (!strcmp(d->conf->allowed[i], fp))
			return 1;
	return 0;
}

/* Authenticated: the connection leaves the unauthenticated set for a session slot, if free. */
static int promote(struct sess *ss)
{
	struct pc_sshd *d = ss->d;
	int ok;

	pthread_mutex_lock(&d->mu);
	ok = d->sessions < d->lim.max_sessions;
	if (ok) {
		d->sessions++;
		preauth__done(&d->pa, ss->slot, PA_ADMIT, pc_now_mono());
		ss->slot = -1;
	}
	pthread_mutex_unlock(&d->mu);
	return ok;
}

/*
 * A refused request: counted for the summary line, detailed with -v (what,
 * already escaped), and past PA_AUTH_TRIES the connection is closed (setup).
 */
static int refuse(struct sess *ss, const char *user, const char *what)
{
	char u[NAME_MAX_LOG * 4 + 4];

	ss->tries++;
	pthread_mutex_lock(&ss->d->mu);
	preauth__refused(&ss->d->pa);
	pthread_mutex_unlock(&ss->d->mu);
	log_debug("refused %s for user '%s' from %s (attempt %d of %d)", what,
		  log_esc(u, sizeof(u), user, NAME_MAX_LOG), ss->addr, ss->tries, PA_AUTH_TRIES);
	return SSH_AUTH_DENIED;
}

static int on_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key, char state,
			  void *ud)
{
	struct sess *ss = ud;
	char fp[128] = "?", what[256], u[NAME_MAX_LOG * 4 + 4];

	(void)s;
	ssh_key_fingerprint(key, fp, sizeof(fp));
	snprintf(what, sizeof(what), "public key %s (%s)", fp,
		 ssh_key_type_to_char(ssh_key_type(key)));
	if (!allowed(ss->d, fp))
		return refuse(ss, user, what);
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS; /* a probe: yes, this key may sign */
	if (state != SSH_PUBLICKEY_STATE_VALID)
		return refuse(ss, user, strcat(what, ": bad signature"));
	if (!ss->authed && !promote(ss)) {
		log_warnx("refused public key %s from %s: already %d authenticated sessions "
			  "(--max-sessions)",
			  fp, ss->addr, ss->d->lim.max_sessions);
		return SSH_AUTH_DENIED;
	}
	snprintf(ss->keyfp, sizeof(ss->keyfp), "%s", fp);
	ss->authed = 1;
	log_info("accepted public key %s for user '%s' from %s", fp,
		 log_esc(u, sizeof(u), user, NAME_MAX_LOG), ss->addr);
	return SSH_AUTH_SUCCESS;
}

static int on_auth_password(ssh_session s, const char *user, const char *pw, void *ud)
{
	(void)s;
	(void)pw;
	return refuse(ud, user, "password authentication (public keys only)");
}

static int on_auth_none(ssh_session s, const char *user, void *ud)
{
	struct sess *ss = ud;
	char u[NAME_MAX_LOG * 4 + 4];

	(void)s;
	/* every client asks 'none' first: only the ones after that count as attempts */
	if (ss->none++)
		return refuse(ss, user, "auth 'none' (public keys only)");
	log_debug("auth 'none' for user '%s' from %s: public keys only",
		  log_esc(u, sizeof(u), user, NAME_MAX_LOG), ss->addr);
	return SSH_AUTH_DENIED;
}

static int on_subsystem(ssh_session s, ssh_channel ch, const char *name, void *ud)
{
	struct sess *ss = ud;
	char n[NAME_MAX_LOG * 4 + 4];

	(void)s;
	(void)ch;
	if (strcmp(name, PC_WIRE_SUBSYSTEM)) {
		log_warnx("%s: refused subsystem '%s' (only '%s')", ss->addr,
			  log_esc(n, sizeof(n), name, NAME_MAX_LOG), PC_WIRE_SUBSYSTEM);
		return SSH_ERROR;
	}
	ss->want = 1;
	return SSH_OK;
}

static int on_exec(ssh_session s, ssh_channel ch, const char *cmd, void *ud)
{
	struct sess *ss = ud;

	(void)s;
	(void)ch;
	if (!ss->d->exec)
		return SSH_ERROR;
	snprintf(ss->cmd, sizeof(ss->cmd), "%s", cmd);
	ss->want = 2;
	return SSH_OK;
}

static int on_shell(ssh_session s, ssh_channel ch, void *ud)
{
	struct sess *ss = ud;

	(void)s;
	(void)ch;
	log_warnx("%s: refused a shell (this is perfcollectord: `ssh ... status` or the "
		  "'%s' subsystem)",
		  ss->addr, PC_WIRE_SUBSYSTEM);
	return SSH_ERROR;
}

static int on_pty(ssh_session s, ssh_channel ch, const char *term, int w, int h, int pw, int ph,
		  void *ud)
{
	(void)s, (void)ch, (void)term, (void)w, (void)h, (void)pw, (void)ph, (void)ud;
	return SSH_ERROR;
}

static ssh_channel on_channel_open(ssh_session s, void *ud)
{
	struct sess *ss = ud;

	if (!ss->authed || ss->c.ch)
		return NULL; /* one channel per session */
	ss->c.ch = ssh_channel_new(s);
	memset(&ss->ccb, 0, sizeof(ss->ccb));
	ss->ccb.userdata = ss;
	ss->ccb.channel_subsystem_request_function = on_subsystem;
	ss->ccb.channel_exec_request_function = on_exec;
	ss->ccb.channel_shell_request_function = on_shell;
	ss->ccb.channel_pty_request_function = on_pty;
	ssh_callbacks_init(&ss->ccb);
	ssh_set_channel_callbacks(ss->c.ch, &ss->ccb);
	return ss->c.ch;
}

/* "ADDRESS:PORT" of a peer as accept4(2) gave it. */
static void peer_addr(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%s:%u", host, port);
}

static void run_exec(struct sess *ss, ssh_event ev)
{
	struct pc_buf out = {0};
	int status = ss->d->exec(ss->cmd, &out, ss->d->ctx);

	if (out.len)
		chan__write(&ss->c, out.p, out.len);
	pc_buf_free(&out);
	ssh_channel_request_send_exit_status(ss->c.ch, status);
	ssh_channel_send_eof(ss->c.ch);
	ssh_channel_close(ss->c.ch);
	/* let the client hang up first, so it sees a clean exit rather than a dropped link */
	for (int i = 0; i < 20 && ssh_is_connected(ss->c.s); i++)
		if (ssh_event_dopoll(ev, 100) == SSH_ERROR)
			break;
}

/* Key exchange within what is left of the grace time; PA_ADMIT, PA_TIMEOUT or PA_GAVE_UP. */
static enum pa_why key_exchange(struct sess *ss, uint64_t auth_deadline)
{
	ssh_session s = ss->c.s;
	uint64_t now = pc_now_mono();
	long left_us = now < auth_deadline ? (long)((auth_deadline - now) / 1000) : 1;
	long sec = left_us / 1000000, usec = left_us % 1000000;
	char e[1024];

	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
	if (ssh_handle_key_exchange(s) == SSH_OK)
		return PA_ADMIT;
	/* the error may quote the peer's algorithm lists */
	log_debug("%s: key exchange failed: %s", ss->addr,
		  log_esc(e, sizeof(e), ssh_get_error(s), 240));
	return pc_now_mono() >= auth_deadline ? PA_TIMEOUT : PA_GAVE_UP;
}

/*
 * Authentication within the grace time, then a session request within the
 * setup time. PA_ADMIT when one came (ss->want), else why not; the reasons
 * of unauthenticated connections go to the summary line, not a line each.
 */
static enum pa_why setup(struct sess *ss, ssh_event ev)
{
	uint64_t auth_deadline = ss->accepted_ns + ss->d->lim.grace_ms * 1000000ull;
	/* never before the grace time: an unauthenticated connection ends as a timeout */
	uint32_t setup_ms =
	    ss->d->lim.grace_ms > SETUP_TIMEOUT_MS ? ss->d->lim.grace_ms : SETUP_TIMEOUT_MS;
	uint64_t setup_deadline = ss->accepted_ns + setup_ms * 1000000ull;
	enum pa_why why = key_exchange(ss, auth_deadline);
	long io_timeout_s = 10, zero = 0;

	if (why != PA_ADMIT)
		return why;
	if (ssh_event_add_session(ev, ss->c.s) != SSH_OK)
		return PA_GAVE_UP;
	while (!ss->want) {
		uint64_t now = pc_now_mono();

		if (!ss->authed && now > auth_deadline)
			return PA_TIMEOUT;
		if (!ss->authed && ss->tries >= PA_AUTH_TRIES)
			return PA_TOO_MANY;
		if (now > setup_deadline) {
			log_warnx("%s: no session request within %u ms after connecting; closing",
				  ss->addr, setup_ms);
			return PA_GAVE_UP;
		}
		if (ssh_event_dopoll(ev, 200) == SSH_ERROR) {
			log_debug("%s: disconnected during setup", ss->addr);
			return PA_GAVE_UP;
		}
	}
	ssh_options_set(ss->c.s, SSH_OPTIONS_TIMEOUT, &io_timeout_s);
	ssh_options_set(ss->c.s, SSH_OPTIONS_TIMEOUT_USEC, &zero);
	return PA_ADMIT;
}

static void session_end(struct sess *ss, enum pa_why why)
{
	struct pc_sshd *d = ss->d;

	pthread_mutex_lock(&d->mu);
	if (ss->authed)
		d->sessions--;
	else
		preauth__done(&d->pa, ss->slot, why == PA_ADMIT ? PA_GAVE_UP : why, 0);
	d->threads--;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	free(ss);
}

static void *session_main(void *arg)
{
	struct sess *ss = arg;
	struct pc_sshd *d = ss->d;
	ssh_session s = ss->c.s;
	ssh_event ev = ssh_event_new();
	enum pa_why why = PA_GAVE_UP;

	memset(&ss->scb, 0, sizeof(ss->scb));
	ss->scb.userdata = ss;
	ss->scb.auth_pubkey_function = on_auth_pubkey;
	ss->scb.auth_password_function = on_auth_password;
	ss->scb.auth_none_function = on_auth_none;
	ss->scb.channel_open_request_session_function = on_channel_open;
	ssh_callbacks_init(&ss->scb);
	ssh_set_server_callbacks(s, &ss->scb);
	ssh_set_auth_methods(s, SSH_AUTH_METHOD_PUBLICKEY);
	if (ev)
		why = setup(ss, ev);
	if (why == PA_ADMIT) {
		snprintf(ss->c.peer, sizeof(ss->c.peer), "%s key %s", ss->addr, ss->keyfp);
		if (ss->want == 2) {
			run_exec(ss, ev);
		} else {
			ssh_event_remove_session(ev, s);
			d->fn(&ss->c, d->ctx);
		}
	}
	if (ev)
		ssh_event_free(ev);
	if (ss->c.ch) {
		ssh_channel_close(ss->c.ch);
		ssh_channel_free(ss->c.ch);
	}
	ssh_disconnect(s);
	ssh_free(s);
	session_end(ss, why);
	return NULL;
}

/* --- accepting */

/* Log what was dropped since the last line, at most once per SUMMARY_NS (and at the end). */
static void log_summary(struct pc_sshd *d, uint64_t *next, int now_anyway)
{
	char line[256];
	uint64_t now = pc_now_mono();
	int say;

	if (!now_anyway && now < *next)
		return;
	*next = now + SUMMARY_NS;
	pthread_mutex_lock(&d->mu);
	say = preauth__summary(&d->pa, line, sizeof(line));
	pthread_mutex_unlock(&d->mu);
	if (say)
		log_warnx("%s", line);
}

/* Hand an admitted connection to libssh and its own thread; the slot is freed on failure. */
static void start_session(struct pc_sshd *d, int i, int fd, const struct sockaddr_storage *sa,
			  int slot, const pthread_attr_t *attr)
{
	struct sess *ss = calloc(1, sizeof(*ss));
	ssh_session s = ss ? ssh_new() : NULL;
	pthread_t t;

	if (!s || ssh_bind_accept_fd(d->bind[i], s, fd) != SSH_OK) {
		log_warnx("accept on %s: %s", d->where[i],
			  s ? ssh_get_error(d->bind[i]) : "out of memory");
		goto fail;
	}
	ss->d = d;
	ss->c.s = s;
	ss->slot = slot;
	ss->accepted_ns = pc_now_mono();
	peer_addr(sa, ss->addr, sizeof(ss->addr));
	pthread_mutex_lock(&d->mu);
	d->threads++;
	pthread_mutex_unlock(&d->mu);
	if (!pthread_create(&t, attr, session_main, ss))
		return;
	log_warnx("cannot start a session thread");
	pthread_mutex_lock(&d->mu);
	d->threads--;
	pthread_mutex_unlock(&d->mu);
fail:
	if (!s || ssh_get_fd(s) != fd)
		close(fd);
	if (s)
		ssh_free(s);
	free(ss);
	pthread_mutex_lock(&d->mu);
	preauth__done(&d->pa, slot, PA_GAVE_UP, 0);
	pthread_mutex_unlock(&d->mu);
}

/*
 * One connection off listening socket i: admitted to a session thread, or
 * closed at once. -1 when accept4 fails for want of descriptors or memory:
 * the connection is still queued, so the caller pauses instead of spinning.
 */
static int accept_one(struct pc_sshd *d, int i, const pthread_attr_t *attr)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	enum pa_why why;
	int fd, slot = -1;

	fd = accept4(ssh_bind_get_fd(d->bind[i]), (struct sockaddr *)&sa, &sl,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		if (pc_now_mono() >= d->accept_warned_ns + SUMMARY_NS) {
			log_warn("accept on %s (pausing 100 ms at each failure)", d->where[i]);
			d->accept_warned_ns = pc_now_mono();
		}
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	why = preauth__admit(&d->pa, (struct sockaddr *)&sa, pc_now_mono(), &slot);
	pthread_mutex_unlock(&d->mu);
	if (why != PA_ADMIT) {
		close(fd); /* counted for the summary line */
		return 0;
	}
	start_session(d, i, fd, &sa, slot, attr);
	return 0;
}

int sshd__run(struct pc_sshd *d, pc_sshd_session_fn fn, pc_sshd_exec_fn exec, void *ctx,
	      volatile sig_atomic_t *stop)
{
	struct pollfd pfd[MAX_LISTEN];
	pthread_attr_t attr;
	uint64_t next_summary = 0;

	d->fn = fn;
	d->exec = exec;
	d->ctx = ctx;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < d->nbind; i++)
		pfd[i] = (struct pollfd){.fd = ssh_bind_get_fd(d->bind[i]), .events = POLLIN};
	while (!*stop) {
		int n = poll(pfd, (nfds_t)d->nbind, 200);

		if (n < 0 && errno != EINTR) {
			log_warn("poll on the listening sockets");
			break;
		}
		for (int i = 0; n > 0 && i < d->nbind; i++)
			if ((pfd[i].revents & POLLIN) && accept_one(d, i, &attr))
				poll(NULL, 0, 100);
		log_summary(d, &next_summary, 0);
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&d->mu);
	while (d->threads > 0)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	log_summary(d, &next_summary, 1);
	return 0;
}
