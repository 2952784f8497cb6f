// SPDX-License-Identifier: MIT
/*
 * license.c: site licenses (include/pc/license.h, docs/JOURNAL.md). The 12
 * bytes are: version, expiry day (u16 big-endian, days since 1970-01-01),
 * one-byte keyed checks of siteid, site name and MAC, then a 48-bit keyed
 * BLAKE2b tag over all of it. The key is the build-time PC_LICENSE_SECRET.
 * Also the parsers of siteid, site name and MAC every tool uses, and the list
 * of this machine's MAC addresses.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "pc/io.h"
#include "pc/json.h"
#include "pc/license.h"
#include "pc/path.h"

#ifdef PC_LICENSE_SECRET_HEADER
#include PC_LICENSE_SECRET_HEADER /* the Makefile's: the builder's secret, or nothing */
#endif
#ifdef PC_LICENSE_SECRET
#define RELEASE_BUILD 1
#else
/* Development default: anyone with this source can make licenses (docs/JOURNAL.md). */
#define PC_LICENSE_SECRET "perfcollector development license secret; override at build time"
#define RELEASE_BUILD 0
#endif

#define TAG_BYTES 6

enum { CHECK_SITEID = 'I', CHECK_SITENAME = 'N', CHECK_MAC = 'M', TAG = 'T' };

/* The secret of any length becomes a 32-byte BLAKE2b key. */
static int secret_key(uint8_t key[32])
{
	static const char secret[] = PC_LICENSE_SECRET;

	if (sodium_init() < 0)
		return -EIO;
	crypto_generichash(key, 32, (const uint8_t *)secret, sizeof(secret) - 1, NULL, 0);
	return 0;
}

const char *license__build(void)
{
	return RELEASE_BUILD ? "release build (license secret from the builder)"
			     : "development build (the license secret is the one in the source: "
			       "anyone with it can make licenses)";
}

const char *license__shown(const char *text, char buf[PC_LICENSE_SHOWN])
{
	size_t n = 0;

	while (text && n < 4 && isxdigit((unsigned char)text[n]))
		n++;
	snprintf(buf, PC_LICENSE_SHOWN, "%.*s-\xe2\x80\xa6", (int)n, text ? text : "");
	return buf;
}

static void put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void license__keyed_check(const uint8_t *key, size_t keylen, int kind, const void *data, size_t len,
			  uint8_t out[16])
{
	crypto_generichash_state st;
	uint8_t k = (uint8_t)kind;

	crypto_generichash_init(&st, key, keylen, 16);
	crypto_generichash_update(&st, &k, 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, out, 16);
}

/* One keyed check byte over (kind, data). */
static uint8_t check_byte(const uint8_t key[32], int kind, const void *data, size_t len)
{
	uint8_t out[16];

	license__keyed_check(key, 32, kind, data, len, out);
	return out[0];
}

/* The tag over version|expiry|checks|siteid|mac|len(sitename)|sitename. */
static void license_tag(const uint8_t key[32], const uint8_t head[6], const struct pc_site *site,
			uint8_t tag[TAG_BYTES])
{
	crypto_generichash_state st;
	uint8_t k = TAG, id[8], nlen[4], out[16];
	size_t n = strlen(site->sitename);

	put_u64le(id, site->siteid);
	for (int i = 0; i < 4; i++)
		nlen[i] = (uint8_t)(n >> (8 * i));
	crypto_generichash_init(&st, key, 32, sizeof(out));
	crypto_generichash_update(&st, &k, 1);
	crypto_generichash_update(&st, head, 6);
	crypto_generichash_update(&st, id, 8);
	crypto_generichash_update(&st, site->mac, 6);
	crypto_generichash_update(&st, nlen, 4);
	crypto_generichash_update(&st, (const uint8_t *)site->sitename, n);
	crypto_generichash_final(&st, out, sizeof(out));
	memcpy(tag, out, TAG_BYTES);
}

static void site_checks(const uint8_t key[32], const struct pc_site *site, uint8_t c[3])
{
	uint8_t id[8];

	put_u64le(id, site->siteid);
	c[0] = check_byte(key, CHECK_SITEID, id, 8);
	c[1] = check_byte(key, CHECK_SITENAME, site->sitename, strlen(site->sitename));
	c[2] = check_byte(key, CHECK_MAC, site->mac, 6);
}

int license__check_sitename(const char *s, char *err, size_t errlen)
{
	size_t n = s ? strlen(s) : 0;

	if (!n) {
		snprintf(err, errlen, "sitename is empty");
		return -EINVAL;
	}
	if (n > PC_SITENAME_MAX) {
		snprintf(err, errlen, "sitename is %zu bytes, at most %d", n, PC_SITENAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(err, errlen, "sitename byte %zu is control character 0x%02x", i,
				 (unsigned char)s[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int license__parse_siteid(const char *s, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !*s) {
		snprintf(err, errlen, "siteid is empty");
		return -EINVAL;
	}
	for (i = 0; s[i]; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9) {
			snprintf(err, errlen,
				 "siteid '%.40s': character %zu is not a decimal digit", s, i + 1);
			return -EINVAL;
		}
		if (v > (UINT64_MAX - d) / 10) {
			snprintf(err, errlen, "siteid '%.40s' is larger than 2^64-1", s);
			return -EINVAL;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int license__parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	size_t n = s ? strlen(s) : 0;

	if (n != 17) {
		snprintf(err, errlen, "MAC '%.40s' is %zu characters, want 17 (xx:xx:xx:xx:xx:xx)",
			 s ? s : "", n);
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		int hi = json_hexval(s[3 * i]), lo = json_hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':')) {
			snprintf(err, errlen, "MAC '%s': octet %d is not two hex digits and ':'", s,
				 i + 1);
			return -EINVAL;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		snprintf(err, errlen, "MAC '%s' is all zeros: not an interface's address", s);
		return -EINVAL;
	}
	if (mac[0] & 1) {
		snprintf(err, errlen,
			 "MAC '%s' is a %s address (first octet odd): not an interface's address", s,
			 (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff ? "broadcast"
										: "multicast");
		return -EINVAL;
	}
	return 0;
}

void license__format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

uint32_t license__day(time_t t)
{
	return t < 0 ? 0 : (uint32_t)(t / 86400);
}

void license__format_day(uint32_t day, char buf[11])
{
	time_t t = (time_t)day * 86400;
	char tmp[48];
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	memcpy(buf, tmp, 11);
}

/* Parse the canonical text; err names the group at fault. */
static int parse_text(const char *text, uint8_t b[PC_LICENSE_BYTES], char *err, size_t errlen)
{
	size_t n = text ? strlen(text) : 0;
	char shown[PC_LICENSE_SHOWN];

	if (n != PC_LICENSE_TEXTLEN) {
		snprintf(err, errlen,
			 "license '%s' is %zu characters, want %d (six groups of four hex "
			 "digits joined by '-')",
			 license__shown(text, shown), n, PC_LICENSE_TEXTLEN);
		return -EINVAL;
	}
	for (int g = 0; g < 6; g++) {
		const char *p = text + 5 * g;

		for (int i = 0; i < 4; i++) {
			int c = (unsigned char)p[i];

			if (c >= 'A' && c <= 'F') {
				snprintf(err, errlen,
					 "license group %d: '%c' is upper case; licenses are lower "
					 "case and compared exactly",
					 g + 1, c);
				return -EINVAL;
			}
			if (json_hexval(c) < 0) {
				snprintf(err, errlen, "license group %d: '%c' is not a hex digit",
					 g + 1, isprint(c) ? c : '?');
				return -EINVAL;
			}
		}
		if (g < 5 && p[4] != '-') {
			snprintf(err, errlen, "license: group %d is not followed by '-'", g + 1);
			return -EINVAL;
		}
		b[2 * g] = (uint8_t)(json_hexval(p[0]) << 4 | json_hexval(p[1]));
		b[2 * g + 1] = (uint8_t)(json_hexval(p[2]) << 4 | json_hexval(p[3]));
	}
	return 0;
}

int license__make(const struct pc_site *site, uint32_t expiry_day,
		  char text[PC_LICENSE_TEXTLEN + 1])
{
	uint8_t key[32], b[PC_LICENSE_BYTES];
	char err[64];
	int ret;

	if (expiry_day > 0xffff || license__check_sitename(site->sitename, err, sizeof(err)))
		return -EINVAL;
	ret = secret_key(key);
	if (ret)
		return ret;
	b[0] = PC_LICENSE_VERSION;
	b[1] = (uint8_t)(expiry_day >> 8);
	b[2] = (uint8_t)expiry_day;
	site_checks(key, site, b + 3);
	license_tag(key, b, site, b + 6);
	for (int g = 0; g < 6; g++)
		snprintf(text + 5 * g, 6, "%02x%02x%s", b[2 * g], b[2 * g + 1], g < 5 ? "-" : "");
	sodium_memzero(key, sizeof(key));
	return 0;
}

static int refuse(enum pc_license_why *why, enum pc_license_why w, int ret)
{
	if (why)
		*why = w;
	return ret;
}

int license__check(const struct pc_site *site, time_t now, struct pc_license_info *info,
		   enum pc_license_why *why, char *err, size_t errlen)
{
	uint8_t key[32], b[PC_LICENSE_BYTES], c[3], tag[TAG_BYTES];
	struct pc_license_info li;
	char mac[18], shown[PC_LICENSE_SHOWN];
	int ret;

	if (why)
		*why = LICENSE_OK;
	ret = license__check_sitename(site->sitename, err, errlen);
	if (ret)
		return refuse(why, LICENSE_WRONG_SITENAME, ret);
	ret = parse_text(site->license, b, err, errlen);
	if (ret)
		return refuse(why, LICENSE_MALFORMED, ret);
	license__shown(site->license, shown);
	li.version = b[0];
	li.expiry_day = (uint32_t)b[1] << 8 | b[2];
	license__format_day(li.expiry_day, li.expiry);
	if (info)
		*info = li;
	if (b[0] != PC_LICENSE_VERSION) {
		snprintf(err, errlen,
			 "license '%s': unknown version %u (want %d): the first group is "
			 "mistyped",
			 shown, b[0], PC_LICENSE_VERSION);
		return refuse(why, LICENSE_BAD_VERSION, -EINVAL);
	}
	ret = secret_key(key);
	if (ret)
		return ret;
	site_checks(key, site, c);
	license_tag(key, b, site, tag);
	sodium_memzero(key, sizeof(key));
	if (sodium_memcmp(tag, b + 6, TAG_BYTES) != 0) {
		license__format_mac(site->mac, mac);
		if (c[0] != b[3]) {
			snprintf(err, errlen, "license '%s' is not for siteid %llu", shown,
				 (unsigned long long)site->siteid);
			return refuse(why, LICENSE_WRONG_SITEID, -EKEYREJECTED);
		}
		if (c[1] != b[4]) {
			snprintf(err, errlen,
				 "license '%s' is not for sitename '%s' (compared exactly: case "
				 "and spaces count)",
				 shown, site->sitename);
			return refuse(why, LICENSE_WRONG_SITENAME, -EKEYREJECTED);
		}
		if (c[2] != b[5]) {
			snprintf(err, errlen, "license '%s' is not for MAC %s", shown, mac);
			return refuse(why, LICENSE_WRONG_MAC, -EKEYREJECTED);
		}
		snprintf(err, errlen,
			 "license '%s' does not authenticate for siteid %llu, sitename '%s', MAC "
			 "%s: a digit is wrong (or it was made by a build with another secret)",
			 shown, (unsigned long long)site->siteid, site->sitename, mac);
		return refuse(why, LICENSE_BAD_DIGIT, -EKEYREJECTED);
	}
	if (license__day(now) > li.expiry_day) {
		snprintf(err, errlen, "license '%s' expired on %s", shown, li.expiry);
		return refuse(why, LICENSE_EXPIRED, -EKEYEXPIRED);
	}
	return 0;
}

/* The first line of fd (at most len - 1 bytes, line end dropped) into buf: its length, or -errno. */
static ssize_t first_line(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	n = (ssize_t)strlen(buf);
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return n;
}

int license__read_file(const char *path, char text[PC_LICENSE_TEXTLEN + 1], char *err,
		       size_t errlen)
{
	char buf[128], *t = buf;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), ret = 0;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "--license-file=%s: %s", path, strerror(-ret));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--license-file=%s: not a regular file", path);
		ret = -EINVAL;
		goto cleanup;
	}
	if ((ret = io_check_private("--license-file", path, &st, err, errlen)))
		goto cleanup;
	n = first_line(fd, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "--license-file=%s: %s", path, strerror((int)-n));
		ret = (int)n;
		goto cleanup;
	}
	if (n >= 8 && !strncmp(buf, "license=", 8))
		t += 8, n -= 8; /* as perflicense licenseadd prints it */
	if (n != PC_LICENSE_TEXTLEN) {
		snprintf(err, errlen,
			 "--license-file=%s: the first line is %zd characters, not a license "
			 "(%d: xxxx-xxxx-xxxx-xxxx-xxxx-xxxx)",
			 path, n, PC_LICENSE_TEXTLEN);
		ret = -EINVAL;
		goto cleanup;
	}
	memcpy(text, t, PC_LICENSE_TEXTLEN + 1);
cleanup:
	sodium_memzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return ret;
}

int license__local_macs(const char *root, uint8_t (*macs)[6], int max)
{
	char path[4096], text[64], err[96];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (pc_pathf(path, sizeof(path), "%s/sys/class/net", root ? root : ""))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint8_t mac[6];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		if (pc_pathf(path, sizeof(path), "%s/sys/class/net/%s/address", root ? root : "",
			     de->d_name) ||
		    !(f = fopen(path, "r")))
			continue;
		if (!fgets(text, sizeof(text), f))
			text[0] = 0;
		fclose(f);
		text[strcspn(text, "\n")] = 0;
		if (license__parse_mac(text, mac, err, sizeof(err)))
			continue; /* not an interface's Ethernet-style address (lo, tunnels) */
		if (n < max)
			memcpy(macs[n], mac, 6);
		n++;
	}
	closedir(d);
	return n;
}
