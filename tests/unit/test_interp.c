/* test_interp.c - unit tests of runtime/interp.c: which interpreter a python or node runtime runs, with real shims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp.h"
#include "xalloc.h"

static char *g_python;                 /* the machine's real python3 */
static char *g_node;                   /* its real node, or NULL */
static char g_path[] = "PATH=/usr/bin:/bin";
static char *const g_envp[] = { g_path, NULL };

/* A fresh folder for one test's PATH. */
static char *new_dir(void)
{
	char *d = xstrdup("/tmp/sl-interp-test-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	free(p);
}

/* A shim like pyenv's: a script that notes each run in dir/<name>.runs,
 * then execs target (or exits 127 when target is NULL). */
static void write_shim(const char *dir, const char *name, const char *target)
{
	char *text = target ? xasprintf("#!/bin/sh\necho run >> %s/%s.runs\nexec %s \"$@\"\n", dir, name, target)
			    : xasprintf("#!/bin/sh\necho run >> %s/%s.runs\necho 'pyenv: %s: command not found' >&2\n"
					"exit 127\n", dir, name, name);

	write_file(dir, name, text, 0755);
	free(text);
}

static int runs(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s.runs", dir, name), line[64];
	FILE *f = fopen(p, "r");
	int n = 0;

	free(p);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static void rm_dir(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* A real python3.N on PATH is taken as it is, with no process started. */
static void test_real_interpreter_by_version_name(void **state)
{
	char *dir = new_dir(), *link = xasprintf("%s/python3.77", dir), *got;

	(void)state;
	assert_int_equal(symlink(g_python, link), 0);
	write_shim(dir, "python3", g_python);
	got = interp_find("python", "python3.77", dir, dir, g_envp);
	assert_string_equal(got, link);
	assert_int_equal(runs(dir, "python3"), 0);
	free(got);
	free(link);
	rm_dir(dir);
}

/* A python3 shim is run once; its interpreter is what runs from then on. */
static void test_shim_resolved_once(void **state)
{
	char *dir = new_dir(), *got, *again;

	(void)state;
	write_shim(dir, "python3", g_python);
	got = interp_find("python", "python3.66", dir, dir, g_envp);
	assert_non_null(got);
	assert_string_equal(got, g_python);
	again = interp_find("python", "python3.66", dir, dir, g_envp);
	assert_string_equal(again, g_python);
	assert_int_equal(runs(dir, "python3"), 1);
	free(got);
	free(again);
	rm_dir(dir);
}

/* A python3.N shim is passed over (never run) for python3. */
static void test_version_shim_passed_over(void **state)
{
	char *dir = new_dir(), *got;

	(void)state;
	write_shim(dir, "python3.55", NULL);
	write_shim(dir, "python3", g_python);
	got = interp_find("python", "python3.55", dir, dir, g_envp);
	assert_string_equal(got, g_python);
	assert_int_equal(runs(dir, "python3.55"), 0);
	assert_int_equal(runs(dir, "python3"), 1);
	free(got);
	rm_dir(dir);
}

/* A shim that cannot say is run as it is, to explain itself. */
static void test_failing_shim_kept(void **state)
{
	char *dir = new_dir(), *shim = xasprintf("%s/python3", dir), *got;

	(void)state;
	write_shim(dir, "python3", NULL);
	got = interp_find("python", "python3.44", dir, dir, g_envp);
	assert_string_equal(got, shim);
	free(got);
	free(shim);
	rm_dir(dir);
}

static void test_node_shim(void **state)
{
	char *dir = new_dir(), *got;

	(void)state;
	write_shim(dir, "node", g_node);
	got = interp_find("nodejs", "nodejs20.x", dir, dir, g_envp);
	assert_string_equal(got, g_node);
	assert_int_equal(runs(dir, "node"), 1);
	free(got);
	rm_dir(dir);
}

static void test_nothing_on_path(void **state)
{
	char *dir = new_dir();

	(void)state;
	assert_null(interp_find("python", "python3.12", dir, dir, g_envp));
	assert_null(interp_find("nodejs", "nodejs22.x", dir, dir, g_envp));
	rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_interpreter_by_version_name),
		cmocka_unit_test(test_shim_resolved_once),
		cmocka_unit_test(test_version_shim_passed_over),
		cmocka_unit_test(test_failing_shim_kept),
		cmocka_unit_test(test_node_shim),
		cmocka_unit_test(test_nothing_on_path),
	};
	int rc;

	/* The machine's own interpreters, as a shim would find them. */
	g_python = realpath("/usr/bin/python3", NULL);
	g_node = realpath("/usr/bin/node", NULL);
	if (!g_python || !g_node) {
		fprintf(stderr, "test_interp: /usr/bin/python3 and /usr/bin/node are needed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(g_python);
	free(g_node);
	return rc;
}
