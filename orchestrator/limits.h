/* limits.h - every named limit of steplocal in one place (AWS's quotas first). */
#ifndef SL_LIMITS_H
#define SL_LIMITS_H

/* AWS Step Functions quotas. */
#define SL_MAX_PAYLOAD_BYTES      262144   /* 256 KiB: inputs, outputs, results */
#define SL_MAX_HISTORY_EVENTS     25000    /* STANDARD execution history cap */
#define SL_EXPRESS_MAX_SECONDS    300      /* an EXPRESS execution's longest run */
#define SL_MAX_STATE_NAME         80       /* characters in a state name */
#define SL_MAX_EXEC_NAME          80       /* characters in an execution name */
#define SL_MAX_ERROR_NAME         256      /* characters kept of an error name */
#define SL_MAX_CAUSE              32768    /* characters kept of a cause */
#define SL_INLINE_MAP_CONCURRENCY 40       /* AWS runs at most 40 inline Map iterations at once */
#define SL_DISTRIBUTED_MAP_CONCURRENCY 10000 /* Distributed Map's default child executions */
#define SL_MAX_ARRAY_RANGE        1000     /* States.ArrayRange result size */
#define SL_MAX_INTRINSIC_DEPTH    10       /* nesting of intrinsic calls */
#define SL_TASK_TOKEN_LEN         64       /* characters in a task token we issue */

/* Our own bounds on hostile input. */
#define SL_MAX_JSON_DEPTH         1000     /* nesting accepted in definitions */
#define SL_MAX_PATH_LEN           4096     /* characters in one JSONPath */
#define SL_MAX_SOURCE_QUOTE       500      /* characters of a bad definition quoted back */
#define SL_DEFAULT_MAX_DEFINITION (1024 * 1024) /* 1 MiB, as AWS's definition quota */

#define SL_MAX_OVERRIDES          64       /* --parameter-overrides items */

/* run --watch */
#define SL_WATCH_MAX_DIRS         2048     /* folders watched at most */
#define SL_WATCH_MAX_DEPTH        8        /* below each watched root */
#define SL_WATCH_SETTLE_MS        200      /* quiet time that ends a burst of changes */

#endif
