/* SPDX-License-Identifier: MIT */
/**
 * @file json.h  A small streaming JSON writer for --json output: commas and
 * escaping are handled here so that commands only say what they write.
 */
#ifndef VMR_CLI_JSON_H
#define VMR_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
/** Write a key of the current object; the next value belongs to it. */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
/** A 64-bit value as "0x..." (JSON numbers lose 64-bit precision). */
void json_hex(struct json *j, uint64_t v);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/** Finish the document with a newline. */
void json_finish(struct json *j);

/* key + value shorthands */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_hex(struct json *j, const char *key, uint64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif
