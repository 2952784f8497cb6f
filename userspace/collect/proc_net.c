// SPDX-License-Identifier: MIT
/*
 * proc_net.c: the /proc/net/dev parser and the reading of link speed and
 * duplex from /sys/class/net/<if>/{speed,duplex}. /proc/net/dev is two
 * header lines, then "name: 16 numbers" per interface. The name is what
 * comes before the last ':' of the line, since the numbers never hold one:
 * that keeps alias names ("eth0:1") whole and copes with a name glued to
 * its first number ("eth0:123"). Speed and duplex are not in the text; procfs
 * fills those columns from sysfs (see procfs.c for when).
 */
#include "proc_internal.h"

static const char NETDEV[] = "/proc/net/dev";

#define NETDEV_NUMS 16

/* Header lines are the first two and carry the '|' column separators. */
static int netdev_header(unsigned line, const struct ps *l)
{
	return line <= 2 && memchr(l->p, '|', (size_t)(l->end - l->p)) != NULL;
}

int proc_netdev_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	uint64_t v[NETDEV_NUMS], x, *row;
	const char *name, *colon, *at;
	char show[PS_SHOW], bad[PS_BAD];
	unsigned line = 0, i;
	size_t pos = 0;
	struct ps l;
	int rc = 0, r;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		if (ps_done(&l) || netdev_header(line, &l))
			continue;
		name = l.p;
		for (colon = l.end; colon > name && colon[-1] != ':'; colon--)
			;
		if (colon == name) {
			pc_perr_add(perr, NETDEV, line, "no ':' after the interface name in %s",
				    ps_show(l.p, l.end, show));
			continue;
		}
		l.p = colon;
		for (i = 0;; i++) {
			at = l.p;
			r = ps_u64(&l, &x);
			if (r <= 0)
				break;
			if (i < NETDEV_NUMS)
				v[i] = x;
		}
		if (r < 0) {
			pc_perr_add(perr, NETDEV, line, "column %u: %s", i + 1,
				    ps_bad(at, l.end, r, bad));
			continue;
		}
		if (i != NETDEV_NUMS) {
			pc_perr_add(perr, NETDEV, line, "%u numbers, want %d", i, NETDEV_NUMS);
			continue;
		}
		/* colon - 1 is the ':' itself. */
		row =
		    ps_row(s, PC_G_NET, name, (size_t)(colon - 1 - name), perr, NETDEV, line, &rc);
		if (row)
			memcpy(row, v, sizeof(v));
	}
	return rc;
}

/*
 * "/sys/class/net/<if>/speed" holds Mbit/s, or -1 when the link is down or
 * the driver does not know (virtual NICs); both read as 0, "unknown".
 */
uint64_t sysnet_speed_parse(const char *buf, size_t len)
{
	struct ps l = {buf, buf + len};
	uint64_t v;

	while (l.end > l.p && (l.end[-1] == '\n' || ps_isblank(l.end[-1])))
		l.end--;
	if (ps_u64(&l, &v) != 1 || !ps_done(&l))
		return 0;
	return v;
}

uint64_t sysnet_duplex_parse(const char *buf, size_t len)
{
	while (len && (buf[len - 1] == '\n' || ps_isblank(buf[len - 1])))
		len--;
	if (len == 4 && !memcmp(buf, "full", 4))
		return 2;
	if (len == 4 && !memcmp(buf, "half", 4))
		return 1;
	return 0;
}
