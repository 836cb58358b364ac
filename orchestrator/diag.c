/* diag.c - validation diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void add(diags *d, const char *sev, const char *code, const char *loc,
		const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void add(diags *d, const char *sev, const char *code, const char *loc,
		const char *fmt, va_list ap)
{
	diag *g;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, sizeof *d->v * (size_t)d->cap);
	}
	g = &d->v[d->n++];
	g->severity = sev;
	g->code = code;
	g->location = loc ? xstrdup(*loc ? loc : "/") : NULL;
	g->message = xvasprintf(fmt, ap);
}

void diag_error(diags *d, const char *code, const char *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, "ERROR", code, loc, fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn(diags *d, const char *code, const char *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, "WARNING", code, loc, fmt, ap);
	va_end(ap);
}

void diag_free(diags *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].message);
		free(d->v[i].location);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

cJSON *diag_to_json(const diags *d)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	int i;

	cJSON_AddStringToObject(o, "result", d->errors ? "FAIL" : "OK");
	for (i = 0; i < d->n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "severity", d->v[i].severity);
		cJSON_AddStringToObject(e, "code", d->v[i].code);
		cJSON_AddStringToObject(e, "message", d->v[i].message);
		if (d->v[i].location)
			cJSON_AddStringToObject(e, "location", d->v[i].location);
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddItemToObject(o, "diagnostics", arr);
	cJSON_AddFalseToObject(o, "truncated");
	return o;
}

char *diag_loc(const char *loc, const char *child)
{
	return xasprintf("%s/%s", loc, child);
}

char *diag_loc_index(const char *loc, int index)
{
	return xasprintf("%s[%d]", loc, index);
}

char *diag_invalid_definition(const diags *d)
{
	size_t len = 64, n = 0;
	char *s;
	int i;

	for (i = 0; i < d->n; i++)
		len += strlen(d->v[i].code) + strlen(d->v[i].message) +
			(d->v[i].location ? strlen(d->v[i].location) : 0) + 8;
	s = xmalloc(len);
	n += (size_t)snprintf(s + n, len - n, "Invalid State Machine Definition: '");
	for (i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].severity, "ERROR") != 0)
			continue;
		n += (size_t)snprintf(s + n, len - n, "%s%s: %s%s%s", n > 36 ? ", " : "",
				      d->v[i].code, d->v[i].message,
				      d->v[i].location ? " at " : "",
				      d->v[i].location ? d->v[i].location : "");
	}
	snprintf(s + n, len - n, "'");
	return s;
}
