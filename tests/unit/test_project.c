/* test_project.c - unit tests of the steplocal.yaml loader (orchestrator/project.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "project.h"
#include "xalloc.h"

/* Tests run from the project root; their project files are under
 * tests/projects/ (one folder per valid project, one file per error case in
 * errors/), or are written to a temporary folder by the test. */
#define PROJECTS "tests/projects"

/* ---- helpers ---- */

/* JSON is written with ' for " so that expectations stay readable. */
static cJSON *pj(const char *text)
{
	char *s = xstrdup(text), *c;
	cJSON *v;

	for (c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	v = cJSON_Parse(s);
	if (!v)
		fail_msg("test JSON does not parse: %s", s);
	free(s);
	return v;
}

static proj_project *load_ok(const char *path)
{
	char *err = NULL;
	proj_project *p = proj_load(path, &err);

	if (!p)
		fail_msg("%s should load, but:\n%s", path, err);
	assert_null(err);
	return p;
}

/* Loads path, which must fail with exactly want. */
static void load_fails(const char *path, const char *want)
{
	char *err = NULL;
	proj_project *p = proj_load(path, &err);

	if (p) {
		proj_free(p);
		fail_msg("%s should not load", path);
	}
	assert_non_null(err);
	if (strcmp(err, want)) {
		fprintf(stderr, "  want: %s\n  got:  %s\n", want, err);
		free(err);
		fail_msg("wrong error for %s", path);
	}
	free(err);
}

static void assert_json(const cJSON *got, const char *want_text)
{
	cJSON *want = pj(want_text);

	if (!js_equal(got, want)) {
		char *g = js_print(got);

		fprintf(stderr, "  want: %s\n  got:  %s\n", want_text, g);
		free(g);
		cJSON_Delete(want);
		fail_msg("JSON differs");
	}
	cJSON_Delete(want);
}

/* A temporary folder for projects written by a test; removed by tmp_done. */
typedef struct tmpdir {
	char dir[64];
	char *files[8];
	int n;
} tmpdir;

static void tmp_init(tmpdir *t)
{
	memset(t, 0, sizeof *t);
	strcpy(t->dir, "/tmp/test_project.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

/* Writes len bytes of text (strlen when len is 0) to dir/name; returns the
 * path (owned by t). */
static const char *tmp_write(tmpdir *t, const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", t->dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len ? len : strlen(text), f), len ? len : strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_true(t->n < 8);
	t->files[t->n++] = path;
	return path;
}

static void tmp_done(tmpdir *t)
{
	int i;

	for (i = 0; i < t->n; i++) {
		unlink(t->files[i]);
		free(t->files[i]);
	}
	rmdir(t->dir);
}

/* ---- valid projects ---- */

static void test_full_project(void **state)
{
	proj_project *p = load_ok(PROJECTS "/full/steplocal.yaml");
	const proj_function *v, *pay;
	const proj_machine *m;
	char *root = realpath(PROJECTS "/full", NULL), *want;

	assert_string_equal(p->account, "210987654321");
	assert_string_equal(p->region, "us-west-2");
	want = xasprintf("%s/steplocal.yaml", root);
	assert_string_equal(p->path, want);
	free(want);
	assert_string_equal(p->dir, root);

	assert_int_equal(p->nfunctions, 2);
	v = &p->functions[0];
	assert_ptr_equal(proj_function_find(p, "ValidateOrder"), v);
	assert_string_equal(v->runtime, "python3.12");
	assert_int_equal(v->lang, PROJ_LANG_PYTHON);
	assert_string_equal(v->handler, "app.handler");
	want = xasprintf("%s/functions/validate", root);
	assert_string_equal(v->code, want);
	free(want);
	assert_false(v->code_is_zip);
	assert_int_equal(v->timeout, 30);
	assert_int_equal(v->memory, 256);
	assert_int_equal(v->concurrency, 2);
	/* numbers and booleans become their text, as SAM makes them */
	assert_int_equal(v->nenv, 6);
	assert_string_equal(v->env[0].name, "TABLE");
	assert_string_equal(v->env[0].value, "orders");
	assert_string_equal(v->env[1].name, "RETRIES");
	assert_string_equal(v->env[1].value, "3");
	assert_string_equal(v->env[2].value, "0.5");
	assert_string_equal(v->env[3].name, "DEBUG");
	assert_string_equal(v->env[3].value, "true");
	assert_string_equal(v->env[4].value, "007");
	assert_string_equal(v->env[5].name, "AWS_LAMBDA_EXEC_WRAPPER");
	assert_string_equal(v->env[5].value, "/opt/wrapper");

	pay = proj_function_find(p, "ProcessPayment");
	assert_non_null(pay);
	assert_string_equal(pay->runtime, "provided.al2023");
	assert_int_equal(pay->lang, PROJ_LANG_PROVIDED);
	assert_null(pay->handler);
	want = xasprintf("%s/functions/pay.zip", root);
	assert_string_equal(pay->code, want);
	free(want);
	assert_true(pay->code_is_zip);
	assert_int_equal(pay->concurrency, 0);      /* reserved 0: always throttled */
	assert_int_equal(pay->timeout, 3);
	assert_int_equal(pay->nenv, 0);

	assert_int_equal(p->nmachines, 2);
	m = proj_machine_find(p, "OrderWorkflow");
	assert_ptr_equal(m, &p->machines[0]);
	assert_false(m->express);
	assert_string_equal(js_get(m->definition, "StartAt")->valuestring, "Validate");
	m = proj_machine_find(p, "Notify");
	assert_true(m->express);
	assert_json(m->definition, "{'StartAt':'Done','States':{'Done':{'Type':'Pass',"
		    "'Result':{'sent':true,'count':2},'End':true}}}");
	assert_null(proj_machine_find(p, "Nope"));
	assert_null(proj_function_find(p, "Nope"));

	assert_int_equal(p->nfaults, 2);
	assert_ptr_equal(p->faults[0].function, pay->name);
	assert_string_equal(p->faults[0].error, "Lambda.ServiceException");
	assert_int_equal(p->faults[0].times, 2);
	assert_ptr_equal(p->faults[1].function, v->name);
	assert_string_equal(p->faults[1].error, "Lambda.TooManyRequestsException");
	assert_int_equal(p->faults[1].times, 0);
	assert_true(p->faults[1].rate == 0.25);
	assert_int_equal(p->faults[1].seed, 7);

	free(root);
	proj_free(p);
}

static void test_defaults(void **state)
{
	/* a folder stands for its steplocal.yaml */
	proj_project *p = load_ok(PROJECTS "/defaults");
	const proj_function *f;

	assert_string_equal(p->account, "123456789012");
	assert_string_equal(p->region, "us-east-1");
	assert_int_equal(p->nfunctions, 1);
	f = &p->functions[0];
	assert_string_equal(f->name, "Minimal");
	assert_null(f->handler);            /* provided runtimes run ./bootstrap */
	assert_int_equal(f->timeout, 3);
	assert_int_equal(f->memory, 128);
	assert_int_equal(f->concurrency, -1);
	assert_int_equal(f->nenv, 0);
	assert_int_equal(p->nmachines, 1);
	assert_false(p->machines[0].express);
	assert_null(p->machines[0].definition_file);
	assert_int_equal(p->nfaults, 0);
	proj_free(p);
}

static void test_empty_project(void **state)
{
	tmpdir t;
	proj_project *p;

	tmp_init(&t);
	p = load_ok(tmp_write(&t, "steplocal.yaml", "# nothing yet\n", 0));
	assert_int_equal(p->nfunctions + p->nmachines + p->nfaults, 0);
	assert_string_equal(p->region, "us-east-1");
	proj_free(p);
	p = load_ok(tmp_write(&t, "empty.yaml", "functions:\nstate_machines:\nfaults:\n", 0));
	assert_int_equal(p->nfunctions + p->nmachines + p->nfaults, 0);
	proj_free(p);
	tmp_done(&t);
}

static void test_inline_definition(void **state)
{
	proj_project *p = load_ok(PROJECTS "/inline/steplocal.yaml");
	const proj_machine *m = proj_machine_find(p, "Typed");

	assert_non_null(m);
	assert_true(m->express);
	assert_null(m->definition_file);
	assert_string_equal(m->where, PROJECTS "/inline/steplocal.yaml:11:5");
	assert_json(js_get(js_get(js_get(m->definition, "States"), "First"), "Result"),
		    "{'int':42,'negative':-7,'float':2.5,'exponent':1000,'hex':31,'octal':15,"
		    "'yes':true,'no':false,'nothing':null,'tilde':null,'empty':null,"
		    "'quoted_int':'42','quoted_bool':'true','tagged':'12','forced':'3.5',"
		    "'plain_yes':'yes','version':'1.2.3','list':[1,'two',3,false],"
		    "'text':'line one\\nline two\\n'}");
	/* an alias reuses a mapping; a merge key reuses it with an override */
	assert_json(js_get(js_get(js_get(m->definition, "States"), "Second"), "Retry"),
		    "[{'ErrorEquals':['Lambda.ServiceException','States.ALL'],"
		    "'IntervalSeconds':2,'MaxAttempts':3,'BackoffRate':1.5},"
		    "{'ErrorEquals':['Lambda.ServiceException','States.ALL'],"
		    "'IntervalSeconds':2,'MaxAttempts':5,'BackoffRate':1.5}]");
	assert_true(cJSON_IsNumber(js_get(js_get(js_get(js_get(m->definition, "States"), "First"),
						 "Result"), "int")));
	proj_free(p);
}

static void test_definition_file(void **state)
{
	proj_project *p = load_ok(PROJECTS "/full/steplocal.yaml");
	const proj_machine *m = proj_machine_find(p, "OrderWorkflow");
	char *want = realpath(PROJECTS "/full/workflows/order.asl.json", NULL);

	/* relative to the project file's folder, not to the current one */
	assert_non_null(want);
	assert_string_equal(m->definition_file, want);
	assert_string_equal(m->where, PROJECTS "/full/workflows/order.asl.json");
	assert_json(js_get(m->definition, "States"),
		    "{'Validate':{'Type':'Task','Resource':"
		    "'arn:aws:lambda:us-west-2:210987654321:function:ValidateOrder','Next':'Pay'},"
		    "'Pay':{'Type':'Task','Resource':"
		    "'arn:aws:lambda:us-west-2:210987654321:function:ProcessPayment','End':true}}");
	free(want);
	want = realpath(PROJECTS "/full/workflows/notify.asl.yaml", NULL);
	assert_string_equal(proj_machine_find(p, "Notify")->definition_file, want);
	free(want);
	proj_free(p);
}

static void test_folder_or_file(void **state)
{
	proj_project *a = load_ok(PROJECTS "/full"), *b = load_ok(PROJECTS "/full/");
	proj_project *c = load_ok(PROJECTS "/full/steplocal.yaml");

	assert_string_equal(a->path, c->path);
	assert_string_equal(b->path, c->path);
	proj_free(a);
	proj_free(b);
	proj_free(c);
}

static void test_find(void **state)
{
	char *f = proj_find(PROJECTS "/full");
	char *cwd = getcwd(NULL, 0);

	assert_string_equal(f, PROJECTS "/full/steplocal.yaml");
	free(f);
	assert_null(proj_find(PROJECTS "/errors"));
	assert_int_equal(chdir(PROJECTS "/defaults"), 0);
	f = proj_find(NULL);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(f, "steplocal.yaml");
	free(f);
	free(cwd);
}

/* The example projects under templates/ load. */
static void test_templates(void **state)
{
	static const char *const dirs[] = {
		"templates/order", "templates/choice", "templates/map",
		"templates/parallel", "templates/retry-catch",
	};
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		proj_free(load_ok(dirs[i]));
}

/* Anchors, aliases and merge keys reuse function settings; keys given
 * beside a merge key win, and are not duplicates. */
static void test_anchors(void **state)
{
	static const char text[] =
		"x-python: &py\n"
		"  runtime: python3.12\n"
		"  handler: app.handler\n"
		"  code: .\n"
		"  timeout: 10\n"
		"  environment: &env {STAGE: dev}\n"
		"functions:\n"
		"  A: *py\n"
		"  B:\n"
		"    <<: *py\n"
		"    timeout: 20\n"
		"  C:\n"
		"    <<: [{memory: 512}, *py]\n"
		"    environment: *env\n";
	tmpdir t;
	proj_project *p;

	tmp_init(&t);
	p = load_ok(tmp_write(&t, "steplocal.yaml", text, 0));
	assert_int_equal(p->nfunctions, 3);
	assert_int_equal(p->functions[0].timeout, 10);
	assert_string_equal(p->functions[0].env[0].value, "dev");
	assert_int_equal(p->functions[1].timeout, 20);
	assert_string_equal(p->functions[1].handler, "app.handler");
	assert_int_equal(p->functions[2].memory, 512);
	assert_int_equal(p->functions[2].timeout, 10);
	assert_string_equal(p->functions[2].code, p->dir);
	proj_free(p);
	tmp_done(&t);
}

/* ---- errors: one file under tests/projects/errors/ per message ---- */

typedef struct err_case {
	const char *name;       /* tests/projects/errors/NAME.yaml */
	const char *want;       /* each line without the file name */
} err_case;

static const err_case err_cases[] = {
	{ "alias_bomb",
	    ":5:36: the document has more than 100000 nodes once its aliases are expanded (an alias bomb?)" },
	{ "bad_account",
	    ":1:1: account: must be an AWS account ID of 12 digits, not \"12345\"" },
	{ "bad_function_name",
	    ":2:3: functions.Validate Order: a function name must be 1 to 64 letters, digits, hyphens or underscores" },
	{ "bad_int_tag",
	    ":6:14: \"ten\" is not a valid !!int" },
	{ "bad_machine_name",
	    ":2:3: state_machines.Order/Workflow: a state machine name must be 1 to 80 characters, without white space, brackets, wildcards, control characters or any of \" # % \\ ^ | ~ ` $ & , ; : /" },
	{ "bad_region",
	    ":1:1: region: must be an AWS Region such as us-east-1, not \"US East\"" },
	{ "bad_runtime",
	    ":3:5: functions.ValidateOrder.runtime: must be one of python3.8, python3.9, python3.10, python3.11, python3.12, python3.13, nodejs18.x, nodejs20.x, nodejs22.x, provided, provided.al2 or provided.al2023, not \"ruby3.3\"" },
	{ "cfn_tag",
	    ":4:14: the tag !Ref is not supported (only YAML's standard tags are: !!str, !!int, !!float, !!bool, !!null, !!seq and !!map)" },
	{ "code_not_zip",
	    ":5:5: functions.ValidateOrder.code: must be a folder or a .zip file, not \"fn/app.py\"" },
	{ "concurrency_range",
	    ":6:5: functions.ValidateOrder.concurrency: must be an integer of 0 or more, not \"-1\"" },
	{ "definition_bad_json",
	    ":3:5: state_machines.Flow.definition: tests/projects/errors/bad.asl.json:4:27: not valid JSON" },
	{ "definition_missing_file",
	    ":3:5: state_machines.Flow.definition: cannot read \"flows/none.asl.json\": No such file or directory (paths are relative to the project file's folder)" },
	{ "definition_type",
	    ":3:5: state_machines.Flow.definition: must be the path of a definition file or a mapping, not a list" },
	{ "duplicate_function",
	    ":6:3: functions.ValidateOrder: duplicate key (the first is at line 2, column 3)" },
	{ "duplicate_inline_key",
	    ":7:7: state_machines.Flow.definition.StartAt: duplicate key (the first is at line 4, column 7)" },
	{ "env_name",
	    ":7:7: functions.ValidateOrder.environment.1TABLE: 1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]" },
	{ "env_value_type",
	    ":7:7: functions.ValidateOrder.environment.TABLE: must be a string, a number or a boolean, not a mapping" },
	{ "environment_type",
	    ":6:5: functions.ValidateOrder.environment: must be a mapping of variable names to values, not a list" },
	{ "fault_bad_error",
	    ":8:5: faults[0].error: must be one of Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException, Lambda.ClientExecutionTimeoutException, Lambda.ResourceNotFoundException or Lambda.Unknown, not \"Lambda.ServiceExeption\" (did you mean Lambda.ServiceException?)" },
	{ "fault_bad_rate",
	    ":7:54: faults[0].rate: must be a number from 0 to 1, not \"1.5\"" },
	{ "fault_no_times",
	    ":7:5: faults[0]: missing times (the first N calls fail) or rate (calls fail with this probability)" },
	{ "fault_seed_without_rate",
	    ":10:5: faults[0]: seed goes with rate only" },
	{ "fault_times_and_rate",
	    ":10:5: faults[0]: give either times or rate, not both" },
	{ "fault_unknown_function",
	    ":2:5: faults[0].function: no function named \"ProcessPayment\" is defined under functions" },
	{ "functions_type",
	    ":1:1: functions: must be a mapping of function names to functions, not a list" },
	{ "inline_infinity",
	    ":6:25: state_machines.Flow.definition.States.W.Seconds: .inf has no JSON equivalent" },
	{ "machine_type",
	    ":4:5: state_machines.Flow.type: must be one of STANDARD or EXPRESS, not \"standard\" (did you mean STANDARD?)" },
	{ "many_problems",
	    ":2:5: faults[0].function: no function named \"Nobody\" is defined under functions\n"
	    ":4:5: faults[0].times: must be an integer of 1 or more, not \"0\"\n"
	    ":10:5: functions.ValidateOrder.timeout: must be an integer from 1 to 900, not \"0\"\n"
	    ":11:5: functions.ValidateOrder.memory: must be an integer from 128 to 10240, not \"99999\"\n"
	    ":15:5: state_machines.Flow.type: must be one of STANDARD or EXPRESS, not \"FAST\"" },
	{ "memory_range",
	    ":6:5: functions.ValidateOrder.memory: must be an integer from 128 to 10240, not \"64\"" },
	{ "missing_code",
	    ":5:5: functions.ValidateOrder.code: \"no_such_folder\": No such file or directory (paths are relative to the project file's folder)" },
	{ "missing_handler",
	    ":2:3: functions.ValidateOrder: missing required key \"handler\" (runtime nodejs20.x needs one)" },
	{ "missing_runtime",
	    ":2:3: functions.ValidateOrder: missing required key \"runtime\"" },
	{ "no_definition",
	    ":2:3: state_machines.Flow: missing required key \"definition\"" },
	{ "not_a_mapping",
	    ":1:1: a project file must be a mapping of account, region, functions, state_machines and faults, not a list" },
	{ "recursive_alias",
	    ":2:9: the alias *loop is inside the node it refers to" },
	{ "reserved_env",
	    ":8:7: functions.ValidateOrder.environment.AWS_REGION: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION" },
	{ "runtime_typo",
	    ":3:5: functions.ValidateOrder.runtime: must be one of python3.8, python3.9, python3.10, python3.11, python3.12, python3.13, nodejs18.x, nodejs20.x, nodejs22.x, provided, provided.al2 or provided.al2023, not \"python3.14\" (did you mean python3.13?)" },
	{ "syntax_error",
	    ":4:4: did not find expected key (while parsing a block mapping at line 2, column 3)" },
	{ "timeout_range",
	    ":6:5: functions.ValidateOrder.timeout: must be an integer from 1 to 900, not \"901\"" },
	{ "timeout_type",
	    ":6:5: functions.ValidateOrder.timeout: must be an integer from 1 to 900, not \"abc\"" },
	{ "two_documents",
	    ":2:1: a project file holds one YAML document, not several" },
	{ "unclosed_flow",
	    ":2:1: did not find expected ',' or '}' (while parsing a flow mapping at line 1, column 28)" },
	{ "undefined_alias",
	    ":2:18: the alias *common refers to no anchor defined before it" },
	{ "unknown_key",
	    ":6:5: functions.ValidateOrder.timout: unknown key (did you mean \"timeout\"?)" },
	{ "unknown_top_key",
	    ":2:1: lambdas: unknown key (the keys here are account, region, functions, state_machines, faults, template)" },
};
#define NERR_CASES ((int)(sizeof err_cases / sizeof err_cases[0]))

static void test_error_case(void **state)
{
	const err_case *ec = *state;
	char *file = xasprintf(PROJECTS "/errors/%s.yaml", ec->name);
	char *want = xstrdup(""), *t;
	const char *line = ec->want, *nl;

	/* every line of the expectation starts with the file name */
	for (;;) {
		nl = strchr(line, '\n');
		t = xasprintf("%s%s%.*s%s", want, file, (int)(nl ? nl - line : (long)strlen(line)),
			      line, nl ? "\n" : "");
		free(want);
		want = t;
		if (!nl)
			break;
		line = nl + 1;
	}
	load_fails(file, want);
	free(want);
	free(file);
}

static void test_missing_file(void **state)
{
	load_fails(PROJECTS "/no-such-project",
		   PROJECTS "/no-such-project: cannot read: No such file or directory");
	/* a folder without a project file */
	load_fails(PROJECTS "/errors",
		   PROJECTS "/errors/steplocal.yaml: cannot read: No such file or directory");
}

static void test_deep_nesting(void **state)
{
	size_t n = PROJ_MAX_DEPTH + 10, i;
	char *text = xmalloc(2 * n + 16), *want;
	const char *path;
	tmpdir t;

	memcpy(text, "x-deep: ", 8);
	for (i = 0; i < n; i++) {
		text[8 + i] = '[';
		text[8 + n + i] = ']';
	}
	strcpy(text + 8 + 2 * n, "\n");
	tmp_init(&t);
	path = tmp_write(&t, "steplocal.yaml", text, 0);
	/* the root mapping is level 1, so the (PROJ_MAX_DEPTH)th [ is too deep */
	want = xasprintf("%s:1:%d: the document nests more than %d levels deep", path,
			 8 + PROJ_MAX_DEPTH, PROJ_MAX_DEPTH);
	load_fails(path, want);
	free(want);
	free(text);
	tmp_done(&t);
}

/* An alias that would nest deeper than the limit is refused as well. */
static void test_deep_alias(void **state)
{
	size_t n = PROJ_MAX_DEPTH - 5, i;
	char *text = xmalloc(2 * n + 64), *o = text, *want;
	const char *path;
	tmpdir t;

	o += sprintf(o, "x-a: &a ");
	for (i = 0; i < n; i++)
		*o++ = '[';
	for (i = 0; i < n; i++)
		*o++ = ']';
	o += sprintf(o, "\nx-b: [[[[[[[[*a]]]]]]]]\n");
	tmp_init(&t);
	path = tmp_write(&t, "steplocal.yaml", text, 0);
	want = xasprintf("%s:2:14: the document nests more than %d levels deep", path,
			 PROJ_MAX_DEPTH);
	load_fails(path, want);
	free(want);
	free(text);
	tmp_done(&t);
}

static void test_invalid_utf8(void **state)
{
	static const char text[] = "region: us-east-1\nfunctions: {A\xff: 1}\n";
	const char *path;
	char *want;
	tmpdir t;

	tmp_init(&t);
	path = tmp_write(&t, "steplocal.yaml", text, sizeof text - 1);
	want = xasprintf("%s:2:14: invalid leading UTF-8 octet (byte 0xFF)", path);
	load_fails(path, want);
	free(want);
	tmp_done(&t);
}

/* Lambda's 4 KB limit on a function's variables, with AWS's message. */
static void test_environment_size(void **state)
{
	char *big = xmalloc(5000), *text, *want;
	const char *path;
	tmpdir t;

	memset(big, 'x', 4100);
	big[4100] = 0;
	text = xasprintf("functions:\n  F:\n    runtime: provided\n    code: .\n"
			 "    environment:\n      BIG: %s\n", big);
	tmp_init(&t);
	path = tmp_write(&t, "steplocal.yaml", text, 0);
	want = xasprintf("%s:5:5: functions.F.environment: Lambda was unable to configure your "
			 "environment variables because the environment variables you have "
			 "provided exceeded the 4KB limit. String measured: {\"BIG\":\"%s\"}",
			 path, big);
	load_fails(path, want);
	free(want);
	free(text);
	free(big);
	tmp_done(&t);
}

/* At most PROJ_MAX_ERRORS problems are listed, then how many more. */
static void test_error_cap(void **state)
{
	char *text = xstrdup("functions:\n"), *t2, *err = NULL;
	const char *path;
	int i, lines = 1;
	tmpdir t;

	for (i = 0; i < PROJ_MAX_ERRORS + 5; i++) {
		t2 = xasprintf("%s  F%d: {runtime: provided, code: ., timeout: 0}\n", text, i);
		free(text);
		text = t2;
	}
	tmp_init(&t);
	path = tmp_write(&t, "steplocal.yaml", text, 0);
	assert_null(proj_load(path, &err));
	for (t2 = err; *t2; t2++)
		lines += *t2 == '\n';
	assert_int_equal(lines, PROJ_MAX_ERRORS + 1);
	assert_non_null(strstr(err, "\n(5 more problems not shown)"));
	free(err);
	free(text);
	tmp_done(&t);
}

/* A load that fails passes NULL for err safely. */
static void test_null_err(void **state)
{
	assert_null(proj_load(PROJECTS "/errors/bad_runtime.yaml", NULL));
	proj_free(NULL);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_full_project),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_project),
		cmocka_unit_test(test_inline_definition),
		cmocka_unit_test(test_definition_file),
		cmocka_unit_test(test_folder_or_file),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_deep_alias),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_environment_size),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_null_err),
	};
	int nfixed = (int)(sizeof fixed / sizeof fixed[0]), i, rc;
	struct CMUnitTest *tests = xcalloc((size_t)(nfixed + NERR_CASES), sizeof *tests);

	xalloc_init();
	memcpy(tests, fixed, sizeof fixed);
	for (i = 0; i < NERR_CASES; i++) {
		tests[nfixed + i].name = err_cases[i].name;
		tests[nfixed + i].test_func = test_error_case;
		tests[nfixed + i].initial_state = (void *)&err_cases[i];
	}
	rc = _cmocka_run_group_tests("project", tests, (size_t)(nfixed + NERR_CASES), NULL, NULL);
	free(tests);
	return rc;
}
