/* aslerr.c - ASL error values (see aslerr.h). */
#include "aslerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int aslerr_set(aslerr *e, const char *error, const char *fmt, ...)
{
	va_list ap;
	char *cause = NULL;

	if (fmt) {
		va_start(ap, fmt);
		cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return aslerr_take(e, error ? xstrdup(error) : NULL, cause);
}

int aslerr_take(aslerr *e, char *error, char *cause)
{
	aslerr_clear(e);
	e->error = error;
	e->cause = cause;
	return -1;
}

void aslerr_clear(aslerr *e)
{
	free(e->error);
	free(e->cause);
	e->error = NULL;
	e->cause = NULL;
}

void aslerr_move(aslerr *dst, aslerr *src)
{
	aslerr_take(dst, src->error, src->cause);
	src->error = NULL;
	src->cause = NULL;
}

static const char *const predefined[] = {
	ERR_ALL, ERR_TIMEOUT, ERR_HEARTBEAT_TIMEOUT, ERR_TASK_FAILED,
	ERR_PERMISSIONS, ERR_RESULT_PATH_MATCH, ERR_PARAMETER_PATH,
	ERR_QUERY_EVAL, ERR_BRANCH_FAILED, ERR_NO_CHOICE_MATCHED,
	ERR_INTRINSIC_FAILURE, ERR_EXCEED_TOLERATED, ERR_ITEM_READER_FAILED,
	ERR_RESULT_WRITER_FAILED, ERR_RUNTIME, ERR_DATA_LIMIT,
};

int aslerr_is_predefined(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof predefined / sizeof *predefined; i++)
		if (strcmp(name, predefined[i]) == 0)
			return 1;
	return 0;
}
