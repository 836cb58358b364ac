/* fuzz.h - what every libFuzzer target of steplocal shares: the entry points and small file helpers. */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points.  A target defines LLVMFuzzerTestOneInput and,
 * when it needs set-up that lives across inputs (a scratch folder, the
 * allocator hooks), LLVMFuzzerInitialize. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The rules every target keeps (see fuzz/README.md):
 *   - one input is independent of the inputs before it: what a target
 *     builds for an input it frees, and files it writes it removes;
 *   - no process is started, no network peer is needed, time is virtual;
 *   - a property the code promises and the target can check cheaply is
 *     checked with fz_check, which aborts (libFuzzer reports a crash). */

/* Aborts with "fuzz: what" on stderr unless cond holds. */
#define fz_check(cond, what) \
	do { if (!(cond)) fz_fail(__FILE__, __LINE__, (what)); } while (0)
void fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* The input as a NUL-terminated string (owned); embedded NUL bytes stay,
 * so C string functions see the text up to the first one. */
char *fz_strndup(const uint8_t *data, size_t size);

/* Creates a fresh folder /tmp/steplocal-fuzz-<name>-XXXXXX that is removed
 * when the process exits normally.  Returns it (owned by fuzz_util.c). */
const char *fz_scratch(const char *name);
/* Writes len bytes to path (created or truncated).  Returns 0 or -1. */
int fz_write(const char *path, const void *data, size_t len);
/* Removes path and everything below it; a missing path is not an error. */
void fz_rm_rf(const char *path);
/* Removes everything inside folder dir, keeping dir. */
void fz_empty(const char *dir);

/* Whether len bytes of text are one JSON text, as js_parse (and so AWS's
 * parser, for UTF-8) reads it. */
int fz_json_ok(const char *text, size_t len);

/* Splits an input into records at each line that is exactly "%%": *rec
 * and *len get the next record (without the separator); returns 0 when
 * there is none left.  *pos starts at 0. */
int fz_next_record(const char *text, size_t size, size_t *pos, const char **rec, size_t *len);

#endif
