/* export.h - `steplocal export`: a steplocal.yaml project written as the AWS SAM template that deploys it. */
#ifndef SL_EXPORT_H
#define SL_EXPORT_H

#include <stdio.h>

#include "json.h"
#include "project.h"

/* What the template holds (see "The way back to AWS" in issue 4):
 *
 *   - Transform AWS::Serverless-2016-10-31;
 *   - per function an AWS::Serverless::Function whose logical id is the
 *     function's name with every character outside [A-Za-z0-9] removed
 *     (made unique with a number when two names collide, or when SAM's
 *     implicit "<Id>Role" would); FunctionName is the name; CodeUri the
 *     code folder or .zip, relative to the template's folder; Handler
 *     ("bootstrap" for provided runtimes without one, since SAM requires a
 *     Handler for zip packages); Runtime, Timeout, MemorySize,
 *     ReservedConcurrentExecutions when reserved, Environment.Variables;
 *   - per state machine an AWS::Serverless::StateMachine with Name, Type
 *     and the definition always inline (Definition, as a mapping), even
 *     when the project reads it from a file: that file holds concrete or
 *     placeholder ARNs, and writing a rewritten copy next to the template
 *     could overwrite the original.  Every Lambda reference of the
 *     definition - a Task's Resource "arn:PARTITION:lambda:...:function:
 *     NAME[:QUALIFIER]", and the FunctionName (in Parameters or Arguments)
 *     of lambda:invoke, given as a name, a partial or a full ARN - that
 *     names a project function becomes "${<Id>Arn}" (the qualifier kept
 *     after it), with DefinitionSubstitutions <Id>Arn: !GetAtt <Id>.Arn and
 *     a LambdaInvokePolicy {FunctionName: !Ref <Id>} per function called;
 *   - Outputs: each state machine's ARN;
 *   - Metadata.steplocal: the project it came from and what is not
 *     exported (faults are local-only; the project's account and region
 *     when not the defaults: those of the deployment apply).
 *
 * The template is YAML written with libyaml's emitter (no YAML is
 * formatted by hand), with Ref and Fn::GetAtt as the !Ref and !GetAtt
 * short tags, strings quoted when YAML 1.1 or 1.2 would read them as
 * something else, and a comment header whose first line marks the file as
 * written by export (EXPORT_MARK), so that export overwrites its own
 * output but no other file unless --force is given. */

#define EXPORT_MARK "# Written by steplocal export"
#define EXPORT_DEFAULT_FILE "template.yaml"

/* Builds the template of project p (borrowed) as a cJSON tree, with
 * intrinsic functions in long form ({"Ref": ...}, {"Fn::GetAtt": [...]}).
 * Paths are made relative to out_dir, an absolute folder without symbolic
 * links (realpath).  Returns owned; *warnings (when warnings is not NULL)
 * is set to owned text, one line per thing the deployment would not take
 * as the project has it: a reference left as written (a Lambda ARN naming
 * no project function), a key Ref or Fn::... (CloudFormation evaluates it)
 * or a "${<Id>Arn}" text (DefinitionSubstitutions replace it) in a
 * definition; or NULL. */
cJSON *export_template(const proj_project *p, const char *out_dir, char **warnings);

/* Writes tmpl (borrowed) to out as a YAML document, preceded by header
 * (comment lines, each starting with "#" and ending with a newline; NULL
 * for none).  Returns 0, or -1 with *err set to an owned message. */
int export_emit_yaml(const cJSON *tmpl, const char *header, FILE *out, char **err);

/* `steplocal export [-f PROJECT] [-o FILE] [--force]` (argv[0] is
 * "export"): loads the project (-f, else ./steplocal.yaml) and writes its
 * template to FILE (default: template.yaml in the project's folder; "-"
 * for stdout), atomically (a temporary file renamed over it).  Returns 0,
 * or 2 with the problem printed on stderr: a usage error, a project that
 * does not load, one with nothing to deploy (no functions and no state
 * machines: CloudFormation refuses an empty template) or one that runs a
 * template (template:), a FILE that cannot be written or that exists
 * without being an earlier export (unless --force). */
int export_main(int argc, char **argv);

#endif
