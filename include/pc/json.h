/* SPDX-License-Identifier: MIT */
/*
 * A small strict JSON reader (RFC 8259) and the string escaper every writer
 * uses. The reader parses one document into a flat array of tokens in a
 * caller-owned struct; objects and arrays know how many tokens they span, so
 * lookups walk the array without recursion or allocation per value.
 * Depth, token count and string length are bounded; every error names the
 * byte offset.
 */
#ifndef PC_JSON_H
#define PC_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_tok {
	enum json_type type;
	uint32_t start, len; /* raw span in the input (strings: without quotes, still escaped) */
	uint32_t size;	     /* objects: members; arrays: elements */
	uint32_t span;	     /* tokens covered, itself included */
};

struct json_doc {
	const char *text;
	size_t len;
	struct json_tok *tok;
	uint32_t ntok, cap;
	char err[128]; /* "offset 17: expected ':'" */
};

/* Parse text; 0 or -EINVAL (doc->err says where and why) / -ENOMEM. */
int json_parse(struct json_doc *doc, const char *text, size_t len);
void json_free(struct json_doc *doc);

/* Token index of member key of object tok, or -1. */
int json_get(const struct json_doc *doc, int obj, const char *key);
/* Decode a string token (unescaping) into a malloc'd NUL-terminated buffer; NULL on error. */
char *json_strdup(const struct json_doc *doc, int tok, size_t *outlen);
/* Number token as int64/uint64/double; -EINVAL if not a number or out of range. */
int json_int64(const struct json_doc *doc, int tok, int64_t *out);
int json_uint64(const struct json_doc *doc, int tok, uint64_t *out);
int json_double(const struct json_doc *doc, int tok, double *out);

/* Value of the hex digit c (either case), -1 when c is none; \u escapes, MAC addresses. */
int json_hexval(int c);

/* Write s (len bytes) as a JSON string literal, quotes included. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif
