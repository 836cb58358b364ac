/* diag.h - validation diagnostics, as AWS's ValidateStateMachineDefinition reports them. */
#ifndef SL_DIAG_H
#define SL_DIAG_H

#include "json.h"

/* One diagnostic: severity "ERROR" or "WARNING", an AWS code such as
 * SCHEMA_VALIDATION_FAILED or MISSING_TRANSITION_TARGET, a message, and the
 * location as AWS writes it: a path from the root with raw state names and
 * [i] for array indexes (e.g. "/States/C/Choices[0]/Next"), "/" for the
 * root, or NULL when AWS gives none. */
typedef struct diag {
	const char *severity;
	const char *code;
	char *message;
	char *location;
} diag;

typedef struct diags {
	diag *v;
	int n, cap;
	int errors;
} diags;

/* Appends an ERROR (diag_error) or WARNING (diag_warn).  `loc` is copied
 * ("" means the root, NULL no location); the message is formatted. */
void diag_error(diags *d, const char *code, const char *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn(diags *d, const char *code, const char *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_free(diags *d);
/* The diagnostics as AWS returns them: {"result":"OK"|"FAIL",
 * "diagnostics":[{"severity","code","message","location"}...]}; owned. */
cJSON *diag_to_json(const diags *d);
/* The errors as CreateStateMachine's InvalidDefinition message says them:
 * "Invalid State Machine Definition: 'CODE: message at /loc, ...'";
 * owned. */
char *diag_invalid_definition(const diags *d);
/* Build "loc/child" and "loc[index]" as new owned strings. */
char *diag_loc(const char *loc, const char *child);
char *diag_loc_index(const char *loc, int index);

#endif
