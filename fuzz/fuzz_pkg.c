/* fuzz_pkg.c - libFuzzer target: .zip package extraction (runtime/pkg.h). */
#include "fuzz.h"

#include <dirent.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg.h"
#include "xalloc.h"

/* Input: the bytes of a .zip file.  They are written to code.zip in a
 * scratch folder and extracted by pkg_resolve into cache/ beside it; the
 * cache is emptied after each input.  The unzipped-size limit is lowered
 * to FZ_PKG_MAX_BYTES so that an input costs milliseconds, not a 250 MiB
 * write (the limit's own logic is the same at any value).
 *
 * Checked: a refused archive has a message and leaves nothing in the
 * cache; an accepted one is extracted to cache/<sha256>, holds only
 * regular files and folders (no links, devices or fifos), stays within
 * the limit, and nothing lands outside it; a second call reuses it. */

#define FZ_PKG_MAX_BYTES (4 * 1024 * 1024)

static char *g_root, *g_zip, *g_cache;
static unsigned long long g_total;
static int g_bad_kind;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	g_root = xstrdup(fz_scratch("pkg"));
	g_zip = xasprintf("%s/code.zip", g_root);
	g_cache = xasprintf("%s/cache", g_root);
	pkg_max_unzipped_bytes = FZ_PKG_MAX_BYTES;
	return 0;
}

/* The names in folder dir other than . and .., counted; *first gets the
 * first one (owned) when it is not NULL. */
static int entries(const char *dir, char **first)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (first)
		*first = NULL;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (first && !*first)
			*first = xstrdup(e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_SL || flag == FTW_SLN || (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)))
		g_bad_kind = 1;
	if (S_ISREG(st->st_mode))
		g_total += (unsigned long long)st->st_size;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL, *dir, *again, *name;
	size_t n;

	if (fz_write(g_zip, data, size) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write the zip");
	dir = pkg_resolve(g_zip, g_cache, &err);
	if (!dir) {
		fz_check(err && *err, "a refused archive without a message");
		fz_check(entries(g_cache, NULL) == 0, "a refused archive left something in the cache");
		free(err);
	} else {
		n = strlen(g_cache);
		fz_check(strncmp(dir, g_cache, n) == 0 && dir[n] == '/' && strlen(dir + n + 1) == 64 &&
			 strspn(dir + n + 1, "0123456789abcdef") == 64,
			 "the package folder is not cache/<sha256>");
		fz_check(entries(g_cache, &name) == 1 && strcmp(name, dir + n + 1) == 0,
			 "the cache holds more than the package folder");
		free(name);
		g_total = 0;
		g_bad_kind = 0;
		nftw(dir, visit, 16, FTW_PHYS);
		fz_check(!g_bad_kind, "an extracted entry is a link or a special file");
		fz_check(g_total <= FZ_PKG_MAX_BYTES, "the extracted files exceed the limit");
		again = pkg_resolve(g_zip, g_cache, &err);
		fz_check(again && strcmp(again, dir) == 0, "a second pkg_resolve does not reuse the folder");
		free(again);
		free(dir);
	}
	fz_check(entries(g_root, NULL) == 2, "something landed beside the cache");
	fz_empty(g_cache);
	return 0;
}
