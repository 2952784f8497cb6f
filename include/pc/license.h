/* SPDX-License-Identifier: MIT */
/*
 * Site licenses (docs/JOURNAL.md): 12 bytes shown as six groups of four
 * lowercase hex digits that bind a version, an expiry day, a siteid, a site
 * name and a MAC address with a MAC keyed by the build-time secret
 * (PC_LICENSE_SECRET). Separate one-byte checks of siteid, site name and MAC
 * let a refusal say which of them does not match. Also the site identity
 * (siteid, sitename, MAC, license text) that keys the encrypted journal, and
 * the parsers for its parts, so every tool reads them the same way.
 */
#ifndef PC_LICENSE_H
#define PC_LICENSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PC_LICENSE_BYTES   12
#define PC_LICENSE_TEXTLEN 29 /* "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx" */
#define PC_LICENSE_VERSION 1
#define PC_SITENAME_MAX	   255

/* A site identity. Strings are compared byte for byte (case, whitespace). */
struct pc_site {
	uint64_t siteid;
	const char *sitename;
	uint8_t mac[6];
	const char *license; /* text as typed; unused by license__make */
};

/* Why license__check refused (or LICENSE_OK). */
enum pc_license_why {
	LICENSE_OK = 0,
	LICENSE_MALFORMED,	/* not six groups of four lowercase hex digits */
	LICENSE_BAD_VERSION,	/* unknown version byte: first group mistyped */
	LICENSE_WRONG_SITEID,	/* made for another siteid (or a check digit mistyped) */
	LICENSE_WRONG_SITENAME, /* made for another site name */
	LICENSE_WRONG_MAC,	/* made for another MAC address */
	LICENSE_BAD_DIGIT,	/* checks match but the MAC does not: a digit is wrong */
	LICENSE_EXPIRED,
};

struct pc_license_info {
	uint8_t version;
	uint32_t expiry_day; /* days since 1970-01-01 (UTC); valid through that day */
	char expiry[11];     /* "YYYY-MM-DD" */
};

/*
 * Make the license text for site (site->license ignored) valid through
 * expiry_day. 0, or -EINVAL (bad sitename, expiry_day > 65535).
 */
int license__make(const struct pc_site *site, uint32_t expiry_day,
		  char text[PC_LICENSE_TEXTLEN + 1]);

/*
 * Check site->license against the rest of site as of now. 0 when valid;
 * else -EINVAL (malformed or bad version), -EKEYREJECTED (another site, MAC
 * or a wrong digit) or -EKEYEXPIRED, with *why (may be NULL) and err saying
 * which, naming the group, the value or the date. info (may be NULL) is
 * filled whenever the text parses.
 */
int license__check(const struct pc_site *site, time_t now, struct pc_license_info *info,
		   enum pc_license_why *why, char *err, size_t errlen);

/*
 * Parsers shared by every tool; 0 or -EINVAL with err naming the value. A MAC
 * must be an interface's: not all zeros, not broadcast or multicast.
 */
int license__parse_siteid(const char *s, uint64_t *out, char *err, size_t errlen);
int license__parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen);
int license__check_sitename(const char *s, char *err, size_t errlen);
/* "02:fc:00:00:00:01" into buf (at least 18 bytes). */
void license__format_mac(const uint8_t mac[6], char *buf);
/* Days since 1970-01-01 of t (UTC), and that day as "YYYY-MM-DD". */
uint32_t license__day(time_t t);
void license__format_day(uint32_t day, char buf[11]);

/*
 * A license as messages show it: its first group only ("0151-\u2026"), so that
 * logs and terminals never hold one whole. buf is returned.
 */
#define PC_LICENSE_SHOWN 16
const char *license__shown(const char *text, char buf[PC_LICENSE_SHOWN]);

/*
 * --license-file: the license from the first line of path (a "license="
 * prefix, as perflicense prints it, is taken too), so that it need not be on
 * a command line that ps shows. The file must be regular, owned by this user
 * (or root) and private (no group or other bits: chmod 600). 0, or -errno with
 * err naming the file and the fix.
 */
int license__read_file(const char *path, char text[PC_LICENSE_TEXTLEN + 1], char *err,
		       size_t errlen);

/*
 * "release build (...)" when the build took its license secret from the
 * builder (make LICENSE_SECRET_FILE=... or LICENSE_SECRET=...), else
 * "development build (...)": for --version and perflicense.
 */
const char *license__build(void);

/*
 * BLAKE2b-128 keyed by key (16 to 64 bytes) over the byte kind, then data:
 * the checks of one identity part (siteid, sitename, MAC) that let a license
 * (keyed by the secret) or a journal header (keyed by its salt) name the part
 * that does not match. libsodium must be initialised.
 */
void license__keyed_check(const uint8_t *key, size_t keylen, int kind, const void *data, size_t len,
			  uint8_t out[16]);

/*
 * The MAC addresses of this machine's interfaces (/sys/class/net/<if>/address
 * under root, "" or NULL for "/"), those license__parse_mac refuses (all
 * zeros, multicast) left out. Returns how many
 * were found (at most max are stored), or a negative errno.
 */
int license__local_macs(const char *root, uint8_t (*macs)[6], int max);

#endif
