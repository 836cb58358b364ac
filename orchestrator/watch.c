/* watch.c - what a project depends on, watched with inotify (see watch.h). */
#include "watch.h"

#include "limits.h"
#include "xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

/* Folders that are never the project's own edits. */
static int skipped(const char *name)
{
	return name[0] == '.' || strcmp(name, "node_modules") == 0 ||
	       strcmp(name, "__pycache__") == 0 || strcmp(name, "build") == 0;
}

static void watch_tree(int fd, const char *dir, int depth, int *count)
{
	DIR *d;
	struct dirent *e;

	if (depth > SL_WATCH_MAX_DEPTH || *count >= SL_WATCH_MAX_DIRS)
		return;
	if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
			      IN_DELETE | IN_MOVED_FROM) < 0)
		return;
	(*count)++;
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char *sub;
		struct stat st;

		if (skipped(e->d_name))
			continue;
		sub = xasprintf("%s/%s", dir, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			watch_tree(fd, sub, depth + 1, count);
		free(sub);
	}
	closedir(d);
}

/* The folder of a file, alone. */
static void watch_parent(int fd, const char *file, int *count)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	watch_tree(fd, slash ? (*dir ? dir : "/") : ".", SL_WATCH_MAX_DEPTH, count);
	free(dir);
}

/* A file or a folder tree. */
static void watch_path(int fd, const char *path, int *count)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		watch_tree(fd, path, 0, count);
	else
		watch_parent(fd, path, count);
}

int watch_project(int fd, const char *path, const proj_project *p)
{
	int count = 0, i, k;

	if (path)
		watch_path(fd, path, &count);
	for (i = 0; p && i < p->nfunctions; i++) {
		watch_path(fd, p->functions[i].code, &count);
		for (k = 0; k < p->functions[i].nlayers; k++)
			watch_path(fd, p->functions[i].layers[k], &count);
	}
	for (i = 0; p && i < p->nmachines; i++)
		if (p->machines[i].definition_file)
			watch_parent(fd, p->machines[i].definition_file, &count);
	if (p && p->template_path)
		watch_parent(fd, p->template_path, &count);
	return count;
}

/* FNV-1a, 64 bits. */
static unsigned long long mix(unsigned long long h, const void *data, size_t n)
{
	const unsigned char *b = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static unsigned long long stamp_path(unsigned long long h, const char *path, int depth, int *dirs)
{
	struct stat st;
	long long v[3];
	DIR *d;
	struct dirent *e;

	h = mix(h, path, strlen(path) + 1);
	if (stat(path, &st) != 0)
		return mix(h, "-", 1);
	v[0] = (long long)st.st_size;
	v[1] = (long long)st.st_mtim.tv_sec;
	v[2] = (long long)st.st_mtim.tv_nsec;
	if (!S_ISDIR(st.st_mode))
		return mix(h, v, sizeof v);
	if (depth > SL_WATCH_MAX_DEPTH || ++*dirs > SL_WATCH_MAX_DIRS || !(d = opendir(path)))
		return h;
	/* readdir's order is the folder's own; it only changes with an edit. */
	while ((e = readdir(d))) {
		char *sub;

		if (skipped(e->d_name))
			continue;
		sub = xasprintf("%s/%s", path, e->d_name);
		h = stamp_path(h, sub, depth + 1, dirs);
		free(sub);
	}
	closedir(d);
	return h;
}

unsigned long long watch_stamp(const proj_function *f)
{
	unsigned long long h = 14695981039346656037ULL;
	int dirs = 0, k;

	h = stamp_path(h, f->code, 0, &dirs);
	for (k = 0; k < f->nlayers; k++)
		h = stamp_path(h, f->layers[k], 0, &dirs);
	return h;
}
