// SPDX-License-Identifier: MIT
/*
 * export_src.c: the exporters of sources added through the registry
 * (export_int.h, struct exp_src): which counters of a one-row group become
 * which per-second rates, under which names in the CSV tree, JSON, host.csv
 * and the summary. The formulas are sar's: the counter's increment over the
 * interval (pc_counter_delta) divided by the interval, the group's own when
 * it is read less often than every tick (exp_itv).
 */
#include <errno.h>

#include "export_int.h"

/* sar -n TCP, ETCP and UDP: the counters of /proc/net/snmp per second. */
static const struct exp_src_col snmp_cols[] = {
    {"active/s", "active_s", "tcp_active_opens", PC_SNMP_TCP_ACTIVE_OPENS},
    {"passive/s", "passive_s", "tcp_passive_opens", PC_SNMP_TCP_PASSIVE_OPENS},
    {"iseg/s", "iseg_s", "tcp_in_segs", PC_SNMP_TCP_IN_SEGS},
    {"oseg/s", "oseg_s", "tcp_out_segs", PC_SNMP_TCP_OUT_SEGS},
    {"atmptf/s", "atmptf_s", "tcp_attempt_fails", PC_SNMP_TCP_ATTEMPT_FAILS},
    {"estres/s", "estres_s", "tcp_estab_resets", PC_SNMP_TCP_ESTAB_RESETS},
    {"retrans/s", "retrans_s", "tcp_retrans_segs", PC_SNMP_TCP_RETRANS_SEGS},
    {"isegerr/s", "isegerr_s", "tcp_in_errs", PC_SNMP_TCP_IN_ERRS},
    {"orsts/s", "orsts_s", "tcp_out_rsts", PC_SNMP_TCP_OUT_RSTS},
    {"idgm/s", "idgm_s", "udp_in_datagrams", PC_SNMP_UDP_IN_DATAGRAMS},
    {"odgm/s", "odgm_s", "udp_out_datagrams", PC_SNMP_UDP_OUT_DATAGRAMS},
    {"noport/s", "noport_s", "udp_no_ports", PC_SNMP_UDP_NO_PORTS},
    {"idgmerr/s", "idgmerr_s", "udp_in_errors", PC_SNMP_UDP_IN_ERRORS},
};
static const struct exp_src_sum snmp_sum[] = {
    {"tcp segs in/s", 2},   {"tcp segs out/s", 3},    {"tcp retrans/s", 6},
    {"udp dgrams in/s", 9}, {"udp dgrams out/s", 10},
};
static const struct exp_src snmp = {PC_G_SNMP, "proc/net/snmp",
				    "snmp",    sizeof(snmp_cols) / sizeof(*snmp_cols),
				    snmp_cols, sizeof(snmp_sum) / sizeof(*snmp_sum),
				    snmp_sum};

/* TcpExt counters of /proc/net/netstat per second; sar has no names for them: the kernel's. */
static const struct exp_src_col netstat_cols[] = {
    {"ListenOverflows/s", "listen_overflows_s", "tcp_listen_overflows",
     PC_NETSTAT_LISTEN_OVERFLOWS},
    {"ListenDrops/s", "listen_drops_s", "tcp_listen_drops", PC_NETSTAT_LISTEN_DROPS},
    {"TCPTimeouts/s", "timeouts_s", "tcp_timeouts", PC_NETSTAT_TCP_TIMEOUTS},
    {"TCPSynRetrans/s", "syn_retrans_s", "tcp_syn_retrans", PC_NETSTAT_TCP_SYN_RETRANS},
};
static const struct exp_src netstat = {PC_G_NETSTAT, "proc/net/netstat",
				       "netstat",    sizeof(netstat_cols) / sizeof(*netstat_cols),
				       netstat_cols, 0,
				       NULL};

const struct exp_src *const exp_srcs[] = {
    &snmp,
    &netstat,
    NULL,
};

int exp_src_values(const struct pc_export *x, const struct pc_sample *prev,
		   const struct pc_sample *cur, const struct exp_src *src, double *v)
{
	const struct pc_table *p = &prev->t[src->g], *c = &cur->t[src->g];
	const uint64_t *pv, *cv = pc_table_row(c, 0);
	double itv = exp_itv(x, cur, src->g);

	if (!cv || !(pv = exp_prev_row(p, c, 0)) || !(itv > 0))
		return -ENOENT;
	for (unsigned i = 0; i < src->n; i++)
		v[i] = exp_rate(pv, cv, src->cols[i].col, itv);
	return 0;
}
