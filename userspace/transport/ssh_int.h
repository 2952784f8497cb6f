/* SPDX-License-Identifier: MIT */
/* ssh_int.h: what ssh_server.c and ssh_client.c share: the channel and key fingerprints. */
#ifndef PC_SSH_INT_H
#define PC_SSH_INT_H

#include <libssh/libssh.h>

#include "pc/ssh.h"

struct pc_chan {
	ssh_session s;
	ssh_channel ch;
	int owns_session; /* client side: chan__close frees the session too */
	char peer[256];
};

/* "SHA256:..." of a public key into buf; 0 or -EINVAL. */
int ssh_key_fingerprint(const ssh_key key, char *buf, size_t len);

#endif
