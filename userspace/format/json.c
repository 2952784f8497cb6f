// SPDX-License-Identifier: MIT
/*
 * json.c: the strict RFC 8259 reader and the string escaper of
 * include/pc/json.h. json_parse is one iterative pass over the text with an
 * explicit stack (depth bounded by JSON_MAX_DEPTH, so hostile nesting cannot
 * exhaust the C stack) filling a token array that is kept and reused across
 * calls: parsing a line allocates nothing once the array is big enough.
 * Strings are validated (escapes, surrogate pairs, UTF-8) while parsing and
 * only unescaped on demand; integers are converted exactly, without strtod.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/json.h"

#define JSON_MAX_DEPTH	64
#define JSON_MAX_TOKENS (1u << 24)

static int fail(struct json_doc *doc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct json_doc *doc, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(doc->err, sizeof(doc->err), "offset %zu: ", off);
	if (n < 0 || (size_t)n >= sizeof(doc->err))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(doc->err + n, sizeof(doc->err) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Describe the byte at off for an error message. */
static const char *what(const struct json_doc *doc, size_t off, char *buf, size_t n)
{
	unsigned char c;

	if (off >= doc->len)
		return "end of input";
	c = (unsigned char)doc->text[off];
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, n, "'%c'", c);
	else
		snprintf(buf, n, "byte 0x%02x", c);
	return buf;
}

static int tok_new(struct json_doc *doc, enum json_type type, size_t start)
{
	struct json_tok *t;

	if (doc->ntok == doc->cap) {
		uint32_t cap = doc->cap ? doc->cap * 2 : 64;

		if (doc->cap >= JSON_MAX_TOKENS)
			return fail(doc, start, "more than %u tokens", JSON_MAX_TOKENS);
		t = realloc(doc->tok, (size_t)cap * sizeof(*t));
		if (!t) {
			snprintf(doc->err, sizeof(doc->err), "offset %zu: out of memory", start);
			return -ENOMEM;
		}
		doc->tok = t;
		doc->cap = cap;
	}
	t = &doc->tok[doc->ntok];
	t->type = type;
	t->start = (uint32_t)start;
	t->len = 0;
	t->size = 0;
	t->span = 1;
	return (int)doc->ntok++;
}

int json_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s[i..i+4); -1 when not. */
static long hex4(const char *s, size_t i, size_t len)
{
	long v = 0;

	if (len - i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int h = json_hexval(s[i + k]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at s[i] (a byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t len)
{
	unsigned char c = s[i];
	size_t n;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len - i < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i + k] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Code point cp (up to U+10FFFF) as UTF-8 at out; returns its length. */
static size_t utf8_put(char *out, uint32_t cp)
{
	static const unsigned char lead[5] = {0, 0x00, 0xc0, 0xe0, 0xf0};
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (size_t k = n - 1; k > 0; k--, cp >>= 6)
		out[k] = (char)(0x80 | (cp & 0x3f));
	out[0] = (char)(lead[n] | cp);
	return n;
}

/* The one-letter escapes: \b stands for '\b' and so on; '"', '\\' and '/' for themselves. */
static const char esc_letter[] = "\"\\/bfnrt";
static const char esc_byte[] = "\"\\/\b\f\n\r\t";

/* The byte escape \c stands for: c itself but for b, f, n, r and t. */
static char esc_to_byte(char c)
{
	const char *e = memchr(esc_letter, c, sizeof(esc_letter) - 1);

	return e ? esc_byte[e - esc_letter] : c;
}

/* The letter of byte c's one-letter escape, or 0 when it has none (\u00XX then). */
static char esc_from_byte(unsigned char c)
{
	const char *e = memchr(esc_byte, c, sizeof(esc_byte) - 1);

	return e ? esc_letter[e - esc_byte] : 0;
}

/* Bytes that need no attention inside a string: 0x20-0x7f but '"' and '\\'. */
static const unsigned char plain[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7f] = 1,
};

/* Length of the \u escape at s[i]: 6, or 12 for a surrogate pair; -EINVAL when bad. */
static int u_escape_len(struct json_doc *doc, size_t i)
{
	const char *s = doc->text;
	size_t len = doc->len;
	long u = hex4(s, i + 2, len), lo;

	if (u < 0)
		return fail(doc, i, "bad \\u escape");
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(doc, i, "lone low surrogate \\u%04lx", u);
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	if (len - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u')
		return fail(doc, i, "high surrogate \\u%04lx without a low one", u);
	lo = hex4(s, i + 8, len);
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(doc, i, "high surrogate \\u%04lx without a low one", u);
	return 12;
}

/*
 * The string token whose opening quote is s[*pi]: its index, *pi past the
 * closing quote; or a negative errno.
 */
static int parse_string(struct json_doc *doc, size_t *pi)
{
	const char *s = doc->text;
	size_t len = doc->len, i = *pi + 1, start = i;
	int t = tok_new(doc, JSON_STRING, *pi);

	if (t < 0)
		return t;

	for (;;) {
		unsigned char c;

		/* The common case first: plain printable ASCII. */
		while (i < len && plain[(unsigned char)s[i]])
			i++;
		if (i >= len)
			return fail(doc, start - 1, "unterminated string");
		c = (unsigned char)s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(doc, i, "control character 0x%02x in string", c);
		if (c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)s, i, len);

			if (!n)
				return fail(doc, i, "invalid UTF-8 byte 0x%02x", c);
			i += n;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return fail(doc, start - 1, "unterminated string");
		if (s[i + 1] == 'u') {
			int n = u_escape_len(doc, i);

			if (n < 0)
				return n;
			i += (size_t)n;
		} else if (memchr(esc_letter, s[i + 1], sizeof(esc_letter) - 1)) {
			i += 2;
		} else {
			char b[16];

			return fail(doc, i, "bad escape \\%s", what(doc, i + 1, b, sizeof(b)));
		}
	}
	doc->tok[t].len = (uint32_t)(i - start);
	doc->tok[t].start = (uint32_t)start;
	*pi = i + 1;
	return t;
}

/* The number token at s[*pi]: its index, *pi past it; or a negative errno. */
static int parse_number(struct json_doc *doc, size_t *pi)
{
	const char *s = doc->text;
	size_t len = doc->len, i = *pi, start = i;
	int t = tok_new(doc, JSON_NUMBER, *pi);

	if (t < 0)
		return t;

	if (s[i] == '-')
		i++;
	if (i < len && s[i] == '0') {
		i++;
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return fail(doc, start, "bad number: no digit after '-'");
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(doc, i, "bad number: no digit after '.'");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(doc, i, "bad number: no digit in exponent");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	doc->tok[t].len = (uint32_t)(i - start);
	*pi = i;
	return t;
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

int json_parse(struct json_doc *doc, const char *text, size_t len)
{
	uint32_t stack[JSON_MAX_DEPTH];
	int depth = 0, t;
	size_t i = 0;
	char b[16];

	doc->text = text;
	doc->len = len;
	doc->ntok = 0;
	doc->err[0] = 0;
	if (len >= UINT32_MAX)
		return fail(doc, 0, "document of %zu bytes is too large", len);

value:
	i = skip_ws(text, i, len);
	if (i >= len)
		return fail(doc, i, "unexpected end of input, expected a value");
	switch (text[i]) {
	case '{':
	case '[':
		if (depth == JSON_MAX_DEPTH)
			return fail(doc, i, "nesting deeper than %d", JSON_MAX_DEPTH);
		t = tok_new(doc, text[i] == '{' ? JSON_OBJECT : JSON_ARRAY, i);
		if (t < 0)
			return t;
		if (depth && doc->tok[stack[depth - 1]].type == JSON_ARRAY)
			doc->tok[stack[depth - 1]].size++;
		stack[depth++] = (uint32_t)t;
		i = skip_ws(text, i + 1, len);
		if (i < len && (text[i] == '}' || text[i] == ']'))
			goto after; /* empty; the closer is checked there */
		if (doc->tok[t].type == JSON_OBJECT)
			goto key;
		goto value;
	case '"':
		t = parse_string(doc, &i);
		if (t < 0)
			return t;
		break;
	case 't':
	case 'f':
	case 'n': {
		const char *lit = text[i] == 't' ? "true" : text[i] == 'f' ? "false" : "null";
		size_t n = strlen(lit);

		if (len - i < n || memcmp(text + i, lit, n))
			return fail(doc, i, "unexpected %s", what(doc, i, b, sizeof(b)));
		t = tok_new(doc, text[i] == 'n' ? JSON_NULL : JSON_BOOL, i);
		if (t < 0)
			return t;
		doc->tok[t].len = (uint32_t)n;
		i += n;
		break;
	}
	default:
		if (text[i] != '-' && (text[i] < '0' || text[i] > '9'))
			return fail(doc, i, "unexpected %s, expected a value",
				    what(doc, i, b, sizeof(b)));
		t = parse_number(doc, &i);
		if (t < 0)
			return t;
		break;
	}
	if (depth && doc->tok[stack[depth - 1]].type == JSON_ARRAY)
		doc->tok[stack[depth - 1]].size++;

after:
	i = skip_ws(text, i, len);
	if (!depth) {
		if (i != len)
			return fail(doc, i, "trailing %s after the document",
				    what(doc, i, b, sizeof(b)));
		return 0;
	}
	t = (int)stack[depth - 1];
	if (i >= len)
		return fail(doc, i, "unexpected end of input in %s opened at offset %u",
			    doc->tok[t].type == JSON_OBJECT ? "object" : "array",
			    doc->tok[t].start);
	if (text[i] == ',' && doc->tok[t].size) {
		i++;
		if (doc->tok[t].type == JSON_OBJECT)
			goto key;
		goto value;
	}
	if (text[i] == (doc->tok[t].type == JSON_OBJECT ? '}' : ']')) {
		i++;
		doc->tok[t].span = doc->ntok - (uint32_t)t;
		doc->tok[t].len = (uint32_t)(i - doc->tok[t].start);
		depth--;
		goto after;
	}
	return fail(doc, i, "unexpected %s, expected %s", what(doc, i, b, sizeof(b)),
		    doc->tok[t].type == JSON_OBJECT ? "',' or '}'" : "',' or ']'");

key:
	i = skip_ws(text, i, len);
	if (i >= len || text[i] != '"')
		return fail(doc, i, "unexpected %s, expected a member name",
			    what(doc, i, b, sizeof(b)));
	t = parse_string(doc, &i);
	if (t < 0)
		return t;
	doc->tok[stack[depth - 1]].size++;
	i = skip_ws(text, i, len);
	if (i >= len || text[i] != ':')
		return fail(doc, i, "unexpected %s, expected ':'", what(doc, i, b, sizeof(b)));
	i++;
	goto value; /* the member's value: counted with its name, not as an element */
}

void json_free(struct json_doc *doc)
{
	free(doc->tok);
	doc->tok = NULL;
	doc->ntok = doc->cap = 0;
}

/* Unescape string token t into out (room for tok.len + 1 bytes); returns length. */
static size_t unescape(const struct json_doc *doc, int t, char *out)
{
	const char *s = doc->text + doc->tok[t].start;
	size_t len = doc->tok[t].len, i = 0, o = 0;

	while (i < len) {
		const char *bs = memchr(s + i, '\\', len - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
		uint32_t cp;

		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (i >= len)
			break;
		if (i + 1 >= len)
			break;
		if (s[i + 1] != 'u') {
			out[o++] = esc_to_byte(s[i + 1]);
			i += 2;
			continue;
		}
		cp = (uint32_t)hex4(s, i + 2, len);
		if (cp >= 0xd800 && cp <= 0xdbff && len - i >= 12) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     ((uint32_t)hex4(s, i + 8, len) - 0xdc00);
			i += 6;
		}
		o += utf8_put(out + o, cp);
		i += 6;
	}
	out[o] = 0;
	return o;
}

/* Does string token t, unescaped, equal key? */
static int str_eq(const struct json_doc *doc, int t, const char *key, size_t klen)
{
	const struct json_tok *k = &doc->tok[t];
	char small[256], *buf;
	size_t n;
	int eq;

	if (!memchr(doc->text + k->start, '\\', k->len))
		return k->len == klen && !memcmp(doc->text + k->start, key, klen);
	if (k->len < klen)
		return 0; /* escapes only shrink */
	buf = k->len < sizeof(small) ? small : malloc((size_t)k->len + 1);
	if (!buf)
		return 0;
	n = unescape(doc, t, buf);
	eq = n == klen && !memcmp(buf, key, klen);
	if (buf != small)
		free(buf);
	return eq;
}

int json_get(const struct json_doc *doc, int obj, const char *key)
{
	size_t klen = strlen(key);
	uint32_t i, n;

	if (obj < 0 || (uint32_t)obj >= doc->ntok || doc->tok[obj].type != JSON_OBJECT)
		return -1;
	i = (uint32_t)obj + 1;
	for (n = 0; n < doc->tok[obj].size; n++) {
		if (str_eq(doc, (int)i, key, klen))
			return (int)i + 1;
		i += 1 + doc->tok[i + 1].span;
	}
	return -1;
}

char *json_strdup(const struct json_doc *doc, int tok, size_t *outlen)
{
	char *out;
	size_t n;

	if (tok < 0 || (uint32_t)tok >= doc->ntok || doc->tok[tok].type != JSON_STRING) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc((size_t)doc->tok[tok].len + 1);
	if (!out)
		return NULL;
	n = unescape(doc, tok, out);
	if (outlen)
		*outlen = n;
	return out;
}

static const struct json_tok *num_tok(const struct json_doc *doc, int tok)
{
	if (tok < 0 || (uint32_t)tok >= doc->ntok || doc->tok[tok].type != JSON_NUMBER)
		return NULL;
	return &doc->tok[tok];
}

/* The magnitude of an integer token (digits only after an optional '-'). */
static int int_mag(const struct json_doc *doc, int tok, int *neg, uint64_t *mag)
{
	const struct json_tok *t = num_tok(doc, tok);
	const char *s;
	uint64_t v = 0;
	uint32_t i = 0;

	if (!t)
		return -EINVAL;
	s = doc->text + t->start;
	*neg = s[0] == '-';
	i = (uint32_t)*neg;
	if (i == t->len)
		return -EINVAL;
	for (; i < t->len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL; /* a fraction or exponent: not an integer */
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*mag = v;
	return 0;
}

int json_uint64(const struct json_doc *doc, int tok, uint64_t *out)
{
	uint64_t v;
	int neg, err = int_mag(doc, tok, &neg, &v);

	if (err)
		return err;
	if (neg && v)
		return -EINVAL;
	*out = v;
	return 0;
}

int json_int64(const struct json_doc *doc, int tok, int64_t *out)
{
	uint64_t v;
	int neg, err = int_mag(doc, tok, &neg, &v);

	if (err)
		return err;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -EINVAL;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX)
			return -EINVAL;
		*out = (int64_t)v;
	}
	return 0;
}

int json_double(const struct json_doc *doc, int tok, double *out)
{
	const struct json_tok *t = num_tok(doc, tok);
	char small[128], *buf, *end;
	double v;
	int err = 0;

	if (!t)
		return -EINVAL;
	buf = t->len < sizeof(small) ? small : malloc((size_t)t->len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, doc->text + t->start, t->len);
	buf[t->len] = 0;
	errno = 0;
	v = strtod(buf, &end);
	/* Underflow to zero or a denormal is fine; overflow to infinity is not. */
	if (*end || (errno == ERANGE && (v > 1.0 || v < -1.0)))
		err = -EINVAL;
	if (buf != small)
		free(buf);
	if (!err)
		*out = v;
	return err;
}

void json_write_string(FILE *f, const char *s, size_t len)
{
	size_t i, run = 0;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char letter;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(s + run, 1, i - run, f);
		run = i + 1;
		letter = esc_from_byte(c);
		if (letter)
			fprintf(f, "\\%c", letter);
		else
			fprintf(f, "\\u%04x", c);
	}
	fwrite(s + run, 1, i - run, f);
	fputc('"', f);
}
