#!/usr/bin/env python3
"""test_bootstraps.py - the Python and Node bootstraps and the C runtime client against a fake Runtime API.

Run from the project root:  python3 tests/runtime/test_bootstraps.py [-v] [TestName...]

A tiny Runtime API server (http.server in a thread) serves a list of events
and records everything the runtime posts; once the events run out it closes
the connection of the next GET /next, which is how a runtime learns that the
environment is going away, so every run ends by itself (and is killed if it
takes longer than RUN_TIMEOUT seconds).  The expected payloads are AWS's, as
its runtime interface clients (awslambdaric, aws-lambda-nodejs-runtime-
interface-client, aws-lambda-cpp) produce them.

The C tests compile with $CC (default cc) and any extra flags in
$SL_CLIENT_CFLAGS, e.g. CC=clang SL_CLIENT_CFLAGS="-fsanitize=address,undefined"
to run the client under the sanitizers (a report makes the run fail).

Standard library only.  Prints "N passed, N failed" last; exits 1 on failure.
"""

import decimal
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PY_BOOTSTRAP = os.path.join(ROOT, "runtime", "python", "bootstrap.py")
NODE_BOOTSTRAP = os.path.join(ROOT, "runtime", "node", "bootstrap.js")
CLIENT_DIR = os.path.join(ROOT, "runtime", "client")
RUN_TIMEOUT = 20  # seconds one function process may run
API = "/2018-06-01/runtime"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
C_WARNINGS = [
    "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes",
    "-Wmissing-prototypes", "-Wpointer-arith", "-Wformat=2", "-Wundef", "-Wwrite-strings",
    "-Wvla", "-Werror",
]
HAVE_NODE = shutil.which("node") is not None
CC = os.environ.get("CC") or "cc"
CLIENT_CFLAGS = os.environ.get("SL_CLIENT_CFLAGS", "").split()
HAVE_CC = shutil.which(CC) is not None


# ---------------------------------------------------------------- fake Runtime API


def event(body, request_id=None, deadline_in_ms=30000, trace="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
          client_context=None, cognito=None, arn=ARN, response_status=202, then_close=None):
    """An invocation to serve: body (a JSON value, or bytes as they are) and
    the /next headers.  response_status is what POST /response answers.
    then_close closes the connection after /next: "header" says so with
    "Connection: close", "silently" does not (as a server dropping an idle
    connection)."""
    headers = {
        "Lambda-Runtime-Aws-Request-Id": request_id or str(uuid.uuid4()),
        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + deadline_in_ms),
        "Lambda-Runtime-Invoked-Function-Arn": arn,
        "Content-Type": "application/json",
    }
    if trace:
        headers["Lambda-Runtime-Trace-Id"] = trace
    if client_context is not None:
        headers["Lambda-Runtime-Client-Context"] = json.dumps(client_context)
    if cognito is not None:
        headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(cognito)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if then_close == "header":
        headers["Connection"] = "close"
    return {"headers": headers, "body": raw, "response_status": response_status, "then_close": then_close}


class Post:
    def __init__(self, path, headers, body):
        self.path = path
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Post(%s, %r)" % (self.path, self.body[:300])


class FakeRuntimeAPI:
    def __init__(self, events):
        self.events = list(events)
        self.by_id = {e["headers"]["Lambda-Runtime-Aws-Request-Id"]: e for e in self.events}
        self.posts = []
        self.nexts = 0
        self.connections = 0
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with api.lock:
                    api.connections += 1

            def reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != API + "/invocation/next":
                    return self.reply(404, b"404 page not found\n", {"Content-Type": "text/plain"})
                with api.lock:
                    api.nexts += 1
                    ev = api.events.pop(0) if api.events else None
                if ev is None:
                    # No more invocations: hang up, as a dying environment does.
                    self.close_connection = True
                    return
                self.reply(200, ev["body"], ev["headers"])
                if ev["then_close"]:
                    self.close_connection = True

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with api.lock:
                    api.posts.append(Post(self.path, dict(self.headers), body))
                status = 202
                parts = self.path.split("/")
                if self.path.endswith("/response") and len(parts) > 4:
                    ev = api.by_id.get(parts[-2])
                    status = ev["response_status"] if ev else 400
                if status == 202:
                    self.reply(202, b'{"status":"OK"}\n', {"Content-Type": "application/json"})
                elif status == 413:
                    self.reply(413, b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",'
                               b'"errorType":"RequestEntityTooLarge"}\n', {"Content-Type": "application/json"})
                else:
                    self.reply(status, b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n',
                               {"Content-Type": "application/json"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Run:
    """The outcome of one function process."""

    def __init__(self, api, proc, task_root):
        self.posts = api.posts
        self.nexts = api.nexts
        self.connections = api.connections
        self.rc = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.task_root = task_root

    def __repr__(self):
        return "Run(rc=%s, posts=%r, stdout=%r, stderr=%r)" % (self.rc, self.posts, self.stdout[-2000:], self.stderr[-2000:])


class RuntimeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sl-rt-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_files(self, files):
        root = os.path.join(self.tmp, "task")
        os.makedirs(root, exist_ok=True)
        for name, content in files.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(textwrap.dedent(content))
        return root

    def run_function(self, cmd, handler, files, events, extra_env=None, api=None):
        """Runs cmd against api (default: a FakeRuntimeAPI serving events)."""
        root = self.write_files(files)
        api = api or FakeRuntimeAPI(events)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": root,
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        env.update(extra_env or {})
        try:
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=RUN_TIMEOUT)
        finally:
            api.close()
        return Run(api, proc, root)

    def responses(self, run):
        return [p for p in run.posts if p.path.endswith("/response")]

    def errors(self, run):
        return [p for p in run.posts if p.path.endswith("/error")]


# ---------------------------------------------------------------- Python


class RawRuntimeAPI:
    """A Runtime API that answers the requests it receives, on whatever
    connection, with the given answers in turn, byte for byte, for answers
    http.server would not send.  After the last one it stops listening and
    closes the connection, so the runtime finds the API gone.  Records
    requests as FakeRuntimeAPI does."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.posts = []
        self.nexts = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            with conn:
                self.answer(conn)
                if not self.answers:
                    self.listener.close()

    def answer(self, conn):
        buf = b""
        while self.answers:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            length = int(headers.get("Content-Length", 0))
            while len(buf) < length:
                buf += conn.recv(65536)
            body, buf = buf[:length], buf[length:]
            method, path, _ = lines[0].split(" ")
            if method == "POST":
                self.posts.append(Post(path, headers, body))
            else:
                self.nexts += 1
            conn.sendall(self.answers.pop(0))

    def close(self):
        self.listener.close()


def raw_answer(body, status="200 OK", headers=None):
    """An answer as evhttp frames it."""
    head = ["HTTP/1.1 " + status, "Content-Length: %d" % len(body)] + ["%s: %s" % h for h in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class PythonBootstrap(RuntimeTest):
    def run_py(self, files, events, handler="app.handler", extra_env=None, api=None):
        return self.run_function([sys.executable, PY_BOOTSTRAP], handler, files, events, extra_env, api)

    def test_success(self):
        events = [event({"n": 1}, "req-1"), event({"n": 2}, "req-2")]
        run = self.run_py({"app.py": """
            import logging
            logger = logging.getLogger()
            logger.setLevel(logging.INFO)
            def handler(event, context):
                print("got", event["n"])
                logger.info("info line %d", event["n"])
                return {"doubled": event["n"] * 2, "text": "héllo"}
            """}, events)
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/req-1/response", API + "/invocation/req-2/response"], run)
        self.assertEqual(run.posts[0].json(), {"doubled": 2, "text": "héllo"})
        self.assertEqual(run.posts[1].json(), {"doubled": 4, "text": "héllo"})
        self.assertEqual(run.posts[0].headers["content-type"], "application/json")
        self.assertEqual(run.nexts, 3)  # the third /next finds the API gone
        self.assertIn("got 1\n", run.stdout)
        self.assertRegex(run.stdout, r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-2\tinfo line 2\n")

    def test_none_and_bytes_results(self):
        run = self.run_py({"app.py": """
            def handler(event, context):
                return None if event == "none" else b"\\x00raw"
            """}, [event("none"), event("bytes")])
        self.assertEqual(run.posts[0].body, b"null")
        self.assertEqual(run.posts[1].body, b"\x00raw")
        self.assertEqual(run.posts[1].headers["content-type"], "application/unknown")

    def test_handler_exception(self):
        run = self.run_py({"app.py": """
            class CustomError(Exception):
                pass

            def helper(x):
                raise CustomError("job %s cannot be processed" % x)

            def handler(event, context):
                if event.get("ok"):
                    return "fine"
                helper(event["job"])
            """}, [event({"job": 7}, "req-err"), event({"ok": True}, "req-ok")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/req-err/error", API + "/invocation/req-ok/response"], run)
        err = run.posts[0]
        body = err.json()
        self.assertEqual(list(body), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(body["errorMessage"], "job 7 cannot be processed")
        self.assertEqual(body["errorType"], "CustomError")
        self.assertEqual(body["requestId"], "req-err")
        app = os.path.join(run.task_root, "app.py")
        self.assertEqual(body["stackTrace"], [
            '  File "%s", line 11, in handler\n    helper(event["job"])\n' % app,
            '  File "%s", line 6, in helper\n    raise CustomError("job %%s cannot be processed" %% x)\n' % app,
        ])
        # Python's json spacing, as the Python runtime sends it.
        self.assertTrue(err.body.startswith(b'{"errorMessage": "job 7 cannot be processed", "errorType": "CustomError", '), err.body)
        self.assertEqual(err.headers["lambda-runtime-function-error-type"], "CustomError")
        self.assertEqual(run.posts[1].json(), "fine")
        self.assertIn("[ERROR] CustomError: job 7 cannot be processed\rTraceback (most recent call last):\r", run.stdout)

    def test_import_error(self):
        run = self.run_py({"other.py": "x = 1\n"}, [event({})])
        self.assertEqual(run.nexts, 0)
        self.assertEqual(len(run.posts), 1, run)
        p = run.posts[0]
        self.assertEqual(p.path, API + "/init/error")
        self.assertEqual(p.json(), {
            "errorMessage": "Unable to import module 'app': No module named 'app'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })
        self.assertEqual(p.headers["lambda-runtime-function-error-type"], "Runtime.ImportModuleError")
        self.assertEqual(run.rc, 1)

    def test_import_error_of_a_dependency(self):
        run = self.run_py({"app.py": "import requests_not_installed\ndef handler(e, c):\n    pass\n"}, [event({})])
        self.assertEqual(run.posts[0].json()["errorMessage"],
                         "Unable to import module 'app': No module named 'requests_not_installed'")
        self.assertEqual(run.posts[0].json()["errorType"], "Runtime.ImportModuleError")

    def test_missing_handler(self):
        run = self.run_py({"app.py": "def other(e, c):\n    pass\n"}, [event({})])
        self.assertEqual(run.nexts, 0)
        self.assertEqual([p.path for p in run.posts], [API + "/init/error"])
        self.assertEqual(run.posts[0].json(), {
            "errorMessage": "Handler 'handler' missing on module 'app'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        })
        self.assertEqual(run.rc, 1)

    def test_syntax_error_and_malformed_handler(self):
        run = self.run_py({"app.py": "def handler(e, c)\n    pass\n"}, [event({})])
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(body["errorMessage"].startswith("Syntax error in module 'app': "), body)
        run = self.run_py({"app.py": "x = 1\n"}, [event({})], handler="nodot")
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(body["errorMessage"], "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)")

    def test_exception_at_import(self):
        run = self.run_py({"app.py": "raise KeyError('TABLE')\n"}, [event({})])
        body = run.posts[0].json()
        self.assertEqual(run.posts[0].path, API + "/init/error")
        self.assertEqual((body["errorType"], body["errorMessage"], body["requestId"]), ("KeyError", "'TABLE'", ""))
        self.assertTrue(any("app.py" in frame for frame in body["stackTrace"]), body)

    def test_nested_handler_paths(self):
        files = {"src/handlers/orders.py": "def handler(e, c):\n    return 'slash'\n",
                 "pkg/__init__.py": "",
                 "pkg/mod.py": "def fn(e, c):\n    return 'dot'\n"}
        run = self.run_py(files, [event({})], handler="src/handlers/orders.handler")
        self.assertEqual(run.posts[0].json(), "slash", run)
        run = self.run_py(files, [event({})], handler="pkg.mod.fn")
        self.assertEqual(run.posts[0].json(), "dot", run)

    def test_context_fields(self):
        code = {"app.py": """
            import os
            def handler(event, context):
                cc = context.client_context
                return {
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "aws_request_id": context.aws_request_id,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                    "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
                    "custom": cc.custom if cc else None,
                    "client_app": cc.client.app_title if cc else None,
                    "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                }
            """}
        events = [
            event({}, "ctx-1", deadline_in_ms=5000, arn=ARN + ":live", trace="Root=1-aaa;Parent=bbb;Sampled=1",
                  client_context={"custom": {"k": "v"}, "client": {"app_title": "shop"}, "env": {}},
                  cognito={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}),
            event({}, "ctx-2", trace=None),
            event({}, "ctx-3", deadline_in_ms=-1000),
        ]
        run = self.run_py(code, events)
        first, second, third = (p.json() for p in run.posts)
        self.assertEqual(first["function_name"], "fn")
        self.assertEqual(first["function_version"], "$LATEST")
        self.assertEqual(first["invoked_function_arn"], ARN + ":live")
        self.assertEqual(first["memory_limit_in_mb"], "128")
        self.assertEqual(first["aws_request_id"], "ctx-1")
        self.assertEqual(first["log_group_name"], "/aws/lambda/fn")
        self.assertEqual(first["log_stream_name"], "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef")
        self.assertTrue(3000 < first["remaining"] <= 5000, first["remaining"])
        self.assertEqual(first["identity"], ["id-1", "pool-1"])
        self.assertEqual(first["custom"], {"k": "v"})
        self.assertEqual(first["client_app"], "shop")
        self.assertEqual(first["trace"], "Root=1-aaa;Parent=bbb;Sampled=1")
        self.assertEqual(second["aws_request_id"], "ctx-2")
        self.assertIsNone(second["trace"])  # no trace header: the variable is gone
        self.assertEqual(second["identity"], [None, None])
        self.assertIsNone(second["custom"])
        self.assertEqual(third["remaining"], 0)

    def test_unserializable_result(self):
        run = self.run_py({"app.py": "def handler(e, c):\n    return {1, 2}\n"}, [event({}, "req-set")])
        self.assertEqual(run.posts[0].path, API + "/invocation/req-set/error")
        self.assertEqual(run.posts[0].json(), {
            "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
            "errorType": "Runtime.MarshalError",
            "requestId": "req-set",
            "stackTrace": [],
        })

    def test_unparsable_event(self):
        run = self.run_py({"app.py": "def handler(e, c):\n    return e\n"}, [event(b"{not json", "req-bad")])
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.UnmarshalError")
        self.assertTrue(body["errorMessage"].startswith("Unable to unmarshal input: Expecting property name"), body)

    def test_refused_response_does_not_stop_the_runtime(self):
        run = self.run_py({"app.py": "def handler(e, c):\n    return e\n"},
                          [event("x" * 100, "big", response_status=413), event("small", "next")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/big/response", API + "/invocation/next/response"])
        self.assertIn("413", run.stderr)

    def test_stdout_is_unbuffered(self):
        # Output written before a crash must not be lost in a buffer.
        run = self.run_py({"app.py": "import os, sys\ndef handler(e, c):\n    sys.stdout.write('partial')\n    os._exit(3)\n"},
                          [event({})])
        self.assertEqual(run.rc, 3)
        self.assertIn("partial", run.stdout)

    def test_handler_exit_ends_the_process(self):
        run = self.run_py({"app.py": "import sys\ndef handler(e, c):\n    sys.exit(5)\n"}, [event({})])
        self.assertEqual(run.rc, 5)
        self.assertEqual(run.posts, [])

    def test_user_module_named_bootstrap(self):
        run = self.run_py({"bootstrap.py": "def handler(e, c):\n    return 'mine'\n"}, [event({})],
                          handler="bootstrap.handler")
        self.assertEqual(run.posts[0].json(), "mine", run)

    def test_safe_path_environment(self):
        # PYTHONSAFEPATH keeps Python from putting the script's folder on
        # sys.path; the bootstrap still finds the runtime beside it.
        run = self.run_py({"app.py": "import sys\ndef handler(e, c):\n    return sys.path[0]\n"}, [event({})],
                          extra_env={"PYTHONSAFEPATH": "1"})
        self.assertEqual(run.posts[0].json(), run.task_root, run)

    # logging is imported only when the function first imports it; the
    # runtime's handler must be in place before the function sees the module.

    def test_logging_imported_inside_the_handler(self):
        run = self.run_py({"app.py": """
            import sys
            AT_IMPORT = "logging" in sys.modules

            def handler(event, context):
                import logging
                logging.getLogger("app").debug("call %d", event["n"])
                return {"at_import": AT_IMPORT, "handlers": len(logging.getLogger().handlers),
                        "hooks": [type(f).__name__ for f in sys.meta_path],
                        "loader": type(logging.__loader__).__name__,
                        "spec_loader": type(logging.__spec__.loader).__name__}
            """}, [event({"n": 1}, "lazy-1"), event({"n": 2}, "lazy-2")], extra_env={"AWS_LAMBDA_LOG_LEVEL": "debug"})
        first, second = (p.json() for p in run.posts)
        self.assertEqual(first["at_import"], False)  # else this test proves nothing
        self.assertEqual(first["handlers"], 1)
        self.assertEqual(second["handlers"], 1)
        self.assertNotIn("_LoggingImportHook", first["hooks"])
        self.assertEqual((first["loader"], first["spec_loader"]), ("SourceFileLoader", "SourceFileLoader"))
        self.assertRegex(run.stdout, r"\[DEBUG\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tlazy-1\tcall 1\n")
        self.assertRegex(run.stdout, r"\[DEBUG\]\t[^\t]+Z\tlazy-2\tcall 2\n")

    def test_logging_imported_by_a_library(self):
        # basicConfig is a no-op once the root logger has AWS's handler: the
        # library's warning goes to stdout in AWS's format, not to stderr.
        files = {
            "lib.py": """
                import logging
                logging.basicConfig(level=logging.INFO)
                log = logging.getLogger("lib")
                log.warning("lib loaded")
                """,
            "app.py": """
                import lib

                def handler(event, context):
                    lib.log.info("not shown: the root level stays WARNING")
                    lib.log.error("failed %s", event["what"])
                    return len(lib.logging.getLogger().handlers)
                """,
        }
        run = self.run_py(files, [event({"what": "twice"}, "lib-1")])
        self.assertEqual(run.posts[0].json(), 1, run)
        self.assertRegex(run.stdout, r"\[WARNING\]\t[^\t]+Z\t\tlib loaded\n")
        self.assertRegex(run.stdout, r"\[ERROR\]\t[^\t]+Z\tlib-1\tfailed twice\n")
        self.assertNotIn("not shown", run.stdout)
        self.assertNotIn("lib loaded", run.stderr)

    def test_logging_py_in_the_package_does_not_replace_logging(self):
        # As on AWS, where the runtime imported logging before the package
        # was on the path.
        files = {"logging.py": "raise RuntimeError('the package logging.py was imported')\n",
                 "app.py": "def handler(e, c):\n    import logging\n    return logging.__file__ != __file__\n"}
        run = self.run_py(files, [event({})])
        self.assertEqual(run.posts[0].json(), True, run)

    # The HTTP client: one kept-alive connection, never a request sent twice.

    def test_one_connection_for_all_requests(self):
        run = self.run_py({"app.py": "def handler(e, c):\n    return e\n"}, [event(1), event(2), event(3)])
        self.assertEqual([p.json() for p in run.posts], [1, 2, 3], run)
        self.assertEqual(run.nexts, 4)
        self.assertEqual(run.connections, 1)

    def test_closed_connection_is_replaced_before_posting(self):
        # The server closes the connection after /next, once with
        # "Connection: close", once silently while the handler runs: each
        # answer is still posted exactly once, on a new connection.
        run = self.run_py({"app.py": "import time\ndef handler(e, c):\n    time.sleep(0.2)\n    return e\n"},
                          [event("a", "c-1", then_close="header"), event("b", "c-2", then_close="silently"),
                           event("c", "c-3")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/c-%d/response" % i for i in (1, 2, 3)], run)
        self.assertEqual(run.connections, 3)
        self.assertEqual(run.rc, 1)  # only once the events run out

    def test_answer_headers_any_case_and_latin1(self):
        api = RawRuntimeAPI([
            raw_answer(b'{"n": 1}', headers={"lambda-runtime-aws-request-id": "r-1", "CONTENT-TYPE": "application/json",
                                              "Lambda-Runtime-Trace-Id": "Root=1-\xe9t\xe9"}),
            raw_answer(b'{"status":"OK"}\n', "202 Accepted"),
        ])
        run = self.run_py({"app.py": "import os\ndef handler(e, c):\n    return [c.aws_request_id, e, os.environ['_X_AMZN_TRACE_ID']]\n"},
                          [], api=api)
        self.assertEqual(run.posts[0].path, API + "/invocation/r-1/response", run)
        self.assertEqual(run.posts[0].json(), ["r-1", {"n": 1}, "Root=1-\xe9t\xe9"])
        self.assertEqual(run.posts[0].headers["host"], api.address)
        self.assertEqual(run.posts[0].headers["content-length"], str(len(run.posts[0].body)))

    def test_unframable_answers_end_the_runtime(self):
        ok = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-1\r\n"
        cases = [
            (b"", "connection closed without an answer"),
            (ok, "connection closed inside the header block"),
            (ok + b"\r\n{}", "answer 200 without Content-Length"),
            (ok + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "unsupported Transfer-Encoding 'chunked'"),
            (ok + b"Content-Length: 2x\r\n\r\n{}", "answer 200 with a bad Content-Length '2x'"),
            (ok + b"Content-Length: \xb2\r\n\r\n{}", "answer 200 with a bad Content-Length '\xb2'"),
            (ok + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "conflicting Content-Length headers"),
            (ok + b"Content-Length: 10\r\n\r\n{}", "connection closed after 2 of 10 body bytes"),
            (ok + b"Content-Length: 2\r\n\r\n{}{}", "2 bytes beyond the Content-Length of 2"),
            (ok + b"Content-Length: 2\r\n folded\r\n\r\n{}", "malformed header line ' folded'"),
            (ok + b"X-Big: " + b"a" * 70000, "no end to the header block in its first 65536 bytes"),
            (b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}", "malformed status line 'HTTP/1.1 2OO OK'"),
            (b"ICY 200 OK\r\nContent-Length: 2\r\n\r\n{}", "malformed status line 'ICY 200 OK'"),
        ]
        for answer, message in cases:
            with self.subTest(message=message):
                api = RawRuntimeAPI([answer])
                run = self.run_py({"app.py": "def handler(e, c):\n    print('RAN')\n"}, [], api=api)
                self.assertEqual(run.rc, 1, run)
                self.assertIn("Runtime API unreachable, exiting: GET /invocation/next: %s\n" % message, run.stderr)
                self.assertNotIn("RAN", run.stdout)
                self.assertEqual(run.posts, [])


class PythonJSON(unittest.TestCase):
    """The runtime's JSON functions call json's C half directly: they must
    give what json.loads and json.dumps give, results and errors alike."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.dirname(PY_BOOTSTRAP))
        try:
            import _steplocal_runtime
        finally:
            sys.path.pop(0)
        cls.rt = _steplocal_runtime

    def outcome(self, fn, arg):
        try:
            return "ok", json.dumps(fn(arg), sort_keys=True)  # compares NaN too
        except Exception as e:
            return type(e), str(e)

    def test_from_json_is_json_loads(self):
        docs = [
            b'{"a": [1, -0, 2.5, 1e400, -1e400, true, false, null], "b": {"c": "\\u00e9\\ud800"}}',
            b" \t\r\n[1]\n ", b"NaN", b"-Infinity", b'"\xc3\xa9"', b"1" * 5000, b"[" * 100000,
            '{"as": "str"}', "\ufeff{}", b"\xef\xbb\xbf{}", "[1]".encode("utf-16"), "[1]".encode("utf-16-le"),
            "[1]".encode("utf-32"), "[1]".encode("utf-32-be"), b"\x00", b"7\x00",
            b"", b"  ", b"{not json", b"[1,]", b'{"a" 1}', b"[1] x", b'"\x01"', b'"\xc3"', b"\xff\xfe",
        ]
        for doc in docs:
            with self.subTest(doc=doc[:40]):
                self.assertEqual(self.outcome(self.rt.from_json, doc), self.outcome(json.loads, doc))

    def test_to_json_is_json_dumps(self):
        class OldEncoder(json.JSONEncoder):  # the runtime's encoder before it bypassed json
            def default(self, o):
                if isinstance(o, decimal.Decimal):
                    if o.is_nan():
                        return float("nan")
                    if o == o.to_integral_value():
                        return int(o)
                    return float(o)
                return super().default(o)

        circular = []
        circular.append(circular)
        values = [
            {"a": [1, 2.5, "é\ud800", None, True], 1: "int key", 2.5: "float key", None: "null key", False: "bool key"},
            "plain", ("tuple", 1), [float("nan"), float("inf"), -float("inf"), 1e-7, 10**30],
            [decimal.Decimal("1.5"), decimal.Decimal("10"), decimal.Decimal("-0"), decimal.Decimal("NaN")],
            decimal.Decimal("Infinity"), {1, 2}, {(1, 2): "tuple key"}, circular, object(), b"bytes",
            {"nested": [[[{"x": decimal.Decimal("2.50")}]]]},
        ]
        for value in values:
            with self.subTest(value=repr(value)[:60]):
                self.assertEqual(self.outcome(self.rt.to_json, value), self.outcome(OldEncoder().encode, value))


# ---------------------------------------------------------------- Node


@unittest.skipUnless(HAVE_NODE, "node is not installed")
class NodeBootstrap(RuntimeTest):
    def run_node(self, files, events, handler="index.handler", extra_env=None):
        return self.run_function(["node", NODE_BOOTSTRAP], handler, files, events, extra_env)

    def test_async_success(self):
        run = self.run_node({"index.js": """
            exports.handler = async (event, context) => {
              console.log('charging', event.n, 'line\\ntwo');
              await new Promise((r) => setTimeout(r, 20));
              return { doubled: event.n * 2, id: context.awsRequestId };
            };
            """}, [event({"n": 1}, "req-1"), event({"n": 2}, "req-2")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/req-1/response", API + "/invocation/req-2/response"], run)
        self.assertEqual(run.posts[0].json(), {"doubled": 2, "id": "req-1"})
        self.assertEqual(run.posts[1].json(), {"doubled": 4, "id": "req-2"})
        self.assertEqual(run.nexts, 3)
        self.assertRegex(run.stdout, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-2\tINFO\tcharging 2 line\rtwo\n")

    def test_undefined_result_is_null(self):
        run = self.run_node({"index.js": "exports.handler = async () => {};\n"}, [event({})])
        self.assertEqual(run.posts[0].body, b"null")

    def test_handler_exception(self):
        run = self.run_node({"index.js": """
            class PaymentDeclined extends Error {
              constructor(message) { super(message); this.name = 'PaymentDeclined'; }
            }
            exports.handler = async (event) => {
              if (event.ok) return 'fine';
              throw new PaymentDeclined(`card limit exceeded for ${event.total}`);
            };
            """}, [event({"total": 20000}, "req-err"), event({"ok": True}, "req-ok")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/req-err/error", API + "/invocation/req-ok/response"], run)
        err = run.posts[0]
        body = err.json()
        self.assertEqual(list(body), ["errorType", "errorMessage", "trace"])
        self.assertEqual(body["errorType"], "PaymentDeclined")
        self.assertEqual(body["errorMessage"], "card limit exceeded for 20000")
        self.assertEqual(body["trace"][0], "PaymentDeclined: card limit exceeded for 20000")
        self.assertTrue(body["trace"][1].startswith("    at "), body["trace"])
        self.assertIn(os.path.join(run.task_root, "index.js"), body["trace"][1])
        self.assertTrue(err.body.startswith(b'{"errorType":"PaymentDeclined","errorMessage":"card limit'), err.body)
        self.assertEqual(err.headers["lambda-runtime-function-error-type"], "PaymentDeclined")
        self.assertEqual(run.posts[1].json(), "fine")
        self.assertRegex(run.stdout, r"\treq-err\tERROR\tInvoke Error \t\{\"errorType\":\"PaymentDeclined\"")

    def test_thrown_non_error(self):
        run = self.run_node({"index.js": "exports.handler = async () => { throw 'plain string'; };\n"}, [event({})])
        self.assertEqual(run.posts[0].json(), {"errorType": "string", "errorMessage": "plain string", "trace": []})

    def test_import_error(self):
        run = self.run_node({"other.js": "exports.x = 1;\n"}, [event({})])
        self.assertEqual(run.nexts, 0)
        self.assertEqual([p.path for p in run.posts], [API + "/init/error"], run)
        body = run.posts[0].json()
        self.assertEqual(list(body), ["errorType", "errorMessage", "trace"])
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(body["errorMessage"].startswith("Error: Cannot find module 'index'\nRequire stack:\n- "), body)
        self.assertTrue(body["trace"][0].startswith("Runtime.ImportModuleError: Error: Cannot find module 'index'"), body)
        self.assertEqual(run.posts[0].headers["lambda-runtime-function-error-type"], "Runtime.ImportModuleError")
        self.assertEqual(run.rc, 129)
        self.assertIn("\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Runtime.ImportModuleError\"", run.stdout)

    def test_missing_handler(self):
        run = self.run_node({"index.js": "exports.other = async () => 1;\n"}, [event({})])
        self.assertEqual([p.path for p in run.posts], [API + "/init/error"], run)
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "index.handler is undefined or not exported")
        self.assertEqual(body["trace"][0], "Runtime.HandlerNotFound: index.handler is undefined or not exported")
        self.assertEqual(run.rc, 129)
        run = self.run_node({"index.js": "exports.handler = 42;\n"}, [event({})])
        self.assertEqual(run.posts[0].json()["errorMessage"], "index.handler is not a function")

    def test_syntax_error_and_load_time_exception(self):
        run = self.run_node({"index.js": "exports.handler = async () => {;\n"}, [event({})])
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(body["errorMessage"].startswith("SyntaxError: "), body)
        run = self.run_node({"index.js": "throw new TypeError('no TABLE');\n"}, [event({})])
        self.assertEqual(run.posts[0].path, API + "/init/error")
        self.assertEqual(run.posts[0].json()["errorType"], "TypeError")
        self.assertEqual(run.posts[0].json()["errorMessage"], "no TABLE")

    def test_context_fields(self):
        code = {"index.js": """
            exports.handler = async (event, context) => ({
              functionName: context.functionName,
              functionVersion: context.functionVersion,
              invokedFunctionArn: context.invokedFunctionArn,
              memoryLimitInMB: context.memoryLimitInMB,
              awsRequestId: context.awsRequestId,
              logGroupName: context.logGroupName,
              logStreamName: context.logStreamName,
              remaining: context.getRemainingTimeInMillis(),
              waits: context.callbackWaitsForEmptyEventLoop,
              identity: context.identity,
              clientContext: context.clientContext,
              trace: process.env._X_AMZN_TRACE_ID,
            });
            """}
        events = [
            event({}, "ctx-1", deadline_in_ms=5000, arn=ARN + ":7", trace="Root=1-aaa;Parent=bbb;Sampled=1",
                  client_context={"custom": {"k": "v"}}, cognito={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}),
            event({}, "ctx-2", trace=None),
        ]
        run = self.run_node(code, events)
        first, second = (p.json() for p in run.posts)
        self.assertEqual(first["functionName"], "fn")
        self.assertEqual(first["functionVersion"], "$LATEST")
        self.assertEqual(first["invokedFunctionArn"], ARN + ":7")
        self.assertEqual(first["memoryLimitInMB"], "128")
        self.assertEqual(first["awsRequestId"], "ctx-1")
        self.assertEqual(first["logGroupName"], "/aws/lambda/fn")
        self.assertEqual(first["logStreamName"], "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef")
        self.assertTrue(3000 < first["remaining"] <= 5000, first["remaining"])
        self.assertIs(first["waits"], True)
        self.assertEqual(first["identity"], {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"})
        self.assertEqual(first["clientContext"], {"custom": {"k": "v"}})
        self.assertEqual(first["trace"], "Root=1-aaa;Parent=bbb;Sampled=1")
        self.assertEqual(second["awsRequestId"], "ctx-2")
        self.assertNotIn("trace", second)
        self.assertNotIn("identity", second)

    def test_callback_handler(self):
        run = self.run_node({"index.js": """
            exports.handler = (event, context, callback) => {
              setTimeout(() => {
                if (event.fail) callback(new Error('callback failed'));
                else callback(null, { via: 'callback', n: event.n });
              }, 10);
            };
            """}, [event({"n": 3}, "cb-ok"), event({"fail": True}, "cb-err")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/cb-ok/response", API + "/invocation/cb-err/error"], run)
        self.assertEqual(run.posts[0].json(), {"via": "callback", "n": 3})
        self.assertEqual(run.posts[1].json()["errorType"], "Error")
        self.assertEqual(run.posts[1].json()["errorMessage"], "callback failed")

    def test_callback_waits_for_empty_event_loop(self):
        # The result is serialised when it is sent: waiting for the event
        # loop lets the pending timer change it first; not waiting does not.
        run = self.run_node({"index.js": """
            exports.handler = (event, context, callback) => {
              context.callbackWaitsForEmptyEventLoop = event.wait;
              const result = { n: 1 };
              setTimeout(() => { result.n = 2; }, 150);
              callback(null, result);
            };
            """}, [event({"wait": True}), event({"wait": False})])
        self.assertEqual([p.json() for p in self.responses(run)], [{"n": 2}, {"n": 1}], run)

    def test_context_succeed_and_sync_handler_without_answer(self):
        run = self.run_node({"index.js": """
            exports.handler = (event, context) => {
              if (event.mode === 'succeed') context.succeed({ how: 'succeed' });
              else if (event.mode === 'fail') context.fail(new Error('failed via context'));
              // otherwise: no answer at all, and no promise
            };
            """}, [event({"mode": "succeed"}), event({"mode": "fail"}), event({"mode": "none"})])
        self.assertEqual(run.posts[0].json(), {"how": "succeed"})
        self.assertEqual(run.posts[1].json()["errorMessage"], "failed via context")
        self.assertEqual(run.posts[2].body, b"null")  # AWS answers null once the loop drains

    def test_never_settled_promise(self):
        run = self.run_node({"index.js": "exports.handler = async () => new Promise(() => {});\n"}, [event({})])
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.NodeJsExit")
        self.assertTrue(body["errorMessage"].startswith("The Lambda runtime client detected an unexpected Node.js exit code."))

    def test_esm_mjs_handler(self):
        run = self.run_node({"index.mjs": """
            import { basename } from 'node:path';
            export const handler = async (event) => ({ esm: true, file: basename(import.meta.url), n: event.n });
            """}, [event({"n": 5})])
        self.assertEqual(run.posts[0].json(), {"esm": True, "file": "index.mjs", "n": 5}, run)

    def test_esm_type_module_and_nested_path(self):
        files = {
            "package.json": '{"type": "module"}',
            "src/handlers/app.js": "export async function main(event) { return { esm: typeof require === 'undefined' }; }\n",
        }
        run = self.run_node(files, [event({})], handler="src/handlers/app.main")
        self.assertEqual(run.posts[0].json(), {"esm": True}, run)

    def test_commonjs_nested_export(self):
        run = self.run_node({"lib/app.js": "exports.handlers = { order: async () => 'nested' };\n"}, [event({})],
                            handler="lib/app.handlers.order")
        self.assertEqual(run.posts[0].json(), "nested", run)

    def test_unserializable_result(self):
        run = self.run_node({"index.js": """
            exports.handler = async (event) => {
              if (event.big) return { n: 10n };
              const a = {}; a.self = a; return a;
            };
            """}, [event({}, "circ"), event({"big": True}, "bigint")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/circ/error", API + "/invocation/bigint/error"], run)
        for p in run.posts:
            body = p.json()
            self.assertEqual((body["errorType"], body["errorMessage"]), ("Error", "Unable to stringify response body"))

    def test_uncaught_exception_during_invocation(self):
        run = self.run_node({"index.js": """
            exports.handler = async () => {
              setTimeout(() => { throw new RangeError('late failure'); }, 5);
              return new Promise(() => {});
            };
            """}, [event({}, "boom")])
        self.assertEqual([p.path for p in run.posts], [API + "/invocation/boom/error"], run)
        self.assertEqual(run.posts[0].json()["errorType"], "RangeError")
        self.assertEqual(run.rc, 129)

    def test_unhandled_rejection_during_invocation(self):
        run = self.run_node({"index.js": """
            exports.handler = async () => {
              Promise.reject(new Error('nobody listens'));
              return new Promise(() => {});
            };
            """}, [event({}, "rej")])
        self.assertEqual(run.posts[0].path, API + "/invocation/rej/error")
        body = run.posts[0].json()
        self.assertEqual(body["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(body["errorMessage"], "Error: nobody listens")
        self.assertEqual(run.rc, 128)

    def test_streaming_handler_is_buffered(self):
        run = self.run_node({"index.mjs": """
            export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
              responseStream.write('hello ');
              responseStream.write(context.awsRequestId);
              responseStream.end();
            });
            """}, [event({}, "stream-1")])
        self.assertEqual(run.posts[0].path, API + "/invocation/stream-1/response", run)
        self.assertEqual(run.posts[0].body, b"hello stream-1")


# ---------------------------------------------------------------- C runtime client


C_FEATURES = r"""
/* Exercises every call of steplocal_lambda.h; MODE selects the behaviour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplocal_lambda.h"

static int handle(void *ud, const sll_event *ev, sll_response *out)
{
	char reply[2048];
	const char *trace = getenv("_X_AMZN_TRACE_ID");

	(void)ud;
	if (strstr(ev->body, "\"fail\""))
		return sll_response_error(out, "InvalidOrder", "order %s is \"bad\"\n", ev->request_id);
	if (strstr(ev->body, "\"crash\""))
		return 7;
	if (strstr(ev->body, "\"fatal\"")) {
		sll_response_error(out, "Function.Fatal", "cannot go on");
		return 9;
	}
	if (strstr(ev->body, "\"nothing\""))
		return 0;
	snprintf(reply, sizeof reply,
		 "{\"id\":\"%s\",\"arn\":\"%s\",\"remaining\":%lld,\"trace\":\"%s\",\"cc\":%s,\"ct\":\"%s\"}",
		 ev->request_id, ev->function_arn, sll_remaining_ms(ev), trace ? trace : "",
		 ev->client_context ? ev->client_context : "null", ev->content_type);
	if (sll_response_set_content_type(out, "application/json; charset=utf-8") != 0)
		return 1;
	return sll_response_set(out, reply, strlen(reply));
}

int main(void)
{
	if (getenv("INIT_FAIL"))
		return sll_init_error("Runtime.ConfigError", "missing %s", getenv("INIT_FAIL")) == 0 ? 1 : 2;
	return sll_run(handle, NULL);
}
"""


@unittest.skipUnless(HAVE_CC, "no C compiler ($CC or cc)")
class CClient(RuntimeTest):
    _built = {}

    def build(self, name, source_path):
        """Compiles source with the client, warning-free or the test fails."""
        if name not in CClient._built:
            out_dir = tempfile.mkdtemp(prefix="sl-cc-")
            binary = os.path.join(out_dir, name)
            cmd = [CC] + C_WARNINGS + CLIENT_CFLAGS + ["-I" + CLIENT_DIR, "-o", binary, source_path,
                                         os.path.join(CLIENT_DIR, "lambda_client.c"), "-lcurl"]
            proc = subprocess.run(cmd, capture_output=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertEqual(proc.stderr, b"", "warnings: " + proc.stderr.decode())
            CClient._built[name] = binary
        return CClient._built[name]

    @classmethod
    def tearDownClass(cls):
        for binary in cls._built.values():
            shutil.rmtree(os.path.dirname(binary), ignore_errors=True)
        cls._built = {}

    def features(self):
        src = os.path.join(self.tmp, "features.c")
        with open(src, "w") as f:
            f.write(C_FEATURES)
        return self.build("features", src)

    def test_echo_example(self):
        binary = self.build("echo", os.path.join(CLIENT_DIR, "example", "echo.c"))
        big = {"blob": "x" * (1024 * 1024), "unicode": "héllo ✓"}
        events = [event({"a": 1}, "e-1"), event(big, "e-2"), event(b"", "e-3")]
        run = self.run_function([binary], "ignored", {}, events)
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/e-%d/response" % i for i in (1, 2, 3)], run)
        self.assertEqual(run.posts[0].body, events[0]["body"])
        self.assertEqual(run.posts[1].body, events[1]["body"])
        self.assertEqual(run.posts[2].body, b"")
        self.assertEqual(run.posts[0].headers["content-type"], "application/json")
        self.assertEqual(run.rc, 0)  # the API went away: sll_run returned 0
        # curl retries a request once when a reused connection is found dead
        self.assertIn(run.nexts, (4, 5))

    def test_event_fields_and_content_type(self):
        binary = self.features()
        run = self.run_function([binary], "", {}, [
            event({}, "c-1", deadline_in_ms=5000, arn=ARN + ":prod", trace="Root=1-abc;Sampled=0",
                  client_context={"custom": {"k": 1}}),
            event({}, "c-2", trace=None)])
        first, second = (p.json() for p in run.posts)
        self.assertEqual(first["id"], "c-1")
        self.assertEqual(first["arn"], ARN + ":prod")
        self.assertTrue(3000 < first["remaining"] <= 5000, first)
        self.assertEqual(first["trace"], "Root=1-abc;Sampled=0")
        self.assertEqual(first["cc"], {"custom": {"k": 1}})
        self.assertEqual(first["ct"], "application/json")
        self.assertEqual(second["trace"], "")  # unset when the invocation has none
        self.assertIsNone(second["cc"])
        self.assertEqual(run.posts[0].headers["content-type"], "application/json; charset=utf-8")

    def test_errors_and_null(self):
        binary = self.features()
        run = self.run_function([binary], "", {}, [event({"fail": 1}, "bad-1"), event({"nothing": 1}, "n-1"),
                                                  event({}, "ok-1")])
        self.assertEqual([p.path for p in run.posts],
                         [API + "/invocation/bad-1/error", API + "/invocation/n-1/response",
                          API + "/invocation/ok-1/response"], run)
        err = run.posts[0]
        self.assertEqual(err.body, b'{"errorMessage":"order bad-1 is \\"bad\\"\\n","errorType":"InvalidOrder","stackTrace":[]}')
        self.assertEqual(err.headers["lambda-runtime-function-error-type"], "InvalidOrder")
        self.assertEqual(err.headers["content-type"], "application/json")
        self.assertEqual(run.posts[1].body, b"null")
        self.assertEqual(run.rc, 0)

    def test_handler_failure_ends_the_loop(self):
        binary = self.features()
        run = self.run_function([binary], "", {}, [event({"crash": 1}, "cr-1"), event({}, "never")])
        self.assertEqual(run.posts, [])  # nothing posted: the platform reports the exit
        self.assertEqual(run.rc, 7)
        self.assertEqual(run.nexts, 1)
        run = self.run_function([binary], "", {}, [event({"fatal": 1}, "f-1"), event({}, "never")])
        self.assertEqual([p.path for p in run.posts], [API + "/invocation/f-1/error"])
        self.assertEqual(run.posts[0].json()["errorType"], "Function.Fatal")
        self.assertEqual(run.rc, 9)

    def test_refused_response_does_not_stop_the_loop(self):
        binary = self.features()
        run = self.run_function([binary], "", {}, [event({}, "r-1", response_status=413), event({}, "r-2")])
        self.assertEqual(len(self.responses(run)), 2, run)
        self.assertIn("answered 413", run.stderr)

    def test_init_error(self):
        binary = self.features()
        run = self.run_function([binary], "", {}, [event({})], extra_env={"INIT_FAIL": "TABLE_NAME"})
        self.assertEqual([p.path for p in run.posts], [API + "/init/error"])
        self.assertEqual(run.posts[0].json(), {"errorMessage": "missing TABLE_NAME", "errorType": "Runtime.ConfigError",
                                               "stackTrace": []})
        self.assertEqual(run.posts[0].headers["lambda-runtime-function-error-type"], "Runtime.ConfigError")
        self.assertEqual(run.rc, 1)
        self.assertEqual(run.nexts, 0)

    def test_no_runtime_api(self):
        binary = self.features()
        proc = subprocess.run([binary], env={"PATH": "/usr/bin:/bin"}, capture_output=True, timeout=RUN_TIMEOUT)
        self.assertEqual(proc.returncode & 0xff, (-1) & 0xff)  # SLL_ENOENV
        self.assertIn(b"AWS_LAMBDA_RUNTIME_API is not set", proc.stderr)


# ---------------------------------------------------------------- main


def main():
    verbosity = 2 if "-v" in sys.argv else 1
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    loader = unittest.TestLoader()
    if names:
        suite = loader.loadTestsFromNames(names, sys.modules[__name__])
    else:
        suite = loader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
