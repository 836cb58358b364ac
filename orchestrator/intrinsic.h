/* intrinsic.h - the States.* intrinsic functions: parsed once at load, evaluated per use. */
#ifndef SL_INTRINSIC_H
#define SL_INTRINSIC_H

#include "aslerr.h"
#include "jpath.h"

typedef struct fn_expr fn_expr;

/* Whether a `.$` string value is an intrinsic call rather than a path
 * (it starts with "States."). */
int fn_looks_like(const char *text);

/* Compiles a call such as "States.Format('{} {}', $.a, States.UUID())":
 * the function name is looked up in a table (name, arity, handler), string
 * literals in single quotes with \' \{ \} \\ escapes, numbers, true/false/null,
 * paths ($, $$, $var, compiled with jpath) and nested calls are parsed.  Arity
 * and literal argument types are checked here.  Returns an owned fn_expr, or
 * NULL with *err set to an owned message. */
fn_expr *fn_compile(const char *text, char **err);
void fn_free(fn_expr *f);
/* The source text of the call (borrowed). */
const char *fn_text(const fn_expr *f);

/* Evaluates f; returns an owned value.  On failure returns NULL and fills
 * err with States.Runtime, as AWS does for both bad argument values
 * ("Invalid arguments in States.X") and a path argument that matches
 * nothing; the cause says which function and why, and the executor
 * prefixes the state's name to it.  Arity and literal argument types are
 * checked earlier, by fn_compile, so a definition with them wrong is
 * refused at validation (stricter than AWS, which fails at run time). */
cJSON *fn_eval(const fn_expr *f, const jp_env *env, aslerr *err);

#endif
