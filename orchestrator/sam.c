/* sam.c - loads an AWS SAM / CloudFormation template as a proj_project (see sam.h): libyaml document -> tagged tree -> intrinsics -> functions and state machines. */
#include "sam.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <openssl/evp.h>

#include "errs.h"
#include "fsutil.h"
#include "xalloc.h"

/* Loading happens in three steps.  The template (YAML, or JSON, which
 * libyaml reads as YAML) is loaded with libyaml's document API and turned
 * into a tree of tnodes that keeps each node's line and column; a YAML
 * short tag (!Ref x) becomes the long form it stands for ({Ref: x}), so
 * the rest of the file sees one form only.  Then the parameters and the
 * resources' names are gathered, so that Ref and Fn::GetAtt can answer
 * before the resources are read.  Last, each property steplocal uses is
 * evaluated (intrinsics applied, into a cJSON value) and checked, and the
 * project is filled in.  Problems are collected (at most ERRS_MAX)
 * and the load goes on with the next resource, so one run shows most. */

#define SERVERLESS_TRANSFORM "AWS::Serverless-2016-10-31"
#define PARTITION "aws"
#define URL_SUFFIX "amazonaws.com"
#define INLINE_DIR_PREFIX "steplocal-inline"

/* ---- the tree ---- */

typedef enum tn_kind { TN_SCALAR, TN_MAP, TN_SEQ } tn_kind;

/* A node of the template.  A mapping's keys are scalars: keys[i] maps to
 * vals[i]; a list has vals only.  Nodes reached through YAML aliases are
 * shared, not copied. */
typedef struct tnode tnode;
struct tnode {
	tn_kind kind;
	int line, col;          /* 1-based */
	char *text;             /* scalar */
	int plain;              /* scalar written without quotes */
	tnode **keys, **vals;
	int n;
	tnode *next_alloc;
};

/* Short tags and the long form each stands for.  Those whose function
 * steplocal does not evaluate are here too, for a clear error. */
static const struct short_tag {
	const char *tag, *fn;
} short_tags[] = {
	{ "!Ref", "Ref" }, { "!Condition", "Condition" },
	{ "!GetAtt", "Fn::GetAtt" }, { "!Sub", "Fn::Sub" }, { "!Join", "Fn::Join" },
	{ "!Select", "Fn::Select" }, { "!Split", "Fn::Split" }, { "!If", "Fn::If" },
	{ "!Equals", "Fn::Equals" }, { "!And", "Fn::And" }, { "!Or", "Fn::Or" },
	{ "!Not", "Fn::Not" }, { "!FindInMap", "Fn::FindInMap" },
	{ "!Base64", "Fn::Base64" }, { "!GetAZs", "Fn::GetAZs" },
	{ "!ImportValue", "Fn::ImportValue" }, { "!Cidr", "Fn::Cidr" },
	{ "!Transform", "Fn::Transform" }, { "!Length", "Fn::Length" },
	{ "!ToJsonString", "Fn::ToJsonString" }, { NULL, NULL },
};

typedef struct tdoc {
	const char *file;       /* as shown in messages */
	errs *e;
	tnode *all;
	tnode *root;
	yaml_document_t doc;
	tnode **memo;           /* by libyaml node index - 1 */
	char *busy;
	int nnodes;
	int failed;
} tdoc;

static void td_fail(tdoc *d, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void td_fail(tdoc *d, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vat(d->e, d->file, line, col, NULL, fmt, ap);
	va_end(ap);
	d->failed = 1;
}

static tnode *td_node(tdoc *d, tn_kind kind, int line, int col)
{
	tnode *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->line = line;
	n->col = col;
	n->next_alloc = d->all;
	d->all = n;
	return n;
}

static void td_add(tnode *c, tnode *k, tnode *v)
{
	c->vals = xrealloc(c->vals, (size_t)(c->n + 1) * sizeof *c->vals);
	if (c->kind == TN_MAP) {
		c->keys = xrealloc(c->keys, (size_t)(c->n + 1) * sizeof *c->keys);
		c->keys[c->n] = k;
	}
	c->vals[c->n++] = v;
}

static void td_free(tdoc *d)
{
	tnode *n, *next;

	for (n = d->all; n; n = next) {
		next = n->next_alloc;
		free(n->text);
		free(n->keys);
		free(n->vals);
		free(n);
	}
	d->all = NULL;
}

static const tnode *map_get(const tnode *m, const char *key)
{
	int i;

	if (!m || m->kind != TN_MAP)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i]->text, key))
			return m->vals[i];
	return NULL;
}

static const tnode *map_key(const tnode *m, const char *key)
{
	int i;

	if (!m || m->kind != TN_MAP)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i]->text, key))
			return m->keys[i];
	return NULL;
}

/* The tag's long form, or NULL for YAML's standard tags; -1 in *bad for
 * a tag that is neither. */
static const char *tag_fn(const char *tag, int *bad)
{
	int i;

	*bad = 0;
	if (!tag || !strncmp(tag, "tag:yaml.org,2002:", 18) || !strcmp(tag, "!"))
		return NULL;
	for (i = 0; short_tags[i].tag; i++)
		if (!strcmp(short_tags[i].tag, tag))
			return short_tags[i].fn;
	*bad = 1;
	return NULL;
}

static tnode *td_conv(tdoc *d, int idx, int depth)
{
	yaml_node_t *y = yaml_document_get_node(&d->doc, idx);
	int line = (int)y->start_mark.line + 1, col = (int)y->start_mark.column + 1, bad;
	const char *fn = tag_fn((const char *)y->tag, &bad);
	tnode *n, *wrap;

	if (bad) {
		td_fail(d, line, col, "the tag %.100s is not a CloudFormation intrinsic function "
			"(!Ref, !GetAtt, !Sub, ...)", (const char *)y->tag);
		return NULL;
	}
	if (depth > PROJ_MAX_DEPTH) {
		td_fail(d, line, col, "the document nests more than %d levels deep", PROJ_MAX_DEPTH);
		return NULL;
	}
	if (d->memo[idx - 1])
		return d->memo[idx - 1];
	if (d->busy[idx - 1]) {
		td_fail(d, line, col, "an alias refers to the node that contains it");
		return NULL;
	}
	d->busy[idx - 1] = 1;
	switch (y->type) {
	case YAML_SCALAR_NODE:
		if (memchr(y->data.scalar.value, 0, y->data.scalar.length)) {
			td_fail(d, line, col, "a NUL character (\\0) is not allowed in a value");
			return NULL;
		}
		n = td_node(d, TN_SCALAR, line, col);
		n->text = xstrndup((const char *)y->data.scalar.value, y->data.scalar.length);
		n->plain = y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !fn;
		break;
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		n = td_node(d, TN_SEQ, line, col);
		for (it = y->data.sequence.items.start; it < y->data.sequence.items.top; it++) {
			tnode *v = td_conv(d, *it, depth + 1);

			if (!v)
				return NULL;
			td_add(n, NULL, v);
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		n = td_node(d, TN_MAP, line, col);
		for (p = y->data.mapping.pairs.start; p < y->data.mapping.pairs.top; p++) {
			tnode *k = td_conv(d, p->key, depth + 1), *v;

			if (!k)
				return NULL;
			if (k->kind != TN_SCALAR) {
				td_fail(d, k->line, k->col, "mapping keys must be plain values");
				return NULL;
			}
			if (map_key(n, k->text)) {
				const tnode *first = map_key(n, k->text);

				td_fail(d, k->line, k->col, "duplicate key \"%.100s\" (first at line %d)",
					k->text, first->line);
				return NULL;
			}
			if (!(v = td_conv(d, p->value, depth + 1)))
				return NULL;
			td_add(n, k, v);
		}
		break;
	}
	default:
		td_fail(d, line, col, "an empty YAML node");
		return NULL;
	}
	if (fn) {
		tnode *k = td_node(d, TN_SCALAR, line, col);

		k->text = xstrdup(fn);
		wrap = td_node(d, TN_MAP, line, col);
		td_add(wrap, k, n);
		n = wrap;
	}
	d->busy[idx - 1] = 0;
	d->memo[idx - 1] = n;
	return n;
}

/* Parses text (file names it in messages) into d->root.  Returns 0, or -1
 * with the problem added to e.  A JSON text's tab indentation becomes
 * spaces first (libyaml refuses tabs where JSON allows them). */
static int td_parse(tdoc *d, const char *file, char *text, size_t len, errs *e)
{
	yaml_parser_t p;
	yaml_node_t *root;
	size_t i;
	int in_str = 0;

	memset(d, 0, sizeof *d);
	d->file = file;
	d->e = e;
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (i < len && text[i] == '{')
		for (; i < len; i++) {
			if (in_str && text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_str = !in_str;
			else if (!in_str && text[i] == '\t')
				text[i] = ' ';
		}
	if (!yaml_parser_initialize(&p)) {
		fprintf(stderr, "steplocal: out of memory in libyaml\n");
		abort();
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &d->doc)) {
		const yaml_mark_t *m = &p.problem_mark;

		if (p.error == YAML_MEMORY_ERROR) {
			fprintf(stderr, "steplocal: out of memory in libyaml\n");
			abort();
		}
		if (p.context)
			td_fail(d, (int)m->line + 1, (int)m->column + 1, "%s (%s at line %zu, column %zu)",
				p.problem ? p.problem : "cannot parse the YAML", p.context,
				p.context_mark.line + 1, p.context_mark.column + 1);
		else
			td_fail(d, (int)m->line + 1, (int)m->column + 1, "%s",
				p.problem ? p.problem : "cannot parse the YAML");
		yaml_parser_delete(&p);
		return -1;
	}
	yaml_parser_delete(&p);
	root = yaml_document_get_root_node(&d->doc);
	if (root) {
		d->nnodes = (int)(d->doc.nodes.top - d->doc.nodes.start);
		d->memo = xcalloc((size_t)d->nnodes, sizeof *d->memo);
		d->busy = xcalloc((size_t)d->nnodes, 1);
		d->root = td_conv(d, 1, 0);
		free(d->memo);
		free(d->busy);
	}
	yaml_document_delete(&d->doc);
	return d->failed ? -1 : 0;
}

/* ---- files ---- */

/* The whole file; owned, NUL-terminated, or NULL with *why (owned). */
static char *slurp(const char *path, size_t *len, char **why)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		*why = xstrdup(strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = xstrdup(S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > PROJ_MAX_FILE_BYTES) {
		*why = xasprintf("larger than %d MiB", PROJ_MAX_FILE_BYTES / (1024 * 1024));
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		*why = xstrdup(strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[*len] = 0;
	return buf;
}

/* ---- the loader's state ---- */

typedef enum res_kind { R_FUNCTION, R_MACHINE, R_LAYER, R_OTHER } res_kind;

typedef struct res {
	const char *id;         /* logical id (borrowed from the tree) */
	const tnode *key, *node, *props;
	const char *type;
	res_kind kind;
	char *name;             /* physical name, once known */
	int naming;             /* 0 not yet, 1 in progress, 2 done, 3 failed */
	int skip;               /* its Condition is false */
} res;

typedef struct param {
	const char *name;
	const tnode *key;
	cJSON *value;           /* NULL when it has none */
} param;

typedef struct cond {
	const char *name;
	const tnode *key, *val;
	int state;              /* 0 not yet, 1 in progress, 2 false, 3 true */
} cond;

typedef struct sam_ld {
	const char *file;       /* the template as shown */
	const char *shown_dir;  /* its folder as shown */
	errs *e;
	proj_project *p;
	sam_info *info;
	const char *stack;
	const tnode *root, *mappings, *globals;
	res *res;
	int nres;
	param *params;
	int nparams;
	cond *conds;
	int nconds;
	size_t budget;          /* nodes evaluated, against alias bombs */
	cJSON *envfile;
} sam_ld;

static void bad(sam_ld *c, const tnode *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void bad(sam_ld *c, const tnode *at, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vat(c->e, c->file, at->line, at->col, path, fmt, ap);
	va_end(ap);
}

/* A value as a message shows it: text quoted, else its type; owned. */
static char *shown(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xasprintf("\"%.60s%s\"", v->valuestring, strlen(v->valuestring) > 60 ? "..." : "");
	if (cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v))
		return js_print(v);
	return xstrdup(cJSON_IsArray(v) ? "a list" : "a mapping");
}

static res *res_find(sam_ld *c, const char *id)
{
	int i;

	for (i = 0; i < c->nres; i++)
		if (!strcmp(c->res[i].id, id))
			return &c->res[i];
	return NULL;
}

static param *param_find(sam_ld *c, const char *name)
{
	int i;

	for (i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].name, name))
			return &c->params[i];
	return NULL;
}

/* ---- intrinsic functions ---- */

/* What AWS::NoValue evaluates to: the key or item holding it is dropped. */
static cJSON novalue_;
#define NOVALUE (&novalue_)

static void val_free(cJSON *v)
{
	if (v && v != NOVALUE)
		cJSON_Delete(v);
}

static cJSON *ev(sam_ld *c, const tnode *n, const char *path);
static int cond_named(sam_ld *c, const char *name, const tnode *at, const char *path);
static const char *res_name(sam_ld *c, res *r);

/* A scalar by the YAML 1.2 core schema. */
static cJSON *ev_scalar(const tnode *n)
{
	const char *s = n->text;
	char *end;
	double d;

	if (!n->plain)
		return cJSON_CreateString(s);
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return cJSON_CreateNull();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return cJSON_CreateFalse();
	if ((isdigit((unsigned char)*s) || ((*s == '-' || *s == '+' || *s == '.') && s[1])) &&
	    (d = strtod(s, &end), !*end) && strspn(s, "0123456789+-.eE") == strlen(s))
		return js_number(d, s);   /* an integer of 16 digits or more keeps them */
	return cJSON_CreateString(s);
}

/* Text of a string, number or boolean (CloudFormation turns them into
 * text where text is wanted); owned, or NULL. */
static char *as_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		if (v->valuestring)     /* an integer kept exact (ev_scalar) */
			return xstrdup(v->valuestring);
		if (js_is_integer(v))
			return xasprintf("%lld", (long long)v->valuedouble);
		return xasprintf("%.17g", v->valuedouble);
	}
	return NULL;
}

static char *fn_arn(sam_ld *c, const char *name)
{
	return xasprintf("arn:" PARTITION ":lambda:%s:%s:function:%s", c->p->region, c->p->account,
			 name);
}

static char *sm_arn(sam_ld *c, const char *name)
{
	return xasprintf("arn:" PARTITION ":states:%s:%s:stateMachine:%s", c->p->region,
			 c->p->account, name);
}

/* ARN forms of the resources steplocal does not emulate, by type. */
static const struct arn_form {
	const char *type, *service, *kind;      /* arn:aws:SERVICE:R:A:KINDname */
} arn_forms[] = {
	{ "AWS::DynamoDB::Table", "dynamodb", "table/" },
	{ "AWS::Serverless::SimpleTable", "dynamodb", "table/" },
	{ "AWS::SQS::Queue", "sqs", "" },
	{ "AWS::SNS::Topic", "sns", "" },
	{ "AWS::Events::EventBus", "events", "event-bus/" },
	{ "AWS::Logs::LogGroup", "logs", "log-group:" },
	{ "AWS::Kinesis::Stream", "kinesis", "stream/" },
	{ "AWS::SecretsManager::Secret", "secretsmanager", "secret:" },
	{ NULL, NULL, NULL },
};

/* The properties that name a resource of another service. */
static const char *const name_props[] = {
	"TableName", "QueueName", "BucketName", "TopicName", "RoleName", "Name",
	"EventBusName", "LogGroupName", "LayerName", NULL,
};

static char *other_arn(sam_ld *c, const res *r, const char *name)
{
	char svc[64];
	const char *s, *e;
	int i;

	for (i = 0; arn_forms[i].type; i++)
		if (!strcmp(arn_forms[i].type, r->type))
			return xasprintf("arn:aws:%s:%s:%s:%s%s", arn_forms[i].service, c->p->region,
					 c->p->account, arn_forms[i].kind, name);
	if (!strcmp(r->type, "AWS::S3::Bucket"))
		return xasprintf("arn:aws:s3:::%s", name);
	if (!strcmp(r->type, "AWS::IAM::Role"))
		return xasprintf("arn:aws:iam::%s:role/%s", c->p->account, name);
	if (r->kind == R_LAYER)
		return xasprintf("arn:aws:lambda:%s:%s:layer:%s:1", c->p->region, c->p->account, name);
	s = strstr(r->type, "::");
	s = s ? s + 2 : r->type;
	e = strstr(s, "::");
	snprintf(svc, sizeof svc, "%.*s", e ? (int)(e - s) : (int)strlen(s), s);
	for (i = 0; svc[i]; i++)
		svc[i] = (char)tolower((unsigned char)svc[i]);
	return xasprintf("arn:aws:%s:%s:%s:%s", svc, c->p->region, c->p->account, name);
}

static cJSON *str_take(char *s)
{
	cJSON *v = cJSON_CreateString(s);

	free(s);
	return v;
}

static int prop_str(sam_ld *c, const res *r, const char *name, int use_globals, char **out);

/* Fn.Alias and Fn.Version of a function with AutoPublishAlias, for which
 * SAM publishes version 1 and points the alias at it: their ARNs (a
 * qualified function ARN), or NULL with the problem reported. */
static cJSON *published_ref(sam_ld *c, const res *r, const char *nm, const char *what,
			    const tnode *at, const char *path)
{
	char *alias = NULL, *arn;
	cJSON *v;
	int got = strcmp(r->type, "AWS::Serverless::Function") ? 0 :
		prop_str(c, r, "AutoPublishAlias", 1, &alias);

	if (got <= 0) {
		if (got == 0)
			bad(c, at, path, "%s.%s: %s has no AutoPublishAlias, so SAM makes no %s for it",
			    r->id, what, r->id, strcmp(what, "Alias") ? "version" : "alias");
		return NULL;
	}
	arn = fn_arn(c, nm);
	v = str_take(xasprintf("%s:%s", arn, strcmp(what, "Alias") ? "1" : alias));
	free(arn);
	free(alias);
	return v;
}

/* The value of Ref name (pseudo parameter, parameter or resource), or
 * NULL with the problem reported at at. */
static cJSON *ref_value(sam_ld *c, const char *name, const tnode *at, const char *path)
{
	param *pm;
	res *r;
	const char *nm;

	if (!strcmp(name, "AWS::Region"))
		return cJSON_CreateString(c->p->region);
	if (!strcmp(name, "AWS::AccountId"))
		return cJSON_CreateString(c->p->account);
	if (!strcmp(name, "AWS::Partition"))
		return cJSON_CreateString(PARTITION);
	if (!strcmp(name, "AWS::StackName"))
		return cJSON_CreateString(c->stack);
	if (!strcmp(name, "AWS::URLSuffix"))
		return cJSON_CreateString(URL_SUFFIX);
	if (!strcmp(name, "AWS::NoValue"))
		return NOVALUE;
	if (!strcmp(name, "AWS::StackId"))
		return str_take(xasprintf("arn:aws:cloudformation:%s:%s:stack/%s/"
					  "00000000-0000-0000-0000-000000000000",
					  c->p->region, c->p->account, c->stack));
	if (!strcmp(name, "AWS::NotificationARNs"))
		return cJSON_CreateArray();
	if ((pm = param_find(c, name))) {
		if (!pm->value) {
			bad(c, at, path, "Ref: the parameter %s has no Default and no override "
			    "(--parameter-overrides %s=VALUE)", name, name);
			return NULL;
		}
		return js_dup(pm->value);
	}
	if (!(r = res_find(c, name))) {
		const char *dot = strrchr(name, '.');

		/* SAM's Fn.Alias and Fn.Version. */
		if (dot && (!strcmp(dot, ".Alias") || !strcmp(dot, ".Version"))) {
			char *id = xstrndup(name, (size_t)(dot - name));

			r = res_find(c, id);
			free(id);
			if (r && r->kind == R_FUNCTION)
				return (nm = res_name(c, r)) ? published_ref(c, r, nm, dot + 1, at, path) : NULL;
		}
		bad(c, at, path, "Ref: no parameter or resource is named \"%.100s\"", name);
		return NULL;
	}
	if (!(nm = res_name(c, r)))
		return NULL;
	switch (r->kind) {
	case R_FUNCTION:
		return cJSON_CreateString(nm);
	case R_MACHINE:
		return str_take(sm_arn(c, nm));
	case R_LAYER:
		return str_take(other_arn(c, r, nm));
	default:
		if (!strcmp(r->type, "AWS::SQS::Queue"))
			return str_take(xasprintf("https://sqs.%s." URL_SUFFIX "/%s/%s",
						  c->p->region, c->p->account, nm));
		if (!strcmp(r->type, "AWS::SNS::Topic"))
			return str_take(other_arn(c, r, nm));
		return cJSON_CreateString(nm);
	}
}

static cJSON *getatt_value(sam_ld *c, const char *id, const char *att, const tnode *at,
			   const char *path)
{
	res *r = res_find(c, id);
	const char *nm;

	if (!r) {
		bad(c, at, path, "Fn::GetAtt: no resource is named \"%.100s\"", id);
		return NULL;
	}
	if (!(nm = res_name(c, r)))
		return NULL;
	if (r->kind == R_FUNCTION) {
		if (!strcmp(att, "Arn"))
			return str_take(fn_arn(c, nm));
		if (!strcmp(att, "Alias") || !strcmp(att, "Version"))   /* ${Fn.Alias} in Fn::Sub */
			return published_ref(c, r, nm, att, at, path);
		bad(c, at, path, "Fn::GetAtt: %s is a function: its attribute is Arn, not %.100s",
		    id, att);
		return NULL;
	}
	if (r->kind == R_MACHINE) {
		if (!strcmp(att, "Arn"))
			return str_take(sm_arn(c, nm));
		if (!strcmp(att, "Name"))
			return cJSON_CreateString(nm);
		bad(c, at, path, "Fn::GetAtt: %s is a state machine: its attributes are Arn and "
		    "Name, not %.100s", id, att);
		return NULL;
	}
	if (!strcmp(att, "QueueUrl"))
		return ref_value(c, id, at, path);
	if (!strcmp(att, "StreamArn")) {
		char *arn = other_arn(c, r, nm);
		cJSON *v = str_take(xasprintf("%s/stream/1970-01-01T00:00:00.000", arn));

		free(arn);
		return v;
	}
	if (fs_ends_with(att, "Arn"))
		return str_take(other_arn(c, r, nm));
	return cJSON_CreateString(nm);
}

/* Fn::GetAtt's argument: [Resource, Attribute] or "Resource.Attribute". */
static cJSON *fn_getatt(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	char *id = NULL, *att;
	cJSON *v = NULL, *a = NULL;

	if (arg->kind == TN_SCALAR) {
		const char *dot = strchr(arg->text, '.');

		if (dot && dot > arg->text && dot[1]) {
			id = xstrndup(arg->text, (size_t)(dot - arg->text));
			v = getatt_value(c, id, dot + 1, at, path);
			free(id);
			return v;
		}
	} else if (arg->kind == TN_SEQ && arg->n == 2 && arg->vals[0]->kind == TN_SCALAR) {
		a = ev(c, arg->vals[1], path);
		if (!a)
			return NULL;
		if (cJSON_IsString(a)) {
			att = a->valuestring;
			v = getatt_value(c, arg->vals[0]->text, att, at, path);
			val_free(a);
			return v;
		}
		val_free(a);
	}
	bad(c, at, path, "Fn::GetAtt takes [Resource, Attribute] or \"Resource.Attribute\"");
	return NULL;
}

static cJSON *fn_ref(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	if (arg->kind != TN_SCALAR || !*arg->text) {
		bad(c, at, path, "Ref takes the name of a parameter or resource");
		return NULL;
	}
	return ref_value(c, arg->text, at, path);
}

/* Appends n bytes of s to the growing string *b of length *len. */
static void buf_add(char **b, size_t *len, const char *s, size_t n)
{
	*b = xrealloc(*b, *len + n + 1);
	memcpy(*b + *len, s, n);
	*len += n;
	(*b)[*len] = 0;
}

/* Fn::Sub: "text ${Name} ${Res.Attr} ${!Literal}", or [text, {Name: value}]. */
static cJSON *fn_sub(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	const tnode *tmpl = arg, *vars = NULL;
	const char *s, *open, *close;
	char *out = NULL, *name, *t;
	size_t len = 0;
	cJSON *v;

	if (arg->kind == TN_SEQ && arg->n == 2 && arg->vals[1]->kind == TN_MAP) {
		tmpl = arg->vals[0];
		vars = arg->vals[1];
	}
	if (tmpl->kind != TN_SCALAR) {
		bad(c, at, path, "Fn::Sub takes a string, or [string, {Name: value, ...}]");
		return NULL;
	}
	buf_add(&out, &len, "", 0);
	for (s = tmpl->text; (open = strstr(s, "${")); s = close + 1) {
		buf_add(&out, &len, s, (size_t)(open - s));
		if (open[2] == '!') {
			buf_add(&out, &len, "${", 2);
			close = open + 2;
			continue;
		}
		if (!(close = strchr(open + 2, '}'))) {
			bad(c, at, path, "Fn::Sub: \"${\" without its \"}\"");
			free(out);
			return NULL;
		}
		name = xstrndup(open + 2, (size_t)(close - open - 2));
		if (vars && map_get(vars, name)) {
			v = ev(c, map_get(vars, name), path);
		} else if (strchr(name, '.') && !param_find(c, name)) {
			char *dot = strchr(name, '.');

			*dot = 0;
			v = getatt_value(c, name, dot + 1, at, path);
			*dot = '.';
		} else {
			v = ref_value(c, name, at, path);
		}
		t = v && v != NOVALUE ? as_text(v) : NULL;
		if (v && !t)
			bad(c, at, path, "Fn::Sub: ${%s} is not a string", name);
		val_free(v);
		free(name);
		if (!t) {
			free(out);
			return NULL;
		}
		buf_add(&out, &len, t, strlen(t));
		free(t);
	}
	buf_add(&out, &len, s, strlen(s));
	return str_take(out);
}

/* Evaluates arg, which must give a list; owned or NULL (reported). */
static cJSON *ev_list(sam_ld *c, const tnode *at, const tnode *arg, const char *path,
		      const char *fn)
{
	cJSON *v = ev(c, arg, path);

	if (v && !cJSON_IsArray(v)) {
		bad(c, at, path, "%s: needs a list here", fn);
		val_free(v);
		return NULL;
	}
	return v;
}

/* Evaluates arg, which must give text; owned or NULL (reported). */
static char *ev_text(sam_ld *c, const tnode *at, const tnode *arg, const char *path,
		     const char *fn)
{
	cJSON *v = ev(c, arg, path);
	char *t = v && v != NOVALUE ? as_text(v) : NULL;

	if (v && !t)
		bad(c, at, path, "%s: needs a string here", fn);
	val_free(v);
	return t;
}

static cJSON *fn_join(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	cJSON *list, *it;
	char *out = NULL, *t;
	size_t len = 0;
	int first = 1;

	if (arg->kind != TN_SEQ || arg->n != 2 || arg->vals[0]->kind != TN_SCALAR) {
		bad(c, at, path, "Fn::Join takes [delimiter, [values]]");
		return NULL;
	}
	if (!(list = ev_list(c, at, arg->vals[1], path, "Fn::Join")))
		return NULL;
	buf_add(&out, &len, "", 0);
	cJSON_ArrayForEach(it, list) {
		if (!(t = as_text(it))) {
			bad(c, at, path, "Fn::Join: the values must be strings");
			free(out);
			cJSON_Delete(list);
			return NULL;
		}
		if (!first)
			buf_add(&out, &len, arg->vals[0]->text, strlen(arg->vals[0]->text));
		first = 0;
		buf_add(&out, &len, t, strlen(t));
		free(t);
	}
	cJSON_Delete(list);
	return str_take(out);
}

static cJSON *fn_select(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	cJSON *list, *v;
	char *t, *end;
	long i;

	if (arg->kind != TN_SEQ || arg->n != 2) {
		bad(c, at, path, "Fn::Select takes [index, [values]]");
		return NULL;
	}
	if (!(t = ev_text(c, at, arg->vals[0], path, "Fn::Select")))
		return NULL;
	i = strtol(t, &end, 10);
	if (!*t || *end || i < 0) {
		bad(c, at, path, "Fn::Select: the index must be an integer of 0 or more, not \"%s\"",
		    t);
		free(t);
		return NULL;
	}
	free(t);
	if (!(list = ev_list(c, at, arg->vals[1], path, "Fn::Select")))
		return NULL;
	if (i >= cJSON_GetArraySize(list)) {
		bad(c, at, path, "Fn::Select: index %ld is out of range (the list has %d values)",
		    i, cJSON_GetArraySize(list));
		cJSON_Delete(list);
		return NULL;
	}
	v = cJSON_DetachItemFromArray(list, (int)i);
	cJSON_Delete(list);
	return v;
}

static cJSON *fn_split(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	const char *d, *s, *hit;
	char *t;
	cJSON *list;

	if (arg->kind != TN_SEQ || arg->n != 2 || arg->vals[0]->kind != TN_SCALAR ||
	    !*arg->vals[0]->text) {
		bad(c, at, path, "Fn::Split takes [delimiter, string]");
		return NULL;
	}
	if (!(t = ev_text(c, at, arg->vals[1], path, "Fn::Split")))
		return NULL;
	d = arg->vals[0]->text;
	list = cJSON_CreateArray();
	for (s = t; (hit = strstr(s, d)); s = hit + strlen(d))
		cJSON_AddItemToArray(list, str_take(xstrndup(s, (size_t)(hit - s))));
	cJSON_AddItemToArray(list, cJSON_CreateString(s));
	free(t);
	return list;
}

static cJSON *fn_if(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	int r;

	if (arg->kind != TN_SEQ || arg->n != 3 || arg->vals[0]->kind != TN_SCALAR) {
		bad(c, at, path, "Fn::If takes [ConditionName, value if true, value if false]");
		return NULL;
	}
	if ((r = cond_named(c, arg->vals[0]->text, at, path)) < 0)
		return NULL;
	return ev(c, arg->vals[r ? 1 : 2], path);
}

static cJSON *fn_findinmap(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	char *k[3] = { NULL, NULL, NULL };
	const tnode *n = c->mappings;
	cJSON *v = NULL;
	int i;

	if (arg->kind != TN_SEQ || arg->n != 3) {
		bad(c, at, path, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]");
		return NULL;
	}
	for (i = 0; i < 3; i++)
		if (!(k[i] = ev_text(c, at, arg->vals[i], path, "Fn::FindInMap")))
			goto out;
	for (i = 0; i < 3; i++) {
		n = map_get(n, k[i]);
		if (!n) {
			bad(c, at, path, "Fn::FindInMap: Mappings has no %s%s%s%s%s",
			    k[0], i > 0 ? "." : "", i > 0 ? k[1] : "", i > 1 ? "." : "",
			    i > 1 ? k[2] : "");
			goto out;
		}
	}
	v = ev(c, n, path);
out:
	for (i = 0; i < 3; i++)
		free(k[i]);
	return v;
}

static cJSON *fn_base64(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	char *t = ev_text(c, at, arg, path, "Fn::Base64"), *out;
	size_t n;

	if (!t)
		return NULL;
	n = strlen(t);
	out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)t, (int)n);
	free(t);
	return str_take(out);
}

static cJSON *fn_getazs(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	char *t = ev_text(c, at, arg, path, "Fn::GetAZs");
	const char *region;
	cJSON *list;
	int i;

	if (!t)
		return NULL;
	region = *t ? t : c->p->region;
	list = cJSON_CreateArray();
	for (i = 0; i < 3; i++)
		cJSON_AddItemToArray(list, str_take(xasprintf("%s%c", region, 'a' + i)));
	free(t);
	return list;
}

static cJSON *fn_importvalue(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	bad(c, at, path, "Fn::ImportValue: another stack's exports cannot be read locally; "
	    "use a parameter instead");
	return NULL;
}

static cJSON *fn_condition_only(sam_ld *c, const tnode *at, const tnode *arg, const char *path)
{
	bad(c, at, path, "%s belongs in Conditions (use Fn::If with a condition's name here)",
	    at->keys[0]->text);
	return NULL;
}

typedef cJSON *(*fn_handler)(sam_ld *c, const tnode *at, const tnode *arg, const char *path);

static const struct intrinsic {
	const char *name;
	fn_handler fn;
} intrinsics[] = {
	{ "Ref", fn_ref }, { "Fn::GetAtt", fn_getatt }, { "Fn::Sub", fn_sub },
	{ "Fn::Join", fn_join }, { "Fn::Select", fn_select }, { "Fn::Split", fn_split },
	{ "Fn::If", fn_if }, { "Fn::FindInMap", fn_findinmap }, { "Fn::Base64", fn_base64 },
	{ "Fn::GetAZs", fn_getazs }, { "Fn::ImportValue", fn_importvalue },
	{ "Fn::Equals", fn_condition_only }, { "Fn::And", fn_condition_only },
	{ "Fn::Or", fn_condition_only }, { "Fn::Not", fn_condition_only },
	{ NULL, NULL },
};

/* Evaluates n: intrinsics applied.  Returns an owned value, NOVALUE, or
 * NULL when a problem was reported. */
static cJSON *ev(sam_ld *c, const tnode *n, const char *path)
{
	cJSON *out, *v;
	int i, failed = 0;

	if (++c->budget > PROJ_MAX_NODES) {
		if (c->budget == PROJ_MAX_NODES + 1)
			bad(c, n, path, "the template has more than %d nodes once its aliases are "
			    "expanded (an alias bomb?)", PROJ_MAX_NODES);
		return NULL;
	}
	if (n->kind == TN_SCALAR)
		return ev_scalar(n);
	if (n->kind == TN_MAP && n->n == 1 &&
	    (!strcmp(n->keys[0]->text, "Ref") || !strncmp(n->keys[0]->text, "Fn::", 4))) {
		for (i = 0; intrinsics[i].name; i++)
			if (!strcmp(intrinsics[i].name, n->keys[0]->text))
				return intrinsics[i].fn(c, n, n->vals[0], path);
		bad(c, n, path, "%.100s is not supported by steplocal", n->keys[0]->text);
		return NULL;
	}
	out = n->kind == TN_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
	for (i = 0; i < n->n; i++) {
		char *sub = n->kind == TN_MAP ? xasprintf("%s.%s", path, n->keys[i]->text) :
			xasprintf("%s[%d]", path, i);

		v = ev(c, n->vals[i], sub);
		free(sub);
		if (!v)
			failed = 1;
		else if (v == NOVALUE)
			continue;
		else if (n->kind == TN_MAP)
			cJSON_AddItemToObject(out, n->keys[i]->text, v);
		else
			cJSON_AddItemToArray(out, v);
	}
	if (failed) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* ---- conditions ---- */

static int cond_eval(sam_ld *c, const tnode *n, const char *path);

static int cond_named(sam_ld *c, const char *name, const tnode *at, const char *path)
{
	cond *k = NULL;
	char *cp;
	int i, r;

	for (i = 0; i < c->nconds; i++)
		if (!strcmp(c->conds[i].name, name))
			k = &c->conds[i];
	if (!k) {
		bad(c, at, path, "no condition is named \"%.100s\" under Conditions", name);
		return -1;
	}
	if (k->state >= 2)
		return k->state - 2;
	if (k->state == 1) {
		bad(c, at, path, "the condition %s depends on itself", name);
		return -1;
	}
	k->state = 1;
	cp = xasprintf("Conditions.%s", name);
	r = cond_eval(c, k->val, cp);
	free(cp);
	k->state = r < 0 ? 0 : r + 2;
	return r;
}

/* A condition expression: 1 true, 0 false, -1 reported problem. */
static int cond_eval(sam_ld *c, const tnode *n, const char *path)
{
	const char *fn;
	const tnode *arg;
	int i, r, acc;

	if (n->kind != TN_MAP || n->n != 1) {
		bad(c, n, path, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
		    "{Condition: Name}");
		return -1;
	}
	fn = n->keys[0]->text;
	arg = n->vals[0];
	if (!strcmp(fn, "Condition")) {
		if (arg->kind != TN_SCALAR) {
			bad(c, n, path, "Condition takes the name of a condition");
			return -1;
		}
		return cond_named(c, arg->text, n, path);
	}
	if (!strcmp(fn, "Fn::Equals")) {
		cJSON *a, *b;
		char *ta, *tb;

		if (arg->kind != TN_SEQ || arg->n != 2) {
			bad(c, n, path, "Fn::Equals takes [value, value]");
			return -1;
		}
		a = ev(c, arg->vals[0], path);
		b = a ? ev(c, arg->vals[1], path) : NULL;
		if (!a || !b) {
			val_free(a);
			return -1;
		}
		ta = as_text(a);
		tb = as_text(b);
		r = ta && tb ? !strcmp(ta, tb) : js_equal(a, b);
		free(ta);
		free(tb);
		val_free(a);
		val_free(b);
		return r;
	}
	if (!strcmp(fn, "Fn::Not")) {
		if (arg->kind != TN_SEQ || arg->n != 1) {
			bad(c, n, path, "Fn::Not takes [condition]");
			return -1;
		}
		r = cond_eval(c, arg->vals[0], path);
		return r < 0 ? -1 : !r;
	}
	if (!strcmp(fn, "Fn::And") || !strcmp(fn, "Fn::Or")) {
		int is_and = fn[4] == 'A';

		if (arg->kind != TN_SEQ || arg->n < 2 || arg->n > 10) {
			bad(c, n, path, "%s takes a list of 2 to 10 conditions", fn);
			return -1;
		}
		acc = is_and;
		for (i = 0; i < arg->n; i++) {
			if ((r = cond_eval(c, arg->vals[i], path)) < 0)
				return -1;
			acc = is_and ? acc && r : acc || r;
		}
		return acc;
	}
	bad(c, n, path, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
	    "{Condition: Name}, not %.100s", fn);
	return -1;
}

/* ---- resources ---- */

static const struct res_type {
	const char *type;
	res_kind kind;
	const char *name_prop;  /* the property that names it */
} res_types[] = {
	{ "AWS::Serverless::Function", R_FUNCTION, "FunctionName" },
	{ "AWS::Lambda::Function", R_FUNCTION, "FunctionName" },
	{ "AWS::Serverless::StateMachine", R_MACHINE, "Name" },
	{ "AWS::StepFunctions::StateMachine", R_MACHINE, "StateMachineName" },
	{ "AWS::Serverless::LayerVersion", R_LAYER, "LayerName" },
	{ "AWS::Lambda::LayerVersion", R_LAYER, "LayerName" },
	{ NULL, R_OTHER, NULL },
};

static const char *const resource_attrs[] = {
	"Type", "Properties", "Condition", "DependsOn", "Metadata", "DeletionPolicy",
	"UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Connectors",
	"IgnoreGlobals", NULL,
};

static char *prop_path(const res *r, const char *prop)
{
	return xasprintf("Resources.%s.Properties.%s", r->id, prop);
}

/* The physical name of r (its name property evaluated, else its logical
 * id); borrowed, or NULL when a problem was reported. */
static const char *res_name(sam_ld *c, res *r)
{
	const tnode *k = NULL, *v = NULL;
	cJSON *j;
	char *path;
	int i;

	if (r->naming == 2)
		return r->name;
	if (r->naming == 3)
		return NULL;    /* reported already */
	if (r->naming == 1) {
		bad(c, r->key, NULL, "Resources.%s: its name depends on itself", r->id);
		return NULL;
	}
	for (i = 0; res_types[i].type && strcmp(res_types[i].type, r->type); i++)
		;
	if (res_types[i].type) {
		k = map_key(r->props, res_types[i].name_prop);
		v = map_get(r->props, res_types[i].name_prop);
	} else {
		for (i = 0; name_props[i] && !v; i++) {
			k = map_key(r->props, name_props[i]);
			v = map_get(r->props, name_props[i]);
		}
	}
	r->naming = 1;
	if (v) {
		path = prop_path(r, k->text);
		j = ev(c, v, path);
		if (!j) {
			free(path);
			r->naming = 3;
			return NULL;
		}
		if (j != NOVALUE && !cJSON_IsString(j)) {
			char *s = shown(j);

			bad(c, k, path, "must be a string, not %s", s);
			free(s);
			val_free(j);
			free(path);
			r->naming = 3;
			return NULL;
		}
		if (j != NOVALUE)
			r->name = xstrdup(j->valuestring);
		val_free(j);
		free(path);
	}
	if (!r->name)
		r->name = xstrdup(r->id);
	r->naming = 2;
	return r->name;
}

/* A property of r evaluated (falling back to Globals.Function for
 * functions when use_globals): 1 with *v (owned), *key and *path (owned)
 * set, 0 when absent (or AWS::NoValue), -1 when a problem was reported. */
typedef struct prop {
	const tnode *key;
	cJSON *v;
	char *path;
} prop;

static int prop_get(sam_ld *c, const res *r, const char *name, int use_globals, prop *p)
{
	const tnode *v = map_get(r->props, name), *src = r->props;
	const tnode *gf = use_globals ? map_get(c->globals, "Function") : NULL;

	memset(p, 0, sizeof *p);
	if (!v && gf && (v = map_get(gf, name))) {
		src = gf;
		p->path = xasprintf("Globals.Function.%s", name);
	} else if (v) {
		p->path = prop_path(r, name);
	} else {
		return 0;
	}
	p->key = map_key(src, name);
	p->v = ev(c, v, p->path);
	if (!p->v || p->v == NOVALUE) {
		int r2 = p->v ? 0 : -1;

		free(p->path);
		p->path = NULL;
		p->v = NULL;
		return r2;
	}
	return 1;
}

static void prop_free(prop *p)
{
	cJSON_Delete(p->v);
	free(p->path);
}

/* An integer property: CloudFormation takes numbers and decimal text. */
static int prop_int(sam_ld *c, const res *r, const char *name, long long lo, long long hi,
		    const char *what, int *out)
{
	prop p;
	long long i = 0;
	char *end = NULL;
	int ok, got = prop_get(c, r, name, 1, &p);

	if (got <= 0)
		return got;
	if (cJSON_IsNumber(p.v))
		ok = js_is_integer(p.v) && (i = (long long)p.v->valuedouble, 1);
	else
		ok = cJSON_IsString(p.v) && *p.v->valuestring &&
			(i = strtoll(p.v->valuestring, &end, 10), !*end);
	if (!ok || i < lo || i > hi) {
		char *s = shown(p.v);

		bad(c, p.key, p.path, "must be %s, not %s", what, s);
		free(s);
		prop_free(&p);
		return -1;
	}
	*out = (int)i;
	prop_free(&p);
	return 1;
}

/* A string property: 1 with *out owned, 0 absent, -1 reported. */
static int prop_str(sam_ld *c, const res *r, const char *name, int use_globals, char **out)
{
	prop p;
	int got = prop_get(c, r, name, use_globals, &p);

	if (got <= 0)
		return got;
	if (!cJSON_IsString(p.v)) {
		char *s = shown(p.v);

		bad(c, p.key, p.path, "must be a string, not %s", s);
		free(s);
		prop_free(&p);
		return -1;
	}
	*out = xstrdup(p.v->valuestring);
	prop_free(&p);
	return 1;
}

static int valid_env_name(const char *s)
{
	return isalpha((unsigned char)s[0]) && s[1] &&
		strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
		strlen(s + 1);
}

static void env_set(proj_function *f, const char *name, const char *value)
{
	int i;

	for (i = 0; i < f->nenv; i++) {
		if (!strcmp(f->env[i].name, name)) {
			free(f->env[i].value);
			f->env[i].value = xstrdup(value);
			return;
		}
	}
	f->env = xrealloc(f->env, (size_t)(f->nenv + 1) * sizeof *f->env);
	f->env[f->nenv].name = xstrdup(name);
	f->env[f->nenv].value = xstrdup(value);
	f->nenv++;
}

/* Environment.Variables from one place (Globals or the resource). */
static int env_from(sam_ld *c, proj_function *f, const tnode *src, const char *base)
{
	const tnode *envk = map_key(src, "Environment"), *env = map_get(src, "Environment");
	char *path = xasprintf("%s.Environment", base);
	cJSON *v, *it;
	int rc = 0;

	if (!env) {
		free(path);
		return 0;
	}
	v = ev(c, env, path);
	if (!v) {
		free(path);
		return -1;
	}
	if (v != NOVALUE) {
		cJSON *vars = cJSON_IsObject(v) ? js_get(v, "Variables") : NULL;

		if (!cJSON_IsObject(v) || (vars && !cJSON_IsObject(vars))) {
			bad(c, envk, path, "must be a mapping {Variables: {NAME: value, ...}}");
			rc = -1;
		}
		const cJSON *each = rc ? NULL : vars;

		cJSON_ArrayForEach(it, each) {
			char *t = as_text(it);

			if (!valid_env_name(it->string)) {
				bad(c, envk, NULL, "%s.Variables.%s: a variable name must be a letter "
				    "followed by letters, digits or underscores", path, it->string);
				rc = -1;
			} else if (!t) {
				bad(c, envk, NULL, "%s.Variables.%s: must be a string, a number or a "
				    "boolean", path, it->string);
				rc = -1;
			} else {
				env_set(f, it->string, t);
			}
			free(t);
		}
	}
	val_free(v);
	free(path);
	return rc;
}

/* sam's --env-vars: only declared variables are replaced, the function's
 * own section winning over Parameters. */
static void env_overrides(sam_ld *c, proj_function *f, const res *r)
{
	const cJSON *all = js_get(c->envfile, "Parameters"), *mine = js_get(c->envfile, r->id);
	int i;

	if (!mine)
		mine = js_get(c->envfile, f->name);
	for (i = 0; i < f->nenv; i++) {
		const cJSON *v = js_get(mine, f->env[i].name);
		char *t;

		if (!v)
			v = js_get(all, f->env[i].name);
		if (v && (t = as_text(v))) {
			free(f->env[i].value);
			f->env[i].value = t;
		}
	}
}

/* A code location relative to the template: a folder or a .zip file. */
static int code_path(sam_ld *c, proj_function *f, const tnode *key, const char *path,
		     const char *s)
{
	struct stat st;
	char *full;
	int rc = 0;

	if (!strncmp(s, "s3://", 5)) {
		bad(c, key, path, "an S3 location cannot be run locally; give a local folder "
		    "or .zip file");
		return -1;
	}
	full = fs_join(c->p->dir, s);
	if (stat(full, &st) < 0) {
		bad(c, key, path, "\"%s\": %s (paths are relative to the template's folder)", s,
		    strerror(errno));
		rc = -1;
	} else if (!S_ISDIR(st.st_mode) && !(S_ISREG(st.st_mode) && fs_ends_with(s, ".zip"))) {
		bad(c, key, path, "must be a folder or a .zip file, not \"%s\"", s);
		rc = -1;
	} else if (!(f->code = realpath(full, NULL))) {
		bad(c, key, path, "\"%s\": %s", s, strerror(errno));
		rc = -1;
	} else {
		f->code_is_zip = !S_ISDIR(st.st_mode);
	}
	free(full);
	return rc;
}

static int mkdir_p(char *dir)
{
	char *s;

	for (s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* Inline source (ZipFile, InlineCode) written where CloudFormation puts
 * it: index.py or index.js in a folder named by a hash of the runtime and
 * the text, under $TMPDIR, so that a later load reuses it. */
static int code_inline(sam_ld *c, proj_function *f, const tnode *key, const char *path,
		       const char *src)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[33], *dir, *file, *tmp;
	const char *tmpdir = getenv("TMPDIR");
	FILE *out;
	EVP_MD_CTX *ctx;

	if (!f->runtime || f->lang == PROJ_LANG_PROVIDED) {
		bad(c, key, path, "inline code needs a python or nodejs runtime");
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, f->runtime, strlen(f->runtime) + 1) ||
	    !EVP_DigestUpdate(ctx, src, strlen(src)) || !EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		EVP_MD_CTX_free(ctx);
		bad(c, key, path, "cannot hash the inline code");
		return -1;
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 16 && i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	dir = xasprintf("%s/" INLINE_DIR_PREFIX "-%u/%.32s", tmpdir && *tmpdir ? tmpdir : "/tmp",
			(unsigned)getuid(), hex);
	file = xasprintf("%s/index.%s", dir, f->lang == PROJ_LANG_PYTHON ? "py" : "js");
	tmp = xasprintf("%s.%ld", file, (long)getpid());
	if (mkdir_p(dir) < 0 || !(out = fopen(tmp, "w"))) {
		bad(c, key, path, "cannot write the inline code under %s: %s", dir, strerror(errno));
		free(dir);
		free(file);
		free(tmp);
		return -1;
	}
	fputs(src, out);
	if (fclose(out) != 0 || rename(tmp, file) < 0) {
		bad(c, key, path, "cannot write %s: %s", file, strerror(errno));
		unlink(tmp);
		free(dir);
		free(file);
		free(tmp);
		return -1;
	}
	f->code = dir;
	free(file);
	free(tmp);
	return 0;
}

static void add_layer(proj_function *f, const char *path)
{
	f->layers = xrealloc(f->layers, (size_t)(f->nlayers + 1) * sizeof *f->layers);
	f->layers[f->nlayers++] = xstrdup(path);
}

/* One Layers item: a layer of the template (by its ARN) with a local
 * ContentUri, or a local folder. */
static int layer_item(sam_ld *c, proj_function *f, const tnode *key, const char *path,
		      const cJSON *item)
{
	struct stat st;
	char *full, *real, *arn;
	int i, rc = -1;

	if (!cJSON_IsString(item)) {
		bad(c, key, path, "each layer must be a string");
		return -1;
	}
	for (i = 0; i < c->nres; i++) {
		res *r = &c->res[i];
		prop p;
		int match;

		if (r->kind != R_LAYER || !res_name(c, r))
			continue;
		arn = other_arn(c, r, r->name);
		match = !strcmp(arn, item->valuestring);
		free(arn);
		if (!match)
			continue;
		if (prop_get(c, r, "ContentUri", 0, &p) <= 0 && prop_get(c, r, "Content", 0, &p) <= 0) {
			bad(c, key, path, "the layer %s has no local ContentUri", r->id);
			return -1;
		}
		if (!cJSON_IsString(p.v)) {
			bad(c, p.key, p.path, "must be a local folder (S3 locations cannot be run "
			    "locally)");
			prop_free(&p);
			return -1;
		}
		full = fs_join(c->p->dir, p.v->valuestring);
		if (stat(full, &st) < 0 || !S_ISDIR(st.st_mode) || !(real = realpath(full, NULL))) {
			bad(c, p.key, p.path, "\"%s\" is not a folder (paths are relative to the "
			    "template's folder)", p.v->valuestring);
		} else {
			add_layer(f, real);
			free(real);
			rc = 0;
		}
		free(full);
		prop_free(&p);
		return rc;
	}
	if (!strncmp(item->valuestring, "arn:", 4)) {
		/* A published layer (Powertools, an extension, ...): the
		 * function runs without it, as the notice says. */
		if (c->info) {
			sam_info *in = c->info;

			in->not_emulated = xrealloc(in->not_emulated, (size_t)(in->nnot_emulated + 1) *
						    sizeof *in->not_emulated);
			in->not_emulated[in->nnot_emulated++] =
				xasprintf("%s's layer %.200s (not downloaded)", f->name, item->valuestring);
		}
		return 0;
	}
	full = fs_join(c->p->dir, item->valuestring);
	if (stat(full, &st) == 0 && S_ISDIR(st.st_mode) && (real = realpath(full, NULL))) {
		add_layer(f, real);
		free(real);
		rc = 0;
	} else {
		bad(c, key, path, "the layer \"%.100s\" is neither a layer of this template nor a "
		    "local folder", item->valuestring);
	}
	free(full);
	return rc;
}

static int fn_layers(sam_ld *c, proj_function *f, const res *r)
{
	const tnode *gf = map_get(c->globals, "Function");
	const tnode *srcs[2] = { gf, r->props };
	int s, rc = 0;

	/* SAM adds the resource's layers after the global ones. */
	for (s = 0; s < 2; s++) {
		const tnode *v = map_get(srcs[s], "Layers");
		char *path = s ? prop_path(r, "Layers") : xstrdup("Globals.Function.Layers");
		cJSON *j, *it;

		if (!v) {
			free(path);
			continue;
		}
		j = ev(c, v, path);
		if (j && j != NOVALUE && !cJSON_IsArray(j)) {
			bad(c, map_key(srcs[s], "Layers"), path, "must be a list of layers");
			rc = -1;
		} else if (!j) {
			rc = -1;
		} else if (j != NOVALUE) {
			cJSON_ArrayForEach(it, j)
				if (layer_item(c, f, map_key(srcs[s], "Layers"), path, it) < 0)
					rc = -1;
		}
		val_free(j);
		free(path);
	}
	return rc;
}

static int valid_function_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
		strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static void load_function(sam_ld *c, res *r)
{
	proj_function *f = &c->p->functions[c->p->nfunctions];
	int serverless = !strcmp(r->type, "AWS::Serverless::Function");
	const tnode *gf = serverless ? map_get(c->globals, "Function") : NULL;
	char *s = NULL, *path;
	prop p;
	int got, arch;

	memset(f, 0, sizeof *f);
	f->timeout = PROJ_DEFAULT_TIMEOUT;
	f->memory = PROJ_DEFAULT_MEMORY;
	f->concurrency = -1;
	if (!res_name(c, r))
		return;
	f->name = xstrdup(r->name);
	c->p->nfunctions++;
	if (!valid_function_name(f->name)) {
		const tnode *k = map_key(r->props, "FunctionName");

		path = prop_path(r, "FunctionName");
		bad(c, k ? k : r->key, path, "a function name must be 1 to 64 letters, digits, "
		    "hyphens or underscores");
		free(path);
	}
	if (prop_str(c, r, "PackageType", serverless, &s) > 0 && strcmp(s, "Zip")) {
		path = prop_path(r, "PackageType");
		bad(c, map_key(r->props, "PackageType"), path, "container images cannot be run "
		    "by steplocal (only Zip)");
		free(path);
	}
	free(s);
	s = NULL;
	if ((got = prop_str(c, r, "Runtime", serverless, &s)) > 0) {
		prop_get(c, r, "Runtime", serverless, &p);
		if (!(f->runtime = proj_runtime_find(s, &f->lang)))
			bad(c, p.key, p.path, "\"%.60s\" is not a runtime steplocal runs "
			    "(python3.8 to python3.13, nodejs18.x to nodejs22.x, provided, "
			    "provided.al2, provided.al2023)", s);
		prop_free(&p);
	} else if (got == 0) {
		bad(c, r->key, NULL, "Resources.%s: missing the Runtime property (in the resource "
		    "or Globals.Function)", r->id);
	}
	free(s);
	if (prop_str(c, r, "Handler", serverless, &f->handler) == 0 && f->runtime &&
	    f->lang != PROJ_LANG_PROVIDED)
		bad(c, r->key, NULL, "Resources.%s: missing the Handler property (runtime %s "
		    "needs one)", r->id, f->runtime);
	prop_int(c, r, "Timeout", 1, PROJ_MAX_TIMEOUT, "an integer from 1 to 900", &f->timeout);
	prop_int(c, r, "MemorySize", PROJ_MIN_MEMORY, PROJ_MAX_MEMORY,
		 "an integer from 128 to 10240", &f->memory);
	prop_int(c, r, "ReservedConcurrentExecutions", 0, INT32_MAX, "an integer of 0 or more",
		 &f->concurrency);
	if (prop_get(c, r, "Architectures", serverless, &p) > 0) {
		arch = cJSON_IsArray(p.v) && cJSON_GetArraySize(p.v) == 1 &&
			cJSON_IsString(p.v->child) && (!strcmp(p.v->child->valuestring, "x86_64") ||
						       !strcmp(p.v->child->valuestring, "arm64"));
		if (!arch)
			bad(c, p.key, p.path, "must be [x86_64] or [arm64]");
		prop_free(&p);
	}
	/* code */
	if (serverless) {
		if ((got = prop_get(c, r, "InlineCode", 0, &p)) > 0) {
			if (!cJSON_IsString(p.v))
				bad(c, p.key, p.path, "must be the source text");
			else
				code_inline(c, f, p.key, p.path, p.v->valuestring);
			prop_free(&p);
		} else if (got == 0 && (got = prop_get(c, r, "CodeUri", 1, &p)) > 0) {
			if (!cJSON_IsString(p.v))
				bad(c, p.key, p.path, "an S3 location cannot be run locally; give a "
				    "local folder or .zip file");
			else
				code_path(c, f, p.key, p.path, p.v->valuestring);
			prop_free(&p);
		} else if (got == 0) {
			code_path(c, f, r->key, r->id, ".");    /* sam's default */
		}
	} else if ((got = prop_get(c, r, "Code", 0, &p)) > 0) {
		const cJSON *zf = js_get(p.v, "ZipFile");

		if (cJSON_IsString(p.v))
			code_path(c, f, p.key, p.path, p.v->valuestring);
		else if (cJSON_IsString(zf))
			code_inline(c, f, p.key, p.path, zf->valuestring);
		else
			bad(c, p.key, p.path, "must be a local folder or .zip file, or {ZipFile: "
			    "source} (S3 locations and images cannot be run locally)");
		prop_free(&p);
	} else if (got == 0) {
		bad(c, r->key, NULL, "Resources.%s: missing the Code property", r->id);
	}
	/* environment: Globals first, the resource's variables win */
	if (gf)
		env_from(c, f, gf, "Globals.Function");
	path = xasprintf("Resources.%s.Properties", r->id);
	env_from(c, f, r->props, path);
	free(path);
	if (c->envfile)
		env_overrides(c, f, r);
	fn_layers(c, f, r);
}

/* ---- state machines ---- */

/* ${Name} replaced by subs' values in s; owned. */
static char *subst(const char *s, const cJSON *subs)
{
	const char *open, *close;
	char *out = NULL, *name;
	const cJSON *v;
	size_t len = 0;

	buf_add(&out, &len, "", 0);
	for (; (open = strstr(s, "${")) && (close = strchr(open + 2, '}')); s = close + 1) {
		name = xstrndup(open + 2, (size_t)(close - open - 2));
		v = js_get(subs, name);
		free(name);
		if (v) {
			buf_add(&out, &len, s, (size_t)(open - s));
			buf_add(&out, &len, v->valuestring, strlen(v->valuestring));
		} else {
			buf_add(&out, &len, s, (size_t)(close + 1 - s));
		}
	}
	buf_add(&out, &len, s, strlen(s));
	return out;
}

/* Substitutions in every string and key of a definition tree. */
static void subst_tree(cJSON *v, const cJSON *subs)
{
	cJSON *it;
	char *t;

	if (cJSON_IsString(v) && strstr(v->valuestring, "${")) {
		t = subst(v->valuestring, subs);
		cJSON_SetValuestring(v, t);
		free(t);
	}
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return;
	cJSON_ArrayForEach(it, v) {
		if (it->string && strstr(it->string, "${") && !(it->type & cJSON_StringIsConst)) {
			t = subst(it->string, subs);
			cJSON_free(it->string);
			it->string = cJSON_malloc(strlen(t) + 1);
			strcpy(it->string, t);
			free(t);
		}
		subst_tree(it, subs);
	}
}

/* Parses definition JSON text; reports where it is wrong. */
static cJSON *def_parse(sam_ld *c, const tnode *key, const char *path, const char *where,
			const char *text)
{
	size_t off = 0, i, len = strlen(text);
	int line = 1, col = 1;
	cJSON *v = js_parse_source(text, len, &off);

	if (v)
		return v;
	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	if (where)
		bad(c, key, path, "%s:%d:%d: not valid JSON", where, line, col);
	else
		bad(c, key, path, "not valid JSON (line %d, column %d of the text)", line, col);
	return NULL;
}

/* A DefinitionUri file: JSON (substituted as text, as Step Functions
 * does), or YAML when named .yaml/.yml (substituted per string). */
static cJSON *def_file(sam_ld *c, proj_machine *m, const tnode *key, const char *path,
		       const char *uri, const cJSON *subs)
{
	char *full = fs_join(c->p->dir, uri), *sh = fs_join(c->shown_dir, uri);
	char *why = NULL, *text, *t;
	size_t len = 0;
	cJSON *def = NULL;

	text = slurp(full, &len, &why);
	if (!text) {
		bad(c, key, path, "cannot read \"%s\": %s (paths are relative to the template's "
		    "folder)", uri, why);
	} else if (fs_ends_with(uri, ".yaml") || fs_ends_with(uri, ".yml")) {
		tdoc d;
		sam_ld dc = *c;

		dc.file = sh;
		if (td_parse(&d, sh, text, len, c->e) == 0 && d.root)
			def = ev(&dc, d.root, path);
		else if (!d.failed)
			bad(c, key, path, "\"%s\" is empty", uri);
		if (def == NOVALUE)
			def = NULL;
		if (def && subs)
			subst_tree(def, subs);
		td_free(&d);
	} else {
		t = subs ? subst(text, subs) : xstrdup(text);
		def = def_parse(c, key, path, sh, t);
		free(t);
	}
	if (def) {
		m->definition_file = realpath(full, NULL);
		if (!m->definition_file)
			m->definition_file = xstrdup(full);
		m->where = xstrdup(sh);
	}
	free(text);
	free(why);
	free(sh);
	free(full);
	return def;
}

static void load_machine(sam_ld *c, res *r)
{
	int serverless = !strcmp(r->type, "AWS::Serverless::StateMachine");
	proj_machine *m = &c->p->machines[c->p->nmachines];
	const char *type_prop = serverless ? "Type" : "StateMachineType";
	const char *name_prop = serverless ? "Name" : "StateMachineName";
	cJSON *subs = NULL, *it, *def = NULL;
	prop p, d;
	char *s = NULL;
	int got;

	memset(m, 0, sizeof *m);
	if (!res_name(c, r))
		return;
	m->name = xstrdup(r->name);
	c->p->nmachines++;
	if (!proj_machine_name_valid(m->name)) {
		const tnode *k = map_key(r->props, name_prop);
		char *path = prop_path(r, name_prop);

		bad(c, k ? k : r->key, path, "a state machine name must be 1 to 80 characters, "
		    "without white space, brackets, wildcards, control characters or any of "
		    "\" # %% \\ ^ | ~ ` $ & , ; : /");
		free(path);
	}
	if ((got = prop_str(c, r, type_prop, 0, &s)) > 0) {
		if (!strcmp(s, "EXPRESS")) {
			m->express = 1;
		} else if (strcmp(s, "STANDARD")) {
			char *path = prop_path(r, type_prop);

			bad(c, map_key(r->props, type_prop), path, "must be STANDARD or EXPRESS, "
			    "not \"%.60s\"", s);
			free(path);
		}
	}
	free(s);
	if (prop_get(c, r, "DefinitionSubstitutions", 0, &p) > 0) {
		if (!cJSON_IsObject(p.v)) {
			bad(c, p.key, p.path, "must be a mapping of names to values");
		} else {
			subs = cJSON_CreateObject();
			cJSON_ArrayForEach(it, p.v) {
				char *t = as_text(it);

				if (!t)
					bad(c, p.key, p.path, "%s: must be a string, a number or a "
					    "boolean", it->string);
				else
					cJSON_AddItemToObject(subs, it->string, str_take(t));
			}
		}
		prop_free(&p);
	}
	if (serverless && map_get(r->props, "Definition") && map_get(r->props, "DefinitionUri")) {
		char *path = prop_path(r, "DefinitionUri");

		bad(c, map_key(r->props, "DefinitionUri"), path, "give Definition or "
		    "DefinitionUri, not both");
		free(path);
	} else if ((got = prop_get(c, r, "Definition", 0, &d)) != 0) {
		/* got < 0: the problem is reported; the property is there. */
		if (got > 0 && !cJSON_IsObject(d.v)) {
			bad(c, d.key, d.path, "must be a mapping (the state machine's definition)");
		} else if (got > 0) {
			def = d.v;
			d.v = NULL;
			if (subs)
				subst_tree(def, subs);
			m->where = xasprintf("%s:%d:%d", c->file, d.key->line, d.key->col);
		}
		prop_free(&d);
	} else if (serverless && (got = prop_get(c, r, "DefinitionUri", 0, &d)) != 0) {
		if (got > 0 && !cJSON_IsString(d.v))
			bad(c, d.key, d.path, "an S3 location cannot be read locally; give the "
			    "path of a local definition file");
		else if (got > 0)
			def = def_file(c, m, d.key, d.path, d.v->valuestring, subs);
		prop_free(&d);
	} else if (!serverless && (got = prop_get(c, r, "DefinitionString", 0, &d)) != 0) {
		if (got > 0 && !cJSON_IsString(d.v)) {
			bad(c, d.key, d.path, "must be a string (the definition's JSON text)");
		} else if (got > 0) {
			char *t = subs ? subst(d.v->valuestring, subs) : xstrdup(d.v->valuestring);

			def = def_parse(c, d.key, d.path, NULL, t);
			free(t);
			if (def)
				m->where = xasprintf("%s:%d:%d", c->file, d.key->line, d.key->col);
		}
		prop_free(&d);
	} else if (map_get(r->props, "DefinitionS3Location")) {
		char *path = prop_path(r, "DefinitionS3Location");

		bad(c, map_key(r->props, "DefinitionS3Location"), path, "an S3 location cannot "
		    "be read locally; give Definition or DefinitionString");
		free(path);
	} else {
		bad(c, r->key, NULL, "Resources.%s: missing %s", r->id,
		    serverless ? "Definition or DefinitionUri" : "Definition or DefinitionString");
	}
	m->definition = def;
	cJSON_Delete(subs);
}

/* ---- the template ---- */

static void info_note(sam_ld *c, const res *r)
{
	sam_info *in = c->info;

	if (!in)
		return;
	in->not_emulated = xrealloc(in->not_emulated,
				    (size_t)(in->nnot_emulated + 1) * sizeof *in->not_emulated);
	in->not_emulated[in->nnot_emulated++] = xasprintf("%s (%s)", r->id, r->type);
}

static void info_alias(sam_ld *c, const res *r)
{
	sam_info *in = c->info;

	if (!in || !strcmp(r->id, r->name))
		return;
	in->aliases = xrealloc(in->aliases, (size_t)(in->naliases + 1) * sizeof *in->aliases);
	in->aliases[in->naliases].logical_id = xstrdup(r->id);
	in->aliases[in->naliases].name = xstrdup(r->name);
	in->naliases++;
}

/* Parameters: a Default, replaced by an override; list types become
 * lists, everything else text (as Ref gives a Number parameter). */
static void load_params(sam_ld *c, const tnode *params, const sam_opts *o)
{
	int i, k;

	c->params = xcalloc((size_t)(params ? params->n : 0) + 1, sizeof *c->params);
	for (i = 0; params && i < params->n; i++) {
		param *pm = &c->params[c->nparams++];
		const tnode *def = map_get(params->vals[i], "Default");
		const tnode *type = map_get(params->vals[i], "Type");
		const tnode *allowed = map_get(params->vals[i], "AllowedValues");
		char *text = NULL;

		pm->name = params->keys[i]->text;
		pm->key = params->keys[i];
		if (params->vals[i]->kind != TN_MAP) {
			bad(c, pm->key, NULL, "Parameters.%s: must be a mapping of Type, Default, ...",
			    pm->name);
			continue;
		}
		for (k = 0; k < o->noverrides; k++) {
			const char *eq = strchr(o->overrides[k], '=');

			if (eq && (size_t)(eq - o->overrides[k]) == strlen(pm->name) &&
			    !strncmp(o->overrides[k], pm->name, strlen(pm->name))) {
				free(text);
				text = xstrdup(eq + 1);
			}
		}
		if (!text && def) {
			if (def->kind != TN_SCALAR && def->kind != TN_SEQ) {
				bad(c, def, NULL, "Parameters.%s.Default: must be a value", pm->name);
				continue;
			}
			if (def->kind == TN_SCALAR) {
				text = xstrdup(def->text);
			} else {
				pm->value = cJSON_CreateArray();
				for (k = 0; k < def->n; k++)
					cJSON_AddItemToArray(pm->value, cJSON_CreateString(
						def->vals[k]->kind == TN_SCALAR ? def->vals[k]->text : ""));
				continue;
			}
		}
		if (!text)
			continue;
		if (allowed && allowed->kind == TN_SEQ) {
			int ok = 0;

			for (k = 0; k < allowed->n; k++)
				ok |= allowed->vals[k]->kind == TN_SCALAR &&
					!strcmp(allowed->vals[k]->text, text);
			if (!ok)
				bad(c, pm->key, NULL, "Parameters.%s: \"%.60s\" is not one of its "
				    "AllowedValues", pm->name, text);
		}
		if (type && type->kind == TN_SCALAR &&
		    (!strcmp(type->text, "CommaDelimitedList") || !strncmp(type->text, "List<", 5))) {
			char *s = text, *comma;

			pm->value = cJSON_CreateArray();
			for (;; s = comma + 1) {
				comma = strchr(s, ',');
				cJSON_AddItemToArray(pm->value, str_take(
					comma ? xstrndup(s, (size_t)(comma - s)) : xstrdup(s)));
				if (!comma)
					break;
			}
			free(text);
		} else {
			pm->value = str_take(text);
		}
	}
	for (k = 0; k < o->noverrides; k++) {
		const char *eq = strchr(o->overrides[k], '=');
		char *name = eq ? xstrndup(o->overrides[k], (size_t)(eq - o->overrides[k])) : NULL;

		if (!name || !*name)
			errs_add(c->e, "--parameter-overrides: \"%s\" must be Key=Value",
				 o->overrides[k]);
		else if (!param_find(c, name))
			errs_add(c->e, "--parameter-overrides: %s: the template has no parameter "
				 "named %s", o->overrides[k], name);
		free(name);
	}
}

static int load_envfile(sam_ld *c, const char *path)
{
	char *why = NULL, *text;
	size_t len = 0, off = 0;
	const cJSON *it;

	text = slurp(path, &len, &why);
	if (!text) {
		errs_add(c->e, "%s: cannot read: %s", path, why);
		free(why);
		return -1;
	}
	c->envfile = js_parse(text, len, &off);
	free(text);
	if (!c->envfile || !cJSON_IsObject(c->envfile)) {
		errs_add(c->e, "%s: must be a JSON object {\"FunctionLogicalId\": {\"VAR\": "
			 "\"value\"}, \"Parameters\": {\"VAR\": \"value\"}}", path);
		return -1;
	}
	cJSON_ArrayForEach(it, c->envfile) {
		if (!cJSON_IsObject(it)) {
			errs_add(c->e, "%s: %s: must be an object of variable names to values",
				 path, it->string);
			return -1;
		}
	}
	return 0;
}

/* Reads Resources into c->res (before any is evaluated). */
static void load_resources(sam_ld *c, const tnode *resources)
{
	int i, k;

	c->res = xcalloc((size_t)resources->n + 1, sizeof *c->res);
	for (i = 0; i < resources->n; i++) {
		res *r = &c->res[c->nres];
		const tnode *n = resources->vals[i], *type = map_get(n, "Type");

		r->id = resources->keys[i]->text;
		r->key = resources->keys[i];
		r->node = n;
		if (n->kind != TN_MAP) {
			bad(c, r->key, NULL, "Resources.%s: must be a mapping of Type, Properties, ...",
			    r->id);
			continue;
		}
		if (!type || type->kind != TN_SCALAR) {
			bad(c, r->key, NULL, "Resources.%s: missing the Type (AWS::Serverless::Function, "
			    "...)", r->id);
			continue;
		}
		for (k = 0; k < n->n; k++) {
			int j;

			for (j = 0; resource_attrs[j] && strcmp(resource_attrs[j], n->keys[k]->text); j++)
				;
			if (!resource_attrs[j])
				bad(c, n->keys[k], NULL, "Resources.%s.%s: not a resource attribute (Type, "
				    "Properties, Condition, DependsOn, Metadata, ...)", r->id,
				    n->keys[k]->text);
		}
		r->type = type->text;
		r->props = map_get(n, "Properties");
		if (r->props && r->props->kind != TN_MAP) {
			bad(c, map_key(n, "Properties"), NULL, "Resources.%s.Properties: must be a "
			    "mapping", r->id);
			continue;
		}
		for (k = 0; res_types[k].type && strcmp(res_types[k].type, r->type); k++)
			;
		r->kind = res_types[k].kind;
		c->nres++;
	}
}

static void load_template(sam_ld *c, const sam_opts *o)
{
	const tnode *root = c->root, *resources = map_get(root, "Resources");
	const tnode *conds = map_get(root, "Conditions");
	int i, nf = 0, nm = 0;

	if (root->kind != TN_MAP || !resources || resources->kind != TN_MAP || !resources->n) {
		bad(c, root, NULL, "a template must be a mapping with a Resources mapping");
		return;
	}
	c->mappings = map_get(root, "Mappings");
	c->globals = map_get(root, "Globals");
	load_params(c, map_get(root, "Parameters"), o);
	c->conds = xcalloc((size_t)(conds && conds->kind == TN_MAP ? conds->n : 0) + 1,
			   sizeof *c->conds);
	for (i = 0; conds && conds->kind == TN_MAP && i < conds->n; i++) {
		c->conds[c->nconds].name = conds->keys[i]->text;
		c->conds[c->nconds].key = conds->keys[i];
		c->conds[c->nconds++].val = conds->vals[i];
	}
	load_resources(c, resources);
	for (i = 0; i < c->nres; i++) {
		res *r = &c->res[i];
		const tnode *cn = map_get(r->node, "Condition");

		if (cn) {
			char *path = xasprintf("Resources.%s.Condition", r->id);
			int v = cn->kind == TN_SCALAR ? cond_named(c, cn->text, cn, path) : -1;

			if (cn->kind != TN_SCALAR)
				bad(c, cn, path, "must be the name of a condition");
			r->skip = v != 1;
			free(path);
		}
		nf += r->kind == R_FUNCTION;
		nm += r->kind == R_MACHINE;
	}
	c->p->functions = xcalloc((size_t)nf + 1, sizeof *c->p->functions);
	c->p->machines = xcalloc((size_t)nm + 1, sizeof *c->p->machines);
	for (i = 0; i < c->nres; i++) {
		res *r = &c->res[i];

		if (r->skip)
			continue;
		if (r->kind == R_FUNCTION)
			load_function(c, r);
		else if (r->kind == R_MACHINE)
			load_machine(c, r);
		else if (r->kind == R_OTHER)
			info_note(c, r);
		if ((r->kind == R_FUNCTION || r->kind == R_MACHINE) && r->name)
			info_alias(c, r);
	}
	/* two resources may not take one name */
	for (i = 0; i < c->p->nfunctions; i++) {
		int k;

		for (k = 0; k < i; k++)
			if (!strcmp(c->p->functions[i].name, c->p->functions[k].name))
				errs_add(c->e, "%s: two functions are named %s", c->file,
					 c->p->functions[i].name);
	}
	for (i = 0; i < c->p->nmachines; i++) {
		int k;

		for (k = 0; k < i; k++)
			if (!strcmp(c->p->machines[i].name, c->p->machines[k].name))
				errs_add(c->e, "%s: two state machines are named %s", c->file,
					 c->p->machines[i].name);
	}
}

static int valid_account(const char *s)
{
	return strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

proj_project *sam_load(const char *path, const sam_opts *o, sam_info *info, char **err)
{
	static const sam_opts none;
	char *text, *why = NULL, *shown_dir = NULL;
	size_t len = 0;
	errs e = { 0 };
	proj_project *p = NULL;
	sam_ld c;
	tdoc d = { 0 };
	int i;

	if (!o)
		o = &none;
	if (err)
		*err = NULL;
	if (info)
		memset(info, 0, sizeof *info);
	memset(&c, 0, sizeof c);
	text = slurp(path, &len, &why);
	if (!text) {
		errs_add(&e, "%s: cannot read: %s", path, why);
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	if (o->account && !valid_account(o->account))
		errs_add(&e, "the account must be 12 digits, not \"%.60s\"", o->account);
	memcpy(p->account, o->account && valid_account(o->account) ? o->account :
	       PROJ_DEFAULT_ACCOUNT, 13);
	p->region = xstrdup(o->region ? o->region : PROJ_DEFAULT_REGION);
	if (!(p->path = realpath(path, NULL))) {
		errs_add(&e, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	p->dir = fs_dir(p->path);
	shown_dir = fs_dir(path);
	c.file = path;
	c.shown_dir = shown_dir;
	c.e = &e;
	c.p = p;
	c.info = info;
	c.stack = o->stack_name ? o->stack_name : SAM_DEFAULT_STACK;
	if (o->env_vars && load_envfile(&c, o->env_vars) < 0)
		goto out;
	if (td_parse(&d, path, text, len, &e) < 0)
		goto out;
	if (!d.root) {
		errs_add(&e, "%s: the template is empty", path);
		goto out;
	}
	c.root = d.root;
	load_template(&c, o);
	if (info && info->nnot_emulated) {
		size_t n = 32;

		for (i = 0; i < info->nnot_emulated; i++)
			n += strlen(info->not_emulated[i]) + 2;
		info->notice = xmalloc(n);
		strcpy(info->notice, "not emulated: ");
		for (i = 0; i < info->nnot_emulated; i++) {
			if (i)
				strcat(info->notice, ", ");
			strcat(info->notice, info->not_emulated[i]);
		}
	}
out:
	td_free(&d);
	for (i = 0; i < c.nres; i++)
		free(c.res[i].name);
	free(c.res);
	for (i = 0; i < c.nparams; i++)
		cJSON_Delete(c.params[i].value);
	free(c.params);
	free(c.conds);
	cJSON_Delete(c.envfile);
	if (e.n) {
		if (err)
			*err = errs_join(&e);
		proj_free(p);
		p = NULL;
		sam_info_free(info);
	}
	errs_free(&e);
	free(shown_dir);
	free(text);
	free(why);
	return p;
}

void sam_info_free(sam_info *info)
{
	int i;

	if (!info)
		return;
	free(info->notice);
	for (i = 0; i < info->nnot_emulated; i++)
		free(info->not_emulated[i]);
	free(info->not_emulated);
	for (i = 0; i < info->naliases; i++) {
		free(info->aliases[i].logical_id);
		free(info->aliases[i].name);
	}
	free(info->aliases);
	memset(info, 0, sizeof *info);
}

const char *sam_info_resolve(const sam_info *info, const char *name)
{
	int i;

	for (i = 0; info && i < info->naliases; i++)
		if (!strcmp(info->aliases[i].logical_id, name))
			return info->aliases[i].name;
	return name;
}

int sam_is_template(const char *path)
{
	char *text, *why = NULL;
	size_t len = 0;
	errs e = { 0 };
	tdoc d;
	int yes = 0, i;

	text = slurp(path, &len, &why);
	if (!text) {
		free(why);
		return 0;
	}
	if (td_parse(&d, path, text, len, &e) == 0 && d.root && map_get(d.root, "Resources")) {
		const tnode *t = map_get(d.root, "Transform");

		yes = map_get(d.root, "AWSTemplateFormatVersion") != NULL;
		if (t && t->kind == TN_SCALAR)
			yes |= !strcmp(t->text, SERVERLESS_TRANSFORM);
		for (i = 0; t && t->kind == TN_SEQ && i < t->n; i++)
			yes |= t->vals[i]->kind == TN_SCALAR &&
				!strcmp(t->vals[i]->text, SERVERLESS_TRANSFORM);
	}
	td_free(&d);
	errs_free(&e);
	free(text);
	return yes;
}

char *sam_find(const char *dir)
{
	static const char *const names[] = { "template.yaml", "template.yml", "template.json", NULL };
	struct stat st;
	char *f;
	int i;

	for (i = 0; names[i]; i++) {
		f = fs_join(dir, names[i]);
		if (stat(f, &st) == 0 && S_ISREG(st.st_mode))
			return f;
		free(f);
	}
	return NULL;
}
