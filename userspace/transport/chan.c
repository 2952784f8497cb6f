// SPDX-License-Identifier: MIT
/*
 * chan.c: what both ends of the SSH transport share (include/pc/ssh.h,
 * ssh_int.h): I/O on the one channel of a session, read with a timeout and
 * written whole, its peer's name and closing it; and key fingerprints. The
 * collector's end (ssh_server.c) and the processor's (ssh_client.c) only
 * set a channel up.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ssh_int.h"

int ssh_key_fingerprint(const ssh_key key, char *buf, size_t len)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
		return -EINVAL;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (!fp)
		return -EINVAL;
	snprintf(buf, len, "%s", fp);
	ssh_string_free_char(fp);
	return 0;
}

int chan__read(struct pc_chan *c, void *buf, size_t n, int timeout_ms)
{
	int r;

	if (n > UINT32_MAX)
		n = UINT32_MAX;
	r = ssh_channel_read_timeout(c->ch, buf, (uint32_t)n, 0, timeout_ms);
	if (r > 0)
		return r;
	if (r == SSH_ERROR)
		return -EIO;
	if (ssh_channel_is_eof(c->ch) || !ssh_channel_is_open(c->ch) || !ssh_is_connected(c->s))
		return -EPIPE;
	return 0;
}

int chan__write(struct pc_chan *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		uint32_t chunk = n > 65536 ? 65536 : (uint32_t)n;
		int w = ssh_channel_write(c->ch, b, chunk);

		if (w == SSH_ERROR)
			return ssh_channel_is_open(c->ch) ? -EIO : -EPIPE;
		if (w <= 0)
			return -EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

const char *chan__peer(const struct pc_chan *c)
{
	return c->peer;
}

void chan__close(struct pc_chan *c)
{
	if (!c || !c->owns_session)
		return;
	if (c->ch) {
		ssh_channel_close(c->ch);
		ssh_channel_free(c->ch);
	}
	if (c->s) {
		ssh_disconnect(c->s);
		ssh_free(c->s);
	}
	free(c);
}
