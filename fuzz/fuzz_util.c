/* fuzz_util.c - scratch folders, file writes and record splitting for the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "xalloc.h"

#define FZ_MAX_SCRATCH 4   /* scratch folders one target makes */
#define FZ_SEP "\n%%\n"

static char *scratch[FZ_MAX_SCRATCH];
static int nscratch;

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz: %s:%d: %s\n", file, line, what);
	abort();
}

char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* A folder extracted without write permission cannot be emptied. */
	if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
		chmod(path, 0700);
	remove(path);
	return 0;
}

void fz_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		remove(path);
		return;
	}
	chmod(path, 0700);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fz_empty(const char *dir)
{
	char *d = xstrdup(dir);

	fz_rm_rf(dir);
	if (mkdir(d, 0700) != 0 && errno != EEXIST)
		fz_fail(__FILE__, __LINE__, "cannot recreate a scratch folder");
	free(d);
}

static void scratch_cleanup(void)
{
	int i;

	for (i = 0; i < nscratch; i++) {
		fz_rm_rf(scratch[i]);
		free(scratch[i]);
	}
	nscratch = 0;
}

const char *fz_scratch(const char *name)
{
	char *d;

	if (nscratch == FZ_MAX_SCRATCH)
		fz_fail(__FILE__, __LINE__, "too many scratch folders");
	d = xasprintf("/tmp/steplocal-fuzz-%s-XXXXXX", name);
	if (!mkdtemp(d))
		fz_fail(__FILE__, __LINE__, "mkdtemp failed");
	if (nscratch == 0)
		atexit(scratch_cleanup);
	scratch[nscratch++] = d;
	return d;
}

int fz_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int fz_json_ok(const char *text, size_t len)
{
	cJSON *v = js_parse(text, len, NULL);

	cJSON_Delete(v);
	return v != NULL;
}

int fz_next_record(const char *text, size_t size, size_t *pos, const char **rec, size_t *len)
{
	size_t start = *pos, i;

	if (start > size || (start == size && start > 0))
		return 0;
	for (i = start; i + strlen(FZ_SEP) <= size; i++) {
		if (memcmp(text + i, FZ_SEP, strlen(FZ_SEP)) == 0) {
			*rec = text + start;
			*len = i - start;
			*pos = i + strlen(FZ_SEP);
			return 1;
		}
	}
	*rec = text + start;
	*len = size - start;
	*pos = size + 1;
	return 1;
}
