/* xalloc.h - the one allocation wrapper: aborts on out-of-memory, can be made to fail in tests. */
#ifndef SL_XALLOC_H
#define SL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* xmalloc, xcalloc, xrealloc and xstrdup never return NULL: when memory is
 * exhausted they print a message and abort, because no code path of the
 * orchestrator can make progress without the memory it asked for.  Tests may
 * set xalloc_fail_after to N to make the (N+1)th call abort deliberately. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xasprintf returns a newly allocated formatted string, owned by the caller. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Installs xmalloc/free as cJSON's allocator.  Call once at start. */
void xalloc_init(void);

extern long xalloc_fail_after;

#endif
