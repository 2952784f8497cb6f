// SPDX-License-Identifier: MIT
/*
 * proc_snmp.c: the /proc/net/snmp and /proc/net/netstat parsers. Both files
 * are pairs of lines with the same "Proto:" prefix, field names then their
 * values ("Tcp: RtoAlgorithm RtoMin ... / Tcp: 1 200 ..."). Only the fields
 * of the table below are kept, each in a column of one row ("snmp" or
 * "netstat"); a field the kernel does not print stays 0, fields are found by
 * name so their order does not matter, and other protocols are skipped
 * without reading their values (some are signed: Tcp MaxConn is -1). A pair
 * whose lines disagree on the number of fields, a header without its value
 * line, or a value that is not a u64 is a parse error and keeps nothing of
 * that pair.
 */
#include "proc_internal.h"

struct snmp_field {
	const char *proto, *name;
	unsigned col;
};

/* The fields of one file, and where they go. */
struct snmp_file {
	const char *path, *key;
	int g;
	unsigned ncols, nfields;
	const struct snmp_field *fields;
};

static const struct snmp_field snmp_fields[] = {
    {"Tcp", "ActiveOpens", PC_SNMP_TCP_ACTIVE_OPENS},
    {"Tcp", "PassiveOpens", PC_SNMP_TCP_PASSIVE_OPENS},
    {"Tcp", "AttemptFails", PC_SNMP_TCP_ATTEMPT_FAILS},
    {"Tcp", "EstabResets", PC_SNMP_TCP_ESTAB_RESETS},
    {"Tcp", "CurrEstab", PC_SNMP_TCP_CURR_ESTAB},
    {"Tcp", "InSegs", PC_SNMP_TCP_IN_SEGS},
    {"Tcp", "OutSegs", PC_SNMP_TCP_OUT_SEGS},
    {"Tcp", "RetransSegs", PC_SNMP_TCP_RETRANS_SEGS},
    {"Tcp", "InErrs", PC_SNMP_TCP_IN_ERRS},
    {"Tcp", "OutRsts", PC_SNMP_TCP_OUT_RSTS},
    {"Tcp", "InCsumErrors", PC_SNMP_TCP_IN_CSUM_ERRORS},
    {"Udp", "InDatagrams", PC_SNMP_UDP_IN_DATAGRAMS},
    {"Udp", "NoPorts", PC_SNMP_UDP_NO_PORTS},
    {"Udp", "InErrors", PC_SNMP_UDP_IN_ERRORS},
    {"Udp", "OutDatagrams", PC_SNMP_UDP_OUT_DATAGRAMS},
    {"Udp", "RcvbufErrors", PC_SNMP_UDP_RCVBUF_ERRORS},
    {"Udp", "SndbufErrors", PC_SNMP_UDP_SNDBUF_ERRORS},
    {"Udp", "InCsumErrors", PC_SNMP_UDP_IN_CSUM_ERRORS},
};

static const struct snmp_field netstat_fields[] = {
    {"TcpExt", "ListenOverflows", PC_NETSTAT_LISTEN_OVERFLOWS},
    {"TcpExt", "ListenDrops", PC_NETSTAT_LISTEN_DROPS},
    {"TcpExt", "TCPTimeouts", PC_NETSTAT_TCP_TIMEOUTS},
    {"TcpExt", "TCPSynRetrans", PC_NETSTAT_TCP_SYN_RETRANS},
};

#define NFIELDS(a)   (unsigned)(sizeof(a) / sizeof(*(a)))
#define SNMP_MAXCOLS 32
_Static_assert(PC_SNMP_NCOLS <= SNMP_MAXCOLS && PC_NETSTAT_NCOLS <= SNMP_MAXCOLS, "snmp cols");

static const struct snmp_file SNMP = {"/proc/net/snmp",	    "snmp",	PC_G_SNMP, PC_SNMP_NCOLS,
				      NFIELDS(snmp_fields), snmp_fields};
static const struct snmp_file NETSTAT = {
    "/proc/net/netstat",     "netstat",	    PC_G_NETSTAT, PC_NETSTAT_NCOLS,
    NFIELDS(netstat_fields), netstat_fields};

/* The "Proto:" prefix of a line (without the ':'), or 0 when it has none. */
static int snmp_proto(struct ps *l, const char **p, size_t *n)
{
	const char *colon;

	ps_blank(l);
	colon = memchr(l->p, ':', (size_t)(l->end - l->p));
	if (!colon || colon == l->p)
		return 0;
	*p = l->p;
	*n = (size_t)(colon - l->p);
	l->p = colon + 1;
	return 1;
}

/* Does the file keep fields of this protocol? */
static int snmp_wanted(const struct snmp_file *sf, const char *p, size_t n)
{
	for (unsigned i = 0; i < sf->nfields; i++)
		if (strlen(sf->fields[i].proto) == n && !memcmp(sf->fields[i].proto, p, n))
			return 1;
	return 0;
}

/* The column of field name w of protocol p, or -1 when it is not kept. */
static int snmp_col(const struct snmp_file *sf, const char *p, size_t pn, const char *w, size_t n)
{
	for (unsigned i = 0; i < sf->nfields; i++) {
		const struct snmp_field *f = &sf->fields[i];

		if (strlen(f->proto) == pn && !memcmp(f->proto, p, pn) && strlen(f->name) == n &&
		    !memcmp(f->name, w, n))
			return (int)f->col;
	}
	return -1;
}

/*
 * Names h against values l (both past "Proto:"): the kept values into v.
 * 0, or -1 with the problem in perr.
 */
static int snmp_pair(const struct snmp_file *sf, const char *p, size_t pn, struct ps *h,
		     struct ps *l, unsigned line, uint64_t *v, struct pc_perr *perr)
{
	unsigned names = 0, vals = 0;
	char bad[PS_BAD];
	const char *w = NULL, *x = NULL; /* set by ps_word before use; -O2 cannot tell */
	size_t n = 0, xn = 0;
	struct ps f;
	int col, r;

	for (;;) {
		int hw = ps_word(h, &w, &n), lw = ps_word(l, &x, &xn);

		names += hw;
		vals += lw;
		if (!hw || !lw)
			break;
		col = snmp_col(sf, p, pn, w, n);
		if (col < 0)
			continue;
		f.p = x;
		f.end = x + xn;
		r = ps_u64(&f, &v[col]);
		if (r <= 0) {
			pc_perr_add(perr, sf->path, line, "%.*s %.*s: %s", (int)pn, p, (int)n, w,
				    ps_bad(x, x + xn, r, bad));
			return -1;
		}
	}
	while (ps_word(h, &w, &n))
		names++;
	while (ps_word(l, &x, &xn))
		vals++;
	if (names != vals) {
		pc_perr_add(perr, sf->path, line, "%.*s: %u names, %u values", (int)pn, p, names,
			    vals);
		return -1;
	}
	return 0;
}

static int snmp_parse(const struct snmp_file *sf, const char *buf, size_t len, struct pc_sample *s,
		      struct pc_perr *perr)
{
	uint64_t v[SNMP_MAXCOLS] = {0}, pv[SNMP_MAXCOLS], *row;
	const char *hp = NULL, *p;
	size_t pos = 0, hn = 0, n;
	unsigned line = 0, hline = 0;
	struct ps h = {0}, l; /* h: set with hp, before use */
	int rc = 0, any = 0;

	while (ps_line(buf, len, &pos, &l)) {
		line++;
		if (ps_done(&l))
			continue;
		if (!snmp_proto(&l, &p, &n)) {
			pc_perr_add(perr, sf->path, line, "no \"Proto:\" prefix");
			continue;
		}
		if (!hp || n != hn || memcmp(p, hp, n)) {
			if (hp && snmp_wanted(sf, hp, hn))
				pc_perr_add(perr, sf->path, hline, "%.*s: names without values",
					    (int)hn, hp);
			hp = p, hn = n, h = l, hline = line; /* a header line */
			continue;
		}
		/* the value line of the pair */
		if (snmp_wanted(sf, p, n)) {
			memcpy(pv, v, sizeof(v));
			if (snmp_pair(sf, p, n, &h, &l, line, pv, perr) == 0) {
				memcpy(v, pv, sizeof(v));
				any = 1;
			}
		}
		hp = NULL;
	}
	if (hp && snmp_wanted(sf, hp, hn))
		pc_perr_add(perr, sf->path, hline, "%.*s: names without values", (int)hn, hp);
	if (!any)
		return 0;
	row = ps_row(s, sf->g, sf->key, strlen(sf->key), perr, sf->path, 0, &rc);
	if (row)
		memcpy(row, v, sf->ncols * sizeof(*v));
	return rc;
}

int proc_snmp_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	return snmp_parse(&SNMP, buf, len, s, perr);
}

int proc_netstat_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	return snmp_parse(&NETSTAT, buf, len, s, perr);
}
