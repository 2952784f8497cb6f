// SPDX-License-Identifier: MIT
/*
 * test_sink.c: the parts of the sinks that need no server: passwords never
 * reach a message (sink__redact), export__open_fn hands every interval the
 * export's values (containers.csv's rows too, the first sample's without an
 * interval), and remote-write's URL parsing and protobuf encoding (the
 * bytes of a WriteRequest checked by hand against prompb's field numbers).
 * tests/store_*.test.sh run the rest against real servers.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/export.h"
#include "pc/sample_container.h"
#include "pc/sink.h"
#include "../userspace/sink/sink_pg.h"
#include "../userspace/sink/sink_rw.h"

static void test_redact(void **state)
{
	static const char *const cases[][2] = {
	    {"postgresql://u:secret@db.example/perf", "postgresql://u:***@db.example/perf"},
	    {"postgresql://u:secret@/perf?host=/run/pg", "postgresql://u:***@/perf?host=/run/pg"},
	    {"postgresql:///perf?host=/s&password=secret&sslmode=off",
	     "postgresql:///perf?host=/s&password=***&sslmode=off"},
	    {"host=/s password=secret dbname=perf", "host=/s password=*** dbname=perf"},
	    {"postgresql://u@h/db", "postgresql://u@h/db"},
	    {"http://user:secret@127.0.0.1:8428/api/v1/write",
	     "http://user:***@127.0.0.1:8428/api/v1/write"},
	    {"http://127.0.0.1:8428/api/v1/write", "http://127.0.0.1:8428/api/v1/write"},
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		sink__redact(cases[i][0], buf, sizeof(buf));
		assert_string_equal(buf, cases[i][1]);
		assert_null(strstr(buf, "secret"));
	}
}

struct seen {
	int n;
	double cpu_user, mem_total;
	uint32_t ncpu;
};

static int on_iv(void *ctx, const struct pc_interval *iv)
{
	struct seen *s = ctx;

	s->n++;
	s->cpu_user = iv->host[0];
	s->mem_total = iv->host[5];
	s->ncpu = iv->ncpu;
	return 0;
}

static void sample(struct pc_sample *s, uint64_t t, uint64_t user, uint64_t idle)
{
	uint64_t *r;

	pc_sample_reset(s);
	s->time_ns = t;
	r = pc_table_add(&s->t[PC_G_CPU], "all");
	r[PC_CPU_USER] = user, r[PC_CPU_IDLE] = idle;
	r = pc_table_add(&s->t[PC_G_CPU], "0");
	r[PC_CPU_USER] = user, r[PC_CPU_IDLE] = idle;
	r = pc_table_add(&s->t[PC_G_MEM], "MemTotal");
	r[0] = 2048;
}

static void test_export_fn(void **state)
{
	struct seen seen = {0};
	struct pc_export *x = export__open_fn(on_iv, &seen, NULL);
	struct pc_sample s;
	char err[64];

	(void)state;
	assert_non_null(x);
	pc_sample_init(&s);
	sample(&s, 1000000000ull, 0, 0);
	assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(seen.n, 0);
	sample(&s, 2000000000ull, 25, 75);
	assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(seen.n, 1);
	assert_true(fabs(seen.cpu_user - 25) < 1e-9);
	assert_true(fabs(seen.mem_total - 2) < 1e-9); /* MB */
	assert_int_equal(seen.ncpu, 2);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	pc_sample_free(&s);
}

struct seen_ct {
	int n, first; /* calls; calls without an interval */
	uint32_t nct;
	double cpu_pct, mem_pct;
	uint64_t mem_current;
	char name[64];
};

static int on_ct(void *ctx, const struct pc_interval *iv)
{
	struct seen_ct *s = ctx;

	s->n++;
	s->first += !iv->prev;
	s->nct = iv->nct;
	if (iv->nct) {
		s->cpu_pct = iv->ct[0].cpu_pct, s->mem_pct = iv->ct[0].mem_pct;
		s->mem_current = iv->ct[0].mem_current;
		snprintf(s->name, sizeof(s->name), "%s/%s", iv->ct[0].runtime, iv->ct[0].name);
	}
	return 0;
}

static void ct_sample(struct pc_sample *s, uint64_t t, uint64_t usage_us)
{
	uint64_t *r;

	sample(s, t, 0, 0);
	r = pc_table_add(
	    &s->t[PC_G_CONTAINER],
	    "docker/7892fa5ced3d519c03dd549df61bf62d084d6a13aa185493b05259d75ce8b13d/web");
	r[PC_CT_CPU_USAGE_US] = usage_us;
	r[PC_CT_MEM_CURRENT] = 512, r[PC_CT_MEM_MAX] = 2048;
}

/* containers.csv's rows: the first sample's alone (no interval), then with each interval */
static void test_export_fn_containers(void **state)
{
	struct seen_ct seen = {0};
	struct pc_export *x = export__open_fn(on_ct, &seen, NULL);
	struct pc_sample s;
	char err[64];

	(void)state;
	assert_non_null(x);
	pc_sample_init(&s);
	ct_sample(&s, 1000000000ull, 1000000);
	assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.first, 1);
	assert_int_equal(seen.nct, 1);
	assert_true(isnan(seen.cpu_pct)); /* a container's first row: empty */
	assert_true(fabs(seen.mem_pct - 25) < 1e-9);
	assert_string_equal(seen.name, "docker/web");
	ct_sample(&s, 3000000000ull, 2000000); /* 1 s of CPU in 2 s */
	assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.first, 1);
	assert_true(fabs(seen.cpu_pct - 50) < 1e-9);
	assert_int_equal(seen.mem_current, 512);
	sample(&s, 4000000000ull, 0, 0); /* no containers: an interval without rows */
	assert_int_equal(export__add(x, &s), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.nct, 0);
	assert_int_equal(export__close(x, err, sizeof(err)), 0);
	pc_sample_free(&s);
}

/* Remote-write sends at most 256 containers per host and interval (the cardinality bound). */
static void test_rw_container_cap(void **state)
{
	struct pc_sink_opts o = {.kind = PC_SINK_REMOTE_WRITE, .uri = "http://127.0.0.1:1/w"};
	struct pc_sink_id id = {.site = 1, .host = 0, .run = 1, .sitename = "", .machinename = ""};
	struct pc_sink *k;
	struct pc_sample s;
	uint64_t rows, values, skipped;
	char err[256], key[96];

	(void)state;
	k = sink__open(&o, err, sizeof(err));
	assert_non_null(k);
	pc_sample_init(&s);
	sample(&s, 1000000000ull, 0, 0);
	for (int i = 0; i < 300; i++) {
		uint64_t *r;

		snprintf(key, sizeof(key), "docker/%064x", i + 1);
		r = pc_table_add(&s.t[PC_G_CONTAINER], key);
		r[PC_CT_MEM_CURRENT] = 1, r[PC_CT_MEM_MAX] = 2;
	}
	/* the first sample: per container 10 raw series and memory %, no CPU % yet */
	assert_int_equal(sink__add(k, &id, NULL, &s), 0);
	sink__stats(k, &rows, &values, &skipped);
	assert_int_equal(rows, 256 * 11);
	sink__close(k); /* nothing was sent: no flush */
	pc_sample_free(&s);
}

/* host.csv's columns by name: the fixed ones, then the appended ones the PostgreSQL schema has */
static void test_host_cols(void **state)
{
	static const char *const pg[] = {PG_HOST_NET(PG_NAME)};
	unsigned n = export__host_ncols();

	(void)state;
	assert_in_range(n, PC_HOST_NCOLS + PG_HOST_NNET, PC_HOST_MAXCOLS);
	assert_string_equal(export__host_col(0), "cpu_user");
	assert_string_equal(export__host_col(PC_HOST_NCOLS - 1), "net_tx_packets");
	assert_null(export__host_col(n));
	/* every column of schema 3 is one host.csv has (a renamed export column fails here) */
	for (int j = 0; j < PG_HOST_NNET; j++) {
		unsigned i = PC_HOST_NCOLS;

		while (i < n && strcmp(export__host_col(i), pg[j]))
			i++;
		assert_true(i < n);
	}
}

static void test_url(void **state)
{
	struct rw_url u;

	(void)state;
	assert_int_equal(rw_parse_url("http://127.0.0.1:8428/api/v1/write", &u), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8428");
	assert_string_equal(u.path, "/api/v1/write");
	assert_string_equal(u.auth, "");
	assert_int_equal(rw_parse_url("http://vm/write", &u), 0);
	assert_string_equal(u.port, "80");
	assert_int_equal(rw_parse_url("http://a:b@vm:1/w", &u), 0);
	assert_string_equal(u.auth, "YTpi"); /* base64("a:b") */
	assert_string_equal(u.host, "vm");
	assert_int_equal(rw_parse_url("https://vm/write", &u), -EINVAL);
	assert_int_equal(rw_parse_url("http://:80/write", &u), -EINVAL);
}

static void test_protobuf(void **state)
{
	struct rw_label l[] = {{"__name__", "m"}, {"site", "1"}};
	struct pc_buf out = {0}, scratch = {0};
	/* TimeSeries{labels{name:"__name__" value:"m"} labels{name:"site" value:"1"}
	 *            samples{value:1.5 timestamp:1000}} as WriteRequest field 1 */
	static const uint8_t want[] = {
	    0x0a, 0x28, /* timeseries, 40 bytes */
	    0x0a, 0x0d, 0x0a, 0x08, '_', '_', 'n', 'a', 'm',  'e',  '_',
	    '_',  0x12, 0x01, 'm',					 /* label */
	    0x0a, 0x09, 0x0a, 0x04, 's', 'i', 't', 'e', 0x12, 0x01, '1', /* label */
	    0x12, 0x0c, 0x09, 0,    0,	 0,   0,   0,	0,    0xf8, 0x3f,
	    0x10, 0xe8, 0x07, /* sample */
	};

	(void)state;
	assert_int_equal(rw_series(&out, &scratch, l, 2, 1.5, 1000), 0);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.p, want, sizeof(want));
	pc_buf_free(&out);
	pc_buf_free(&scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact),
	    cmocka_unit_test(test_export_fn),
	    cmocka_unit_test(test_export_fn_containers),
	    cmocka_unit_test(test_rw_container_cap),
	    cmocka_unit_test(test_host_cols),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_protobuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
