/* choice.h - Choice rules: compiled at load into a tree, evaluated against a state's input. */
#ifndef SL_CHOICE_H
#define SL_CHOICE_H

#include "aslerr.h"
#include "diag.h"
#include "jpath.h"

typedef struct ch_rule ch_rule;

/* Compiles a Choice rule.  `top` is 1 for an element of Choices (which must
 * carry Next and may carry Assign/Comment) and 0 inside And/Or/Not.  Every
 * problem is reported to d at location loc (e.g. "/States/C/Choices[0]"),
 * with AWS's codes (SCHEMA_VALIDATION_FAILED for a missing or wrong field,
 * a bad operator, a bad path).  Returns an owned rule, or NULL when there
 * were errors.  The Next of a top rule is read by the caller (asl.c). */
ch_rule *ch_compile(const cJSON *rule, int top, const char *loc, diags *d);
void ch_free(ch_rule *r);

/* Evaluates r against env.  Returns 1 when it matches, 0 when not, and -1
 * with err filled when the rule cannot be evaluated: a Variable path that
 * matches nothing (States.Runtime, "Invalid path '$.x': The choice state's
 * condition path references an invalid value."), or a ...Path operand that
 * matches nothing.  IsPresent never fails.  Comparisons of mismatched types
 * are false, as on AWS. */
int ch_eval(const ch_rule *r, const jp_env *env, aslerr *err);

/* Parses a timestamp as AWS accepts them (Choice's Timestamp* operators,
 * Wait's Timestamp and TimestampPath): RFC 3339 with an uppercase T, 1 to 9
 * fraction digits and Z or a numeric offset.  Returns 0 and the seconds
 * since the epoch in *secs, or -1. */
int ch_parse_timestamp(const char *s, double *secs);

#endif
