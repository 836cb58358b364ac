/* fsutil.h - small path and message helpers shared by the project, template and export modules. */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

/* dir/name, or name when it is absolute or dir is NULL or empty; owned. */
char *fs_join(const char *dir, const char *name);
/* The folder part of path ("" when none, "/" for the root); owned. */
char *fs_dir(const char *path);
/* Whether s ends with suffix. */
int fs_ends_with(const char *s, const char *suffix);

/* Takes msg; returns it with its line breaks written as \n and \r, so
 * that a problem quoting a name, key or value of a file that holds one (a
 * quoted or multi-line scalar) still takes one line. */
char *fs_one_line(char *msg);

#endif
