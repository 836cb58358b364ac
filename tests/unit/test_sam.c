/* test_sam.c - unit tests of the SAM / CloudFormation template loader (orchestrator/sam.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam.h"
#include "xalloc.h"

/* Tests run from the project root; templates are under tests/sam/: the
 * three stock trader projects as `sam init` writes them, one template per
 * feature, and one broken template per error message in errors/. */
#define SAM "tests/sam"
#define ACCT "123456789012"
#define FN_ARN(name) "arn:aws:lambda:us-east-1:" ACCT ":function:" name

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

static proj_project *load_opts(const char *path, const sam_opts *o, sam_info *info)
{
	char *err = NULL;
	proj_project *p = sam_load(path, o, info, &err);

	if (!p)
		fail_msg("%s should load, but:\n%s", path, err);
	assert_null(err);
	return p;
}

static proj_project *load_ok(const char *path, sam_info *info)
{
	return load_opts(path, NULL, info);
}

/* Loads path with o, which must fail with exactly want. */
static void fails_opts(const char *path, const sam_opts *o, const char *want)
{
	char *err = NULL;
	sam_info info;
	proj_project *p = sam_load(path, o, &info, &err);

	if (p) {
		proj_free(p);
		sam_info_free(&info);
		fail_msg("%s should not load", path);
	}
	assert_non_null(err);
	assert_string_equal(err, want);
	assert_null(info.notice);
	assert_int_equal(info.naliases, 0);
	free(err);
}

/* The absolute path of a file under the project root; owned. */
static char *abs_path(const char *rel)
{
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof cwd));
	return xasprintf("%s/%s", cwd, rel);
}

static const proj_function *fn(const proj_project *p, const char *name)
{
	const proj_function *f = proj_function_find(p, name);

	if (!f)
		fail_msg("no function %s", name);
	return f;
}

static const proj_machine *sm(const proj_project *p, const char *name)
{
	const proj_machine *m = proj_machine_find(p, name);

	if (!m)
		fail_msg("no state machine %s", name);
	return m;
}

/* The value of variable var of function f, or NULL. */
static const char *env(const proj_function *f, const char *var)
{
	int i;

	for (i = 0; i < f->nenv; i++)
		if (!strcmp(f->env[i].name, var))
			return f->env[i].value;
	return NULL;
}

static void assert_function(const proj_project *p, const char *name, const char *runtime,
			    const char *handler, const char *code, int timeout, int memory)
{
	const proj_function *f = fn(p, name);
	char *want = abs_path(code);

	assert_string_equal(f->runtime, runtime);
	if (handler)
		assert_string_equal(f->handler, handler);
	else
		assert_null(f->handler);
	assert_string_equal(f->code, want);
	assert_int_equal(f->code_is_zip, 0);
	assert_int_equal(f->timeout, timeout);
	assert_int_equal(f->memory, memory);
	assert_int_equal(f->concurrency, -1);
	free(want);
}

static void assert_definition(const proj_machine *m, const char *want)
{
	cJSON *w = pj(want);

	if (!js_equal(m->definition, w)) {
		char *got = js_print(m->definition);

		fail_msg("definition of %s:\n%s", m->name, got);
	}
	cJSON_Delete(w);
}

/* ---- the stock trader projects of `sam init` ---- */

/* The stock trader definition with its substitutions applied. */
static void assert_stock_machine(const proj_project *p, const char *dir)
{
	const proj_machine *m = sm(p, "StockTradingStateMachine");
	const cJSON *states = js_get(m->definition, "States");
	char *file = xasprintf("%s/statemachine/stock_trader.asl.json", dir), *abs = abs_path(file);

	assert_int_equal(p->nmachines, 1);
	assert_int_equal(m->express, 0);
	assert_string_equal(m->where, file);
	assert_string_equal(m->definition_file, abs);
	assert_string_equal(js_get(js_get(js_get(states, "Check Stock Value"), "Parameters"),
				   "FunctionName")->valuestring, FN_ARN("StockCheckerFunction"));
	assert_string_equal(js_get(js_get(js_get(states, "Buy Stock"), "Parameters"),
				   "FunctionName")->valuestring, FN_ARN("StockBuyerFunction"));
	assert_string_equal(js_get(js_get(js_get(states, "Sell Stock"), "Parameters"),
				   "FunctionName")->valuestring, FN_ARN("StockSellerFunction"));
	assert_string_equal(js_get(js_get(states, "Record Transaction"), "Resource")->valuestring,
			    "arn:aws:states:::dynamodb:putItem");
	assert_string_equal(js_get(js_get(js_get(states, "Record Transaction"), "Parameters"),
				   "TableName")->valuestring, "TransactionTable");
	assert_int_equal(js_get(cJSON_GetArrayItem(js_get(js_get(states, "Buy or Sell?"), "Choices"),
						  0), "NumericLessThanEquals")->valueint, 50);
	free(file);
	free(abs);
}

static void test_stock_python(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/stock-python/template.yaml", &info);

	assert_int_equal(p->nfunctions, 3);
	assert_function(p, "StockCheckerFunction", "python3.12", "app.lambda_handler",
			SAM "/stock-python/functions/stock_checker", 3, 128);
	assert_function(p, "StockSellerFunction", "python3.12", "app.lambda_handler",
			SAM "/stock-python/functions/stock_seller", 3, 128);
	assert_function(p, "StockBuyerFunction", "python3.12", "app.lambda_handler",
			SAM "/stock-python/functions/stock_buyer", 3, 128);
	assert_int_equal(fn(p, "StockCheckerFunction")->lang, PROJ_LANG_PYTHON);
	assert_int_equal(fn(p, "StockCheckerFunction")->nenv, 0);
	assert_stock_machine(p, SAM "/stock-python");
	assert_string_equal(info.notice, "not emulated: TransactionTable (AWS::Serverless::SimpleTable)");
	assert_int_equal(info.nnot_emulated, 1);
	assert_int_equal(info.naliases, 0);
	assert_string_equal(p->account, ACCT);
	assert_string_equal(p->region, "us-east-1");
	sam_info_free(&info);
	proj_free(p);
}

static void test_stock_node(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/stock-node/template.yaml", &info);

	assert_int_equal(p->nfunctions, 3);
	assert_function(p, "StockCheckerFunction", "nodejs20.x", "app.lambdaHandler",
			SAM "/stock-node/functions/stock-checker", 3, 128);
	assert_function(p, "StockSellerFunction", "nodejs20.x", "app.lambdaHandler",
			SAM "/stock-node/functions/stock-seller", 3, 128);
	assert_function(p, "StockBuyerFunction", "nodejs20.x", "app.lambdaHandler",
			SAM "/stock-node/functions/stock-buyer", 3, 128);
	assert_int_equal(fn(p, "StockBuyerFunction")->lang, PROJ_LANG_NODE);
	assert_stock_machine(p, SAM "/stock-node");
	sam_info_free(&info);
	proj_free(p);
}

/* provided.al2023 functions whose settings all come from Globals. */
static void test_stock_provided(void **state)
{
	proj_project *p = load_ok(SAM "/stock-provided/template.yaml", NULL);

	assert_int_equal(p->nfunctions, 3);
	assert_function(p, "StockCheckerFunction", "provided.al2023", "bootstrap",
			SAM "/stock-provided/functions/stock-checker", 10, 256);
	assert_function(p, "StockSellerFunction", "provided.al2023", "bootstrap",
			SAM "/stock-provided/functions/stock-seller", 10, 256);
	assert_function(p, "StockBuyerFunction", "provided.al2023", "bootstrap",
			SAM "/stock-provided/functions/stock-buyer", 10, 256);
	assert_int_equal(fn(p, "StockBuyerFunction")->lang, PROJ_LANG_PROVIDED);
	assert_stock_machine(p, SAM "/stock-provided");
	proj_free(p);
}

/* ---- intrinsic functions: one variable of tests/sam/intrinsics each ---- */

static proj_project *intrinsics;

static void assert_var(const char *var, const char *want)
{
	const char *got = env(fn(intrinsics, "steplocal-fn"), var);

	if (!want) {
		assert_null(got);
		return;
	}
	if (!got)
		fail_msg("no variable %s", var);
	assert_string_equal(got, want);
}

#define VAR_TEST(name, var, want) \
	static void name(void **state) { assert_var(var, want); }

VAR_TEST(test_ref_parameter, "REF_PARAM", "dev")
VAR_TEST(test_ref_long_form, "REF_LONG", "dev")
VAR_TEST(test_ref_function, "REF_FUNCTION", "Other")
VAR_TEST(test_ref_machine, "REF_MACHINE", "arn:aws:states:us-east-1:" ACCT ":stateMachine:dev-machine")
VAR_TEST(test_ref_not_emulated_table, "REF_TABLE", "orders-dev")
VAR_TEST(test_ref_not_emulated_queue, "REF_QUEUE",
	 "https://sqs.us-east-1.amazonaws.com/" ACCT "/Queue")
VAR_TEST(test_getatt_function_arn, "GETATT_FN", FN_ARN("Other"))
VAR_TEST(test_getatt_list_form, "GETATT_LIST", FN_ARN("Other"))
VAR_TEST(test_getatt_machine_arn, "GETATT_SM_ARN",
	 "arn:aws:states:us-east-1:" ACCT ":stateMachine:dev-machine")
VAR_TEST(test_getatt_machine_name, "GETATT_SM_NAME", "dev-machine")
VAR_TEST(test_getatt_table_arn, "GETATT_TABLE", "arn:aws:dynamodb:us-east-1:" ACCT ":table/orders-dev")
VAR_TEST(test_getatt_queue_arn, "GETATT_QUEUE", "arn:aws:sqs:us-east-1:" ACCT ":Queue")
VAR_TEST(test_sub_string, "SUB_STRING", "dev-us-east-1-" ACCT "-" FN_ARN("Other") "-${Literal}")
VAR_TEST(test_sub_with_variables, "SUB_LIST", "dev.amazonaws.com")
VAR_TEST(test_sub_long_form_pseudo, "SUB_LONG", "aws:steplocal")
VAR_TEST(test_join, "JOIN", "a:dev:c")
VAR_TEST(test_join_list_parameter, "JOIN_LIST", "a+b+c")
VAR_TEST(test_select, "SELECT", "b")
VAR_TEST(test_split, "SELECT_SPLIT", "z")
VAR_TEST(test_if_true, "IF_TRUE", "yes-dev")
VAR_TEST(test_if_false, "IF_FALSE", "no-prod")
VAR_TEST(test_novalue_drops_key, "IF_NOVALUE", NULL)
VAR_TEST(test_and, "AND", "t")
VAR_TEST(test_or, "OR", "t")
VAR_TEST(test_equals_long_form, "LONG_COND", "t")
VAR_TEST(test_findinmap, "FINDINMAP", "orders-dev")
VAR_TEST(test_base64, "BASE64", "aGVsbG8=")
VAR_TEST(test_getazs, "GETAZS", "us-east-1a")
VAR_TEST(test_number_as_text, "NUMBER", "42")
VAR_TEST(test_bool_as_text, "BOOL", "true")

/* FunctionName, MemorySize from a Number parameter, Globals merged. */
static void test_function_name_and_globals(void **state)
{
	const proj_function *f = fn(intrinsics, "steplocal-fn"), *o = fn(intrinsics, "Other");
	char *code = abs_path(SAM "/intrinsics/src");

	assert_string_equal(f->runtime, "python3.12");
	assert_string_equal(f->handler, "app.handler");
	assert_string_equal(f->code, code);
	assert_int_equal(f->timeout, 30);
	assert_int_equal(f->memory, 256);
	/* Globals' variables come first; the resource's win */
	assert_string_equal(f->env[0].name, "FROM_GLOBALS");
	assert_string_equal(f->env[0].value, "g");
	assert_string_equal(env(f, "OVERRIDDEN"), "resource");
	assert_string_equal(env(o, "OVERRIDDEN"), "global");
	assert_int_equal(o->nenv, 2);
	assert_int_equal(o->memory, 128);
	free(code);
}

/* DefinitionString from Fn::Sub with variables, StateMachineType. */
static void test_definition_string_sub(void **state)
{
	const proj_machine *m = sm(intrinsics, "dev-machine");

	assert_int_equal(m->express, 1);
	assert_null(m->definition_file);
	assert_string_equal(m->where, SAM "/intrinsics/template.yaml:110:7");
	assert_definition(m, "{'StartAt':'A','States':{'A':{'Type':'Task','Resource':'"
			  FN_ARN("Other") "','TimeoutSeconds':5,'End':true}}}");
}

/* A false Condition leaves the resource out. */
static void test_condition_skips_resource(void **state)
{
	assert_null(proj_function_find(intrinsics, "ProdOnly"));
	assert_int_equal(intrinsics->nfunctions, 2);
}

static void test_layers(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/intrinsics/template.yaml", &info);
	char *layer = abs_path(SAM "/intrinsics/layer"), *opt = abs_path(SAM "/intrinsics/opt");
	const proj_function *f = proj_function_find(p, "steplocal-fn");

	assert_non_null(f);
	assert_int_equal(f->nlayers, 2);
	assert_string_equal(f->layers[0], layer);
	assert_string_equal(f->layers[1], opt);
	assert_string_equal(info.notice, "not emulated: Table (AWS::DynamoDB::Table), "
			    "Queue (AWS::SQS::Queue), Role (AWS::IAM::Role)");
	free(layer);
	free(opt);
	sam_info_free(&info);
	proj_free(p);
}

/* FunctionName and StateMachineName: the logical id still resolves. */
static void test_aliases(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/intrinsics/template.yaml", &info);

	assert_int_equal(info.naliases, 2);
	assert_string_equal(sam_info_resolve(&info, "Fn"), "steplocal-fn");
	assert_string_equal(sam_info_resolve(&info, "Machine"), "dev-machine");
	assert_string_equal(sam_info_resolve(&info, "Other"), "Other");
	assert_string_equal(sam_info_resolve(&info, "steplocal-fn"), "steplocal-fn");
	assert_non_null(proj_function_find(p, sam_info_resolve(&info, "Fn")));
	assert_string_equal(sam_info_resolve(NULL, "X"), "X");
	sam_info_free(&info);
	proj_free(p);
}

/* AutoPublishAlias (in Globals or on the function): !Ref Fn.Alias and
 * ${Fn.Version} are the qualified ARNs of the alias and of version 1. */
static void test_published_alias(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/alias/template.yaml", &info);

	(void)state;
	assert_definition(sm(p, "Flow"), "{'StartAt':'A','States':{"
			  "'A':{'Type':'Task','Resource':'" FN_ARN("aliased:live") "','Next':'B'},"
			  "'B':{'Type':'Task','Resource':'" FN_ARN("Other:1") "','Next':'C'},"
			  "'C':{'Type':'Task','Resource':'" FN_ARN("Other:prod") "','End':true}}}");
	sam_info_free(&info);
	proj_free(p);
}

static void test_parameter_overrides(void **state)
{
	static const char *const ov[] = { "Stage=prod", "Zones=x,y" };
	sam_opts o = { .overrides = ov, .noverrides = 2 };
	proj_project *p = load_opts(SAM "/intrinsics/template.yaml", &o, NULL);
	const proj_function *f = fn(p, "steplocal-fn");

	assert_string_equal(env(f, "REF_PARAM"), "prod");
	assert_string_equal(env(f, "FINDINMAP"), "orders-prod");
	assert_string_equal(env(f, "SELECT"), "y");
	assert_string_equal(env(f, "IF_TRUE"), "no-dev");
	assert_string_equal(env(f, "IF_FALSE"), "yes-prod");
	assert_string_equal(env(f, "IF_NOVALUE"), "gone");
	assert_non_null(proj_function_find(p, "ProdOnly"));     /* its Condition is true now */
	assert_non_null(proj_machine_find(p, "prod-machine"));
	proj_free(p);
}

static void test_override_errors(void **state)
{
	static const char *const ov[] = { "Stage=qa", "Nope=1", "novalue" };
	sam_opts o = { .overrides = ov, .noverrides = 3 };

	fails_opts(SAM "/intrinsics/template.yaml", &o,
		   SAM "/intrinsics/template.yaml:6:3: Parameters.Stage: \"qa\" is not one of its "
		   "AllowedValues\n"
		   "--parameter-overrides: Nope=1: the template has no parameter named Nope\n"
		   "--parameter-overrides: \"novalue\" must be Key=Value\n"
		   SAM "/intrinsics/template.yaml:117:18: Resources.Table.Properties.TableName: "
		   "Fn::FindInMap: Mappings has no StageMap.qa\n"
		   SAM "/intrinsics/template.yaml:86:22: "
		   "Resources.Fn.Properties.Environment.Variables.FINDINMAP: Fn::FindInMap: "
		   "Mappings has no StageMap.qa");
}

static void test_pseudo_parameter_options(void **state)
{
	sam_opts o = { .region = "eu-west-1", .account = "210987654321", .stack_name = "shop" };
	proj_project *p = load_opts(SAM "/intrinsics/template.yaml", &o, NULL);
	const proj_function *f = fn(p, "shop-fn");

	assert_string_equal(p->account, "210987654321");
	assert_string_equal(p->region, "eu-west-1");
	assert_string_equal(env(f, "GETATT_FN"), "arn:aws:lambda:eu-west-1:210987654321:function:Other");
	assert_string_equal(env(f, "SUB_LONG"), "aws:shop");
	assert_string_equal(env(f, "GETAZS"), "eu-west-1a");
	assert_string_equal(env(f, "OR"), "f");         /* the region is no longer us-east-1 */
	proj_free(p);
}

static void test_bad_account(void **state)
{
	sam_opts o = { .account = "12345" };

	fails_opts(SAM "/stock-python/template.yaml", &o,
		   "the account must be 12 digits, not \"12345\"");
}

/* sam's --env-vars: the function's section wins over Parameters, and only
 * variables the template declares change. */
static void test_env_vars_file(void **state)
{
	sam_opts o = { .env_vars = SAM "/intrinsics/env.json" };
	proj_project *p = load_opts(SAM "/intrinsics/template.yaml", &o, NULL);
	const proj_function *f = fn(p, "steplocal-fn"), *other = fn(p, "Other");

	assert_string_equal(env(f, "OVERRIDDEN"), "from-env-file");
	assert_string_equal(env(f, "FROM_GLOBALS"), "from-parameters");
	assert_string_equal(env(f, "REF_PARAM"), "p");
	assert_null(env(f, "UNDECLARED"));
	assert_string_equal(env(other, "FROM_GLOBALS"), "7");
	assert_string_equal(env(other, "OVERRIDDEN"), "global");
	proj_free(p);
}

static void test_env_vars_file_errors(void **state)
{
	sam_opts o = { .env_vars = SAM "/errors/env-bad.json" };
	sam_opts missing = { .env_vars = SAM "/errors/none.json" };

	fails_opts(SAM "/intrinsics/template.yaml", &o,
		   SAM "/errors/env-bad.json: Fn: must be an object of variable names to values");
	fails_opts(SAM "/intrinsics/template.yaml", &missing,
		   SAM "/errors/none.json: cannot read: No such file or directory");
}

/* ---- AWS::Lambda::Function and the state machine resources ---- */

static void test_lambda_functions(void **state)
{
	sam_info info;
	proj_project *p = load_ok(SAM "/lambda/template.yaml", &info);
	const proj_function *f = fn(p, "from-folder"), *z = fn(p, "FromZip"), *in = fn(p, "Inline");
	char *code = abs_path(SAM "/lambda/code"), *zip = abs_path(SAM "/lambda/code.zip");
	char *index = xasprintf("%s/index.py", in->code), *text;
	size_t len;
	FILE *fp;

	assert_string_equal(f->code, code);
	assert_int_equal(f->code_is_zip, 0);
	assert_int_equal(f->timeout, 60);               /* written "60" */
	assert_int_equal(f->memory, 512);
	assert_int_equal(f->concurrency, 2);
	assert_string_equal(env(f, "MODE"), "folder");
	assert_string_equal(z->code, zip);
	assert_int_equal(z->code_is_zip, 1);
	/* Code.ZipFile: written to index.py as CloudFormation does */
	assert_string_equal(in->handler, "index.handler");
	fp = fopen(index, "r");
	assert_non_null(fp);
	text = xcalloc(1, 4096);
	len = fread(text, 1, 4095, fp);
	fclose(fp);
	assert_true(len > 0);
	assert_string_equal(text, "def handler(event, context):\n    return {\"inline\": True}\n");
	assert_string_equal(sam_info_resolve(&info, "FromFolder"), "from-folder");
	assert_null(info.notice);
	free(text);
	free(index);
	free(code);
	free(zip);
	sam_info_free(&info);
	proj_free(p);
}

static void test_state_machine_resources(void **state)
{
	proj_project *p = load_ok(SAM "/lambda/template.yaml", NULL);
	char *yaml = abs_path(SAM "/lambda/defs/flow.asl.yaml");

	assert_int_equal(p->nmachines, 4);
	/* StepFunctions: Definition + DefinitionSubstitutions, StateMachineName */
	assert_definition(sm(p, "flow"), "{'StartAt':'Call','States':{'Call':{'Type':'Task',"
			  "'Resource':'" FN_ARN("from-folder") "','End':true}}}");
	assert_string_equal(sm(p, "flow")->where, SAM "/lambda/template.yaml:38:7");
	/* StepFunctions: DefinitionString from Fn::Join */
	assert_definition(sm(p, "Joined"), "{'StartAt':'Call','States':{'Call':{'Type':'Task',"
			  "'Resource':'" FN_ARN("FromZip") "','End':true}}}");
	/* Serverless: inline Definition, Name, Type EXPRESS */
	assert_int_equal(sm(p, "serverless-flow")->express, 1);
	assert_int_equal(sm(p, "flow")->express, 0);
	assert_definition(sm(p, "serverless-flow"), "{'StartAt':'Pass','States':{'Pass':"
			  "{'Type':'Pass','Result':'hello','End':true}}}");
	/* Serverless: DefinitionUri naming a YAML file */
	assert_definition(sm(p, "FromYaml"), "{'Comment':'a YAML definition file','StartAt':'Call',"
			  "'States':{'Call':{'Type':'Task','Resource':'" FN_ARN("Inline") "',"
			  "'End':true}}}");
	assert_string_equal(sm(p, "FromYaml")->definition_file, yaml);
	assert_string_equal(sm(p, "FromYaml")->where, SAM "/lambda/defs/flow.asl.yaml");
	free(yaml);
	proj_free(p);
}

static void test_json_template(void **state)
{
	proj_project *p = load_ok(SAM "/json/template.json", NULL);

	assert_string_equal(fn(p, "Hello")->runtime, "python3.11");
	assert_string_equal(env(fn(p, "Hello"), "ARN"),
			    "arn:aws:states:us-east-1:" ACCT ":stateMachine:Flow");
	assert_definition(sm(p, "Flow"), "{'StartAt':'H','States':{'H':{'Type':'Task',"
			  "'Resource':'" FN_ARN("Hello") "','End':true}}}");
	assert_string_equal(sm(p, "Flow")->where, SAM "/json/template.json:17:5");
	proj_free(p);
}

/* ---- finding templates ---- */

static void test_is_template(void **state)
{
	assert_true(sam_is_template(SAM "/stock-python/template.yaml"));
	assert_true(sam_is_template(SAM "/lambda/template.yaml"));      /* no Transform */
	assert_true(sam_is_template(SAM "/json/template.json"));
	assert_true(sam_is_template(SAM "/errors/timeout.yaml"));       /* Transform only */
	assert_false(sam_is_template(SAM "/errors/no-resources.yaml"));
	assert_false(sam_is_template("tests/projects/full/steplocal.yaml"));
	assert_false(sam_is_template(SAM "/none.yaml"));
	assert_false(sam_is_template(SAM "/errors/syntax.yaml"));
}

static void test_find(void **state)
{
	char *f = sam_find(SAM "/stock-python");

	assert_string_equal(f, SAM "/stock-python/template.yaml");
	free(f);
	f = sam_find(SAM "/json");
	assert_string_equal(f, SAM "/json/template.json");
	free(f);
	assert_null(sam_find(SAM "/errors"));
	assert_null(sam_find(NULL));    /* the project root has no template.yaml */
}

static void test_missing_file(void **state)
{
	fails_opts(SAM "/none.yaml", NULL, SAM "/none.yaml: cannot read: No such file or directory");
}

static void test_null_err(void **state)
{
	assert_null(sam_load(SAM "/errors/timeout.yaml", NULL, NULL, NULL));
}

/* ---- one broken template per message ---- */

typedef struct err_case {
	const char *name, *file, *want;
} err_case;

#define E SAM "/errors/"
#define FNP "Resources.ProcessFn.Properties."
#define VARS FNP "Environment.Variables."

static const err_case err_cases[] = {
	{ "timeout", "timeout.yaml",
	  E "timeout.yaml:9:7: " FNP "Timeout: must be an integer from 1 to 900, not 1000" },
	{ "memory", "memory.yaml",
	  E "memory.yaml:9:7: " FNP "MemorySize: must be an integer from 128 to 10240, not 64" },
	{ "concurrency", "concurrency.yaml",
	  E "concurrency.yaml:9:7: " FNP "ReservedConcurrentExecutions: must be an integer of 0 or "
	  "more, not -1" },
	{ "architectures", "architectures.yaml",
	  E "architectures.yaml:9:7: " FNP "Architectures: must be [x86_64] or [arm64]" },
	{ "runtime", "runtime.yaml",
	  E "runtime.yaml:8:7: " FNP "Runtime: \"java21\" is not a runtime steplocal runs "
	  "(python3.8 to python3.13, nodejs18.x to nodejs22.x, provided, provided.al2, "
	  "provided.al2023)" },
	{ "handler_missing", "handler-missing.yaml",
	  E "handler-missing.yaml:3:3: Resources.ProcessFn: missing the Handler property "
	  "(runtime python3.12 needs one)" },
	{ "codeuri_missing", "codeuri-missing.yaml",
	  E "codeuri-missing.yaml:6:7: " FNP "CodeUri: \"functions/missing\": No such file or "
	  "directory (paths are relative to the template's folder)" },
	{ "codeuri_s3", "codeuri-s3.yaml",
	  E "codeuri-s3.yaml:6:7: " FNP "CodeUri: an S3 location cannot be run locally; give a "
	  "local folder or .zip file" },
	{ "package_image", "package-image.yaml",
	  E "package-image.yaml:9:7: " FNP "PackageType: container images cannot be run by "
	  "steplocal (only Zip)" },
	{ "env_name", "envname.yaml",
	  E "envname.yaml:9:7: " VARS "1BAD: a variable name must be a letter followed by "
	  "letters, digits or underscores" },
	{ "layer_missing", "layer-missing.yaml",
	  E "layer-missing.yaml:9:7: " FNP "Layers: the layer \"no-such-folder\" is neither a "
	  "layer of this template nor a local folder" },
	{ "ref_unknown", "ref-unknown.yaml",
	  E "ref-unknown.yaml:11:18: " VARS "TABLE: Ref: no parameter or resource is named "
	  "\"OrdersTabel\"" },
	{ "ref_param_without_value", "param-no-default.yaml",
	  E "param-no-default.yaml:14:14: " VARS "X: Ref: the parameter Secret has no Default and "
	  "no override (--parameter-overrides Secret=VALUE)" },
	{ "getatt_attribute", "getatt-attr.yaml",
	  E "getatt-attr.yaml:11:17: " VARS "NAME: Fn::GetAtt: ProcessFn is a function: its "
	  "attribute is Arn, not Name" },
	{ "alias_without_autopublish", "alias-none.yaml",
	  E "alias-none.yaml:12:14: " VARS "X: ProcessFn.Alias: ProcessFn has no AutoPublishAlias, "
	  "so SAM makes no alias for it" },
	{ "getatt_unknown", "getatt-unknown.yaml",
	  E "getatt-unknown.yaml:11:16: " VARS "ARN: Fn::GetAtt: no resource is named \"Nothing\"" },
	{ "importvalue", "importvalue.yaml",
	  E "importvalue.yaml:11:19: " VARS "SHARED: Fn::ImportValue: another stack's exports "
	  "cannot be read locally; use a parameter instead" },
	{ "unsupported_function", "cidr.yaml",
	  E "cidr.yaml:11:14: " VARS "X: Fn::Cidr is not supported by steplocal" },
	{ "unknown_tag", "unknown-tag.yaml",
	  E "unknown-tag.yaml:11:14: the tag !Foo is not a CloudFormation intrinsic function "
	  "(!Ref, !GetAtt, !Sub, ...)" },
	{ "sub_unclosed", "sub-unclosed.yaml",
	  E "sub-unclosed.yaml:11:14: " VARS "X: Fn::Sub: \"${\" without its \"}\"" },
	{ "select_range", "select-range.yaml",
	  E "select-range.yaml:11:14: " VARS "X: Fn::Select: index 3 is out of range (the list "
	  "has 2 values)" },
	{ "findinmap_missing", "findinmap.yaml",
	  E "findinmap.yaml:11:14: " VARS "X: Fn::FindInMap: Mappings has no Nope" },
	{ "if_unknown_condition", "if-unknown.yaml",
	  E "if-unknown.yaml:11:14: " VARS "X: no condition is named \"NoSuchCondition\" under "
	  "Conditions" },
	{ "condition_cycle", "cond-cycle.yaml",
	  E "cond-cycle.yaml:4:12: Conditions.B: the condition A depends on itself" },
	{ "equals_outside_conditions", "equals-value.yaml",
	  E "equals-value.yaml:11:14: " VARS "X: Fn::Equals belongs in Conditions (use Fn::If "
	  "with a condition's name here)" },
	{ "duplicate_key", "duplicate.yaml",
	  E "duplicate.yaml:10:7: duplicate key \"Timeout\" (first at line 9)" },
	{ "yaml_syntax", "syntax.yaml",
	  E "syntax.yaml:10:1: did not find expected ',' or ']' (while parsing a flow sequence "
	  "at line 9, column 16)" },
	{ "resource_attribute", "attr.yaml",
	  E "attr.yaml:5:5: Resources.ProcessFn.Propertes: not a resource attribute (Type, "
	  "Properties, Condition, DependsOn, Metadata, ...)" },
	{ "resource_without_type", "notype.yaml",
	  E "notype.yaml:3:3: Resources.Flow: missing the Type (AWS::Serverless::Function, ...)" },
	{ "no_resources", "no-resources.yaml",
	  E "no-resources.yaml:1:1: a template must be a mapping with a Resources mapping" },
	{ "machine_type", "sm-type.yaml",
	  E "sm-type.yaml:6:7: Resources.Flow.Properties.Type: must be STANDARD or EXPRESS, not "
	  "\"FAST\"" },
	{ "machine_name", "sm-name.yaml",
	  E "sm-name.yaml:6:7: Resources.Flow.Properties.StateMachineName: a state machine name "
	  "must be 1 to 80 characters, without white space, brackets, wildcards, control "
	  "characters or any of \" # % \\ ^ | ~ ` $ & , ; : /" },
	{ "no_definition", "no-definition.yaml",
	  E "no-definition.yaml:3:3: Resources.Flow: missing Definition or DefinitionUri" },
	{ "both_definitions", "both-definitions.yaml",
	  E "both-definitions.yaml:6:7: Resources.Flow.Properties.DefinitionUri: give Definition "
	  "or DefinitionUri, not both" },
	{ "definition_uri_missing", "definitionuri-missing.yaml",
	  E "definitionuri-missing.yaml:6:7: Resources.Flow.Properties.DefinitionUri: cannot read "
	  "\"statemachine/missing.asl.json\": No such file or directory (paths are relative to "
	  "the template's folder)" },
	{ "definition_uri_s3", "definitionuri-s3.yaml",
	  E "definitionuri-s3.yaml:6:7: Resources.Flow.Properties.DefinitionUri: an S3 location "
	  "cannot be read locally; give the path of a local definition file" },
	{ "definition_string_json", "definitionstring-json.yaml",
	  E "definitionstring-json.yaml:6:7: Resources.Flow.Properties.DefinitionString: not valid "
	  "JSON (line 2, column 34 of the text)" },
	{ "definition_s3_location", "definition-s3location.yaml",
	  E "definition-s3location.yaml:6:7: Resources.Flow.Properties.DefinitionS3Location: an S3 "
	  "location cannot be read locally; give Definition or DefinitionString" },
};
#define NERR_CASES ((int)(sizeof err_cases / sizeof err_cases[0]))

static void test_error_case(void **state)
{
	const err_case *c = *state;
	char *path = xasprintf(E "%s", c->file);

	fails_opts(path, NULL, c->want);
	free(path);
}

static int load_intrinsics(void **state)
{
	intrinsics = load_ok(SAM "/intrinsics/template.yaml", NULL);
	return 0;
}

static int free_intrinsics(void **state)
{
	proj_free(intrinsics);
	return 0;
}

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_stock_python),
		cmocka_unit_test(test_stock_node),
		cmocka_unit_test(test_stock_provided),
		cmocka_unit_test(test_ref_parameter),
		cmocka_unit_test(test_ref_long_form),
		cmocka_unit_test(test_ref_function),
		cmocka_unit_test(test_ref_machine),
		cmocka_unit_test(test_ref_not_emulated_table),
		cmocka_unit_test(test_ref_not_emulated_queue),
		cmocka_unit_test(test_getatt_function_arn),
		cmocka_unit_test(test_getatt_list_form),
		cmocka_unit_test(test_getatt_machine_arn),
		cmocka_unit_test(test_getatt_machine_name),
		cmocka_unit_test(test_getatt_table_arn),
		cmocka_unit_test(test_getatt_queue_arn),
		cmocka_unit_test(test_sub_string),
		cmocka_unit_test(test_sub_with_variables),
		cmocka_unit_test(test_sub_long_form_pseudo),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_list_parameter),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_if_true),
		cmocka_unit_test(test_if_false),
		cmocka_unit_test(test_novalue_drops_key),
		cmocka_unit_test(test_and),
		cmocka_unit_test(test_or),
		cmocka_unit_test(test_equals_long_form),
		cmocka_unit_test(test_findinmap),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_getazs),
		cmocka_unit_test(test_number_as_text),
		cmocka_unit_test(test_bool_as_text),
		cmocka_unit_test(test_function_name_and_globals),
		cmocka_unit_test(test_definition_string_sub),
		cmocka_unit_test(test_condition_skips_resource),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_published_alias),
		cmocka_unit_test(test_parameter_overrides),
		cmocka_unit_test(test_override_errors),
		cmocka_unit_test(test_pseudo_parameter_options),
		cmocka_unit_test(test_bad_account),
		cmocka_unit_test(test_env_vars_file),
		cmocka_unit_test(test_env_vars_file_errors),
		cmocka_unit_test(test_lambda_functions),
		cmocka_unit_test(test_state_machine_resources),
		cmocka_unit_test(test_json_template),
		cmocka_unit_test(test_is_template),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_missing_file),
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
	rc = _cmocka_run_group_tests("sam", tests, (size_t)(nfixed + NERR_CASES), load_intrinsics,
				     free_intrinsics);
	free(tests);
	return rc;
}
