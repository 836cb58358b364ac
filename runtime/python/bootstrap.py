"""bootstrap.py - steplocal's runtime for python3.x functions.

Run as `python3 <runtime_dir>/python/bootstrap.py` in the package folder,
with _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set, exactly as
AWS runs awslambdaric in /var/runtime.  It speaks the Lambda Runtime API
(2018-06-01) and reproduces awslambdaric's observable behaviour:

- the handler is "module.function" where module may be a dotted or a
  '/'-separated path ("pkg.mod.fn", "src/app.handler");
- import failures are posted to /runtime/init/error as
  Runtime.ImportModuleError, Runtime.HandlerNotFound,
  Runtime.UserCodeSyntaxError, Runtime.MalformedHandlerName or
  Runtime.BuiltInModuleConflict (with requestId ""), and the process exits 1;
- an exception in the handler is posted to /error as
  {"errorMessage", "errorType", "requestId", "stackTrace"} with Python's
  ", " / ": " spacing, the frames of this file left out;
- a result json cannot encode is Runtime.MarshalError, an event it cannot
  decode Runtime.UnmarshalError; bytes results are sent as they are;
- the context object has awslambdaric's fields and methods;
- _X_AMZN_TRACE_ID follows each invocation's trace header;
- stdout and stderr are flushed on every write, and the root logger writes
  "[LEVEL]\\t<time>Z\\t<request id>\\t<message>" lines as on AWS.

Only the standard library is used.  SystemExit and KeyboardInterrupt raised
by a handler end the process, as on AWS (the platform then reports
Runtime.ExitError).
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_INDENT = "\u00a0"  # awslambdaric indents traceback lines with NO-BREAK SPACE

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"


class FaultException(Exception):
    """A failure the runtime itself names (Runtime.*), as awslambdaric's."""

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


class RuntimeAPIGone(Exception):
    """The Runtime API cannot be reached: the environment is going away."""


# ---------------------------------------------------------------- HTTP client


class RuntimeClient:
    """Talks to $AWS_LAMBDA_RUNTIME_API.  A new loopback connection per
    request keeps this immune to the server closing idle connections; /next
    has no timeout because it blocks until an invocation arrives."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise RuntimeAPIGone("bad AWS_LAMBDA_RUNTIME_API %r" % address)
        self.host = host.strip("[]")
        self.port = int(port)

    def _request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=None)
        try:
            conn.request(method, API_PREFIX + path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.headers, data
        except (OSError, http.client.HTTPException) as e:
            raise RuntimeAPIGone("%s %s: %s" % (method, path, e)) from None
        finally:
            conn.close()

    def next(self):
        status, headers, body = self._request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeAPIGone("GET /invocation/next answered %d: %r" % (status, body[:200]))
        return headers, body

    def _post(self, path, body, headers):
        status, _, data = self._request("POST", path, body, headers)
        if status != 202:
            # E.g. 413 for an oversized response: the platform has already
            # turned it into Function.ResponseSizeTooLarge and expects /next.
            sys.stderr.write(
                "steplocal python runtime: POST %s answered %d: %s\n"
                % (path, status, data.decode("utf-8", "replace").strip())
            )

    def post_response(self, request_id, body, content_type):
        self._post(
            "/invocation/%s/response" % request_id,
            body,
            {"Content-Type": content_type},
        )

    def post_error(self, request_id, error):
        self._post("/invocation/%s/error" % request_id, to_json(error).encode("utf-8"), error_headers(error))

    def post_init_error(self, error):
        self._post("/init/error", to_json(error).encode("utf-8"), error_headers(error))


def error_headers(error):
    # The platform keeps Runtime.*/Function.* names from this header for its
    # records; the body is what the caller receives.  Header values must be
    # latin-1, so anything else is dropped.
    etype = "".join(c for c in error.get("errorType", "") if " " < c < "\x7f")
    headers = {"Content-Type": "application/json"}
    if etype:
        headers[ERROR_TYPE_HEADER] = etype
    return headers


# ---------------------------------------------------------------- marshalling


class Encoder(json.JSONEncoder):
    """awslambdaric encodes Decimal values as numbers; the standard library
    cannot write them verbatim, so integral ones become int, others float."""

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            if o == o.to_integral_value():
                return int(o)
            return float(o)
        return super().default(o)


def to_json(obj):
    return Encoder().encode(obj)


def unmarshal_event(body, content_type):
    if content_type and content_type.split(";")[0].strip() != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb):
    """The traceback as (file, line, function, text) tuples, starting at the
    first frame that is not this file's, as awslambdaric trims it.  Tuples
    (not FrameSummary objects) so that format_list prints no carets."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[i:]
    return frames


def fault_from_exception(exc, invoke_id=None):
    return make_error(
        str(exc),
        type(exc).__name__,
        traceback.format_list(user_frames(exc.__traceback__)),
        invoke_id,
    )


# ---------------------------------------------------------------- logging


def _indent(line):
    stripped = line.lstrip(" ")
    return ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


def log_error(error):
    """Writes an error the way awslambdaric's text log sink does: one line,
    its parts separated by carriage returns."""
    desc = "[ERROR]"
    if error.get("errorType"):
        desc += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            desc += ":"
        desc += " " + error["errorMessage"]
    lines = [desc]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
            else:
                lines.extend(_indent(part) for part in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


class Unbuffered:
    """Flushes after every write, as awslambdaric wraps stdout and stderr."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


_current_request_id = None


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


class _LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


# ---------------------------------------------------------------- context


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (f, getattr(self, f)) for f in self.__slots__)


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _obj_from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field) if isinstance(d, dict) else None)
    return obj


class LambdaContext:
    """The handler's context, with awslambdaric's attributes.  As on AWS,
    memory_limit_in_mb and function_version are the environment's strings."""

    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None)


def _deadline(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(time.time() * 1000)


# ---------------------------------------------------------------- handler


def get_handler(handler):
    """Imports the handler's module and returns the function, or raises a
    FaultException with awslambdaric's type and message."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e)))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None)


def handle_invocation(client, request_handler, headers, body):
    global _current_request_id
    invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id") or ""
    _current_request_id = invoke_id
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        cognito = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito, "Cognito Identity") if cognito else None,
            _deadline(headers.get("Lambda-Runtime-Deadline-Ms")),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            headers.get("Lambda-Runtime-Aws-Tenant-Id"),
        )
        event = unmarshal_event(body, headers.get("Content-Type"))
        response = request_handler(event, context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception as e:
        error = fault_from_exception(e, invoke_id)

    if error is not None:
        log_error(error)
        client.post_error(invoke_id, error)
    else:
        client.post_response(invoke_id, result, content_type)


def main():
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    here = os.path.dirname(os.path.abspath(__file__))
    # The task root comes first and this runtime's folder not at all, so a
    # user module named like one of ours (even "bootstrap") is the user's.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, task_root)
    # AWS's /var/task is read-only, so no bytecode is ever cached there; a
    # stale __pycache__ would also hide an edit made in the same second.
    sys.dont_write_bytecode = True

    try:
        client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    except RuntimeAPIGone as e:
        sys.stderr.write("steplocal python runtime: %s\n" % e)
        return 1

    try:
        setup_logging()
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error = make_error(e.msg, e.exception_type, e.trace)
        else:
            error = fault_from_exception(e)
        log_error(error)
        try:
            client.post_init_error(error)
        except RuntimeAPIGone as gone:
            sys.stderr.write("steplocal python runtime: %s\n" % gone)
        return 1

    while True:
        try:
            headers, body = client.next()
            handle_invocation(client, request_handler, headers, body)
        except RuntimeAPIGone as e:
            sys.stderr.write("steplocal python runtime: Runtime API unreachable, exiting: %s\n" % e)
            return 1


if __name__ == "__main__":
    sys.exit(main())
