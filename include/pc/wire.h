/* SPDX-License-Identifier: MIT */
/*
 * The collector <-> processor wire protocol (docs/REMOTE.md, "Wire protocol"):
 * length-prefixed, typed frames carried over one SSH channel (subsystem
 * "perfcollector"). This header owns the message model and its encoding;
 * the reader turns an untrusted byte stream into messages and checks every
 * length and field against the bytes that actually arrived before using
 * it. A malformed frame is an error naming the byte offset in the stream
 * and the offending value; callers close the session on it.
 *
 * Integers are big-endian (as in SSH itself); strings are u32 length + bytes.
 */
#ifndef PC_WIRE_H
#define PC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "pc/codec.h"

#define PC_WIRE_MAGIC	  0x50435750u /* "PCWP" */
#define PC_WIRE_VERSION	  1
#define PC_WIRE_SUBSYSTEM "perfcollector"

/* Largest frame (type byte + body) either side accepts. */
#define PC_WIRE_MAX_FRAME (8u << 20)
/* Largest batch payload: leaves room for the batch header inside a frame. */
#define PC_WIRE_MAX_PAYLOAD (PC_WIRE_MAX_FRAME - 256)
/* Largest text field (names, paths, systems lists, error texts). */
#define PC_WIRE_MAX_TEXT 4096
/* Largest reply text (file contents, directory listings). */
#define PC_WIRE_MAX_REPLY (1u << 20)

enum pc_wire_type {
	PC_W_HELLO = 1,
	PC_W_ERROR = 2,
	PC_W_PING = 3,
	PC_W_PONG = 4,
	PC_W_REQUEST = 16,
	PC_W_REPLY = 17,
	PC_W_STATUS = 18,
	PC_W_BATCH = 32,
	PC_W_ACK = 33,
};

/* HELLO roles: a data session receives batches, a control session only asks. */
enum pc_wire_role { PC_ROLE_DATA = 0, PC_ROLE_CONTROL = 1 };

/* REQUEST operations. */
enum pc_wire_op {
	PC_OP_START = 1, /* interval_ns, arg = systems (comma separated, "" = all) */
	PC_OP_STOP = 2,
	PC_OP_STATUS = 3,   /* answered by a STATUS message */
	PC_OP_ONCE = 4,	    /* arg = one path under /proc or /sys: its contents */
	PC_OP_DIR = 5,	    /* arg = one directory under /proc or /sys: its entries */
	PC_OP_NETCACHE = 6, /* the collector's table of network interfaces */
};

/* A counted string pointing into the frame it was decoded from (not NUL-terminated). */
struct pc_wire_str {
	const char *p;
	uint32_t len;
};

struct pc_wire_hello {
	uint32_t magic;
	uint16_t vmin, vmax; /* versions spoken; a reply has vmin == vmax == the chosen one */
	uint8_t role;
	uint32_t host; /* processor: the host id it knows the collector by */
	struct pc_wire_str name;
};

struct pc_wire_error {
	uint32_t code; /* an errno value */
	struct pc_wire_str text;
};

struct pc_wire_request {
	uint32_t id;
	uint8_t op;
	uint64_t interval_ns;
	struct pc_wire_str arg;
};

struct pc_wire_reply {
	uint32_t id;
	int32_t err; /* 0 or an errno value */
	struct pc_wire_str text;
};

struct pc_wire_status {
	uint32_t id;
	uint8_t running; /* sampling (measurement enabled) */
	uint8_t sink;	 /* a processor's data session is connected */
	uint32_t host, run;
	uint64_t interval_ns;
	uint64_t samples;	/* taken in this run */
	uint64_t dropped;	/* samples dropped because the spool was full (ever) */
	uint64_t spool_batches; /* unacknowledged batches */
	uint64_t spool_bytes;	/* their size */
	uint64_t spool_free;	/* bytes left before the spool is full */
	uint64_t spool_mem;	/* bytes of them held in memory */
	struct pc_wire_str systems;
};

struct pc_wire_batch {
	uint32_t host, run;
	uint64_t bseq;	    /* batch number within the run, from 0 */
	uint64_t first_seq; /* sample seq of the first sample */
	uint32_t nsamples;
	uint64_t first_ns, last_ns; /* time_ns of the first and last sample */
	uint64_t sealed_ns;	    /* collector's CLOCK_REALTIME when the batch was closed */
	struct pc_wire_str payload; /* one binary codec stream (docs/FORMAT.md) */
};

struct pc_wire_ack {
	uint32_t run;
	uint64_t bseq;
};

struct pc_wire_msg {
	uint8_t type;
	union {
		struct pc_wire_hello hello;
		struct pc_wire_error error;
		uint64_t ping; /* PING and PONG: an opaque token echoed back */
		struct pc_wire_request req;
		struct pc_wire_reply reply;
		struct pc_wire_status status;
		struct pc_wire_batch batch;
		struct pc_wire_ack ack;
	};
};

/* Append one frame for m to out; 0, -EINVAL (a field over its limit, unknown type), -ENOMEM. */
int wire__encode(struct pc_buf *out, const struct pc_wire_msg *m);

/* Decode one frame body (type byte + body, no length prefix). err says what is wrong. */
int wire__decode(const uint8_t *p, size_t len, struct pc_wire_msg *m, char *err, size_t errlen);

/* Stream reader: feed bytes as they arrive, take messages out. */
struct pc_wire_rd {
	struct pc_buf in;
	size_t off;	     /* start of the next frame in in */
	uint64_t stream_off; /* bytes of the stream consumed before in.p[0] */
	char err[192];
};

void wire_rd__init(struct pc_wire_rd *r);
void wire_rd__free(struct pc_wire_rd *r);
/* Append n received bytes; -ENOMEM. */
int wire_rd__feed(struct pc_wire_rd *r, const void *p, size_t n);
/*
 * Take the next message: 1 with *m set (its strings point into the reader and
 * stay valid until the next call), 0 when a whole frame has not arrived yet,
 * -EMSGSIZE (frame length over PC_WIRE_MAX_FRAME or zero) or -EBADMSG
 * (malformed) with r->err naming the byte offset and value. After an error
 * the stream is unusable: close the session.
 */
int wire_rd__next(struct pc_wire_rd *r, struct pc_wire_msg *m);

/*
 * The seed's status layout (Status / Sink enabled / Measurement enabled /
 * Frequency / Queue depth / Queue free / Systems) plus our run, sample,
 * spool and loss figures, appended to out; 0 or -ENOMEM.
 */
int wire__status_text(const struct pc_wire_status *st, struct pc_buf *out);

/* Names for logs: "BATCH", "op START"; "unknown" for anything else. */
const char *wire__type_name(unsigned type);
const char *wire__op_name(unsigned op);

/* Make a pc_wire_str from a C string. */
struct pc_wire_str wire__str(const char *s);

#endif
