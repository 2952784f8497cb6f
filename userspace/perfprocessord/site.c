// SPDX-License-Identifier: MIT
/*
 * site.c: perfprocessord's site identity. Turns --siteid, --sitename,
 * --license and --mac (or their lines in the configuration file) into the
 * pc_site that keys the journal, and refuses to go on unless the license is
 * valid here: present, well formed, made for this siteid and sitename, for
 * a MAC address of this machine, not expired. Each refusal says which check
 * failed (license__check words it). The MAC is either --mac, which must be
 * one of this machine's, or found by trying each of them in turn.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "processord.h"

#define MAX_MACS 64

/* "aa:..:ff, 02:..." of macs, for messages. */
static void mac_list(const uint8_t (*macs)[6], int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < n && used + 20 < len; i++) {
		char m[18];

		license__format_mac(macs[i], m);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", m);
	}
}

int pd_site_check(struct pd *pd, char *err, size_t errlen)
{
	struct pc_site *site = &pd->site;
	uint8_t macs[MAX_MACS][6], want[6];
	char why_mac[512] = "", list[MAX_MACS * 20], msg[512];
	enum pc_license_why why;
	time_t now = time(NULL);
	int n, ret, found = -1, bad_digit = 0;

	if (pd->o.license_file) {
		if ((ret = license__read_file(pd->o.license_file, pd->o.license_text, err, errlen)))
			return ret;
		pd->o.license = pd->o.license_text;
	}
	memset(site, 0, sizeof(*site));
	site->siteid = pd->o.siteid;
	site->sitename = pd->o.sitename;
	site->license = pd->o.license;
	if (!site->sitename) {
		snprintf(err, errlen,
			 "no site name: give --sitename=NAME (or sitename= in the configuration "
			 "file)");
		return -EINVAL;
	}
	if (!site->license || !*site->license) {
		snprintf(err, errlen,
			 "no license: give --license=xxxx-xxxx-xxxx-xxxx-xxxx-xxxx, --license-file=PATH "
			 "or license= in the configuration file (perflicense licenseadd makes one)");
		return -ENOKEY;
	}
	if (license__check_sitename(site->sitename, msg, sizeof(msg))) {
		snprintf(err, errlen, "--sitename: %s", msg);
		return -EINVAL;
	}
	n = license__local_macs(NULL, macs, MAX_MACS);
	if (n <= 0) {
		snprintf(err, errlen,
			 "cannot read this machine's MAC addresses (/sys/class/net): %s; the "
			 "license is bound to one",
			 n < 0 ? strerror(-n) : "none found");
		return n < 0 ? n : -ENODEV;
	}
	if (n > MAX_MACS)
		n = MAX_MACS;
	mac_list((const uint8_t(*)[6])macs, n, list, sizeof(list));
	if (pd->o.mac) {
		if (license__parse_mac(pd->o.mac, want, msg, sizeof(msg))) {
			snprintf(err, errlen, "--mac: %s", msg);
			return -EINVAL;
		}
		for (int i = 0; i < n && found < 0; i++)
			if (!memcmp(macs[i], want, 6))
				found = i;
		if (found < 0) {
			snprintf(err, errlen,
				 "--mac=%s is not a MAC address of this machine (it has %s)",
				 pd->o.mac, list);
			return -ENODEV;
		}
		memcpy(macs[0], want, 6);
		n = 1;
	}
	/*
	 * Try the MACs in turn. A refusal that does not depend on the MAC
	 * (format, version, siteid, sitename) or that comes once the MAC matched
	 * (expiry) is final; "wrong MAC" moves on, "a digit is wrong" is kept as
	 * the likelier explanation should no MAC fit.
	 */
	for (int i = 0; i < n; i++) {
		memcpy(site->mac, macs[i], 6);
		ret = license__check(site, now, NULL, &why, msg, sizeof(msg));
		if (!ret)
			return 0;
		if (why == LICENSE_WRONG_MAC) {
			if (!why_mac[0])
				snprintf(why_mac, sizeof(why_mac), "%s", msg);
			continue;
		}
		if (why == LICENSE_BAD_DIGIT) {
			snprintf(why_mac, sizeof(why_mac), "%s", msg);
			bad_digit = 1;
			continue;
		}
		snprintf(err, errlen, "license: %s", msg);
		return ret;
	}
	if (pd->o.mac || bad_digit)
		snprintf(err, errlen, "license: %s", why_mac);
	else
		snprintf(err, errlen,
			 "license: made for a MAC address that is not on this machine (tried %s)",
			 list);
	return -EKEYREJECTED;
}
