/* tpl.h - payload templates (Parameters, ResultSelector, ItemSelector, Assign, ...): compiled once, instantiated per use. */
#ifndef SL_TPL_H
#define SL_TPL_H

#include "aslerr.h"
#include "diag.h"
#include "jpath.h"

typedef struct tpl tpl;

/* Compiles a payload template.  Object keys ending in ".$" take a path
 * ($, $$, $var) or an intrinsic call as their value; the rest are copied as
 * they are, at any depth, arrays included.  Problems go to d at loc with
 * AWS's codes.  Returns an owned tpl, or NULL when there were errors. */
tpl *tpl_compile(const cJSON *v, const char *loc, diags *d);
void tpl_free(tpl *t);

/* Instantiates t against env; returns an owned value, or NULL with err
 * filled (States.Runtime when a path matches nothing, with AWS's cause
 * "The JSONPath '$.x' specified for the field 'y.$' could not be found in
 * the input '...'"; what an intrinsic raises).  The cause is not yet
 * prefixed with the state's name. */
cJSON *tpl_eval(const tpl *t, const jp_env *env, aslerr *err);

/* Calls fn(name, ud) for every variable name a template assigns at its top
 * level (for Assign); used by the validator. */
void tpl_top_keys(const tpl *t, void (*fn)(const char *key, void *ud), void *ud);

#endif
