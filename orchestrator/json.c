/* json.c - cJSON helpers (see json.h for the ownership rule). */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

cJSON *js_dup(const cJSON *v)
{
	cJSON *d;

	if (!v)
		return NULL;
	d = cJSON_Duplicate(v, 1);
	if (!d)
		abort(); /* cJSON only fails on allocation, which xmalloc aborts */
	return d;
}

char *js_print(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	if (!s)
		abort();
	return s;
}

cJSON *js_parse(const char *text, size_t len, size_t *err_off)
{
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (v) {
		/* Only white space may follow the value. */
		while (end < text + len && (*end == ' ' || *end == '\t' ||
					    *end == '\n' || *end == '\r'))
			end++;
		if (end == text + len)
			return v;
		cJSON_Delete(v);
	} else {
		end = cJSON_GetErrorPtr();
	}
	if (err_off)
		*err_off = end && end >= text && end <= text + len ?
			(size_t)(end - text) : 0;
	return NULL;
}

static int member_count(const cJSON *o)
{
	int n = 0;
	const cJSON *c;

	for (c = o->child; c; c = c->next)
		n++;
	return n;
}

int js_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x;

	if (!a || !b)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
			if (!js_equal(a, b))
				return 0;
		return !a && !b;
	case cJSON_Object:
		if (member_count(a) != member_count(b))
			return 0;
		for (x = a->child; x; x = x->next)
			if (!js_equal(x, js_get(b, x->string)))
				return 0;
		return 1;
	default:
		return 1;
	}
}

cJSON *js_get(const cJSON *obj, const char *key)
{
	cJSON *c;

	if (!obj || !cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

void js_set(cJSON *obj, const char *key, cJSON *v)
{
	if (js_get(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

void js_set_const(cJSON *obj, const char *key, cJSON *v)
{
	cJSON *old = js_get(obj, key);

	if (old) {
		cJSON_ReplaceItemViaPointer(obj, old, v);
		return;
	}
	cJSON_AddItemToObjectCS(obj, key, v);
}

const char *js_type_name(const cJSON *v)
{
	switch (v ? v->type & 0xff : cJSON_NULL) {
	case cJSON_False:
	case cJSON_True:   return "boolean";
	case cJSON_Number: return "number";
	case cJSON_String: return "string";
	case cJSON_Array:  return "array";
	case cJSON_Object: return "object";
	default:           return "null";
	}
}

int js_is_integer(const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	return isfinite(d) && floor(d) == d && fabs(d) < 9.2e18;
}

size_t js_printed_size(const cJSON *v)
{
	char *s = js_print(v);
	size_t n = strlen(s);

	free(s);
	return n;
}
