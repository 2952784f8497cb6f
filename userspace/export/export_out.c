// SPDX-License-Identifier: MIT
/*
 * export_out.c: what every export mode writes with (export_int.h): output
 * files under a temporary name, renamed only once complete, through
 * base/io.c (a device or FIFO is written in place), and the printed form of
 * numbers and times.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export_int.h"

/* ---- output files: atomic replace through base/io.c ---- */

int exp_file_open(struct exp_file *ef, const char *path, char *err, size_t errlen)
{
	int rc;

	memset(ef, 0, sizeof(*ef));
	if (!strcmp(path, "-")) {
		ef->is_stdout = 1;
		ef->f = stdout;
		return 0;
	}
	/* mode 0666 less the umask: a decrypted export is as private as the user asks */
	rc = io_replace_open(&ef->r, path, 0666, IO_IN_PLACE, err, errlen);
	if (rc)
		return rc;
	ef->f = fdopen(ef->r.fd, "w");
	if (!ef->f) {
		int e = errno;

		io_replace_abort(&ef->r);
		close(ef->r.fd);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int exp_file_commit(struct exp_file *ef, char *err, size_t errlen)
{
	int e = 0, rc;

	if (!ef->f)
		return 0;
	if (fflush(ef->f) || ferror(ef->f))
		e = errno ? errno : EIO;
	if (ef->is_stdout) {
		ef->f = NULL;
		if (e)
			snprintf(err, errlen, "standard output: %s", strerror(e));
		return -e;
	}
	if (e) {
		snprintf(err, errlen, "%s: %s", ef->r.path, strerror(e));
		io_replace_abort(&ef->r);
		rc = -e;
	} else {
		rc = io_replace_commit(&ef->r, err, errlen);
	}
	if (fclose(ef->f) && !rc) {
		rc = -(errno ? errno : EIO);
		snprintf(err, errlen, "%s: %s", ef->r.path, strerror(-rc));
	}
	ef->f = NULL;
	return rc;
}

void exp_file_abort(struct exp_file *ef)
{
	if (!ef->f)
		return;
	if (ef->is_stdout) {
		fflush(ef->f);
	} else {
		io_replace_abort(&ef->r);
		fclose(ef->f);
	}
	ef->f = NULL;
}

int exp_single_open(struct pc_export *x, size_t size, char *err, size_t errlen)
{
	struct exp_file *ef = calloc(1, size);
	int rc;

	if (!ef) {
		snprintf(err, errlen, "export: out of memory");
		return -ENOMEM;
	}
	rc = exp_file_open(ef, x->out, err, errlen);
	if (rc < 0) {
		free(ef);
		return rc;
	}
	x->priv = ef;
	return 0;
}

int exp_single_commit(struct pc_export *x, char *err, size_t errlen)
{
	int rc = exp_file_commit(x->priv, err, errlen);

	free(x->priv);
	x->priv = NULL;
	return rc;
}

void exp_single_abort(struct pc_export *x)
{
	if (!x->priv)
		return;
	exp_file_abort(x->priv);
	free(x->priv);
	x->priv = NULL;
}

/* ---- numbers and times ---- */

char *exp_fmt(char buf[40], double v)
{
	if (isnan(v)) {
		strcpy(buf, "NaN");
		return buf;
	}
	if (isinf(v)) {
		strcpy(buf, v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	if (v == 0) {
		strcpy(buf, "0"); /* also -0 */
		return buf;
	}
	/* Go switches to an exponent only from 1e21 on; integers print bare. */
	if (v == trunc(v) && fabs(v) < 1e21) {
		snprintf(buf, 40, "%.0f", v);
		return buf;
	}
	/*
	 * Shortest round trip. Any decimal of <= 15 digits survives decimal ->
	 * double -> %.15g unchanged, so when %.15g reads back, %g's trimming of
	 * trailing zeros already gives the shortest form; otherwise 16 or 17 do.
	 */
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

void exp_putd(FILE *f, double v)
{
	char b[40];

	fputs(exp_fmt(b, v), f);
}

void exp_put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

char *exp_iso8601(char buf[32], uint64_t time_ns)
{
	time_t t = (time_t)(time_ns / 1000000000ull);
	char tmp[96]; /* what the compiler thinks int fields could take */
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		strcpy(buf, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(time_ns % 1000000000ull / 1000000));
	snprintf(buf, 32, "%.31s", tmp);
	return buf;
}

void exp_put_ts(FILE *f, uint64_t time_ns)
{
	uint64_t sec = time_ns / 1000000000ULL, ms = time_ns % 1000000000ULL / 1000000ULL;

	if (time_ns % 1000000000ULL)
		fprintf(f, "%llu.%03llu", (unsigned long long)sec, (unsigned long long)ms);
	else
		fprintf(f, "%llu", (unsigned long long)sec);
}
