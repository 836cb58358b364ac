/* project.h - the steplocal.yaml project file: functions, state machines and faults, loaded and checked with libyaml. */
#ifndef SL_PROJECT_H
#define SL_PROJECT_H

#include "errs.h"
#include "json.h"

/* A project file ties state machine definitions to Lambda functions (see
 * "The project file" in PRODUCT.md):
 *
 *   account: "123456789012"        # 12 digits; default 123456789012
 *   region: us-east-1              # default us-east-1
 *   functions:
 *     NAME: {runtime, handler, code, timeout, memory, concurrency, environment}
 *   state_machines:
 *     NAME: {definition: FILE | inline mapping, type: STANDARD | EXPRESS}
 *   faults:
 *     - {function, error, times: N}  or  {function, error, rate: 0..1, seed: N}
 *
 * Lifecycle: proj_load reads and checks the whole file at once and returns
 * an immutable proj_project that the caller releases with proj_free.
 * Every string, array and cJSON tree inside it is owned by the project and
 * lives until proj_free; callers borrow them (copy what must outlive it).
 *
 * What proj_load checks, each problem reported as
 * "FILE:LINE:COLUMN: PATH: what is wrong", where PATH names the key (such
 * as functions.ValidateOrder.timeout or faults[0].rate) and LINE:COLUMN
 * (1-based, from libyaml's marks) is where that key, or list item, is
 * written (problems of the YAML itself have no PATH and point at the
 * offending token):
 *   - YAML syntax (libyaml's own problem text), a single document, duplicate
 *     keys (libyaml does not detect them), tags other than YAML's standard
 *     ones (!Ref and the other CloudFormation tags are refused), aliases to
 *     anchors not yet complete, and two bounds on hostile input:
 *     PROJ_MAX_NODES nodes after aliases are expanded (alias bombs) and
 *     PROJ_MAX_DEPTH levels of nesting;
 *   - unknown keys (with "did you mean" when a known key is close), types,
 *     ranges and AWS's naming rules for functions and state machines,
 *     runtimes, reserved environment variables (AWS's own message), fault
 *     error names, and that every fault names a defined function;
 *   - that each function's code (a folder or a .zip file) and each
 *     definition file exists.
 * It neither validates definitions (asl_load does, with
 * proj_machine.where naming the source) nor opens .zip packages.
 * Definition files are JSON, or YAML when named *.yaml or *.yml (as SAM's
 * DefinitionUri allows).
 *
 * Anchors, aliases and YAML 1.1 merge keys (<<: *defaults) work anywhere;
 * top-level keys starting with "x-" are ignored, a place to define anchors.
 * Plain scalars are typed by the YAML 1.2 core schema (null, true/false,
 * integers, floats; everything else is a string); quoted scalars and
 * scalars tagged !!str or ! are strings.  Integer settings also take
 * quoted decimal text ("30"), as CloudFormation does. */

/* Bounds on hostile project files (to move to limits.h). */
#define PROJ_MAX_NODES      100000          /* nodes once aliases are expanded */
#define PROJ_MAX_DEPTH      1000            /* nesting of mappings and lists */
#define PROJ_MAX_FILE_BYTES (16 * 1024 * 1024) /* a project or definition file */
#define PROJ_MAX_ERRORS     ERRS_MAX        /* problems reported by one load */

/* AWS Lambda's bounds and defaults. */
#define PROJ_DEFAULT_ACCOUNT "123456789012"
#define PROJ_DEFAULT_REGION  "us-east-1"
#define PROJ_DEFAULT_TIMEOUT 3              /* seconds */
#define PROJ_MAX_TIMEOUT     900
#define PROJ_DEFAULT_MEMORY  128            /* MB */
#define PROJ_MIN_MEMORY      128
#define PROJ_MAX_MEMORY      10240
#define PROJ_MAX_ENV_BYTES   4096           /* keys and values together */

/* The file proj_find looks for, and the one a folder given to proj_load
 * stands for. */
#define PROJ_FILE_NAME "steplocal.yaml"

/* The language family of a runtime: how the function's process is run. */
typedef enum proj_lang {
	PROJ_LANG_PYTHON,       /* python3.8 .. python3.13: our bootstrap loads handler */
	PROJ_LANG_NODE,         /* nodejs18.x .. nodejs22.x: likewise */
	PROJ_LANG_PROVIDED,     /* provided, provided.al2, provided.al2023: ./bootstrap */
} proj_lang;

/* One environment variable; values are text, as Lambda stores them (YAML
 * numbers and booleans become their text, as SAM makes them). */
typedef struct proj_env {
	char *name;
	char *value;
} proj_env;

typedef struct proj_function {
	char *name;             /* [A-Za-z0-9_-]{1,64} */
	const char *runtime;    /* "python3.12", ... (static) */
	proj_lang lang;
	char *handler;          /* NULL when absent (provided runtimes only) */
	char *code;             /* absolute, symbolic links resolved */
	int code_is_zip;        /* code is a .zip file, else a folder */
	int timeout;            /* seconds, 1..900 */
	int memory;             /* MB, 128..10240 */
	int concurrency;        /* reserved concurrency, or -1 when unreserved */
	proj_env *env;          /* in file order */
	int nenv;
	char **layers;          /* absolute folders of its Lambda layers, in the
				 * order AWS extracts them into /opt (a later
				 * one's files win); templates only */
	int nlayers;
} proj_function;

typedef struct proj_machine {
	char *name;             /* 1..80 characters of AWS's allowed set */
	cJSON *definition;      /* the definition as written (owned by the project) */
	char *definition_file;  /* absolute path of the file, or NULL when inline */
	char *where;            /* where the definition is written, to name the
				 * source of asl_load's diagnostics: the file as
				 * the project file names it (relative to the
				 * current folder), or "FILE:LINE:COLUMN" of the
				 * definition key of an inline one */
	int express;            /* type EXPRESS, else STANDARD */
} proj_machine;

/* A fault (field names as lambda_task.h's lt_fault): the first `times`
 * calls of function fail with error, or (times == 0) each call fails with
 * probability rate, drawn from a sequence seeded with seed. */
typedef struct proj_fault {
	const char *function;   /* points to the proj_function's name (with a
				 * template: to own_function) */
	char *own_function;     /* with a template: the name as written, owned */
	const char *error;      /* "Lambda.ServiceException", ... (static) */
	int times;              /* > 0, or 0 when rate is used */
	double rate;            /* 0..1 */
	unsigned int seed;      /* 0 when not given */
} proj_fault;

typedef struct proj_project {
	char *path;             /* the project file, absolute */
	char *dir;              /* its folder, absolute: relative paths start here */
	char account[13];
	char *region;
	proj_function *functions;       /* in file order */
	int nfunctions;
	proj_machine *machines;         /* in file order */
	int nmachines;
	proj_fault *faults;             /* in file order */
	int nfaults;
	char *template_path;            /* template: the SAM template this project
					 * runs (absolute), faults and settings on
					 * top; NULL when the project defines its
					 * own functions and state machines */
} proj_project;

/* Loads the project file at path, or path/steplocal.yaml when path is a
 * folder.  Returns an owned project, or NULL with *err (when err is not
 * NULL) set to an owned message listing every problem found, one per line
 * in file order (at most PROJ_MAX_ERRORS), each starting with
 * "FILE:LINE:COLUMN: " where FILE is spelled as the caller spelled path;
 * a file that cannot be read gives "FILE: cannot read: <reason>". */
proj_project *proj_load(const char *path, char **err);

/* Releases a project and everything in it; NULL is allowed. */
void proj_free(proj_project *p);

/* The project file of the folder start_dir (NULL means the current
 * folder): start_dir/steplocal.yaml when it exists as a regular file.
 * Returns an owned path ("steplocal.yaml" for the current folder), or NULL
 * when there is none. */
char *proj_find(const char *start_dir);

/* Whether name follows AWS's rules for state machine names (1 to 80
 * characters, none of the reserved ones). */
int proj_machine_name_valid(const char *name);

/* The function or state machine called name (borrowed), or NULL. */
const proj_function *proj_function_find(const proj_project *p, const char *name);
const proj_machine *proj_machine_find(const proj_project *p, const char *name);
/* Whether two functions are configured alike (everything but the files
 * of their code and layers). */
int proj_function_equal(const proj_function *a, const proj_function *b);

/* The runtime called name as a static string, with its language family in
 * *lang, or NULL when steplocal does not run it (shared with sam.c). */
const char *proj_runtime_find(const char *name, proj_lang *lang);

/* The error names a fault may raise, as AWS's service-side Lambda errors
 * surface in Step Functions (lambda-contract.md section 5); NULL-terminated. */
extern const char *const proj_fault_errors[];

#endif
