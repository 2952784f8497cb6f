// SPDX-License-Identifier: MIT
/*
 * test_wire.c: the wire protocol's frames round-trip, and hostile byte
 * streams (truncated frames, 0xffffffff lengths, unknown types, lying string
 * lengths, trailing bytes, random garbage) are refused with an error naming
 * the offset, never read out of bounds (ASan watches).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/wire.h"

static struct pc_wire_msg batch_msg(const char *payload)
{
	struct pc_wire_msg m = {.type = PC_W_BATCH};

	m.batch.host = 7;
	m.batch.run = 3;
	m.batch.bseq = 42;
	m.batch.first_seq = 420;
	m.batch.nsamples = 10;
	m.batch.first_ns = 1000;
	m.batch.last_ns = 9000;
	m.batch.sealed_ns = 9500;
	m.batch.payload = wire__str(payload);
	return m;
}

/* Feed a whole buffer to a fresh reader and take one message out. */
static int read_one(const struct pc_buf *b, struct pc_wire_rd *r, struct pc_wire_msg *m)
{
	wire_rd__init(r);
	assert_int_equal(wire_rd__feed(r, b->p, b->len), 0);
	return wire_rd__next(r, m);
}

static void test_batch_round_trips(void **state)
{
	struct pc_wire_msg m = batch_msg("payload bytes"), out;
	struct pc_buf b = {0};
	struct pc_wire_rd r;

	(void)state;
	assert_int_equal(wire__encode(&b, &m), 0);
	assert_int_equal(read_one(&b, &r, &out), 1);
	assert_int_equal(out.type, PC_W_BATCH);
	assert_int_equal(out.batch.host, 7);
	assert_int_equal(out.batch.run, 3);
	assert_int_equal(out.batch.bseq, 42);
	assert_int_equal(out.batch.first_seq, 420);
	assert_int_equal(out.batch.nsamples, 10);
	assert_int_equal(out.batch.last_ns, 9000);
	assert_int_equal(out.batch.sealed_ns, 9500);
	assert_int_equal(out.batch.payload.len, 13);
	assert_memory_equal(out.batch.payload.p, "payload bytes", 13);
	assert_int_equal(wire_rd__next(&r, &out), 0);
	wire_rd__free(&r);
	pc_buf_free(&b);
}

static void test_every_type_round_trips(void **state)
{
	struct pc_wire_msg in[8], out;
	struct pc_buf b = {0};
	struct pc_wire_rd r;
	int n = 0;

	(void)state;
	memset(in, 0, sizeof(in));
	in[n].type = PC_W_HELLO;
	in[n].hello =
	    (struct pc_wire_hello){PC_WIRE_MAGIC, 1, 1, PC_ROLE_CONTROL, 5, wire__str("db1")};
	in[++n].type = PC_W_ERROR;
	in[n].error = (struct pc_wire_error){EPROTO, wire__str("bad")};
	in[++n].type = PC_W_PING;
	in[n].ping = UINT64_MAX;
	in[++n].type = PC_W_REQUEST;
	in[n].req = (struct pc_wire_request){9, PC_OP_START, 10000000, wire__str("/proc/stat")};
	in[++n].type = PC_W_REPLY;
	in[n].reply = (struct pc_wire_reply){9, -ENOENT, wire__str("no such file")};
	in[++n].type = PC_W_STATUS;
	in[n].status.id = 4;
	in[n].status.running = 1;
	in[n].status.spool_free = UINT64_MAX;
	in[n].status.systems = wire__str("/proc/stat,/proc/meminfo");
	in[++n].type = PC_W_ACK;
	in[n].ack = (struct pc_wire_ack){2, UINT64_MAX};
	n++;
	for (int i = 0; i < n; i++)
		assert_int_equal(wire__encode(&b, &in[i]), 0);
	wire_rd__init(&r);
	/* one byte at a time: frames split anywhere must reassemble */
	for (size_t i = 0, k = 0; i < b.len; i++) {
		assert_int_equal(wire_rd__feed(&r, b.p + i, 1), 0);
		while (wire_rd__next(&r, &out) == 1) {
			assert_int_equal(out.type, in[k].type);
			k++;
		}
	}
	assert_int_equal(wire_rd__next(&r, &out), 0);
	/* spot-check values that exercise every width */
	pc_buf_free(&b);
	assert_int_equal(wire__encode(&b, &in[5]), 0);
	wire_rd__free(&r);
	assert_int_equal(read_one(&b, &r, &out), 1);
	assert_true(out.status.spool_free == UINT64_MAX);
	assert_int_equal(out.status.systems.len, strlen("/proc/stat,/proc/meminfo"));
	wire_rd__free(&r);
	pc_buf_free(&b);
	assert_int_equal(wire__encode(&b, &in[4]), 0);
	assert_int_equal(read_one(&b, &r, &out), 1);
	assert_int_equal(out.reply.err, -ENOENT);
	wire_rd__free(&r);
	pc_buf_free(&b);
}

static void test_length_ffffffff_refused(void **state)
{
	static const uint8_t bytes[] = {0xff, 0xff, 0xff, 0xff, PC_W_PING, 0, 0};
	struct pc_wire_rd r;
	struct pc_wire_msg m;

	(void)state;
	wire_rd__init(&r);
	assert_int_equal(wire_rd__feed(&r, bytes, sizeof(bytes)), 0);
	assert_int_equal(wire_rd__next(&r, &m), -EMSGSIZE);
	assert_non_null(strstr(r.err, "stream byte 0"));
	assert_non_null(strstr(r.err, "4294967295"));
	wire_rd__free(&r);
}

static void test_zero_length_refused(void **state)
{
	static const uint8_t bytes[] = {0, 0, 0, 0};
	struct pc_wire_rd r;
	struct pc_wire_msg m;

	(void)state;
	wire_rd__init(&r);
	assert_int_equal(wire_rd__feed(&r, bytes, sizeof(bytes)), 0);
	assert_int_equal(wire_rd__next(&r, &m), -EMSGSIZE);
	wire_rd__free(&r);
}

static void test_truncated_frame_waits_never_reads_past(void **state)
{
	struct pc_wire_msg m = batch_msg("0123456789"), out;
	struct pc_buf b = {0};
	struct pc_wire_rd r;

	(void)state;
	assert_int_equal(wire__encode(&b, &m), 0);
	/* every proper prefix is "not yet", in an exactly sized copy so ASan sees overreads */
	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, b.p, cut);
		wire_rd__init(&r);
		assert_int_equal(wire_rd__feed(&r, p, cut), 0);
		assert_int_equal(wire_rd__next(&r, &out), 0);
		wire_rd__free(&r);
		free(p);
	}
	pc_buf_free(&b);
}

static void test_frame_shorter_than_its_fields_refused(void **state)
{
	struct pc_wire_msg m = batch_msg("0123456789"), out;
	struct pc_buf b = {0};
	char err[160];

	(void)state;
	assert_int_equal(wire__encode(&b, &m), 0);
	/* the body cut at every length: a frame that says it is complete but is not */
	for (size_t cut = 1; cut < b.len - 4; cut++) {
		uint8_t *p = malloc(cut);

		memcpy(p, b.p + 4, cut);
		assert_int_equal(wire__decode(p, cut, &out, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "byte"));
		free(p);
	}
	pc_buf_free(&b);
}

static void test_unknown_type_refused(void **state)
{
	static const uint8_t bytes[] = {0, 0, 0, 1, 0xee};
	struct pc_wire_rd r;
	struct pc_wire_msg m;

	(void)state;
	wire_rd__init(&r);
	assert_int_equal(wire_rd__feed(&r, bytes, sizeof(bytes)), 0);
	assert_int_equal(wire_rd__next(&r, &m), -EBADMSG);
	assert_non_null(strstr(r.err, "unknown message type 238"));
	wire_rd__free(&r);
}

static void test_string_length_lie_refused(void **state)
{
	/* ERROR with a text claiming 0xffffffff bytes inside a 9-byte frame */
	static const uint8_t bytes[] = {0, 0, 0, 9, PC_W_ERROR, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff};
	struct pc_wire_rd r;
	struct pc_wire_msg m;

	(void)state;
	wire_rd__init(&r);
	assert_int_equal(wire_rd__feed(&r, bytes, sizeof(bytes)), 0);
	assert_int_equal(wire_rd__next(&r, &m), -EBADMSG);
	assert_non_null(strstr(r.err, "error text length 4294967295 exceeds"));
	wire_rd__free(&r);
}

static void test_trailing_bytes_refused(void **state)
{
	static const uint8_t bytes[] = {0, 0, 0, 10, PC_W_PING, 0, 0, 0, 0, 0, 0, 0, 1, 0x55};
	struct pc_wire_rd r;
	struct pc_wire_msg m;

	(void)state;
	wire_rd__init(&r);
	assert_int_equal(wire_rd__feed(&r, bytes, sizeof(bytes)), 0);
	assert_int_equal(wire_rd__next(&r, &m), -EBADMSG);
	assert_non_null(strstr(r.err, "trailing"));
	wire_rd__free(&r);
}

static void test_wrong_magic_refused(void **state)
{
	struct pc_wire_msg m = {.type = PC_W_HELLO}, out;
	struct pc_buf b = {0};
	struct pc_wire_rd r;

	(void)state;
	m.hello.magic = 0x53534820; /* someone speaking another protocol */
	assert_int_equal(wire__encode(&b, &m), 0);
	assert_int_equal(read_one(&b, &r, &out), -EBADMSG);
	assert_non_null(strstr(r.err, "magic"));
	wire_rd__free(&r);
	pc_buf_free(&b);
}

static void test_inconsistent_batch_refused(void **state)
{
	struct pc_wire_msg m = batch_msg("x"), out;
	struct pc_buf b = {0};
	struct pc_wire_rd r;

	(void)state;
	m.batch.nsamples = 0;
	assert_int_equal(wire__encode(&b, &m), 0);
	assert_int_equal(read_one(&b, &r, &out), -EBADMSG);
	wire_rd__free(&r);
	pc_buf_free(&b);
	m = batch_msg("x");
	m.batch.first_seq = UINT64_MAX;
	assert_int_equal(wire__encode(&b, &m), 0);
	assert_int_equal(read_one(&b, &r, &out), -EBADMSG);
	wire_rd__free(&r);
	pc_buf_free(&b);
}

static void test_encoder_refuses_oversized_fields(void **state)
{
	struct pc_wire_msg m = {.type = PC_W_ERROR};
	struct pc_buf b = {0};
	char *big = malloc(PC_WIRE_MAX_TEXT + 2);

	(void)state;
	memset(big, 'a', PC_WIRE_MAX_TEXT + 1);
	big[PC_WIRE_MAX_TEXT + 1] = 0;
	m.error.text = wire__str(big);
	assert_int_equal(wire__encode(&b, &m), -EINVAL);
	assert_int_equal(b.len, 0);
	m.type = 0xee;
	assert_int_equal(wire__encode(&b, &m), -EINVAL);
	free(big);
	pc_buf_free(&b);
}

static void test_random_garbage_never_crashes(void **state)
{
	struct pc_wire_rd r;
	struct pc_wire_msg m;
	uint8_t buf[512];
	unsigned seed = 12345;
	int errors = 0;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		/* plausible lengths half of the time, so decoding is reached */
		if (n >= 5 && round % 2) {
			buf[0] = buf[1] = 0;
			buf[2] = (uint8_t)((n - 4) >> 8);
			buf[3] = (uint8_t)(n - 4);
			buf[4] = (uint8_t)(round % 40);
		}
		wire_rd__init(&r);
		assert_int_equal(wire_rd__feed(&r, buf, n), 0);
		int ret;
		while ((ret = wire_rd__next(&r, &m)) == 1)
			;
		if (ret < 0) {
			errors++;
			assert_true(r.err[0] != 0);
		}
		wire_rd__free(&r);
	}
	assert_true(errors > 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(wire__type_name(PC_W_BATCH), "BATCH");
	assert_string_equal(wire__type_name(200), "unknown");
	assert_string_equal(wire__op_name(PC_OP_NETCACHE), "netcache");
	assert_string_equal(wire__op_name(0), "unknown");
	assert_string_equal(wire__op_name(4000), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_round_trips),
	    cmocka_unit_test(test_every_type_round_trips),
	    cmocka_unit_test(test_length_ffffffff_refused),
	    cmocka_unit_test(test_zero_length_refused),
	    cmocka_unit_test(test_truncated_frame_waits_never_reads_past),
	    cmocka_unit_test(test_frame_shorter_than_its_fields_refused),
	    cmocka_unit_test(test_unknown_type_refused),
	    cmocka_unit_test(test_string_length_lie_refused),
	    cmocka_unit_test(test_trailing_bytes_refused),
	    cmocka_unit_test(test_wrong_magic_refused),
	    cmocka_unit_test(test_inconsistent_batch_refused),
	    cmocka_unit_test(test_encoder_refuses_oversized_fields),
	    cmocka_unit_test(test_random_garbage_never_crashes),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
