/* jpath.h - AWS's JSONPath subset: compiled once at load, evaluated per transition. */
#ifndef SL_JPATH_H
#define SL_JPATH_H

#include "json.h"

/* A path starts at one of three roots:
 *   $        the state's input (or whatever the caller passes as input)
 *   $$       the context object
 *   $name    the variable `name` (JSONPath Assign)
 * followed by steps: .name, ['name'], [n], [-n], [*], .*, ..name, ..*,
 * [a,b,...], ['a','b'], [start:end] and [?(filter)], the Jayway syntax
 * AWS accepts.  As in Jayway: a dot may precede a bracket ($.a.['b c']);
 * a blank ends a dotted name, so "$.a b" is an error; a slice needs a
 * start or an end, and a third part ([a:b:c]) is read but ignored; a
 * negative end counts from the array's end in [:b] but not in [a:b].
 * A path made of names and single indices only is "definite": it selects
 * at most one node.  Any other path is indefinite and selects a (possibly
 * empty) array, as Jayway does.  A name list that ends a path merges the
 * members found into one object (see jp_eval). */
typedef enum jp_root_kind {
	JP_ROOT_INPUT,
	JP_ROOT_CONTEXT,
	JP_ROOT_VAR,
} jp_root_kind;

/* Where the roots of an evaluation come from.  `context` and `var` are
 * called only when a path needs them, so that the context object is built
 * lazily.  `var` returns NULL for an undefined variable. */
typedef struct jp_env {
	const cJSON *input;
	const cJSON *(*context)(void *ud);
	const cJSON *(*var)(void *ud, const char *name);
	void *ud;
} jp_env;

typedef struct jpath jpath;

/* Flags for jp_compile. */
#define JP_REFERENCE  1  /* a Reference Path: definite (names, indices) */
#define JP_NO_CONTEXT 2  /* $$ is not allowed (e.g. ResultPath) */
#define JP_NO_VARS    4  /* $name is not allowed */

/* Compiles text.  Returns an owned jpath, or NULL with *err set to an owned
 * message saying what is wrong and where. */
jpath *jp_compile(const char *text, int flags, char **err);
void jp_free(jpath *p);

const char *jp_text(const jpath *p);
int jp_definite(const jpath *p);
jp_root_kind jp_root(const jpath *p);
/* The variable name of a JP_ROOT_VAR path (borrowed), else NULL. */
const char *jp_var_name(const jpath *p);
/* The number of steps after the root ("$" has none). */
int jp_steps(const jpath *p);
/* Jayway's bracket form of the path, as AWS quotes it in causes:
 * $['a']['b'][0].  Borrowed. */
const char *jp_normalized(const jpath *p);

/* Evaluates p.  For a definite path, *out is set to the selected node,
 * borrowed from the env's trees, and *owned to 0; returns -1 when nothing
 * matches.  For an indefinite path, *out is a new array of copies of the
 * matches and *owned is 1; it never fails.  Returns -1 too when a variable
 * root is undefined.
 * A name list ['a','b'] at the end of a path yields, for each object it
 * applies to, a new object of the named members it has.  When the steps
 * before the list are definite ($.x['a','b']), *out is that one object
 * and *owned is 1 (-1 when there is no object there), although
 * jp_definite() is 0: such a path is no Reference Path. */
int jp_eval(const jpath *p, const jp_env *env, const cJSON **out, int *owned);

/* Evaluates p and returns an owned copy of the result, or NULL when a
 * definite path matches nothing. */
cJSON *jp_eval_copy(const jpath *p, const jp_env *env);

/* Writes value at the reference path p inside *root, as ResultPath does:
 * "$" replaces the whole root; missing objects on the way are created.
 * Takes value in every case.  Returns 0, or -1 when a name meets a
 * non-object, an index meets no element, or an index follows a missing
 * member (no object is created for it); then *root is unchanged.  The
 * keys it adds point into p (no copy): p must outlive *root. */
int jp_assign(const jpath *p, cJSON **root, cJSON *value);

/* Whether the definite path a is a prefix of (or equal to) the definite
 * path b: same root, and b's first steps are a's steps. */
int jp_prefix(const jpath *a, const jpath *b);

/* Returns the node at the definite path p inside root, detached from its
 * parent (so the caller owns it), or NULL when it does not exist.  "$"
 * returns root itself, which the caller then owns. */
cJSON *jp_detach(const jpath *p, cJSON *root);

#endif
