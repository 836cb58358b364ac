/* pkg.h - code packages: a function's folder, or its .zip extracted once by content. */
#ifndef SL_PKG_H
#define SL_PKG_H

#include <stddef.h>

/* Limits on a .zip package.  AWS refuses packages whose unzipped size is
 * over 262,144,000 bytes (250 MiB), and so do we.  The other limits guard
 * the machine against hostile archives: a compression ratio no real code
 * reaches (deflate tops out near 1032:1 on runs of one byte, and code and
 * data compress well under 100:1) is refused for any entry big enough to
 * matter, as is an archive whose entries claim more compressed bytes than
 * the file holds (overlapping entries, the trick of non-recursive zip
 * bombs). */
#define PKG_MAX_UNZIPPED_BYTES 262144000ULL    /* AWS's quota: 250 MiB */
#define PKG_MAX_ENTRIES        100000          /* entries in one archive */
#define PKG_MAX_RATIO          500             /* uncompressed / compressed, per entry */
#define PKG_RATIO_MIN_BYTES    (1024 * 1024)   /* the ratio is checked from this size up */
#define PKG_MAX_NAME           4096            /* bytes in an entry's name */

/* The unzipped-size limit in force: PKG_MAX_UNZIPPED_BYTES unless a test
 * lowers it. */
extern unsigned long long pkg_max_unzipped_bytes;

/* Resolves a function's `code` to the folder its processes run in.
 *
 * - A folder: the folder itself, made absolute (it must exist).
 * - A zip file: extracted once into cache_dir/<sha256 of the zip's bytes,
 *   64 lowercase hex digits>, which is created if missing.  The archive is
 *   extracted into a temporary folder beside it and renamed into place, so
 *   a folder of that name is always complete and is reused as it is by
 *   later calls (and by other steplocal processes).  Unix permission bits
 *   recorded in the archive (by `zip`, Python's zipfile, ...) are kept
 *   (masked with 0755; files are at least owner-readable and -writable), so
 *   an executable `bootstrap` stays executable; folders are 0755.
 *
 * Refused, with *err naming the zip and the entry: names that would land
 * outside the folder ("../x", "a/../../x", "/etc/x", "C:\x"), symbolic
 * links, devices and other special files, encrypted entries, duplicate
 * names, an unzipped total over pkg_max_unzipped_bytes, an entry over the
 * ratio limit, overlapping entries, more than PKG_MAX_ENTRIES entries, and
 * corrupt archives (bad structure, CRC errors, entries whose data does not
 * match their declared size).  Nothing is left behind by a refused archive.
 *
 * Returns the absolute folder path (owned; free it), or NULL with *err set
 * to an owned message (free it). */
char *pkg_resolve(const char *code, const char *cache_dir, char **err);

#endif
