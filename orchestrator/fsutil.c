/* fsutil.c - path helpers (see fsutil.h). */
#include "fsutil.h"

#include <string.h>

#include "xalloc.h"

#include <stdlib.h>

char *fs_join(const char *dir, const char *name)
{
	size_t n;

	if (!dir || !*dir || name[0] == '/')
		return xstrdup(name);
	n = strlen(dir);
	return xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

char *fs_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup("");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int fs_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

char *fs_one_line(char *msg)
{
	size_t n = 0, i, o = 0;
	char *s;

	for (i = 0; msg[i]; i++)
		n += msg[i] == '\n' || msg[i] == '\r';
	if (!n)
		return msg;
	s = xmalloc(i + n + 1);
	for (i = 0; msg[i]; i++) {
		if (msg[i] == '\n' || msg[i] == '\r') {
			s[o++] = '\\';
			s[o++] = msg[i] == '\n' ? 'n' : 'r';
		} else {
			s[o++] = msg[i];
		}
	}
	s[o] = '\0';
	free(msg);
	return s;
}
