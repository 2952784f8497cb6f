// SPDX-License-Identifier: MIT
/*
 * ssh_client.c: the processor's side of the SSH transport (include/pc/ssh.h):
 * connect, check the collector's host key against the pinned ones (trust on
 * first use unless strict; a changed key is refused with the command that
 * accepts it), authenticate with our key, open the "perfcollector"
 * subsystem. Also the reconnection backoff. Keepalives are wire PINGs sent
 * by the session loop (perfprocessord), so a dead peer is noticed at the
 * protocol level, whatever happened to the TCP connection underneath.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pc/io.h"
#include "pc/log.h"
#include "pc/wire.h"
#include "ssh_int.h"

static pthread_mutex_t kh_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The known-hosts name of addr:port, as OpenSSH and libssh write it. */
static void kh_name(const char *addr, unsigned port, char *buf, size_t len)
{
	if (port == 22)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "[%s]:%u", addr, port);
}

static int check_host_key(ssh_session s, const char *addr, unsigned port,
			  const struct pc_sshc_conf *conf, char *err, size_t errlen)
{
	ssh_key key = NULL;
	char fp[128] = "?", name[160];
	enum ssh_known_hosts_e st;

	if (ssh_get_server_publickey(s, &key) == SSH_OK) {
		ssh_key_fingerprint(key, fp, sizeof(fp));
		ssh_key_free(key);
	}
	kh_name(addr, port, name, sizeof(name));
	st = ssh_session_is_known_server(s);
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		fail(err, errlen,
		     "%s:%u: HOST KEY CHANGED: the collector now presents %s, which is not the key "
		     "pinned in %s. Refusing to connect (this is what an impostor looks like). If "
		     "the collector's key was replaced on purpose, remove the old pin with "
		     "`ssh-keygen -R '%s' -f %s` and connect again to pin the new one",
		     addr, port, fp, conf->known_hosts, name, conf->known_hosts);
		return -EPERM;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (conf->strict) {
			fail(
			    err, errlen,
			    "%s:%u: unknown host key %s and --stricthostkeys is set. To accept it, "
			    "append the line `%s <key from the collector's --sshid .pub>` to %s, "
			    "or "
			    "connect once without --stricthostkeys",
			    addr, port, fp, name, conf->known_hosts);
			return -EPERM;
		}
		if (ssh_session_update_known_hosts(s) != SSH_OK) {
			fail(err, errlen, "%s:%u: cannot pin host key %s in %s: %s", addr, port, fp,
			     conf->known_hosts, ssh_get_error(s));
			return -EIO;
		}
		log_info("%s:%u: pinned host key %s in %s (first use)", addr, port, fp,
			 conf->known_hosts);
		return 0;
	default:
		fail(err, errlen, "%s:%u: cannot check the host key against %s: %s", addr, port,
		     conf->known_hosts, ssh_get_error(s));
		return -EIO;
	}
}

struct pc_chan *sshc__connect(const char *addr, unsigned port, const struct pc_sshc_conf *conf,
			      char *err, size_t errlen)
{
	struct pc_chan *c = calloc(1, sizeof(*c));
	long timeout = conf->timeout_s > 0 ? conf->timeout_s : 10;
	int verbosity = 0, no = 0, ret;
	ssh_key key = NULL;
	struct stat st;
	char fp[128] = "?";

	if (!c) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	c->owns_session = 1;
	snprintf(c->peer, sizeof(c->peer), "%s:%u", addr, port);
	/* a key readable by others is refused before anything is sent (as ssh(1) does) */
	if (stat(conf->identity, &st) == 0 &&
	    io_check_private("--sshid", conf->identity, &st, err, errlen))
		goto fail;
	c->s = ssh_new();
	if (!c->s) {
		fail(err, errlen, "out of memory");
		goto fail;
	}
	ssh_options_set(c->s, SSH_OPTIONS_HOST, addr);
	ssh_options_set(c->s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(c->s, SSH_OPTIONS_USER, "perfprocessord");
	ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(c->s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	ssh_options_set(c->s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(c->s, SSH_OPTIONS_KNOWNHOSTS, conf->known_hosts);
	ssh_options_set(c->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	if (ssh_connect(c->s) != SSH_OK) {
		fail(err, errlen, "%s:%u: cannot connect: %s", addr, port, ssh_get_error(c->s));
		goto fail;
	}
	/* one thread at a time reads and pins: the known-hosts file is shared by all hosts */
	pthread_mutex_lock(&kh_lock);
	ret = check_host_key(c->s, addr, port, conf, err, errlen);
	pthread_mutex_unlock(&kh_lock);
	if (ret)
		goto fail;
	if (ssh_pki_import_privkey_file(conf->identity, NULL, NULL, NULL, &key) != SSH_OK) {
		fail(err, errlen, "--sshid=%s: cannot read the private key", conf->identity);
		goto fail;
	}
	ssh_key_fingerprint(key, fp, sizeof(fp));
	if (ssh_userauth_publickey(c->s, NULL, key) != SSH_AUTH_SUCCESS) {
		fail(err, errlen,
		     "%s:%u: the collector refused our key %s: add it to the collector's "
		     "--allowedkeys",
		     addr, port, fp);
		goto fail;
	}
	c->ch = ssh_channel_new(c->s);
	if (!c->ch || ssh_channel_open_session(c->ch) != SSH_OK ||
	    ssh_channel_request_subsystem(c->ch, PC_WIRE_SUBSYSTEM) != SSH_OK) {
		fail(err, errlen, "%s:%u: cannot open the '%s' subsystem: %s", addr, port,
		     PC_WIRE_SUBSYSTEM, ssh_get_error(c->s));
		goto fail;
	}
	ssh_key_free(key);
	return c;
fail:
	ssh_key_free(key);
	chan__close(c);
	return NULL;
}

uint32_t backoff__next(struct pc_backoff *b)
{
	uint32_t d, jitter;

	if (!b->cur_ms)
		b->cur_ms = b->min_ms ? b->min_ms : 100;
	d = b->cur_ms;
	jitter = d / 4 ? (uint32_t)rand_r(&b->seed) % (d / 2 + 1) : 0;
	if (b->cur_ms < b->max_ms)
		b->cur_ms = b->cur_ms > b->max_ms / 2 ? b->max_ms : b->cur_ms * 2;
	return d - d / 4 + jitter;
}

void backoff__reset(struct pc_backoff *b)
{
	b->cur_ms = 0;
}
