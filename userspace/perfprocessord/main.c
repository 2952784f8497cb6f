// SPDX-License-Identifier: MIT
/*
 * perfprocessord: the processor. This file owns its options (the long flags
 * and ~/.perfprocessord/perfprocessord.conf) and the choice of what to do:
 * with no command it is the daemon (the site's license checked first, then
 * the journal opened and verified, a session to every collector, the
 * control socket); with a command (start, stop, status, once, dir, netcache)
 * it asks the running daemon over its socket, or the collectors directly
 * when no daemon runs; `dump` prints what the journal holds.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc/cli.h"
#include "pc/config.h"
#include "pc/io.h"
#include "pc/log.h"
#include "pc/path.h"
#include "dbsink.h"
#include "processord.h"
#include "store.h"

volatile sig_atomic_t pd_stop;

static const struct option longopts[] = {
    {"hosts", required_argument, NULL, 'H'},
    {"host", required_argument, NULL, 'H'}, /* the seed's spelling */
    {"siteid", required_argument, NULL, 's'},
    {"sitename", required_argument, NULL, 'N'},
    {"license", required_argument, NULL, 'l'},
    {"license-file", required_argument, NULL, 'L'},
    {"version", no_argument, NULL, 'V'},
    {"journal", required_argument, NULL, 'j'},
    {"mac", required_argument, NULL, 'M'},
    {"sshid", required_argument, NULL, 'i'},
    {"knownhosts", required_argument, NULL, 'k'},
    {"stricthostkeys", no_argument, NULL, 'S'},
    {"datadir", required_argument, NULL, 'D'},
    {"control", required_argument, NULL, 'C'},
    {"keepalive", required_argument, NULL, 'K'},
    {"timeout", required_argument, NULL, 'T'},
    {"debuglevel", required_argument, NULL, 'g'},
    {"config", required_argument, NULL, 'c'},
    {"db", required_argument, NULL, 'B'},
    {"dburi", required_argument, NULL, 'U'},
    {"url", required_argument, NULL, 'U'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: perfprocessord [options]                   run the daemon\n"
	    "       perfprocessord [options] start [frequency=1s] [systems=/proc/stat,...]\n"
	    "       perfprocessord [options] stop | status | netcache\n"
	    "       perfprocessord [options] once systems=/proc/version[,...]\n"
	    "       perfprocessord [options] dir directories=/proc/[,...]\n"
	    "       perfprocessord [options] dump              print every stored sample\n"
	    "  --hosts=SITE:HOST/ADDRESS:PORT  a collector (repeatable; SITE = --siteid;\n"
	    "                      a bare ADDRESS:PORT is host 0 of --siteid)\n"
	    "  --host=ADDRESS:PORT the seed's spelling of --hosts: host 0 of --siteid\n"
	    "  --siteid=N          this site (default 1)\n"
	    "  --sitename=NAME     this site's name (exact: case and spaces count)\n"
	    "  --license=xxxx-xxxx-xxxx-xxxx-xxxx-xxxx  the site license (perflicense)\n"
	    "  --license-file=PATH the license from a file of mode 0600 (not on the command "
	    "line)\n"
	    "  --mac=xx:xx:xx:xx:xx:xx  the license's MAC, one of this machine's (default: "
	    "found)\n"
	    "  --journal=FILE      the encrypted journal (default DATADIR/journal)\n"
	    "  --sshid=KEY         our private key (default ~/.ssh/id_ed25519)\n"
	    "  --knownhosts=FILE   pinned collector host keys (default "
	    "~/.perfprocessord/known_hosts)\n"
	    "  --stricthostkeys    refuse collectors whose key is not pinned yet\n"
	    "  --datadir=DIR       where the journal lives (default ~/.perfprocessord/data)\n"
	    "  --control=SOCKET    the daemon's socket (default ~/.perfprocessord/control.sock)\n"
	    "  --keepalive=5s      ping interval; a collector silent for 3 is reconnected\n"
	    "  --db=postgres --dburi=postgresql://...  also write every stored batch there\n"
	    "  --db=remote-write --url=http://.../api/v1/write  or to a remote-write endpoint\n"
	    "  --timeout=10        seconds to connect to a collector and authenticate\n"
	    "  --config=FILE       (default ~/.perfprocessord/perfprocessord.conf)\n"
	    "  -v, --verbose       debug messages\n"
	    "  --debuglevel=LEVEL  the seed's: trace or debug is -v; info, warn, error,\n"
	    "                      critical, off change nothing\n"
	    "  --version           the version and build (release or development)\n"
	    "A repeatable option given on the command line replaces the configuration file's "
	    "list.\n");
}

/* buf = HOME/sub, whole or fatal (a cut path would name another file). */
static void home_path(char *buf, size_t len, const char *home, const char *sub)
{
	if (pc_pathf(buf, len, "%s/%s", home, sub))
		fatalx("HOME (%zu bytes) is too long for %s under it", strlen(home), sub);
}

static void mkdir_home(const char *home, const char *sub)
{
	char path[PATH_MAX], err[PATH_MAX + 64];

	home_path(path, sizeof(path), home, sub);
	if (io_mkdirs(path, 0700, err, sizeof(err)))
		fatalx("%s", err);
}

/*
 * The journal's directory, made 0700 where missing and checked up to / as
 * sshd's StrictModes does (base/io.c): fatal, naming the path and the fix.
 */
static void strict_journal_dir(const char *journal)
{
	char dir[PATH_MAX], err[3 * PATH_MAX];
	const char *slash = strrchr(journal, '/');

	if (pc_pathf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - journal) : 1,
		     slash ? journal : "."))
		fatalx("--journal=%s: too long", journal);
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	if (io_mkdirs_strict("journal directory", dir, (uid_t)-1, err, sizeof(err)))
		fatalx("%s", err);
}

static int add_host(struct pd *pd, const char *spec, int cmdline, int *hosts_cmdline)
{
	char err[256];
	struct pd_host h, *nh;

	if (cmdline && !*hosts_cmdline) {
		pd->nh = 0; /* the command line's list replaces the file's */
		*hosts_cmdline = 1;
	}
	if (pd_host_parse(spec, &h, err, sizeof(err)))
		fatalx("%s", err);
	nh = realloc(pd->h, (size_t)(pd->nh + 1) * sizeof(*nh));
	if (!nh)
		fatalx("out of memory");
	pd->h = nh;
	pd->h[pd->nh++] = h;
	return 0;
}

static void check_hosts(struct pd *pd)
{
	for (int i = 0; i < pd->nh; i++) {
		struct pd_host *a = &pd->h[i];

		if (a->bare) {
			a->site = pd->o.siteid;
			pd_host_name(a);
		}
		if (a->site != pd->o.siteid)
			fatalx("--hosts=%s: site %u is not --siteid=%u", a->name, a->site,
			       pd->o.siteid);
		for (int k = 0; k < i; k++) {
			struct pd_host *b = &pd->h[k];

			if (a->id == b->id)
				fatalx("--hosts: %s and %s have the same site:host", b->name,
				       a->name);
			if (a->port == b->port && !strcmp(a->addr, b->addr))
				fatalx("--hosts: %s and %s have the same address", b->name,
				       a->name);
		}
		pthread_mutex_init(&a->mu, NULL);
		pthread_cond_init(&a->cv, NULL);
	}
}

/* The license is checked before anything else starts; fatal with the failed check. */
static void check_site(struct pd *pd)
{
	char err[1024];

	if (pd_site_check(pd, err, sizeof(err)))
		fatalx("%s", err);
}

static void sink_put(void *ctx, uint32_t host, uint32_t run, const void *p, size_t len)
{
	dbsink__put(ctx, host, run, p, len);
}

static int run_daemon(struct pd *pd)
{
	char err[1024];
	int ret;

	if (!pd->nh)
		fatalx("no collectors: give --hosts=<siteid>:<host>/<address>:<port> (repeatable) "
		       "or hosts= lines in the configuration file");
	/* proves the journal decrypts with this identity before any collector is contacted */
	pd->store = store__open(pd->o.journal, &pd->site, err, sizeof(err));
	if (!pd->store)
		fatalx("journal: %s", err);
	if (pd->o.db >= 0) {
		struct pc_sink_opts so = {.kind = (enum pc_sink_kind)pd->o.db, .uri = pd->o.dburi};
		char cursor[PATH_MAX];

		/* remote-write keeps nothing we can read back: the cursors live beside the journal
		 */
		if (snprintf(cursor, sizeof(cursor), "%s.remote-write-cursor", pd->o.journal) >=
		    (int)sizeof(cursor))
			fatalx("--journal=%s: too long", pd->o.journal);
		if (so.kind == PC_SINK_REMOTE_WRITE)
			so.cursor = cursor;

		pd->sink = dbsink__start(&so, pd->o.journal, &pd->site);
		if (!pd->sink)
			fatalx("cannot start the database sink");
		store__on_durable(pd->store, sink_put, pd->sink);
	}
	log_info("%d collector(s), journal %s", pd->nh, pd->o.journal);
	if (pd_hosts_start(pd))
		fatalx("cannot start the host threads");
	ret = pd_control_serve(pd);
	pd_stop = 1;
	pd_hosts_join(pd);
	store__close(pd->store);
	dbsink__stop(pd->sink);
	log_info("stopped");
	return ret ? 1 : 0;
}

/* One option: -1 to go on, or the exit status (help, a bad option). */
static int parse_option(struct pd *pd, int c, char **av, int cmdline, int *hosts_cmdline)
{
	uint64_t v;

	switch (c) {
	case 'H':
		add_host(pd, optarg, cmdline, hosts_cmdline);
		break;
	case 's':
		pd->o.siteid = pc_cli_u32("--siteid", optarg);
		break;
	case 'N':
		pd->o.sitename = optarg;
		break;
	case 'l':
	case 'L': /* the later of the two wins: the command line's over the file's */
		pd->o.license = c == 'l' ? optarg : NULL;
		pd->o.license_file = c == 'L' ? optarg : NULL;
		break;
	case 'V':
		return pc_cli_version("perfprocessord", license__build());
	case 'M':
		pd->o.mac = optarg;
		break;
	case 'j':
		if (!*optarg)
			fatalx("--journal: empty value");
		snprintf(pd->o.journal, sizeof(pd->o.journal), "%s", optarg);
		break;
	case 'g':
		if (pc_cli_log_levels(optarg, &pd->o.verbose))
			fatalx("--debuglevel=%s: want trace, debug, info, warn, error, critical or "
			       "off",
			       optarg);
		break;
	case 'c':
		break;
	case 'i':
		pd->o.sshid = optarg;
		break;
	case 'k':
		snprintf(pd->o.known_hosts, sizeof(pd->o.known_hosts), "%s", optarg);
		break;
	case 'S':
		pd->o.strict = 1;
		break;
	case 'D':
		snprintf(pd->o.datadir, sizeof(pd->o.datadir), "%s", optarg);
		break;
	case 'C':
		snprintf(pd->o.control, sizeof(pd->o.control), "%s", optarg);
		break;
	case 'K':
		if (pc_parse_duration(optarg, &pd->o.keepalive_ns) ||
		    pd->o.keepalive_ns < 100000000ull)
			fatalx("--keepalive=%s: a duration of at least 100ms", optarg);
		break;
	case 'T':
		if (pc_parse_u64(optarg, 3600, &v) || !v)
			fatalx("--timeout=%s: seconds, 1 to 3600", optarg);
		pd->o.timeout_s = (int)v;
		break;
	case 'v':
		pd->o.verbose = 1;
		break;
	case 'B':
		if (!strcmp(optarg, "postgres") || !strcmp(optarg, "pgsql"))
			pd->o.db = PC_SINK_PGSQL;
		else if (!strcmp(optarg, "remote-write"))
			pd->o.db = PC_SINK_REMOTE_WRITE;
		else
			fatalx("--db=%s: want postgres or remote-write", optarg);
		break;
	case 'U':
		pd->o.dburi = optarg;
		break;
	default:
		return pc_cli_other_option(c, av, usage, 1);
	}
	return -1;
}

/* Where things are when no option says: under ~/.perfprocessord, the key in ~/.ssh. */
static void default_paths(struct pd *pd, const char *home, char *idpath, size_t idlen)
{
	mkdir_home(home, ".perfprocessord");
	if (!pd->o.known_hosts[0])
		home_path(pd->o.known_hosts, sizeof(pd->o.known_hosts), home,
			  ".perfprocessord/known_hosts");
	if (!pd->o.datadir[0]) {
		mkdir_home(home, ".perfprocessord/data");
		home_path(pd->o.datadir, sizeof(pd->o.datadir), home, ".perfprocessord/data");
	}
	if (!pd->o.journal[0]) {
		if (pc_pathf(pd->o.journal, sizeof(pd->o.journal), "%s/journal", pd->o.datadir))
			fatalx("--datadir=%s: too long", pd->o.datadir);
	}
	if (!pd->o.control[0])
		home_path(pd->o.control, sizeof(pd->o.control), home,
			  ".perfprocessord/control.sock");
	if (!pd->o.sshid) {
		home_path(idpath, idlen, home, ".ssh/id_ed25519");
		pd->o.sshid = idpath;
	}
}

/* No command: the daemon; dump; any other through the daemon, or directly without one. */
static int run_command(struct pd *pd, int argc, char **argv)
{
	struct pc_buf out = {0};
	char err[512];
	int c;

	if (!argc)
		return run_daemon(pd);
	if (!strcmp(argv[0], "dump")) {
		if (store__dump(pd->o.journal, &pd->site, stdout, err, sizeof(err))) {
			log_warnx("dump: %s", err);
			return 1;
		}
		return 0;
	}
	c = pd_control_client(pd->o.control, argc, argv);
	if (c < 0) {
		c = pd_command(pd, argc, argv, 0, &out);
		fwrite(out.p, 1, out.len, c == 2 ? stderr : stdout);
		pc_buf_free(&out);
	}
	return c;
}

int main(int argc, char **argv)
{
	struct pd pd = {0};
	const char *home = getenv("HOME");
	char **av, idpath[PATH_MAX];
	int ac, c, nconf, hosts_cmdline = 0;

	log_init(argv[0], 0);
	if (!home || !*home)
		fatalx("HOME is not set");
	pd.o.siteid = 1;
	pd.o.db = -1;
	pd.o.keepalive_ns = 5000000000ull;
	pd.o.timeout_s = 10;
	nconf = pc_cli_config("perfprocessord", longopts, argc, argv, &ac, &av);
	/*
	 * "+": stop at the first command word, so its key=value words are not options.
	 * ':' and opterr 0: pc_cli_other_option words the errors, without the value
	 * of an unknown option (getopt would print a mistyped --license= whole).
	 */
	opterr = 0;
	while ((c = getopt_long(ac, av, "+:hv", longopts, NULL)) != -1) {
		if ((c = parse_option(&pd, c, av, optind - 1 > nconf, &hosts_cmdline)) >= 0) {
			pc_config_free(ac, av); /* -h and bad options return: no leak to report */
			return c;
		}
	}
	log_init(argv[0], pd.o.verbose);
	default_paths(&pd, home, idpath, sizeof(idpath));
	/* the daemon and dump need the journal's directory and the site identity: refuse a
	 * directory others could write or a bad license before anything */
	if (optind >= ac || !strcmp(av[optind], "dump")) {
		strict_journal_dir(pd.o.journal);
		check_site(&pd);
	}
	check_hosts(&pd);
	if (pd.o.db >= 0 && (!pd.o.dburi || !*pd.o.dburi))
		fatalx("--db: give the database with --dburi=postgresql://... (postgres) or "
		       "--url=http://... (remote-write)");
	pd.sshc = (struct pc_sshc_conf){pd.o.sshid, pd.o.known_hosts, pd.o.strict, pd.o.timeout_s};

	pc_cli_stop_on_signals(&pd_stop, 1);

	c = run_command(&pd, ac - optind, av + optind);
	for (int i = 0; i < pd.nh; i++)
		free(pd.h[i].lat);
	free(pd.h);
	pc_config_free(ac, av);
	return c;
}
