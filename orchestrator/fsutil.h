/* fsutil.h - small path helpers shared by the project, template and export modules. */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

/* dir/name, or name when it is absolute or dir is NULL or empty; owned. */
char *fs_join(const char *dir, const char *name);
/* The folder part of path ("" when none, "/" for the root); owned. */
char *fs_dir(const char *path);
/* Whether s ends with suffix. */
int fs_ends_with(const char *s, const char *suffix);

#endif
