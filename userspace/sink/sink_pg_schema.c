// SPDX-License-Identifier: MIT
/*
 * sink_pg_schema.c: the PostgreSQL schema of docs/STORE.md as numbered
 * migrations, and applying them: under a transaction-scoped advisory lock (so
 * processors starting together migrate once), each migration not yet in
 * pc_schema_version in its own transaction. A database whose schema is newer
 * than this build is refused, never touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sink_pg.h"

/* The metric tables, all partitioned by day on "time" (pc_partition creates the days). */
#define METRIC_KEY                                                                                 \
	"collector_id bigint NOT NULL REFERENCES pc_collector(id), run bigint NOT NULL, "          \
	"time timestamptz NOT NULL, "
#define D " double precision"
/* dashboard_performancemetric's columns of version 1 (later ones add theirs after) */
#define SEED_VIEW_COLS                                                                             \
	"SELECT collector_id, time AS \"timestamp\", cpu_user, cpu_system, cpu_iowait,"            \
	" cpu_idle, cpu_steal, mem_total, mem_used, mem_available, mem_buffers, mem_cached,"       \
	" disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops, net_rx_bytes,"         \
	" net_tx_bytes, net_rx_packets, net_tx_packets, run"
#define ADD_COL(n) "ALTER TABLE pc_host_metric ADD COLUMN " #n D ";"

static const char *const migrations[] = {
    /* 1: collectors, cursors, metrics, the seed's views */
    "CREATE TABLE pc_collector (id bigserial PRIMARY KEY, site bigint, host bigint,"
    " machinename text NOT NULL, sitename text NOT NULL, description text NOT NULL DEFAULT '',"
    " UNIQUE (site, host));"
    "CREATE INDEX pc_collector_names ON pc_collector (sitename, machinename);"
    "CREATE TABLE pc_cursor (collector_id bigint NOT NULL REFERENCES pc_collector(id),"
    " run bigint NOT NULL, last_ns bigint NOT NULL, updated timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (collector_id, run));"
    "CREATE TABLE pc_host_metric (" METRIC_KEY "itv" D ", cpu_user" D ", cpu_system" D
    ", cpu_iowait" D ", cpu_idle" D ", cpu_steal" D ", mem_total" D ", mem_used" D
    ", mem_available" D ", mem_buffers" D ", mem_cached" D ", disk_read_bytes" D
    ", disk_write_bytes" D ", disk_read_ops" D ", disk_write_ops" D ", net_rx_bytes" D
    ", net_tx_bytes" D ", net_rx_packets" D ", net_tx_packets" D ") PARTITION BY RANGE (time);"
    "CREATE TABLE pc_cpu_metric (" METRIC_KEY "cpu text NOT NULL, usr" D ", nice" D ", system" D
    ", iowait" D ", steal" D ", idle" D ") PARTITION BY RANGE (time);"
    "CREATE TABLE pc_disk_metric (" METRIC_KEY "device text NOT NULL, whole boolean NOT NULL,"
    " tps" D ", rtps" D ", wtps" D ", dtps" D ", read_bytes" D ", write_bytes" D ", discard_bytes" D
    ") PARTITION BY RANGE (time);"
    "CREATE TABLE pc_net_metric (" METRIC_KEY "iface text NOT NULL, rx_packets" D ", tx_packets" D
    ", rx_bytes" D ", tx_bytes" D ", rx_compressed" D ", tx_compressed" D ", rx_multicast" D
    ", ifutil" D ") PARTITION BY RANGE (time);"
    "CREATE TABLE pc_bpf_hist (" METRIC_KEY "hist text NOT NULL, count_s" D ", avg_us" D
    ", p50_us" D ", p90_us" D ", p99_us" D ", buckets bigint[] NOT NULL)"
    " PARTITION BY RANGE (time);"
    /* version 4 gives it containers.csv's columns */
    "CREATE TABLE pc_container_metric (" METRIC_KEY "container text NOT NULL, cpu_pct" D
    ", mem_bytes" D ") PARTITION BY RANGE (time);"
    "CREATE FUNCTION pc_partition(day date) RETURNS void LANGUAGE plpgsql AS $f$"
    " DECLARE t text; lo timestamptz := day::timestamp AT TIME ZONE 'UTC'; BEGIN"
    " FOREACH t IN ARRAY ARRAY['pc_host_metric','pc_cpu_metric','pc_disk_metric',"
    "'pc_net_metric','pc_bpf_hist','pc_container_metric'] LOOP"
    " IF to_regclass(t || '_p' || to_char(day, 'YYYYMMDD')) IS NULL THEN BEGIN"
    " EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',"
    " t || '_p' || to_char(day, 'YYYYMMDD'), t, lo, lo + interval '1 day');"
    " EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL; END; END IF;"
    " END LOOP; END $f$;"
    "CREATE VIEW collectors_collector AS SELECT id, machinename, sitename,"
    " description AS machinedescription, site, host FROM pc_collector;"
    "CREATE VIEW dashboard_performancemetric AS " SEED_VIEW_COLS " FROM pc_host_metric;",
    /*
     * 2: indexes per day partition, built by pc_index_day: at once for the live sink, after
     * the load for bulk imports (pc_partition(day, false) leaves a new day unindexed)
     */
    "CREATE FUNCTION pc_index_day(day date) RETURNS void LANGUAGE plpgsql AS $f$"
    " DECLARE t text; p text; BEGIN"
    " FOREACH t IN ARRAY ARRAY['pc_host_metric','pc_cpu_metric','pc_disk_metric',"
    "'pc_net_metric','pc_bpf_hist','pc_container_metric'] LOOP"
    " p := t || '_p' || to_char(day, 'YYYYMMDD');"
    " IF to_regclass(p) IS NOT NULL THEN"
    " EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING brin (time)', p || '_time', p);"
    " IF t = 'pc_host_metric' THEN EXECUTE format("
    "'CREATE INDEX IF NOT EXISTS %I ON %I (collector_id, time)', p || '_cid', p); END IF;"
    " END IF; END LOOP; END $f$;"
    "CREATE FUNCTION pc_partition(day date, indexed boolean) RETURNS void LANGUAGE plpgsql AS"
    " $f$ BEGIN PERFORM pc_partition(day); IF indexed THEN PERFORM pc_index_day(day); END IF;"
    " END $f$;",
    /*
     * 3: host.csv's TCP/UDP columns (snmp, netstat); nullable, rows stored before stay NULL.
     * Adding a column without a default to the partitioned table rewrites no partition.
     */
    PG_HOST_NET(ADD_COL) "CREATE OR REPLACE VIEW dashboard_performancemetric AS " SEED_VIEW_COLS
	PG_HOST_NET(PG_COMMA_NAME) " FROM pc_host_metric;",
    /*
     * 4: pc_container_metric gets containers.csv's columns (docs/CONTAINERS.md). The table of
     * version 1 was never filled; renaming and adding columns keeps whatever it holds, and
     * rewrites no partition (the defaults are constants).
     */
    "ALTER TABLE pc_container_metric RENAME COLUMN cpu_pct TO cpu_percent;"
    "ALTER TABLE pc_container_metric RENAME COLUMN mem_bytes TO memory_current_bytes;"
    "ALTER TABLE pc_container_metric ADD COLUMN runtime text NOT NULL DEFAULT '',"
    " ADD COLUMN name text NOT NULL DEFAULT '', ADD COLUMN cpu_user_percent" D
    ", ADD COLUMN cpu_system_percent" D ", ADD COLUMN memory_max_bytes" D
    ", ADD COLUMN memory_percent" D ", ADD COLUMN io_read_bytes" D ", ADD COLUMN io_write_bytes" D
    ", ADD COLUMN io_read_ops" D ", ADD COLUMN io_write_ops" D ", ADD COLUMN pids_current" D ";",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(*migrations)))

int pg_schema_version(void)
{
	return NMIGRATIONS;
}

/* Run sql; 0, or the error in k->err (what says which step). */
int pg_exec(struct pc_sink *k, PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_fail(k, c, r, what);
	PQclear(r);
	return ok ? 0 : -EIO;
}

/* The version the database is at (0: no schema yet), or -EIO. */
static int db_version(struct pc_sink *k, PGconn *c)
{
	PGresult *r;
	int v;

	if (pg_exec(k, c,
		    "CREATE TABLE IF NOT EXISTS pc_schema_version (version int PRIMARY KEY,"
		    " applied timestamptz NOT NULL DEFAULT now())",
		    "creating pc_schema_version"))
		return -EIO;
	r = PQexec(c, "SELECT coalesce(max(version), 0) FROM pc_schema_version");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(k, c, r, "reading the schema version");
		PQclear(r);
		return -EIO;
	}
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static int migrate_locked(struct pc_sink *k, PGconn *c)
{
	char sql[64];
	int v = db_version(k, c);

	if (v < 0)
		return v;
	if (v > NMIGRATIONS)
		return sink_fail(k, -EPROTO,
				 "the schema is at version %d, newer than this build's %d: use a "
				 "newer perfcollector (nothing was changed)",
				 v, NMIGRATIONS);
	for (; v < NMIGRATIONS; v++) {
		if (pg_exec(k, c, migrations[v], "migrating the schema"))
			return -EIO;
		snprintf(sql, sizeof(sql), "INSERT INTO pc_schema_version (version) VALUES (%d)",
			 v + 1);
		if (pg_exec(k, c, sql, "recording the schema version"))
			return -EIO;
	}
	return 0;
}

int pg_migrate(struct pc_sink *k, PGconn *c)
{
	int rc;

	/* 0x7063 = "pc": one migrator at a time; the lock ends with the transaction */
	if (pg_exec(k, c, "BEGIN; SELECT pg_advisory_xact_lock(x'7063'::bigint)",
		    "locking the schema"))
		return -EIO;
	rc = migrate_locked(k, c);
	if (rc < 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		return rc;
	}
	return pg_exec(k, c, "COMMIT", "committing the schema");
}
