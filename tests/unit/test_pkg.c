/* test_pkg.c - unit tests of code packages (runtime/pkg.c): real zip files, built here with libzip or Python. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "pkg.h"
#include "xalloc.h"

/* Each test gets a fresh folder: work/ for the zips it builds, cache/ for
 * pkg_resolve to extract into. */
typedef struct fixture {
	char root[64];
	char *cache;
} fixture;

/* An entry of a zip built by make_zip. */
typedef struct entry {
	const char *name;
	const char *data;     /* NULL for a folder */
	size_t len;           /* 0: strlen(data) */
	unsigned mode;        /* Unix st_mode to record (type and permissions); 0: none */
	int store;            /* store instead of deflate */
} entry;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	remove(path);
	return 0;
}

static int setup(void **state)
{
	fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->root, sizeof f->root, "/tmp/sl-pkg-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->cache = xasprintf("%s/cache", f->root);
	pkg_max_unzipped_bytes = PKG_MAX_UNZIPPED_BYTES;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->cache);
	free(f);
	pkg_max_unzipped_bytes = PKG_MAX_UNZIPPED_BYTES;
	return 0;
}

/* Builds root/name from entries with libzip; returns the owned path. */
static char *make_zip(const fixture *f, const char *name, const entry *e, size_t n)
{
	char *path = xasprintf("%s/%s", f->root, name);
	int zerr = 0;
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	size_t i;

	assert_non_null(za);
	for (i = 0; i < n; i++) {
		zip_int64_t idx;

		if (!e[i].data) {
			idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);
		} else {
			size_t len = e[i].len ? e[i].len : strlen(e[i].data);
			zip_source_t *src = zip_source_buffer(za, e[i].data, len, 0);

			assert_non_null(src);
			idx = zip_file_add(za, e[i].name, src, ZIP_FL_ENC_UTF_8);
			if (idx >= 0 && e[i].store)
				assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
		}
		if (idx < 0)
			fail_msg("libzip refused entry '%s': %s", e[i].name, zip_strerror(za));
		if (e[i].mode)
			assert_int_equal(zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
									 ZIP_OPSYS_UNIX,
									 (zip_uint32_t)e[i].mode << 16), 0);
	}
	if (zip_close(za) != 0)
		fail_msg("zip_close: %s", zip_strerror(za));
	return path;
}

/* Runs a Python snippet with the zip's path as sys.argv[1]. */
static char *python_zip(const fixture *f, const char *name, const char *code)
{
	char *path = xasprintf("%s/%s", f->root, name);
	char *cmd = xasprintf("python3 -W ignore -c 'import sys, zipfile\n%s' '%s'", code, path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	return path;
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = xmalloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	return s;
}

static void assert_file_(const char *dir, const char *rel, const char *content, const char *file,
			 int line)
{
	char *p = xasprintf("%s/%s", dir, rel), *s;

	if (access(p, F_OK) != 0) {
		print_error("missing extracted file %s\n", p);
		_fail(file, line);
	}
	s = read_all(p);
	if (strcmp(s, content) != 0) {
		print_error("%s holds '%s', expected '%s'\n", p, s, content);
		_fail(file, line);
	}
	free(s);
	free(p);
}
#define assert_file(dir, rel, content) assert_file_(dir, rel, content, __FILE__, __LINE__)

static mode_t mode_of(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return st.st_mode;
}

/* Entries in dir, "." and ".." aside (-1 if it does not exist). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Resolves code, expecting a refusal whose message contains each of the
 * NULL-terminated fragments; and that nothing was left in the cache. */
static void expect_refusal_(const fixture *f, const char *code, const char *file, int line, ...)
{
	char *err = NULL, *dir = pkg_resolve(code, f->cache, &err);
	const char *frag;
	va_list ap;

	if (dir) {
		print_error("%s was accepted (extracted to %s)\n", code, dir);
		_fail(file, line);
	}
	if (!err) {
		print_error("refusal of %s gave no message\n", code);
		_fail(file, line);
	}
	va_start(ap, line);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag)) {
			print_error("message '%s' lacks '%s'\n", err, frag);
			va_end(ap);
			_fail(file, line);
		}
	}
	va_end(ap);
	if (count_entries(f->cache) > 0) {
		print_error("the refused %s left files in %s\n", code, f->cache);
		_fail(file, line);
	}
	free(err);
}
#define expect_refusal(f, code, ...) expect_refusal_(f, code, __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

static char *resolve_ok(const fixture *f, const char *code)
{
	char *err = NULL, *dir = pkg_resolve(code, f->cache, &err);

	if (!dir)
		fail_msg("pkg_resolve(%s): %s", code, err);
	assert_null(err);
	assert_true(dir[0] == '/');
	return dir;
}

/* ------------------------------------------------------------------ tests */

static void extracts_files_and_folders(void **state)
{
	fixture *f = *state;
	const entry e[] = {
		{ .name = "app.py", .data = "def handler(e, c):\n    return e\n" },
		{ .name = "lib/", .data = NULL },
		{ .name = "lib/util.py", .data = "X = 1\n" },
		{ .name = "deep/er/still/data.json", .data = "{\"a\":1}" }, /* no folder entries */
	};
	char *zip = make_zip(f, "fn.zip", e, 4), *dir = resolve_ok(f, zip);
	char *expect_prefix = realpath(f->cache, NULL);
	const char *base;

	/* cache/<64 hex digits> */
	assert_non_null(expect_prefix);
	assert_int_equal(strncmp(dir, expect_prefix, strlen(expect_prefix)), 0);
	base = dir + strlen(expect_prefix) + 1;
	assert_int_equal(strlen(base), 64);
	assert_int_equal(strspn(base, "0123456789abcdef"), 64);
	assert_file(dir, "app.py", "def handler(e, c):\n    return e\n");
	assert_file(dir, "lib/util.py", "X = 1\n");
	assert_file(dir, "deep/er/still/data.json", "{\"a\":1}");
	assert_true(S_ISDIR(mode_of(dir, "lib")));
	/* Only the extracted folder is in the cache: no temporary left over. */
	assert_int_equal(count_entries(f->cache), 1);
	free(expect_prefix);
	free(dir);
	free(zip);
}

static void reuses_the_cache(void **state)
{
	fixture *f = *state;
	const entry e[] = { { .name = "a.txt", .data = "one" }, { .name = "b.txt", .data = "two" } };
	char *zip = make_zip(f, "fn.zip", e, 2), *dir = resolve_ok(f, zip), *again, *p, *copy, *third;

	/* Remove an extracted file: a second resolve must not extract again. */
	p = xasprintf("%s/a.txt", dir);
	assert_int_equal(unlink(p), 0);
	again = resolve_ok(f, zip);
	assert_string_equal(again, dir);
	assert_int_equal(access(p, F_OK), -1);
	assert_file(dir, "b.txt", "two");

	/* The same bytes under another name share the folder. */
	copy = xasprintf("cp '%s' '%s/copy.zip'", zip, f->root);
	assert_int_equal(system(copy), 0);
	free(copy);
	copy = xasprintf("%s/copy.zip", f->root);
	third = resolve_ok(f, copy);
	assert_string_equal(third, dir);
	assert_int_equal(count_entries(f->cache), 1);
	free(third);
	free(copy);
	free(p);
	free(again);
	free(dir);
	free(zip);
}

static void different_zips_get_different_folders(void **state)
{
	fixture *f = *state;
	const entry e1[] = { { .name = "a.txt", .data = "one" } };
	const entry e2[] = { { .name = "a.txt", .data = "uno" } };
	char *z1 = make_zip(f, "1.zip", e1, 1), *z2 = make_zip(f, "2.zip", e2, 1);
	char *d1 = resolve_ok(f, z1), *d2 = resolve_ok(f, z2);

	assert_string_not_equal(d1, d2);
	assert_file(d1, "a.txt", "one");
	assert_file(d2, "a.txt", "uno");
	free(d1);
	free(d2);
	free(z1);
	free(z2);
}

static void keeps_exec_bits(void **state)
{
	fixture *f = *state;
	const entry e[] = {
		{ .name = "bootstrap", .data = "#!/bin/sh\necho hi\n", .mode = S_IFREG | 0755 },
		{ .name = "data.txt", .data = "plain", .mode = S_IFREG | 0644 },
		{ .name = "setuid", .data = "x", .mode = S_IFREG | 04777 },
		{ .name = "readonly", .data = "r", .mode = S_IFREG | 0444 },
		{ .name = "noattrs", .data = "n" },
	};
	char *zip = make_zip(f, "fn.zip", e, 5), *dir = resolve_ok(f, zip);

	assert_int_equal(mode_of(dir, "bootstrap") & 07777, 0755);
	assert_int_equal(mode_of(dir, "data.txt") & 07777, 0644);
	/* setuid and group/other write are dropped */
	assert_int_equal(mode_of(dir, "setuid") & 07777, 0755);
	/* the owner can always read and write */
	assert_int_equal(mode_of(dir, "readonly") & 07777, 0644);
	assert_true((mode_of(dir, "noattrs") & 0111) == 0);
	free(dir);
	free(zip);
}

static void keeps_exec_bits_of_python_zipfile(void **state)
{
	fixture *f = *state;
	char *zip = python_zip(f, "py.zip",
			       "z = zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED)\n"
			       "i = zipfile.ZipInfo(\"bin/bootstrap\"); i.external_attr = 0o100755 << 16\n"
			       "z.writestr(i, \"#!/bin/sh\\n\")\n"
			       "i = zipfile.ZipInfo(\"index.js\"); i.external_attr = 0o100644 << 16\n"
			       "z.writestr(i, \"exports.handler = async () => 1;\\n\")\n"
			       "z.close()");
	char *dir = resolve_ok(f, zip);

	assert_int_equal(mode_of(dir, "bin/bootstrap") & 0777, 0755);
	assert_int_equal(mode_of(dir, "index.js") & 0777, 0644);
	assert_file(dir, "index.js", "exports.handler = async () => 1;\n");
	free(dir);
	free(zip);
}

static void refuses_parent_entries(void **state)
{
	fixture *f = *state;
	const entry e1[] = { { .name = "ok.txt", .data = "fine" }, { .name = "../evil.txt", .data = "x" } };
	const entry e2[] = { { .name = "a/../../evil.txt", .data = "x" } };
	const entry e3[] = { { .name = "a\\..\\..\\evil.txt", .data = "x" } };
	char *z1 = make_zip(f, "p1.zip", e1, 2), *z2 = make_zip(f, "p2.zip", e2, 1);
	char *z3 = make_zip(f, "p3.zip", e3, 1), *evil = xasprintf("%s/evil.txt", f->root);

	expect_refusal(f, z1, z1, "'../evil.txt'", "escapes the package folder");
	expect_refusal(f, z2, z2, "'a/../../evil.txt'", "escapes");
	expect_refusal(f, z3, z3, "escapes");
	assert_int_equal(access(evil, F_OK), -1);
	free(evil);
	free(z1);
	free(z2);
	free(z3);
}

static void refuses_absolute_entries(void **state)
{
	fixture *f = *state;
	char *target = xasprintf("%s/abs-target.txt", f->root);
	entry e1[] = { { .name = target, .data = "x" } };
	const entry e2[] = { { .name = "C:\\Windows\\evil.dll", .data = "x" } };
	char *z1 = make_zip(f, "a1.zip", e1, 1), *z2 = make_zip(f, "a2.zip", e2, 1);

	expect_refusal(f, z1, z1, target, "is an absolute path");
	expect_refusal(f, z2, z2, "is an absolute path");
	assert_int_equal(access(target, F_OK), -1);
	free(target);
	free(z1);
	free(z2);
}

static void refuses_symlinks(void **state)
{
	fixture *f = *state;
	const entry e[] = {
		{ .name = "app.py", .data = "x = 1\n" },
		{ .name = "link", .data = "/etc/passwd", .mode = S_IFLNK | 0777 },
	};
	char *zip = make_zip(f, "link.zip", e, 2);

	expect_refusal(f, zip, zip, "'link'", "symbolic link");
	free(zip);
}

static void refuses_symlinks_made_by_python(void **state)
{
	fixture *f = *state;
	char *zip = python_zip(f, "pylink.zip",
			       "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
			       "i = zipfile.ZipInfo(\"lib/escape\"); i.external_attr = 0o120777 << 16\n"
			       "z.writestr(i, \"../../..\")\n"
			       "z.close()");

	expect_refusal(f, zip, zip, "'lib/escape'", "symbolic link");
	free(zip);
}

static void refuses_a_high_compression_ratio(void **state)
{
	fixture *f = *state;
	size_t n = 16 * 1024 * 1024;
	char *zeros = xcalloc(1, n);
	entry e[] = { { .name = "small.txt", .data = "hello" }, { .name = "zeros.bin", .data = zeros, .len = n } };
	char *zip = make_zip(f, "bomb.zip", e, 2);

	expect_refusal(f, zip, zip, "'zeros.bin'", "compression ratio");
	free(zeros);
	free(zip);
}

static void refuses_an_unzipped_size_over_the_limit(void **state)
{
	fixture *f = *state;
	size_t n = 700 * 1024, i;
	char *noise = xmalloc(n);
	entry e[] = {
		{ .name = "part1.bin", .data = noise, .len = n, .store = 1 },
		{ .name = "part2.bin", .data = noise, .len = n, .store = 1 },
	};
	char *zip;

	for (i = 0; i < n; i++)
		noise[i] = (char)(rand() & 0xff);
	zip = make_zip(f, "big.zip", e, 2);
	pkg_max_unzipped_bytes = 1024 * 1024;
	expect_refusal(f, zip, zip, "'part2.bin'", "unzipped size must be at most 1048576 bytes");
	/* The same archive is fine under AWS's real limit. */
	pkg_max_unzipped_bytes = PKG_MAX_UNZIPPED_BYTES;
	free(resolve_ok(f, zip));
	free(noise);
	free(zip);
}

/* Patches the 4-byte little-endian field at `off` of every header with
 * signature sig (local 0x04034b50, central 0x02014b50) to value. */
static void patch_headers(const char *path, uint32_t sig, size_t off, uint32_t value)
{
	FILE *fp = fopen(path, "r+b");
	long n, i;
	unsigned char *b;
	int patched = 0;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b = xmalloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	for (i = 0; i + (long)off + 4 <= n; i++) {
		uint32_t s = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 |
			     (uint32_t)b[i + 3] << 24;

		if (s != sig)
			continue;
		b[i + off] = (unsigned char)value;
		b[i + off + 1] = (unsigned char)(value >> 8);
		b[i + off + 2] = (unsigned char)(value >> 16);
		b[i + off + 3] = (unsigned char)(value >> 24);
		patched++;
	}
	assert_true(patched > 0);
	rewind(fp);
	assert_int_equal(fwrite(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	free(b);
}

static void refuses_entries_larger_than_declared(void **state)
{
	fixture *f = *state;
	char data[4096];
	entry e[] = { { .name = "liar.txt", .data = data, .len = sizeof data } };
	char *zip;

	memset(data, 'A', sizeof data);
	zip = make_zip(f, "liar.zip", e, 1);
	/* Declare 10 uncompressed bytes in both headers; the data inflates to 4096. */
	patch_headers(zip, 0x04034b50, 22, 10);
	patch_headers(zip, 0x02014b50, 24, 10);
	expect_refusal(f, zip, zip, "'liar.txt'");
	free(zip);
}

static void refuses_a_corrupt_zip(void **state)
{
	fixture *f = *state;
	char *bad = xasprintf("%s/garbage.zip", f->root), *cmd;

	cmd = xasprintf("head -c 3000 /dev/urandom > '%s'", bad);
	assert_int_equal(system(cmd), 0);
	expect_refusal(f, bad, bad, "not a valid zip archive");
	free(cmd);
	free(bad);
}

static void refuses_a_truncated_zip(void **state)
{
	fixture *f = *state;
	const entry e[] = { { .name = "a.txt", .data = "some text that is long enough to matter" } };
	char *zip = make_zip(f, "cut.zip", e, 1);

	assert_int_equal(truncate(zip, 30), 0);
	expect_refusal(f, zip, zip, "not a valid zip archive");
	free(zip);
}

static void refuses_damaged_entry_data(void **state)
{
	fixture *f = *state;
	char data[2000];
	entry e[] = { { .name = "data.txt", .data = data, .len = sizeof data, .store = 1 } };
	char *zip;
	FILE *fp;

	memset(data, 'z', sizeof data);
	zip = make_zip(f, "crc.zip", e, 1);
	/* Overwrite stored bytes in the middle of the entry's data: the CRC fails. */
	fp = fopen(zip, "r+b");
	assert_non_null(fp);
	fseek(fp, 30 + (long)strlen("data.txt") + 500, SEEK_SET);
	fputs("DAMAGE", fp);
	fclose(fp);
	expect_refusal(f, zip, zip, "corrupt", "'data.txt'");
	free(zip);
}

static void refuses_duplicate_entries(void **state)
{
	fixture *f = *state;
	char *zip = python_zip(f, "dup.zip",
			       "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
			       "z.writestr(\"app.py\", \"one\")\n"
			       "z.writestr(\"app.py\", \"two\")\n"
			       "z.close()");

	expect_refusal(f, zip, zip, "'app.py'", "appears twice");
	free(zip);
}

/* More entries than PKG_MAX_ENTRIES: refused from the directory alone,
 * before anything is extracted. */
static void refuses_too_many_entries(void **state)
{
	fixture *f = *state;
	char *zip = python_zip(f, "many.zip",
			       "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
			       "[z.writestr(\"f%d\" % i, \"\") for i in range(100001)]\n"
			       "z.close()");

	expect_refusal(f, zip, zip, "has 100001 entries; the limit is 100000");
	free(zip);
}

static void refuses_a_name_too_long(void **state)
{
	fixture *f = *state;
	char *zip = python_zip(f, "long.zip",
			       "z = zipfile.ZipFile(sys.argv[1], \"w\")\n"
			       "z.writestr(\"a\" * 5000, \"x\")\n"
			       "z.close()");

	expect_refusal(f, zip, zip, "has a name longer than 4096 bytes");
	free(zip);
}

/* A file, then an entry below it as if it were a folder. */
static void refuses_an_entry_under_a_file(void **state)
{
	fixture *f = *state;
	const entry e[] = { { .name = "a", .data = "x" }, { .name = "a/b", .data = "y" } };
	char *zip = make_zip(f, "clash.zip", e, 2);

	expect_refusal(f, zip, zip, "'a/b' cannot be created: Not a directory");
	free(zip);
}

static void passes_folders_through(void **state)
{
	fixture *f = *state;
	char *folder = xasprintf("%s/fn", f->root), *dir, *err = NULL, *cwd, *real;

	assert_int_equal(mkdir(folder, 0755), 0);
	dir = pkg_resolve(folder, f->cache, &err);
	assert_non_null(dir);
	real = realpath(folder, NULL);
	assert_string_equal(dir, real);
	free(dir);
	/* A relative folder comes back absolute; no cache folder is needed. */
	cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(f->root), 0);
	dir = pkg_resolve("fn", NULL, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(dir);
	assert_string_equal(dir, real);
	assert_int_equal(count_entries(f->cache), -1); /* never created */
	free(real);
	free(cwd);
	free(dir);
	free(folder);
}

static void reports_a_missing_path(void **state)
{
	fixture *f = *state;
	char *missing = xasprintf("%s/nope/fn.zip", f->root), *err = NULL;

	assert_null(pkg_resolve(missing, f->cache, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file or directory"));
	free(err);
	err = NULL;
	assert_null(pkg_resolve("", f->cache, &err));
	assert_non_null(err);
	free(err);
	free(missing);
}

static void refuses_special_files(void **state)
{
	fixture *f = *state;
	char *err = NULL;

	assert_null(pkg_resolve("/dev/null", f->cache, &err));
	assert_non_null(strstr(err, "neither a folder nor a .zip file"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(extracts_files_and_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(reuses_the_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(different_zips_get_different_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(keeps_exec_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(keeps_exec_bits_of_python_zipfile, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_parent_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_absolute_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_symlinks_made_by_python, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_a_high_compression_ratio, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_an_unzipped_size_over_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_entries_larger_than_declared, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_a_corrupt_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_a_truncated_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_damaged_entry_data, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_duplicate_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_too_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_a_name_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_an_entry_under_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(passes_folders_through, setup, teardown),
		cmocka_unit_test_setup_teardown(reports_a_missing_path, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_special_files, setup, teardown),
	};

	xalloc_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
