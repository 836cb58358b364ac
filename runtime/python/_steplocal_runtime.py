"""_steplocal_runtime.py - steplocal's runtime for python3.x functions.

bootstrap.py, beside this file, imports it and calls main(): run as
`python3 <runtime_dir>/python/bootstrap.py` in the package folder, with
_HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API set, exactly as AWS
runs awslambdaric in /var/runtime.  It speaks the Lambda Runtime API
(2018-06-01) and reproduces awslambdaric's observable behaviour:

- the handler is "module.function" where module may be a dotted or a
  '/'-separated path ("pkg.mod.fn", "src/app.handler");
- import failures are posted to /runtime/init/error as
  Runtime.ImportModuleError, Runtime.HandlerNotFound,
  Runtime.UserCodeSyntaxError, Runtime.MalformedHandlerName or
  Runtime.BuiltInModuleConflict (with requestId ""), and the process exits 1;
- an exception in the handler is posted to /error as
  {"errorMessage", "errorType", "requestId", "stackTrace"} with Python's
  ", " / ": " spacing, the frames of the runtime left out;
- a result json cannot encode is Runtime.MarshalError, an event it cannot
  decode Runtime.UnmarshalError; bytes results are sent as they are;
- the context object has awslambdaric's fields and methods;
- _X_AMZN_TRACE_ID follows each invocation's trace header;
- stdout and stderr are flushed on every write, and the root logger writes
  "[LEVEL]\\t<time>Z\\t<request id>\\t<message>" lines as on AWS.

Only the standard library is used.  SystemExit and KeyboardInterrupt raised
by a handler end the process, as on AWS (the platform then reports
Runtime.ExitError).

A cold start pays for every module imported here, and the budget is tight
(issue 3: under `python3 -c pass` + 10 ms), so the common path imports only
what the interpreter has already loaded plus _socket, _json and importlib.
http.client, json, logging, decimal and traceback each cost more than that
whole budget or a good part of it; they are replaced (the HTTP client),
bypassed (json: its C half is called directly) or imported when first
needed (logging, decimal, traceback).  `python3 -X importtime` shows it.
"""

import _json
import _socket
import importlib
import importlib.machinery
import os
import sys
import time

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_INDENT = "\u00a0"  # awslambdaric indents traceback lines with NO-BREAK SPACE

# Frames of these files are left out of stack traces: awslambdaric trims
# "/bootstrap.py" (its own files and any other so named), and this module
# is the rest of ours.
RUNTIME_FILES = ("/bootstrap.py", "/_steplocal_runtime.py")

MAX_HEADER_BYTES = 64 * 1024  # an answer's status line and headers, at most
BODY_RECV_MAX = 1024 * 1024  # bytes of a body asked of the socket at a time

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
    """Talks to $AWS_LAMBDA_RUNTIME_API: a minimal, strict HTTP/1.1 client.

    Not http.client: importing it (with email.parser, and ssl when Python
    has it) costs several times the whole cold-start budget of a function,
    and AWS's own runtime clients do not use it either (awslambdaric talks
    through a native HTTP client).  The Runtime API is our evhttp server,
    which frames every answer with Content-Length, so that is all this
    client reads: an answer it cannot frame (no or a bad Content-Length, a
    Transfer-Encoding, a malformed status or header line, a header block
    over MAX_HEADER_BYTES, the connection ending early, bytes beyond the
    body) raises RuntimeAPIGone rather than being guessed at.  Header names
    are compared in lower case; values are latin-1, as http.client reads
    them.

    One connection is kept alive from request to request, as AWS's clients
    do, unless the server answers "Connection: close".  No request is ever
    sent twice: before the kept connection is reused, a non-blocking peek
    checks that the server has not closed it meanwhile (evhttp closes a
    connection idle for LAM_RAPI_CONN_TIMEOUT, an hour, and it is idle only
    while a handler runs, 15 minutes at most), and one found closed is
    replaced before anything is written; once a request is written, any
    failure is final.  /next has no timeout: it blocks until an invocation
    arrives."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise RuntimeAPIGone("bad AWS_LAMBDA_RUNTIME_API %r" % address)
        self.address = address  # host:port, the Host header
        self.host = host.strip("[]")
        self.port = int(port)
        self.family = _socket.AF_INET6 if ":" in self.host else _socket.AF_INET
        self.sock = None

    def _connection(self):
        """The kept connection if the server has neither closed it nor sent
        anything unasked on it, else a new one (OSError if none)."""
        if self.sock is not None:
            try:
                self.sock.recv(1, _socket.MSG_PEEK | _socket.MSG_DONTWAIT)
            except BlockingIOError:
                return self.sock  # open, and nothing pending
            except OSError:
                pass
            self._close()
        sock = _socket.socket(self.family, _socket.SOCK_STREAM)
        try:
            # A request is written in one piece and then its answer awaited:
            # Nagle's algorithm could only delay it.
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            sock.connect((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.sock = sock
        return sock

    def _close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _request(self, method, path, body=None, headers=None):
        """Sends one request and returns (status, headers, body) of its
        answer, with lower-case header names; RuntimeAPIGone if the request
        cannot be sent or its answer cannot be read."""
        lines = ["%s %s%s HTTP/1.1" % (method, API_PREFIX, path), "Host: " + self.address]
        if body is not None:
            lines.append("Content-Length: %d" % len(body))
        lines.extend("%s: %s" % item for item in (headers or {}).items())
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        try:
            sock = self._connection()
            sock.sendall(request)
            status, answer_headers, data, keep = self._read_answer(sock)
        except (OSError, RuntimeAPIGone) as e:
            self._close()
            raise RuntimeAPIGone("%s %s: %s" % (method, path, e)) from None
        if not keep:
            self._close()
        return status, answer_headers, data

    def _read_answer(self, sock):
        """Reads one answer: (status, headers, body, whether the connection
        may be reused).  RuntimeAPIGone says why an answer cannot be framed."""
        buf = b""
        while True:
            end = buf.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES)
            if end >= 0:
                break
            if len(buf) >= MAX_HEADER_BYTES:
                raise RuntimeAPIGone("no end to the header block in its first %d bytes" % MAX_HEADER_BYTES)
            chunk = sock.recv(MAX_HEADER_BYTES)
            if not chunk:
                raise RuntimeAPIGone(
                    "connection closed inside the header block" if buf else "connection closed without an answer"
                )
            buf += chunk

        lines = buf[:end].decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        status = rest[:3]
        if version not in ("HTTP/1.1", "HTTP/1.0") or not _is_number(status) or rest[3:4] not in ("", " "):
            raise RuntimeAPIGone("malformed status line %r" % lines[0][:200])
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            # A name is a token: no whitespace, and no continuation lines.
            if not colon or not name or name != name.strip():
                raise RuntimeAPIGone("malformed header line %r" % line[:200])
            name, value = name.lower(), value.strip(" \t")
            # Like http.client, the first of repeated headers counts, but
            # two different lengths cannot frame a body.
            if headers.setdefault(name, value) != value and name == "content-length":
                raise RuntimeAPIGone("conflicting Content-Length headers")
        if "transfer-encoding" in headers:
            raise RuntimeAPIGone("unsupported Transfer-Encoding %r" % headers["transfer-encoding"])
        length = headers.get("content-length")
        if length is None:
            raise RuntimeAPIGone("answer %s without Content-Length" % status)
        if not _is_number(length):
            raise RuntimeAPIGone("answer %s with a bad Content-Length %r" % (status, length))

        length = int(length)
        parts = [buf[end + 4 :]]
        have = len(parts[0])
        if have > length:
            raise RuntimeAPIGone("%d bytes beyond the Content-Length of %d" % (have - length, length))
        while have < length:
            chunk = sock.recv(min(length - have, BODY_RECV_MAX), _socket.MSG_WAITALL)
            if not chunk:
                raise RuntimeAPIGone("connection closed after %d of %d body bytes" % (have, length))
            parts.append(chunk)
            have += len(chunk)
        tokens = [t.strip() for t in headers.get("connection", "").lower().split(",")]
        keep = version == "HTTP/1.1" and "close" not in tokens
        return int(status), headers, b"".join(parts), keep

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


def _is_number(text):
    # Only ASCII digits: latin-1 text may hold "²", which isdigit() accepts.
    return text.isascii() and text.isdigit()


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


# json.loads and json.dumps do their work in json's C half, _json; json
# itself imports re, enum and more, which would cost a cold start more than
# its whole budget.  So from_json and to_json call _json as json does, with
# json's defaults, and the rare cases left to json (other encodings, errors)
# import it then, so that results and error messages stay json's.

_WHITESPACE = " \t\n\r"  # what json skips around a document


class _DecoderSettings:
    """The attributes _json.make_scanner reads from json.JSONDecoder(), with
    json's defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan_once = _json.make_scanner(_DecoderSettings())


def from_json(data):
    """json.loads(data), for str or bytes."""
    # json decodes bytes as UTF-8 unless they start with a BOM (0xef, 0xfe,
    # 0xff) or have a zero byte first or second (UTF-16 or UTF-32).  Those,
    # and anything the scanner refuses, are left to json, so that the
    # outcome, error message included, is json's own.
    plain = isinstance(data, str) or (data[:1] not in (b"\xef", b"\xfe", b"\xff", b"\x00") and data[1:2] != b"\x00")
    if plain:
        try:
            text = data if isinstance(data, str) else data.decode("utf-8", "surrogatepass")
            obj, end = _scan_once(text, len(text) - len(text.lstrip(_WHITESPACE)))
            if not text[end:].strip(_WHITESPACE):
                return obj
        except Exception:
            pass
    import json

    return json.loads(data)


def _encode_default(o):
    """What the encoder calls for a value JSON has no type for.  awslambdaric
    encodes Decimal values as numbers; the standard library cannot write
    them verbatim, so integral ones become int, others float."""
    import decimal  # already imported if o is a Decimal

    if isinstance(o, decimal.Decimal):
        if o.is_nan():
            return float("nan")
        if o == o.to_integral_value():
            return int(o)
        return float(o)
    import json

    return json.JSONEncoder().default(o)  # raises json's TypeError


def to_json(obj):
    """json.dumps(obj, default=_encode_default): what json.JSONEncoder.encode
    runs, a C encoder with json's separators, ensure_ascii, allow_nan and a
    fresh circular-reference check."""
    encode = _json.make_encoder({}, _encode_default, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return "".join(encode(obj, 0))


def unmarshal_event(body, content_type):
    if content_type and content_type.split(";")[0].strip() != "application/json":
        return body
    try:
        return from_json(body)
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
    first frame that is not the runtime's, as awslambdaric trims it.  Tuples
    (not FrameSummary objects) so that format_list prints no carets."""
    import traceback  # errors only

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if not any(name in frame[0] for name in RUNTIME_FILES):
            return frames[i:]
    return frames


def fault_from_exception(exc, invoke_id=None):
    import traceback  # errors only

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


def setup_logging(logging):
    """Gives the root logger AWS's handler, on the logging module just
    imported: "[LEVEL]\\t<time>Z\\t<request id>\\t<message>" lines on stdout,
    the level from AWS_LAMBDA_LOG_LEVEL."""

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


class _LoggingImportHook:
    """A sys.meta_path finder for the first import of logging (see
    start_logging).  It finds the standard library's module on the path the
    runtime started with, then stands in as its loader: the module is
    executed as usual and given AWS's handler before the importing code gets
    it.  The hook takes itself off sys.meta_path at once, and off the module
    before its code runs, so neither is left for user code to see."""

    def __init__(self, path):
        self.path = path
        self.loader = None

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, self.path)
        if spec is not None:
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self.loader
        self.loader.exec_module(module)
        setup_logging(module)


def start_logging(path):
    """AWS's runtime imports logging and sets up its handler before the
    function's module is loaded.  Importing logging costs a cold start
    about as much as its whole budget, and many functions never log, so
    here the handler is set up when logging is first imported, whoever
    imports it (the function's module, a library, the handler on some
    call): now if something (a .pth file, sitecustomize) already has, else
    through a _LoggingImportHook.  path is sys.path without the task root:
    as on AWS, a logging.py in the package does not replace the standard
    library's."""
    if "logging" in sys.modules:
        setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingImportHook(path))


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
        return from_json(value)
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
    invoke_id = headers.get("lambda-runtime-aws-request-id") or ""
    _current_request_id = invoke_id
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito, "Cognito Identity") if cognito else None,
            _deadline(headers.get("lambda-runtime-deadline-ms")),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = unmarshal_event(body, headers.get("content-type"))
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
    # The task root comes first and this runtime's folder (which Python put
    # first for bootstrap.py to import this module) not at all, so a user
    # module named like one of ours (even "bootstrap") is the user's.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    standard_path = list(sys.path)
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
        start_logging(standard_path)
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

