/* watch.h - what a project depends on, watched with inotify: `run --watch` and the live reload of `serve`. */
#ifndef SL_WATCH_H
#define SL_WATCH_H

#include "project.h"

/* Adds inotify watches on fd (IN_CLOSE_WRITE, IN_MOVED_*, IN_CREATE,
 * IN_DELETE) on every folder the project depends on: path itself (a
 * project or template file: its folder; a folder: itself) and the folders
 * below it, each function's code folder (a .zip's folder) and layers, each
 * definition file's folder.  Hidden folders, node_modules, __pycache__ and
 * build are skipped; SL_WATCH_MAX_DIRS folders at most, SL_WATCH_MAX_DEPTH
 * deep.  p may be NULL (path only).  Returns how many folders are watched. */
int watch_project(int fd, const char *path, const proj_project *p);

/* A stamp of what function f runs: the names, sizes and modification
 * times of the files of its code (folder or .zip) and layers, skipping
 * what watch_project skips.  Any edit changes it (with odds of 2^-64 of
 * not). */
unsigned long long watch_stamp(const proj_function *f);

#endif
