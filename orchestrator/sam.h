/* sam.h - an AWS SAM or CloudFormation template (template.yaml, YAML or JSON) loaded as a proj_project. */
#ifndef SL_SAM_H
#define SL_SAM_H

#include "project.h"

/* sam_load reads the user's template unchanged and returns the same
 * proj_project that proj_load returns for a steplocal.yaml, so that
 * `steplocal run NAME` and `invoke` work on it:
 *
 *   - AWS::Serverless::Function and AWS::Lambda::Function become
 *     functions named by FunctionName, or by their logical id when it is
 *     absent (sam_info.aliases maps the logical id to the name then);
 *     Globals.Function is merged into each, as SAM does;
 *   - AWS::Serverless::StateMachine and AWS::StepFunctions::StateMachine
 *     become state machines named by Name / StateMachineName or their
 *     logical id, their DefinitionSubstitutions applied;
 *   - every other resource is "not emulated": it is listed once in
 *     sam_info.notice, and its Ref and Fn::GetAtt give plausible names and
 *     ARNs so that definitions naming it still load;
 *   - Parameters (Default, overridden by sam_opts.overrides), Mappings,
 *     Conditions and the intrinsic functions, in long form and as YAML
 *     short tags (!Ref, !GetAtt, !Sub, ...), are evaluated with the pseudo
 *     parameters of sam_opts (region, account, stack name).
 *
 * Problems are reported as proj_load reports them, one per line, each
 * "FILE:LINE:COLUMN: PATH: what is wrong" where PATH names the template
 * key (Resources.ProcessFn.Properties.Timeout) and LINE:COLUMN is where
 * that key, or the intrinsic function at fault, is written.  FILE is
 * spelled as the caller spelled path (definition files named by
 * DefinitionUri: joined to the template's folder as spelled).
 *
 * Ownership: the returned project is owned by the caller (proj_free); a
 * sam_info filled by sam_load is owned by the caller (sam_info_free). */

/* Options, all optional (a NULL sam_opts means the defaults). */
typedef struct sam_opts {
	const char *const *overrides;   /* "Key=Value" items, as sam's
					 * --parameter-overrides */
	int noverrides;
	const char *env_vars;           /* a file in sam's --env-vars format:
					 * {"LogicalId": {"VAR": "v"},
					 *  "Parameters": {"VAR": "v"}}; like sam,
					 * it only replaces variables the template
					 * declares; NULL for none */
	const char *region;             /* NULL: us-east-1 */
	const char *account;            /* NULL: 123456789012 */
	const char *stack_name;         /* NULL: "steplocal" */
} sam_opts;

#define SAM_DEFAULT_STACK "steplocal"

/* The other name a function or state machine answers to. */
typedef struct sam_alias {
	char *logical_id;
	char *name;                     /* the project's name for it */
} sam_alias;

/* What the template says beyond the project. */
typedef struct sam_info {
	char *notice;                   /* "not emulated: Table (AWS::DynamoDB::Table),
					 * ..." in template order, or NULL */
	char **not_emulated;            /* "LogicalId (Type)" each */
	int nnot_emulated;
	sam_alias *aliases;             /* logical ids that differ from the name */
	int naliases;
} sam_info;

/* Loads the template at path.  Returns an owned project, or NULL with
 * *err (when err is not NULL) set to an owned message listing the
 * problems (at most PROJ_MAX_ERRORS); a file that cannot be read gives
 * "FILE: cannot read: <reason>".  When info is not NULL and the load
 * succeeds, *info is filled (zeroed otherwise). */
proj_project *sam_load(const char *path, const sam_opts *o, sam_info *info, char **err);

/* Releases what sam_load put in info (not info itself); NULL is allowed. */
void sam_info_free(sam_info *info);

/* The project's name for name: the function or state machine whose
 * logical id is name, else name itself (borrowed). */
const char *sam_info_resolve(const sam_info *info, const char *name);

/* Whether path is a readable YAML or JSON file whose top level has
 * Resources and either Transform AWS::Serverless-2016-10-31 or
 * AWSTemplateFormatVersion: 1 or 0. */
int sam_is_template(const char *path);

/* The template of the folder dir (NULL: the current folder) the way sam
 * finds it: dir/template.yaml, else template.yml, else template.json.
 * Returns an owned path ("template.yaml" for the current folder), or NULL. */
char *sam_find(const char *dir);

#endif
