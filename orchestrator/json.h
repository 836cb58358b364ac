/* json.h - helpers over cJSON trees, and the ownership rule of every JSON value in steplocal. */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Ownership, stated once for the whole orchestrator:
 *
 *   Every JSON value is a cJSON tree.  A tree has exactly one owner, the
 *   holder responsible for cJSON_Delete.  Function comments say which of
 *   three things happens to each cJSON argument and result:
 *     - borrows: the callee only reads it, for the duration of the call;
 *     - takes:   ownership moves to the callee (caller must not touch it);
 *     - returns owned: the caller now owns the result.
 *   A `const cJSON *` is always borrowed.  Moving a subtree (detach + add) is
 *   preferred to copying on the hot path; js_dup is the only deep copy.
 *
 *   Compiled definitions (asl.h) own their cJSON constants for the life of
 *   the definition; executions copy what they need from them.  Object keys
 *   written by templates and ResultPath point into the definition
 *   (cJSON_StringIsConst) instead of being copied, so a value built by an
 *   execution must be printed or js_dup'ed before its definition is
 *   released (executions hold a reference until they are freed). */

/* Deep copy; returns owned.  NULL in, NULL out. */
cJSON *js_dup(const cJSON *v);
/* Compact text (AWS style: no white space); returns an owned string. */
char *js_print(const cJSON *v);
/* Indented text (two spaces) for people; returns an owned string. */
char *js_print_pretty(const cJSON *v);
/* Writes v to out without building the whole text: compact when depth is
 * negative, else indented as if nested depth levels deep. */
void js_print_file(FILE *out, const cJSON *v, int depth);
/* Parses exactly one JSON text of len bytes as Jackson reads it into a
 * tree (AWS's reading of inputs and results); returns owned, or NULL with
 * *err_off set to the byte offset of the problem.  Stricter than cJSON:
 * bytes that are not well-formed UTF-8, control characters in strings,
 * other bytes than space, tab, CR and LF between tokens and numbers
 * outside JSON's grammar ("01", "1.") are problems.  A key given twice
 * keeps its first place and its last value.  Integers of 16 digits or more
 * keep their digits: a number node with a valuestring prints as that text
 * (valuedouble holds the nearest double). */
cJSON *js_parse(const char *text, size_t len, size_t *err_off);
/* A number node of value d whose source text (a YAML scalar, say) was
 * text: an integer of 16 digits or more keeps its digits, as js_parse
 * keeps them; returns owned. */
cJSON *js_number(double d, const char *text);
/* js_parse for definitions: every member is kept as written, so that the
 * validator can report a state named twice in one States object. */
cJSON *js_parse_source(const char *text, size_t len, size_t *err_off);
/* Deep equality where numbers compare by value (an integer kept exact by
 * its digits) and object key order is ignored. */
int js_equal(const cJSON *a, const cJSON *b);
/* Case-sensitive member lookup; borrowed result or NULL. */
cJSON *js_get(const cJSON *obj, const char *key);
/* Sets obj[key] = v, replacing an existing member; takes v. */
void js_set(cJSON *obj, const char *key, cJSON *v);
/* Like js_set with a key the caller guarantees outlives obj (no copy):
 * templates and ResultPath use the key strings of the compiled definition,
 * which every execution keeps alive (see the rule above). */
void js_set_const(cJSON *obj, const char *key, cJSON *v);
/* Type name as AWS's messages write it: "string", "number", "boolean",
 * "null", "object", "array". */
const char *js_type_name(const cJSON *v);
/* Whether a number is integral and fits in a long long. */
int js_is_integer(const cJSON *v);
/* Returns the number of bytes of js_print(v), without printing; the size
 * of a container is cached in it (see json.c). */
size_t js_printed_size(const cJSON *v);
/* Forgets the cached size of a container whose members change in place;
 * callers do it for every container from the root down to the change. */
void js_size_forget(cJSON *v);

#endif
