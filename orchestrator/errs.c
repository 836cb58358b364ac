/* errs.c - the problems one load of a project or template reports (errs.h). */
#include "errs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "xalloc.h"

void errs_addv(errs *e, const char *fmt, va_list ap)
{
	if (e->n >= ERRS_MAX) {
		e->dropped++;
		return;
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->v = xrealloc(e->v, (size_t)e->cap * sizeof *e->v);
	}
	e->v[e->n++] = fs_one_line(xvasprintf(fmt, ap));
}

void errs_add(errs *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_addv(e, fmt, ap);
	va_end(ap);
}

void errs_vat(errs *e, const char *file, int line, int col, const char *path,
	      const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	if (path)
		errs_add(e, "%s:%d:%d: %s: %s", file, line, col, path, msg);
	else
		errs_add(e, "%s:%d:%d: %s", file, line, col, msg);
	free(msg);
}

char *errs_join(const errs *e)
{
	size_t len = 64, k;
	char *s, *o;
	int i;

	for (i = 0; i < e->n; i++)
		len += strlen(e->v[i]) + 1;
	s = o = xmalloc(len);
	*s = 0;
	for (i = 0; i < e->n; i++) {
		k = strlen(e->v[i]);
		memcpy(o, e->v[i], k);
		o += k;
		*o++ = i + 1 < e->n || e->dropped ? '\n' : 0;
	}
	if (e->dropped)
		snprintf(o, 64, "(%d more problems not shown)", e->dropped);
	return s;
}

void errs_free(errs *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof *e);
}
