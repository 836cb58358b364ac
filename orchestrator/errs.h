/* errs.h - the problems one load of a project or template reports, one line each. */
#ifndef SL_ERRS_H
#define SL_ERRS_H

#include <stdarg.h>

#define ERRS_MAX 20             /* problems listed; later ones are only counted */

typedef struct errs {
	char **v;               /* owned lines, without line breaks (fs_one_line) */
	int n, cap;
	int dropped;            /* problems beyond ERRS_MAX */
} errs;

void errs_add(errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errs_addv(errs *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* "FILE:LINE:COL: PATH: message", or without "PATH: " when path is NULL:
 * the form of every problem found at a place in a file. */
void errs_vat(errs *e, const char *file, int line, int col, const char *path,
	      const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
/* All problems, one per line, then "(N more problems not shown)" when
 * some were dropped; owned. */
char *errs_join(const errs *e);
/* Frees the lines and leaves e empty. */
void errs_free(errs *e);

#endif
