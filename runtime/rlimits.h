/* rlimits.h - every named limit of the Lambda side in one place (AWS's quotas first). */
#ifndef SL_RLIMITS_H
#define SL_RLIMITS_H

/* AWS Lambda quotas and defaults. */
#define LAM_MAX_INVOKE_PAYLOAD    6291456   /* bytes of a synchronous Invoke request */
#define LAM_MAX_RESPONSE_PAYLOAD  6291556   /* bytes of a /response or /error body (6 MiB + 100) */
#define LAM_DEFAULT_TIMEOUT       3         /* seconds */
#define LAM_MAX_TIMEOUT           900       /* seconds */
#define LAM_DEFAULT_MEMORY        128       /* MB */
#define LAM_MIN_MEMORY            128       /* MB */
#define LAM_MAX_MEMORY            10240     /* MB */
#define LAM_MAX_FUNCTION_NAME     64        /* characters */
#define LAM_MAX_CLIENT_CONTEXT    3583      /* bytes of X-Amz-Client-Context (base64) */
#define LAM_LOG_TAIL_BYTES        4096      /* X-Amz-Log-Result: the last 4 KB */
#define LAM_INIT_TIMEOUT_MS       10000     /* on-demand init phase, before the invoke's own timeout */

/* Our own bounds. */
#define LAM_RAPI_MAX_BODY   (32 * 1024 * 1024) /* bodies evhttp buffers; beyond it answers 413 itself */
#define LAM_RAPI_MAX_HEADERS      65536     /* bytes of request headers on the Runtime API */
#define LAM_RAPI_CONN_TIMEOUT     3600      /* seconds an idle Runtime API connection stays open */
#define LAM_LOG_LINE_MAX          65536     /* bytes of one log line; longer lines are split */
#define LAM_LOG_INVOKE_MAX  (1024 * 1024)   /* log bytes passed on per invocation (and per init) */
#define LAM_LOG_DRAIN_MAX   (256 * 1024)    /* bytes read from the pipes when an invocation ends */
#define LAM_MEM_POLL_MS           50        /* RSS poll interval during invocations */
#define LAM_INTERP_PROBE_MS       15000     /* a version manager's shim asked for its interpreter */
#define LAM_KILL_GRACE_MS         200       /* SIGTERM to SIGKILL on shutdown */
#define LAM_DEFAULT_IDLE_SECONDS  300       /* a warm environment idle this long is reaped */
#define LAM_ACCOUNT_PER_CPU       16        /* default account-wide cap: 16 x online CPUs ... */
#define LAM_ACCOUNT_MIN           32        /* ... and at least 32 */

#define LAM_RANDOM_POOL           4096      /* bytes of randomness fetched at a time for ids */

#endif
