/* project.c - loads and checks steplocal.yaml (see project.h): libyaml events -> a node tree -> a proj_project. */
#include "project.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "errs.h"
#include "fsutil.h"
#include "xalloc.h"

/* Loading happens in two stages.  The first (yt_*) turns libyaml's events
 * into a tree of ynodes, doing what libyaml leaves to its users: typing
 * scalars, refusing unknown tags, resolving aliases (a node reached through
 * an alias is shared, not copied), applying merge keys, finding duplicate
 * keys, and bounding the expanded size and the depth of the document.  A
 * problem there stops the load, since the tree would be incomplete.  The
 * second stage (ld_*) walks the tree with a table of known keys per
 * section, reporting every problem it finds with its path, and fills in
 * the project. */

/* ---- tables ---- */

static const struct runtime_def {
	const char *name;
	proj_lang lang;
} runtimes[] = {
	{ "python3.8", PROJ_LANG_PYTHON }, { "python3.9", PROJ_LANG_PYTHON },
	{ "python3.10", PROJ_LANG_PYTHON }, { "python3.11", PROJ_LANG_PYTHON },
	{ "python3.12", PROJ_LANG_PYTHON }, { "python3.13", PROJ_LANG_PYTHON },
	{ "nodejs18.x", PROJ_LANG_NODE }, { "nodejs20.x", PROJ_LANG_NODE },
	{ "nodejs22.x", PROJ_LANG_NODE },
	{ "provided", PROJ_LANG_PROVIDED }, { "provided.al2", PROJ_LANG_PROVIDED },
	{ "provided.al2023", PROJ_LANG_PROVIDED },
};
#define NRUNTIMES ((int)(sizeof runtimes / sizeof runtimes[0]))

const char *const proj_fault_errors[] = {
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.TooManyRequestsException",
	"Lambda.ClientExecutionTimeoutException",
	"Lambda.ResourceNotFoundException",
	"Lambda.Unknown",
	NULL,
};

/* The variables the Lambda runtime sets, which AWS refuses in a function's
 * configuration (AWS_LAMBDA_EXEC_WRAPPER and the like stay allowed). */
static const char *const reserved_env[] = {
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ", NULL,
};

#define RESERVED_ENV_MSG \
	"Lambda was unable to configure your environment variables because the " \
	"environment variables you have provided contains reserved keys that are " \
	"currently not supported for modification. Reserved keys used in this request: "
#define ENV_NAME_MSG \
	"1 validation error detected: Value at 'environment.variables' failed to " \
	"satisfy constraint: Map keys must satisfy constraint: [Member must satisfy " \
	"regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
#define ENV_SIZE_MSG \
	"Lambda was unable to configure your environment variables because the " \
	"environment variables you have provided exceeded the 4KB limit. String measured: "

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"
#define QUOTE_MAX 60            /* bytes of a bad value quoted back */

/* ---- problems ---- */

/* s quoted for a message, JSON style, cut at QUOTE_MAX bytes; owned. */
static char *quote(const char *s, size_t len)
{
	size_t i, cut = len > QUOTE_MAX ? QUOTE_MAX : len, o = 0;
	char *q;

	while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;  /* never split a UTF-8 sequence */
	q = xmalloc(cut * 6 + 8);
	q[o++] = '"';
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			q[o++] = '\\';
			q[o++] = (char)c;
		} else if (c == '\n') {
			q[o++] = '\\';
			q[o++] = 'n';
		} else if (c == '\t') {
			q[o++] = '\\';
			q[o++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(q + o, "\\u%04x", c);
		} else {
			q[o++] = (char)c;
		}
	}
	if (cut < len) {
		memcpy(q + o, "...", 3);
		o += 3;
	}
	q[o++] = '"';
	q[o] = 0;
	return q;
}

/* ---- stage 1: the YAML tree ---- */

typedef enum yn_kind { YN_SCALAR, YN_MAP, YN_SEQ } yn_kind;
typedef enum yv_type { YV_NULL, YV_BOOL, YV_INT, YV_FLOAT, YV_STR } yv_type;

typedef struct ynode ynode;

typedef struct ypair {
	ynode *key, *val;
	const ynode *dup_of;    /* the earlier key this one repeats, or NULL */
} ypair;

struct ynode {
	yn_kind kind;
	int line, col;          /* 1-based */
	char *text;             /* scalar: the text, NUL-terminated */
	size_t len;
	yv_type type;           /* scalar: its type by the core schema or tag */
	int plain;              /* scalar: written without quotes */
	int merge_key;          /* scalar: the merge key << */
	ynode **items;          /* list */
	ypair *pairs;           /* mapping */
	int n, cap;
	size_t size;            /* nodes below and including this one, aliases expanded */
	int height;             /* levels below and including this one */
	ynode *next_alloc;      /* every node of a document, for yt_free */
};

typedef struct yframe {
	ynode *node;
	ynode *key;             /* mapping: a key waiting for its value */
	char *anchor;           /* the anchor being defined, or NULL */
} yframe;

typedef struct yanchor {
	char *name;
	ynode *node;
} yanchor;

typedef struct ytree {
	const char *file;       /* as shown in messages */
	const char *text;
	size_t len;
	errs *e;
	int failed;
	ynode *all;
	yframe *stack;
	int depth, stack_cap;
	yanchor *anchors;       /* open addressing, size anchor_cap (a power of 2) */
	size_t nanchors, anchor_cap;
	size_t total;           /* nodes so far, aliases expanded */
	ynode *root;
	int docs;
} ytree;

static void yt_fail(ytree *t, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void yt_fail(ytree *t, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	errs_add(t->e, "%s:%zu:%zu: %s", t->file, m->line + 1, m->column + 1, msg);
	free(msg);
	t->failed = 1;
}

static ynode *yt_node(ytree *t, yn_kind kind, const yaml_mark_t *m)
{
	ynode *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->size = 1;
	n->height = 1;
	n->next_alloc = t->all;
	t->all = n;
	return n;
}

static void yt_free(ytree *t)
{
	ynode *n, *next;
	size_t i;
	int k;

	for (n = t->all; n; n = next) {
		next = n->next_alloc;
		free(n->text);
		free(n->items);
		free(n->pairs);
		free(n);
	}
	for (i = 0; i < t->anchor_cap; i++)
		free(t->anchors[i].name);
	free(t->anchors);
	for (k = 0; k < t->depth; k++)
		free(t->stack[k].anchor);
	free(t->stack);
}

static size_t str_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static yanchor *anchor_slot(yanchor *tab, size_t cap, const char *name)
{
	size_t i = str_hash(name) & (cap - 1);

	while (tab[i].name && strcmp(tab[i].name, name))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Defines (or redefines: the latest definition wins) an anchor; takes name. */
static void anchor_set(ytree *t, char *name, ynode *node)
{
	yanchor *a;
	size_t i;

	if ((t->nanchors + 1) * 2 > t->anchor_cap) {
		size_t cap = t->anchor_cap ? t->anchor_cap * 2 : 16;
		yanchor *tab = xcalloc(cap, sizeof *tab);

		for (i = 0; i < t->anchor_cap; i++)
			if (t->anchors[i].name)
				*anchor_slot(tab, cap, t->anchors[i].name) = t->anchors[i];
		free(t->anchors);
		t->anchors = tab;
		t->anchor_cap = cap;
	}
	a = anchor_slot(t->anchors, t->anchor_cap, name);
	if (a->name) {
		free(name);
	} else {
		a->name = name;
		t->nanchors++;
	}
	a->node = node;
}

static ynode *anchor_get(const ytree *t, const char *name)
{
	if (!t->anchor_cap)
		return NULL;
	return anchor_slot(t->anchors, t->anchor_cap, name)->node;
}

/* Counts n more nodes of the expanded document; refuses an alias bomb. */
static int yt_count(ytree *t, size_t n, const yaml_mark_t *m)
{
	t->total += n;
	if (t->total > PROJ_MAX_NODES) {
		yt_fail(t, m, "the document has more than %d nodes once its aliases are "
			"expanded (an alias bomb?)", PROJ_MAX_NODES);
		return -1;
	}
	return 0;
}

/* ---- scalar types: the YAML 1.2 core schema ---- */

static int is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
		!strcmp(s, "NULL");
}

/* 1 for true, 0 for false, -1 for neither. */
static int bool_text(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return 0;
	return -1;
}

static int all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

#define DIGITS "0123456789"

/* Decimal [-+]?[0-9]+ (decimal_only) or also 0o[0-7]+ and 0x[0-9a-fA-F]+. */
static int is_int_text(const char *s, int decimal_only)
{
	if (!decimal_only && s[0] == '0' && s[1] == 'o')
		return all_of(s + 2, "01234567");
	if (!decimal_only && s[0] == '0' && s[1] == 'x')
		return all_of(s + 2, DIGITS "abcdefABCDEF");
	if (*s == '-' || *s == '+')
		s++;
	return all_of(s, DIGITS);
}

/* 1 for a finite float, 2 for an infinity or NaN, 0 for neither. */
static int float_text(const char *s)
{
	const char *p = s;
	int digits = 0;

	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return 2;
	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return 2;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p ? 0 : 1;
}

static yv_type plain_type(const char *s)
{
	if (is_null_text(s))
		return YV_NULL;
	if (bool_text(s) >= 0)
		return YV_BOOL;
	if (is_int_text(s, 0))
		return YV_INT;
	if (float_text(s))
		return YV_FLOAT;
	return YV_STR;
}

/* A tag as people write it: "!!int" for the YAML namespace, else as is. */
static const char *tag_shown(const char *tag, char *buf, size_t size)
{
	if (!strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX))) {
		snprintf(buf, size, "!!%s", tag + strlen(YAML_TAG_PREFIX));
		return buf;
	}
	return tag;
}

/* The standard tag name after "tag:yaml.org,2002:", "" for the
 * non-specific tag "!", or NULL for any other tag. */
static const char *std_tag(const char *tag)
{
	if (!strcmp(tag, "!"))
		return "";
	if (!strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)))
		return tag + strlen(YAML_TAG_PREFIX);
	return NULL;
}

/* A tag outside YAML's standard ones ("!Ref", "!!binary", ...). */
static void yt_unknown_tag(ytree *t, const yaml_mark_t *m, const char *tag)
{
	char buf[128];

	yt_fail(t, m, "the tag %.100s is not supported (only YAML's standard tags are: "
		"!!str, !!int, !!float, !!bool, !!null, !!seq and !!map)",
		tag_shown(tag, buf, sizeof buf));
}

/* A standard tag on the wrong kind of node ("!!str" on a mapping, ...). */
static void yt_misplaced_tag(ytree *t, const yaml_mark_t *m, const char *tag, const char *kind)
{
	char buf[128];

	yt_fail(t, m, "the tag %.100s does not apply to %s", tag_shown(tag, buf, sizeof buf), kind);
}

static int yt_container_tag(ytree *t, const yaml_mark_t *m, const yaml_char_t *tag,
			    const char *want)
{
	const char *st;

	if (!tag)
		return 0;
	st = std_tag((const char *)tag);
	if (st && (!*st || !strcmp(st, want)))
		return 0;
	if (!st || !(!strcmp(st, "map") || !strcmp(st, "seq") || !strcmp(st, "str") ||
		     !strcmp(st, "int") || !strcmp(st, "float") || !strcmp(st, "bool") ||
		     !strcmp(st, "null") || !strcmp(st, "merge")))
		yt_unknown_tag(t, m, (const char *)tag);
	else
		yt_misplaced_tag(t, m, (const char *)tag, !strcmp(want, "map") ? "a mapping" : "a list");
	return -1;
}

/* Attaches a finished node to the open container (or makes it the root). */
static void yt_attach(ytree *t, ynode *n, const yaml_mark_t *m)
{
	yframe *f;
	ynode *c;

	if (!t->depth) {
		t->root = n;
		return;
	}
	f = &t->stack[t->depth - 1];
	c = f->node;
	if (n->height + 1 > c->height)
		c->height = n->height + 1;
	c->size += n->size;
	if (c->kind == YN_MAP && !f->key) {
		if (n->kind != YN_SCALAR) {
			yt_fail(t, m, "mapping keys must be plain values, not %s",
				n->kind == YN_MAP ? "mappings" : "lists");
			return;
		}
		f->key = n;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		if (c->kind == YN_MAP)
			c->pairs = xrealloc(c->pairs, (size_t)c->cap * sizeof *c->pairs);
		else
			c->items = xrealloc(c->items, (size_t)c->cap * sizeof *c->items);
	}
	if (c->kind == YN_MAP) {
		c->pairs[c->n].key = f->key;
		c->pairs[c->n].val = n;
		c->pairs[c->n].dup_of = NULL;
		f->key = NULL;
	} else {
		c->items[c->n] = n;
	}
	c->n++;
}

static ynode *yt_scalar(ytree *t, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	const char *tag = (const char *)ev->data.scalar.tag, *st;
	ynode *n;

	if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length)) {
		yt_fail(t, m, "a NUL character (\\0) is not allowed in a value");
		return NULL;
	}
	n = yt_node(t, YN_SCALAR, m);
	n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (!tag) {
		n->type = n->plain ? plain_type(n->text) : YV_STR;
		n->merge_key = n->plain && !strcmp(n->text, "<<");
		return n;
	}
	st = std_tag(tag);
	if (!st) {
		yt_unknown_tag(t, m, tag);
		return NULL;
	}
	if (!*st || !strcmp(st, "str")) {
		n->type = YV_STR;
	} else if (!strcmp(st, "null") && is_null_text(n->text)) {
		n->type = YV_NULL;
	} else if (!strcmp(st, "bool") && bool_text(n->text) >= 0) {
		n->type = YV_BOOL;
	} else if (!strcmp(st, "int") && is_int_text(n->text, 0)) {
		n->type = YV_INT;
	} else if (!strcmp(st, "float") && (is_int_text(n->text, 1) || float_text(n->text))) {
		n->type = YV_FLOAT;
	} else if (!strcmp(st, "merge") && !strcmp(n->text, "<<")) {
		n->type = YV_STR;
		n->merge_key = 1;
	} else if (!strcmp(st, "null") || !strcmp(st, "bool") || !strcmp(st, "int") ||
		   !strcmp(st, "float") || !strcmp(st, "merge")) {
		char *q = quote(n->text, n->len);

		yt_fail(t, m, "%s is not a valid !!%s", q, st);
		free(q);
		return NULL;
	} else if (!strcmp(st, "map") || !strcmp(st, "seq")) {
		yt_misplaced_tag(t, m, tag, "a scalar value");
		return NULL;
	} else {
		yt_unknown_tag(t, m, tag);
		return NULL;
	}
	return n;
}

/* Merge keys and duplicate keys of a finished mapping.  The pairs become:
 * the explicit ones in order (a repeated key marked with dup_of), then the
 * pairs of the merged mappings whose keys are not already present (an
 * earlier merged mapping wins over a later one, as YAML specifies). */
typedef struct ycand {
	ypair p;
	size_t order;
	int merged;
	int keep;
} ycand;

static int cand_cmp(const void *a, const void *b)
{
	const ycand *x = *(const ycand *const *)a, *y = *(const ycand *const *)b;
	size_t n = x->p.key->len < y->p.key->len ? x->p.key->len : y->p.key->len;
	int c = memcmp(x->p.key->text, y->p.key->text, n);

	if (c)
		return c;
	if (x->p.key->len != y->p.key->len)
		return x->p.key->len < y->p.key->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void cand_push(ycand **v, size_t *n, size_t *cap, const ypair *p, int merged)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[*n].p = *p;
	(*v)[*n].p.dup_of = NULL;
	(*v)[*n].order = *n;
	(*v)[*n].merged = merged;
	(*v)[*n].keep = 1;
	(*n)++;
}

static int yt_map_finish(ytree *t, ynode *map)
{
	ycand *c = NULL, **sorted;
	size_t n = 0, cap = 0, i, j, k;
	int merges = 0, x, y;

	for (x = 0; x < map->n; x++)
		merges += map->pairs[x].key->merge_key;
	if (map->n < 2 && !merges)
		return 0;
	for (x = 0; x < map->n; x++)
		if (!map->pairs[x].key->merge_key)
			cand_push(&c, &n, &cap, &map->pairs[x], 0);
	for (x = 0; x < map->n; x++) {
		const ynode *v = map->pairs[x].val;
		int nsrc = v->kind == YN_SEQ ? v->n : 1;

		if (!map->pairs[x].key->merge_key)
			continue;
		for (y = 0; y < nsrc; y++) {
			const ynode *src = v->kind == YN_SEQ ? v->items[y] : v;

			if (src->kind != YN_MAP) {
				yaml_mark_t m = { 0, (size_t)src->line - 1, (size_t)src->col - 1 };

				yt_fail(t, &m, "a merge key (<<) takes a mapping or a list of mappings");
				free(c);
				return -1;
			}
			for (k = 0; k < (size_t)src->n; k++)
				cand_push(&c, &n, &cap, &src->pairs[k], 1);
		}
	}
	sorted = xmalloc((n ? n : 1) * sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = &c[i];
	qsort(sorted, n, sizeof *sorted, cand_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && sorted[i]->p.key->len == sorted[j]->p.key->len &&
		     !memcmp(sorted[i]->p.key->text, sorted[j]->p.key->text, sorted[i]->p.key->len); j++)
			;
		for (k = i + 1; k < j; k++) {
			if (sorted[k]->merged)
				sorted[k]->keep = 0;
			else
				sorted[k]->p.dup_of = sorted[i]->p.key;
		}
	}
	free(sorted);
	map->n = 0;
	if ((size_t)map->cap < n) {
		map->cap = (int)n;
		map->pairs = xrealloc(map->pairs, n * sizeof *map->pairs);
	}
	for (i = 0; i < n; i++)
		if (c[i].keep)
			map->pairs[map->n++] = c[i].p;
	free(c);
	return 0;
}

static void yt_push(ytree *t, ynode *n, const yaml_char_t *anchor)
{
	if (t->depth == t->stack_cap) {
		t->stack_cap = t->stack_cap ? t->stack_cap * 2 : 16;
		t->stack = xrealloc(t->stack, (size_t)t->stack_cap * sizeof *t->stack);
	}
	t->stack[t->depth].node = n;
	t->stack[t->depth].key = NULL;
	t->stack[t->depth].anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	t->depth++;
}

static void yt_event(ytree *t, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	ynode *n;
	int k;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++t->docs > 1)
			yt_fail(t, m, "a project file holds one YAML document, not several");
		break;
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;

		n = anchor_get(t, name);
		if (!n) {
			for (k = 0; k < t->depth; k++)
				if (t->stack[k].anchor && !strcmp(t->stack[k].anchor, name))
					break;
			yt_fail(t, m, k < t->depth ?
				"the alias *%.100s is inside the node it refers to" :
				"the alias *%.100s refers to no anchor defined before it", name);
			break;
		}
		if (t->depth + n->height > PROJ_MAX_DEPTH) {
			yt_fail(t, m, "the document nests more than %d levels deep", PROJ_MAX_DEPTH);
			break;
		}
		if (yt_count(t, n->size, m) == 0)
			yt_attach(t, n, m);
		break;
	}
	case YAML_SCALAR_EVENT:
		if (yt_count(t, 1, m) < 0 || !(n = yt_scalar(t, ev)))
			break;
		if (ev->data.scalar.anchor)
			anchor_set(t, xstrdup((const char *)ev->data.scalar.anchor), n);
		yt_attach(t, n, m);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int map = ev->type == YAML_MAPPING_START_EVENT;

		if (t->depth + 1 > PROJ_MAX_DEPTH) {
			yt_fail(t, m, "the document nests more than %d levels deep", PROJ_MAX_DEPTH);
			break;
		}
		if (yt_count(t, 1, m) < 0 ||
		    yt_container_tag(t, m, map ? ev->data.mapping_start.tag :
				     ev->data.sequence_start.tag, map ? "map" : "seq") < 0)
			break;
		n = yt_node(t, map ? YN_MAP : YN_SEQ, m);
		yt_push(t, n, map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
		break;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		yframe f = t->stack[--t->depth];
		yaml_mark_t start = { 0, (size_t)f.node->line - 1, (size_t)f.node->col - 1 };

		if (f.node->kind == YN_MAP && yt_map_finish(t, f.node) < 0) {
			free(f.anchor);
			break;
		}
		if (f.anchor)
			anchor_set(t, f.anchor, f.node);
		yt_attach(t, f.node, &start);
		break;
	}
	default:
		break;
	}
}

/* libyaml's report of a syntax error. */
static void yt_syntax_error(ytree *t, const yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "cannot parse the YAML";

	if (p->error == YAML_MEMORY_ERROR) {
		fprintf(stderr, "steplocal: out of memory in libyaml\n");
		abort();
	}
	if (p->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset only. */
		size_t i, off = p->problem_offset < t->len ? p->problem_offset : t->len;

		m.line = 0;
		m.column = 0;
		for (i = 0; i < off; i++) {
			if (t->text[i] == '\n') {
				m.line++;
				m.column = 0;
			} else if (((unsigned char)t->text[i] & 0xC0) != 0x80) {
				m.column++;
			}
		}
		if (p->problem_value >= 0)
			yt_fail(t, &m, "%s (byte 0x%02X)", problem, (unsigned)p->problem_value);
		else
			yt_fail(t, &m, "%s", problem);
		return;
	}
	if (p->context)
		yt_fail(t, &m, "%s (%s at line %zu, column %zu)", problem, p->context,
			p->context_mark.line + 1, p->context_mark.column + 1);
	else
		yt_fail(t, &m, "%s", problem);
}

/* Parses text into t (file names it in messages).  Returns 0 with t->root
 * set (NULL for an empty document), or -1 with the problem added to e. */
static int yt_parse(ytree *t, const char *file, const char *text, size_t len, errs *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0;

	memset(t, 0, sizeof *t);
	t->file = file;
	t->text = text;
	t->len = len;
	t->e = e;
	if (!yaml_parser_initialize(&p)) {
		fprintf(stderr, "steplocal: out of memory in libyaml\n");
		abort();
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !t->failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			yt_syntax_error(t, &p);
			break;
		}
		yt_event(t, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return t->failed ? -1 : 0;
}

/* ---- files ---- */

/* The whole file at path; owned, NUL-terminated, or NULL with *why set to
 * an owned reason. */
static char *read_file(const char *path, size_t *len, char **why)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = xstrdup(strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*why = xstrdup(strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = xstrdup(S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size > PROJ_MAX_FILE_BYTES) {
		*why = xasprintf("larger than %d MiB", PROJ_MAX_FILE_BYTES / (1024 * 1024));
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < (size_t)st.st_size) {
		*why = xstrdup(r < 0 ? strerror(errno) : "the file shrank while being read");
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	buf[got] = 0;
	*len = got;
	return buf;
}

/* ---- stage 2: the project ---- */

typedef struct ld {
	const char *file;       /* the project file as shown in messages */
	const char *shown_dir;  /* its folder as shown ("" for the current one) */
	errs *e;
	proj_project *p;
	const ynode *fn_names;  /* the functions mapping, for faults */
	int has_template;       /* template: given; its functions come later */
} ld;

static void bad(ld *c, const ynode *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void bad(ld *c, const ynode *at, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vat(c->e, c->file, at->line, at->col, path, fmt, ap);
	va_end(ap);
}

/* What a wrong value is, for "..., not X" (owned): "a mapping", "a list",
 * "null", or the text quoted. */
static char *describe(const ynode *v)
{
	if (v->kind == YN_MAP)
		return xstrdup("a mapping");
	if (v->kind == YN_SEQ)
		return xstrdup("a list");
	if (v->plain && v->type == YV_NULL)
		return xstrdup("null");
	return quote(v->text, v->len);
}

/* Reports "PATH: must be WHAT, not <v>" at the node at (the key that
 * PATH ends with, or the list item). */
static void bad_value(ld *c, const ynode *at, const ynode *v, const char *path, const char *what)
{
	char *d = describe(v);

	bad(c, at, path, "must be %s, not %s", what, d);
	free(d);
}

static char *path_key(const char *path, const char *key)
{
	return path ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

static void bad_dup(ld *c, const ypair *pr, const char *path)
{
	bad(c, pr->key, path, "duplicate key (the first is at line %d, column %d)",
	    pr->dup_of->line, pr->dup_of->col);
}

/* Optimal string alignment distance, ignoring case; large for long strings. */
static int edit_distance(const char *a, const char *b)
{
	int d[66][66], la = (int)strlen(a), lb = (int)strlen(b), i, j;

	if (la > 64 || lb > 64)
		return 1000;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The name of names (n of them, each at stride bytes from the previous)
 * closest to s, if close enough to be a likely typo; else NULL. */
static const char *suggest(const char *s, const void *names, int n, size_t stride)
{
	const char *best = NULL;
	int i, bd = 1000;

	for (i = 0; i < n; i++) {
		const char *name = *(const char *const *)((const char *)names + (size_t)i * stride);
		int d = edit_distance(s, name), limit = strlen(name) >= 10 ? 2 : 1;

		if (d <= limit && d <= bd) {     /* ties: the later (newer) name */
			bd = d;
			best = name;
		}
	}
	return best;
}

/* "a, b, c" of names; owned. */
static char *name_list(const void *names, int n, size_t stride, const char *last_sep)
{
	char *s = xstrdup(""), *t;
	int i;

	for (i = 0; i < n; i++) {
		const char *name = *(const char *const *)((const char *)names + (size_t)i * stride);

		t = xasprintf("%s%s%s", s, !i ? "" : i == n - 1 ? last_sep : ", ", name);
		free(s);
		s = t;
	}
	return s;
}

/* Reports that v is none of names (with a suggestion when one is close). */
static void bad_choice(ld *c, const ynode *at, const ynode *v, const char *path,
		       const void *names, int n, size_t stride)
{
	char *list = name_list(names, n, stride, " or "), *what, *d;
	const char *near = v->kind == YN_SCALAR ? suggest(v->text, names, n, stride) : NULL;

	what = xasprintf("one of %s", list);
	d = describe(v);
	if (near)
		bad(c, at, path, "must be %s, not %s (did you mean %s?)", what, d, near);
	else
		bad(c, at, path, "must be %s, not %s", what, d);
	free(d);
	free(what);
	free(list);
}

/* The text of a string-like scalar (any scalar but null), else NULL. */
static const char *text_of(const ynode *v)
{
	if (v->kind != YN_SCALAR || (v->plain && v->type == YV_NULL))
		return NULL;
	return v->text;
}

/* An integer written plainly (any core-schema form) or quoted (decimal). */
static int int_of(const ynode *v, long long *out)
{
	char *end;

	if (v->kind != YN_SCALAR || !(v->type == YV_INT || v->type == YV_STR) ||
	    !is_int_text(v->text, v->type != YV_INT))
		return -1;
	errno = 0;
	if (v->text[0] == '0' && (v->text[1] == 'o' || v->text[1] == 'x'))
		*out = strtoll(v->text + 2, &end, v->text[1] == 'o' ? 8 : 16);
	else
		*out = strtoll(v->text, &end, 10);
	return errno ? -1 : 0;
}

/* A finite number written plainly or quoted. */
static int num_of(const ynode *v, double *out)
{
	long long i;

	if (v->kind != YN_SCALAR)
		return -1;
	if (int_of(v, &i) == 0 && !is_int_text(v->text, 1)) {
		*out = (double)i;       /* 0o and 0x forms */
		return 0;
	}
	if (!(v->type == YV_INT || v->type == YV_FLOAT || v->type == YV_STR) ||
	    float_text(v->text) != 1)
		return -1;
	*out = strtod(v->text, NULL);
	return isfinite(*out) ? 0 : -1;     /* 1e400: no JSON number either */
}

/* Reads an integer in lo..hi into *out, or reports "must be WHAT". */
static int get_int(ld *c, const ynode *at, const ynode *v, const char *path, long long lo,
		   long long hi, const char *what, long long *out)
{
	long long i;

	if (int_of(v, &i) < 0 || i < lo || i > hi) {
		bad_value(c, at, v, path, what);
		return -1;
	}
	*out = i;
	return 0;
}

/* A known key's handler: k is the key (where problems are reported), v
 * its value, path the key's path. */
typedef void (*key_fn)(ld *c, void *obj, const ynode *k, const ynode *v, const char *path);

typedef struct keydef {
	const char *key;
	key_fn fn;
	int required;
} keydef;

/* Walks a mapping of known keys: reports duplicates, unknown keys (with a
 * suggestion or the list of known keys) and missing required keys, and
 * calls each known key's fn with obj.  At the top level (path NULL), keys
 * starting with "x-" are extensions, ignored: a place to define anchors. */
static void walk_map(ld *c, const ynode *at, const ynode *map, const char *path,
		     const keydef *defs, void *obj)
{
	int ndefs, i, k, seen[16] = { 0 };

	for (ndefs = 0; defs[ndefs].key; ndefs++)
		;
	for (i = 0; i < map->n; i++) {
		const ypair *pr = &map->pairs[i];
		char *kp = path_key(path, pr->key->text);

		for (k = 0; k < ndefs && strcmp(defs[k].key, pr->key->text); k++)
			;
		if (pr->dup_of) {
			bad_dup(c, pr, kp);
		} else if (!path && !strncmp(pr->key->text, "x-", 2)) {
			/* an extension key: a place for anchors, ignored */
		} else if (k == ndefs) {
			const char *near = suggest(pr->key->text, defs, ndefs, sizeof *defs);

			if (near) {
				bad(c, pr->key, kp, "unknown key (did you mean \"%s\"?)", near);
			} else {
				char *list = name_list(defs, ndefs, sizeof *defs, ", ");

				bad(c, pr->key, kp, "unknown key (the keys here are %s)", list);
				free(list);
			}
		} else {
			seen[k] = 1;
			defs[k].fn(c, obj, pr->key, pr->val, kp);
		}
		free(kp);
	}
	for (k = 0; k < ndefs; k++)
		if (defs[k].required && !seen[k])
			bad(c, at, path, "missing required key \"%s\"", defs[k].key);
}

/* ---- YAML to JSON (inline definitions) ---- */

/* n as JSON (owned), or NULL when a problem was reported (at at, the key
 * or list item path names). */
static cJSON *to_json(ld *c, const ynode *at, const ynode *n, const char *path)
{
	cJSON *j;
	char *sub;
	double d;
	int i;

	if (n->kind == YN_MAP) {
		j = cJSON_CreateObject();
		for (i = 0; i < n->n; i++) {
			const ypair *pr = &n->pairs[i];
			cJSON *v;

			sub = path_key(path, pr->key->text);
			if (pr->dup_of) {
				bad_dup(c, pr, sub);
			} else if ((v = to_json(c, pr->key, pr->val, sub))) {
				cJSON_AddItemToObject(j, pr->key->text, v);
			}
			free(sub);
		}
		return j;
	}
	if (n->kind == YN_SEQ) {
		j = cJSON_CreateArray();
		for (i = 0; i < n->n; i++) {
			cJSON *v;

			sub = xasprintf("%s[%d]", path ? path : "", i);
			if ((v = to_json(c, n->items[i], n->items[i], sub)))
				cJSON_AddItemToArray(j, v);
			free(sub);
		}
		return j;
	}
	switch (n->type) {
	case YV_NULL:
		return cJSON_CreateNull();
	case YV_BOOL:
		return cJSON_CreateBool(bool_text(n->text) == 1);
	case YV_INT:
	case YV_FLOAT:
		if (num_of(n, &d) == 0)
			return js_number(d, n->text);
		bad(c, at, path, "%s has no JSON equivalent", n->text);
		return NULL;
	default:
		return cJSON_CreateString(n->text);
	}
}

/* ---- the sections ---- */

static int valid_function_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
		strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* AWS's rule for state machine names: 1 to 80 characters, none of them
 * white space, a bracket, a wildcard, a control character or one of
 * " # % \ ^ | ~ ` $ & , ; : /. */
int proj_machine_name_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int chars = 0;

	for (; *u; u++) {
		if ((*u & 0xC0) != 0x80)
			chars++;
		if (*u <= 0x20 || *u == 0x7f || strchr("<>{}[]?*\"#%\\^|~`$&,;:/", *u))
			return 0;
		if (*u == 0xC2 && u[1] >= 0x80 && u[1] <= 0xA0)
			return 0;       /* U+0080..U+009F controls, U+00A0 no-break space */
	}
	return chars >= 1 && chars <= 80;
}

/* [a-z]{2}(-[a-z]+)+-[0-9]+, such as us-east-1 or us-gov-west-1. */
static int valid_region(const char *s)
{
	const char *p = s;
	int words = 0;

	if (!islower((unsigned char)p[0]) || !islower((unsigned char)p[1]) || p[2] != '-')
		return 0;
	p += 2;
	while (*p == '-' && islower((unsigned char)p[1])) {
		for (p++; islower((unsigned char)*p); p++)
			;
		words++;
	}
	return words >= 1 && *p == '-' && all_of(p + 1, DIGITS);
}

static void top_account(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	const char *s = text_of(v);

	if (!s || strlen(s) != 12 || !all_of(s, DIGITS)) {
		bad_value(c, k, v, path, "an AWS account ID of 12 digits");
		return;
	}
	memcpy(c->p->account, s, 13);
}

static void top_region(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	const char *s = text_of(v);

	if (!s || !valid_region(s)) {
		bad_value(c, k, v, path, "an AWS Region such as us-east-1");
		return;
	}
	free(c->p->region);
	c->p->region = xstrdup(s);
}

static void fn_runtime(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	const char *s = text_of(v);
	int i;

	for (i = 0; s && i < NRUNTIMES; i++) {
		if (!strcmp(runtimes[i].name, s)) {
			f->runtime = runtimes[i].name;
			f->lang = runtimes[i].lang;
			return;
		}
	}
	bad_choice(c, k, v, path, runtimes, NRUNTIMES, sizeof runtimes[0]);
}

static void fn_handler(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	const char *s = text_of(v);
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (isspace((unsigned char)s[i]))
			break;
	if (!s || !*s || s[i] || i > 128) {
		bad_value(c, k, v, path, "a handler of 1 to 128 characters without white space");
		return;
	}
	f->handler = xstrdup(s);
}

static void fn_code(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	const char *s = text_of(v);
	struct stat st;
	char *full, *q;

	if (!s || !*s) {
		bad_value(c, k, v, path, "the path of a folder or a .zip file");
		return;
	}
	full = fs_join(c->p->dir, s);
	q = quote(s, strlen(s));
	if (stat(full, &st) < 0) {
		bad(c, k, path, "%s: %s (paths are relative to the project file's folder)",
		    q, strerror(errno));
	} else if (!S_ISDIR(st.st_mode) && !(S_ISREG(st.st_mode) && fs_ends_with(s, ".zip"))) {
		bad(c, k, path, "must be a folder or a .zip file, not %s", q);
	} else {
		f->code = realpath(full, NULL);
		if (!f->code)
			bad(c, k, path, "%s: %s", q, strerror(errno));
		f->code_is_zip = !S_ISDIR(st.st_mode);
	}
	free(q);
	free(full);
}

static void fn_timeout(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	long long i;

	if (get_int(c, k, v, path, 1, PROJ_MAX_TIMEOUT, "an integer from 1 to 900", &i) == 0)
		f->timeout = (int)i;
}

static void fn_memory(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	long long i;

	if (get_int(c, k, v, path, PROJ_MIN_MEMORY, PROJ_MAX_MEMORY,
		    "an integer from 128 to 10240", &i) == 0)
		f->memory = (int)i;
}

static void fn_concurrency(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	long long i;

	if (get_int(c, k, v, path, 0, INT32_MAX, "an integer of 0 or more", &i) == 0)
		f->concurrency = (int)i;
}

static int is_reserved_env(const char *name)
{
	int i;

	for (i = 0; reserved_env[i]; i++)
		if (!strcmp(reserved_env[i], name))
			return 1;
	return 0;
}

static int valid_env_name(const char *s)
{
	return isalpha((unsigned char)s[0]) && s[1] &&
		strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
		strlen(s + 1);
}

static void fn_environment(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_function *f = obj;
	size_t bytes = 0;
	int i;

	if (v->kind == YN_SCALAR && v->plain && v->type == YV_NULL)
		return;
	if (v->kind != YN_MAP) {
		bad_value(c, k, v, path, "a mapping of variable names to values");
		return;
	}
	f->env = xcalloc((size_t)v->n + 1, sizeof *f->env);
	for (i = 0; i < v->n; i++) {
		const ypair *pr = &v->pairs[i];
		const char *name = pr->key->text, *val = text_of(pr->val);
		char *kp = path_key(path, name);

		if (pr->dup_of)
			bad_dup(c, pr, kp);
		else if (is_reserved_env(name))
			bad(c, pr->key, kp, RESERVED_ENV_MSG "%s", name);
		else if (!valid_env_name(name))
			bad(c, pr->key, kp, ENV_NAME_MSG);
		else if (!val)
			bad_value(c, pr->key, pr->val, kp, "a string, a number or a boolean");
		else {
			if (pr->val->type == YV_BOOL)
				val = bool_text(val) ? "true" : "false";
			f->env[f->nenv].name = xstrdup(name);
			f->env[f->nenv].value = xstrdup(val);
			f->nenv++;
			bytes += strlen(name) + strlen(val);
		}
		free(kp);
	}
	if (bytes > PROJ_MAX_ENV_BYTES) {
		cJSON *j = cJSON_CreateObject();
		char *s;

		for (i = 0; i < f->nenv; i++)
			cJSON_AddStringToObject(j, f->env[i].name, f->env[i].value);
		s = js_print(j);
		bad(c, k, path, ENV_SIZE_MSG "%s", s);
		free(s);
		cJSON_Delete(j);
	}
}

static const keydef function_keys[] = {
	{ "runtime", fn_runtime, 1 },
	{ "handler", fn_handler, 0 },
	{ "code", fn_code, 1 },
	{ "timeout", fn_timeout, 0 },
	{ "memory", fn_memory, 0 },
	{ "concurrency", fn_concurrency, 0 },
	{ "environment", fn_environment, 0 },
	{ NULL, NULL, 0 },
};

static void top_functions(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_project *p = c->p;
	int i;

	if (v->kind == YN_SCALAR && v->plain && v->type == YV_NULL)
		return;
	if (v->kind != YN_MAP) {
		bad_value(c, k, v, path, "a mapping of function names to functions");
		return;
	}
	c->fn_names = v;
	p->functions = xcalloc((size_t)v->n + 1, sizeof *p->functions);
	for (i = 0; i < v->n; i++) {
		const ypair *pr = &v->pairs[i];
		const char *name = pr->key->text;
		char *kp = path_key(path, name);
		proj_function *f;

		if (pr->dup_of) {
			bad_dup(c, pr, kp);
			free(kp);
			continue;
		}
		if (!valid_function_name(name))
			bad(c, pr->key, kp, "a function name must be 1 to 64 letters, digits, "
			    "hyphens or underscores");
		f = &p->functions[p->nfunctions++];
		f->name = xstrdup(name);
		f->timeout = PROJ_DEFAULT_TIMEOUT;
		f->memory = PROJ_DEFAULT_MEMORY;
		f->concurrency = -1;
		if (pr->val->kind != YN_MAP) {
			bad_value(c, pr->key, pr->val, kp, "a mapping of runtime, handler, code, ...");
		} else {
			walk_map(c, pr->key, pr->val, kp, function_keys, f);
			if (f->runtime && f->lang != PROJ_LANG_PROVIDED && !f->handler) {
				const ypair *h = NULL;
				int j;

				for (j = 0; j < pr->val->n; j++)
					if (!strcmp(pr->val->pairs[j].key->text, "handler"))
						h = &pr->val->pairs[j];
				if (!h)
					bad(c, pr->key, kp, "missing required key \"handler\" "
					    "(runtime %s needs one)", f->runtime);
			}
		}
		free(kp);
	}
}

static void sm_type(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_machine *m = obj;
	const char *s = text_of(v);
	static const char *const types[] = { "STANDARD", "EXPRESS" };

	if (s && !strcmp(s, "STANDARD"))
		m->express = 0;
	else if (s && !strcmp(s, "EXPRESS"))
		m->express = 1;
	else
		bad_choice(c, k, v, path, types, 2, sizeof types[0]);
}

/* A definition file: JSON, or YAML when its name ends in .yaml or .yml. */
static void sm_definition_file(ld *c, proj_machine *m, const ynode *k, const ynode *v,
			       const char *path)
{
	char *full = fs_join(c->p->dir, v->text), *why = NULL, *text, *q;
	char *shown = fs_join(c->shown_dir, v->text);
	size_t len = 0, off = 0, i;

	q = quote(v->text, v->len);
	text = read_file(full, &len, &why);
	if (!text) {
		bad(c, k, path, "cannot read %s: %s (paths are relative to the project "
		    "file's folder)", q, why);
	} else if (fs_ends_with(v->text, ".yaml") || fs_ends_with(v->text, ".yml")) {
		ytree t;
		errs sub = { 0 };

		if (yt_parse(&t, shown, text, len, &sub) == 0 && t.root) {
			ld dc = *c;

			dc.file = shown;
			m->definition = to_json(&dc, t.root, t.root, NULL);
		} else if (!sub.n) {
			bad(c, k, path, "%s is empty", q);
		}
		for (i = 0; i < (size_t)sub.n; i++)
			errs_add(c->e, "%s", sub.v[i]);
		errs_free(&sub);
		yt_free(&t);
	} else if (!(m->definition = js_parse_source(text, len, &off))) {
		int line = 1, col = 1;

		for (i = 0; i < off && i < len; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		bad(c, k, path, "%s:%d:%d: not valid JSON", shown, line, col);
	}
	if (m->definition) {
		m->definition_file = realpath(full, NULL);
		if (!m->definition_file)
			m->definition_file = xstrdup(full);
		m->where = xstrdup(shown);
	}
	free(q);
	free(text);
	free(why);
	free(shown);
	free(full);
}

static void sm_definition(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_machine *m = obj;

	if (v->kind == YN_MAP) {
		m->definition = to_json(c, k, v, path);
		m->where = xasprintf("%s:%d:%d", c->file, k->line, k->col);
	} else if (text_of(v) && *v->text) {
		sm_definition_file(c, m, k, v, path);
	} else {
		bad_value(c, k, v, path, "the path of a definition file or a mapping");
	}
}

static const keydef machine_keys[] = {
	{ "definition", sm_definition, 1 },
	{ "type", sm_type, 0 },
	{ NULL, NULL, 0 },
};

static void top_machines(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_project *p = c->p;
	int i;

	if (v->kind == YN_SCALAR && v->plain && v->type == YV_NULL)
		return;
	if (v->kind != YN_MAP) {
		bad_value(c, k, v, path, "a mapping of state machine names to state machines");
		return;
	}
	p->machines = xcalloc((size_t)v->n + 1, sizeof *p->machines);
	for (i = 0; i < v->n; i++) {
		const ypair *pr = &v->pairs[i];
		const char *name = pr->key->text;
		char *kp = path_key(path, name);
		proj_machine *m;

		if (pr->dup_of) {
			bad_dup(c, pr, kp);
			free(kp);
			continue;
		}
		if (!proj_machine_name_valid(name))
			bad(c, pr->key, kp, "a state machine name must be 1 to 80 characters, "
			    "without white space, brackets, wildcards, control characters or "
			    "any of \" # %% \\ ^ | ~ ` $ & , ; : /");
		m = &p->machines[p->nmachines++];
		m->name = xstrdup(name);
		if (pr->val->kind != YN_MAP)
			bad_value(c, pr->key, pr->val, kp, "a mapping of definition and type");
		else
			walk_map(c, pr->key, pr->val, kp, machine_keys, m);
		free(kp);
	}
}

/* A fault while it is read: which keys were given, for the checks that
 * involve several of them. */
typedef struct fault_ld {
	proj_fault *f;
	const ynode *times, *rate, *seed;
} fault_ld;

static void fault_function(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	fault_ld *fl = obj;
	const char *s = text_of(v);
	int i;

	if (!s) {
		bad_value(c, k, v, path, "the name of a function of the project");
		return;
	}
	if (c->has_template) {
		/* Checked against the template's functions when it is loaded. */
		fl->f->own_function = xstrdup(s);
		fl->f->function = fl->f->own_function;
		return;
	}
	for (i = 0; c->fn_names && i < c->fn_names->n; i++) {
		if (!strcmp(c->fn_names->pairs[i].key->text, s)) {
			fl->f->function = c->fn_names->pairs[i].key->text;
			return;
		}
	}
	bad(c, k, path, "no function named \"%s\" is defined under functions", s);
}

static void fault_error(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	fault_ld *fl = obj;
	const char *s = text_of(v);
	int i, n;

	for (n = 0; proj_fault_errors[n]; n++)
		;
	for (i = 0; s && i < n; i++) {
		if (!strcmp(proj_fault_errors[i], s)) {
			fl->f->error = proj_fault_errors[i];
			return;
		}
	}
	bad_choice(c, k, v, path, proj_fault_errors, n, sizeof proj_fault_errors[0]);
}

static void fault_times(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	fault_ld *fl = obj;
	long long i;

	fl->times = k;
	if (get_int(c, k, v, path, 1, INT32_MAX, "an integer of 1 or more", &i) == 0)
		fl->f->times = (int)i;
}

static void fault_rate(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	fault_ld *fl = obj;
	double d;

	fl->rate = k;
	if (num_of(v, &d) < 0 || !(d >= 0 && d <= 1)) {
		bad_value(c, k, v, path, "a number from 0 to 1");
		return;
	}
	fl->f->rate = d;
}

static void fault_seed(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	fault_ld *fl = obj;
	long long i;

	fl->seed = k;
	if (get_int(c, k, v, path, 0, UINT32_MAX, "an integer from 0 to 4294967295", &i) == 0)
		fl->f->seed = (unsigned int)i;
}

static const keydef fault_keys[] = {
	{ "function", fault_function, 1 },
	{ "error", fault_error, 1 },
	{ "times", fault_times, 0 },
	{ "rate", fault_rate, 0 },
	{ "seed", fault_seed, 0 },
	{ NULL, NULL, 0 },
};

static void top_faults(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	proj_project *p = c->p;
	int i;

	if (v->kind == YN_SCALAR && v->plain && v->type == YV_NULL)
		return;
	if (v->kind != YN_SEQ) {
		bad_value(c, k, v, path, "a list of faults");
		return;
	}
	p->faults = xcalloc((size_t)v->n + 1, sizeof *p->faults);
	for (i = 0; i < v->n; i++) {
		const ynode *item = v->items[i];
		char *ip = xasprintf("%s[%d]", path, i);
		fault_ld fl = { &p->faults[p->nfaults++], NULL, NULL, NULL };

		if (item->kind != YN_MAP) {
			bad_value(c, item, item, ip, "a mapping of function, error and times or rate");
		} else {
			walk_map(c, item, item, ip, fault_keys, &fl);
			if (fl.times && fl.rate)
				bad(c, fl.rate, ip, "give either times or rate, not both");
			else if (!fl.times && !fl.rate)
				bad(c, item, ip, "missing times (the first N calls fail) or rate "
				    "(calls fail with this probability)");
			if (fl.seed && !fl.rate)
				bad(c, fl.seed, ip, "seed goes with rate only");
		}
		free(ip);
	}
}

static void top_template(ld *c, void *obj, const ynode *k, const ynode *v, const char *path)
{
	const char *s = text_of(v);
	struct stat st;
	char *f;

	(void)obj;
	if (!s || !*s) {
		bad_value(c, k, v, path, "the path of a SAM or CloudFormation template");
		return;
	}
	f = fs_join(c->p->dir, s);
	if (stat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		bad(c, v, path, "\"%s\" is not a file (paths are relative to the project file's folder)", s);
		free(f);
		return;
	}
	c->p->template_path = f;
}

static const keydef top_keys[] = {
	{ "account", top_account, 0 },
	{ "region", top_region, 0 },
	{ "functions", top_functions, 0 },
	{ "state_machines", top_machines, 0 },
	{ "faults", top_faults, 0 },
	{ "template", top_template, 0 },
	{ NULL, NULL, 0 },
};

/* ---- the API ---- */

void proj_free(proj_project *p)
{
	int i, k;

	if (!p)
		return;
	for (i = 0; i < p->nfunctions; i++) {
		proj_function *f = &p->functions[i];

		free(f->name);
		free(f->handler);
		free(f->code);
		for (k = 0; k < f->nenv; k++) {
			free(f->env[k].name);
			free(f->env[k].value);
		}
		free(f->env);
		for (k = 0; k < f->nlayers; k++)
			free(f->layers[k]);
		free(f->layers);
	}
	free(p->functions);
	for (i = 0; i < p->nmachines; i++) {
		free(p->machines[i].name);
		cJSON_Delete(p->machines[i].definition);
		free(p->machines[i].definition_file);
		free(p->machines[i].where);
	}
	free(p->machines);
	for (i = 0; i < p->nfaults; i++)
		free(p->faults[i].own_function);
	free(p->faults);
	free(p->template_path);
	free(p->region);
	free(p->path);
	free(p->dir);
	free(p);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int proj_function_equal(const proj_function *a, const proj_function *b)
{
	int k;

	if (!same_str(a->name, b->name) || !same_str(a->runtime, b->runtime) ||
	    !same_str(a->handler, b->handler) || !same_str(a->code, b->code) ||
	    a->code_is_zip != b->code_is_zip || a->timeout != b->timeout || a->memory != b->memory ||
	    a->concurrency != b->concurrency || a->nenv != b->nenv || a->nlayers != b->nlayers)
		return 0;
	for (k = 0; k < a->nenv; k++)
		if (!same_str(a->env[k].name, b->env[k].name) || !same_str(a->env[k].value, b->env[k].value))
			return 0;
	for (k = 0; k < a->nlayers; k++)
		if (!same_str(a->layers[k], b->layers[k]))
			return 0;
	return 1;
}

const proj_function *proj_function_find(const proj_project *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name))
			return &p->functions[i];
	return NULL;
}

const proj_machine *proj_machine_find(const proj_project *p, const char *name)
{
	int i;

	for (i = 0; i < p->nmachines; i++)
		if (!strcmp(p->machines[i].name, name))
			return &p->machines[i];
	return NULL;
}

/* Faults point to their function by the name in the YAML tree while it is
 * read; once loaded they point to the project's copy. */
static void link_faults(proj_project *p)
{
	const proj_function *f;
	int i;

	for (i = 0; i < p->nfaults; i++)
		if ((f = proj_function_find(p, p->faults[i].function)))
			p->faults[i].function = f->name;
}

proj_project *proj_load(const char *path, char **err)
{
	struct stat st;
	char *file, *text, *why = NULL, *shown_dir;
	size_t len = 0;
	errs e = { 0 };
	proj_project *p = NULL;
	ytree t;
	ld c;

	if (err)
		*err = NULL;
	file = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? fs_join(path, PROJ_FILE_NAME) :
		xstrdup(path);
	text = read_file(file, &len, &why);
	if (!text) {
		errs_add(&e, "%s: cannot read: %s", file, why);
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	memcpy(p->account, PROJ_DEFAULT_ACCOUNT, 13);
	p->region = xstrdup(PROJ_DEFAULT_REGION);
	p->path = realpath(file, NULL);
	if (!p->path) {
		errs_add(&e, "%s: cannot read: %s", file, strerror(errno));
		goto out;
	}
	p->dir = fs_dir(p->path);
	if (yt_parse(&t, file, text, len, &e) == 0 && t.root) {
		shown_dir = fs_dir(file);
		c = (ld){ file, shown_dir, &e, p, NULL, 0 };
		if (t.root->kind != YN_MAP) {
			char *d = describe(t.root);

			bad(&c, t.root, NULL, "a project file must be a mapping of account, region, "
			    "functions, state_machines and faults, not %s", d);
			free(d);
		} else {
			/* faults may come before functions: find the names first */
			int i;

			const ynode *tmpl = NULL;

			for (i = 0; i < t.root->n; i++) {
				const char *key = t.root->pairs[i].key->text;

				if (!strcmp(key, "functions") &&
				    !t.root->pairs[i].dup_of && t.root->pairs[i].val->kind == YN_MAP)
					c.fn_names = t.root->pairs[i].val;
				if (!strcmp(key, "template"))
					tmpl = t.root->pairs[i].key;
			}
			c.has_template = tmpl != NULL;
			for (i = 0; tmpl && i < t.root->n; i++) {
				const char *key = t.root->pairs[i].key->text;

				if (!strcmp(key, "functions") || !strcmp(key, "state_machines"))
					bad(&c, t.root->pairs[i].key, key,
					    "comes from the template: a project with template: adds only "
					    "account, region and faults");
			}
			walk_map(&c, t.root, t.root, NULL, top_keys, NULL);
			if (!e.n && !c.has_template)
				link_faults(p); /* while the tree still holds their names */
		}
		free(shown_dir);
	}
	yt_free(&t);
out:
	if (e.n) {
		if (err)
			*err = errs_join(&e);
		proj_free(p);
		p = NULL;
	}
	errs_free(&e);
	free(text);
	free(why);
	free(file);
	return p;
}

char *proj_find(const char *start_dir)
{
	struct stat st;
	char *f = fs_join(start_dir, PROJ_FILE_NAME);

	if (stat(f, &st) == 0 && S_ISREG(st.st_mode))
		return f;
	free(f);
	return NULL;
}

const char *proj_runtime_find(const char *name, proj_lang *lang)
{
	int i;

	for (i = 0; i < NRUNTIMES; i++) {
		if (!strcmp(runtimes[i].name, name)) {
			*lang = runtimes[i].lang;
			return runtimes[i].name;
		}
	}
	return NULL;
}
