"""tests/hostile/test_functions.py - hostile and broken Lambda functions against the real binary.

Usage: python3 tests/hostile/test_functions.py ./steplocal BUILD/tests/hostile/bootstrap
Each function (tests/hostile/hostile.c, and fns/ in Python) misbehaves in
one way; each invocation must end with AWS's error for it, leave no process
behind (found by the HOSTILE_MARK in their environment, see harness.py),
and leave `steplocal serve` serving.  Most run through one server and boto3;
some through `steplocal invoke` and `run`; Ctrl-C and SIGTERM on `run` and
on `serve` must end every function process group, daemons included.
Prints "N passed, N failed"; exits non-zero on any failure.

Already covered elsewhere (not repeated here): crashes with an exit status
or a signal, /init/error, a response over 6 MB, the log cap and the Runtime
API's misuse answers at the unit level (tests/unit/test_lambda.c); a Python
function's timeout, crash and out-of-memory end to end (tests/cli/lambda.sh).
"""
import base64
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import unittest

sys.dont_write_bytecode = True      # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

BIN = H.binary_arg()
BOOT = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-")
                       else os.path.join(H.TOP, "build", "tests", "hostile", "bootstrap"))
TMP = H.temp_dir("sl-hostile-")
MARK = os.path.basename(TMP)
H.boto3_env(TMP)

RSS_BOUND_KB = 200 * 1024     # steplocal's peak RSS while a function floods its stdout
GRACE = 10                    # seconds for processes to go (a hang guard only)

PROJECT = """
functions:
  NoNext:   {runtime: provided.al2023, code: %(c)s, timeout: 1, environment: {MODE: no_next, HOSTILE_MARK: %(m)s/NoNext}}
  ExitNow:  {runtime: provided.al2023, code: %(c)s, environment: {MODE: exit_now, HOSTILE_MARK: %(m)s/ExitNow}}
  Forker:   {runtime: provided.al2023, code: %(c)s, environment: {HOSTILE_MARK: %(m)s/Forker}}
  Daemon:   {runtime: provided.al2023, code: %(c)s, timeout: 2, environment: {HOSTILE_MARK: %(m)s/Daemon}}
  Sleeper:  {runtime: provided.al2023, code: %(c)s, timeout: 1, environment: {HOSTILE_MARK: %(m)s/Sleeper}}
  Stubborn: {runtime: provided.al2023, code: %(c)s, timeout: 60, environment: {IGNORE_TERM: "1", HOSTILE_MARK: %(m)s/Stubborn}}
  Flood:    {runtime: provided.al2023, code: %(c)s, timeout: 300, environment: {HOSTILE_MARK: %(m)s/Flood}}
  Hog:      {runtime: provided.al2023, code: %(c)s, timeout: 30, memory: 128, environment: {HOSTILE_MARK: %(m)s/Hog}}
  Misuse:   {runtime: provided.al2023, code: %(c)s, timeout: 10, environment: {HOSTILE_MARK: %(m)s/Misuse}}
  Twice:    {runtime: provided.al2023, code: %(c)s, timeout: 10, concurrency: 1, environment: {HOSTILE_MARK: %(m)s/Twice}}
  PyHang:   {runtime: python3.12, handler: hang.handler, code: %(py)s, timeout: 1, environment: {HOSTILE_MARK: %(m)s/PyHang}}
state_machines:
  Fan:
    definition:
      StartAt: Each
      States:
        Each:
          Type: Map
          MaxConcurrency: 3
          ItemProcessor:
            StartAt: Call
            States:
              Call: {Type: Task, Resource: "arn:aws:lambda:us-east-1:123456789012:function:Stubborn", End: true}
          End: true
""" % {"c": os.path.dirname(BOOT), "m": MARK, "py": os.path.join(H.HERE, "fns")}

S = {}


def lam():
    return S["lam"]


def invoke(name, event, tail=False):
    """A RequestResponse Invoke; returns (payload as JSON, FunctionError, request id, log tail)."""
    kw = {"LogType": "Tail"} if tail else {}
    r = lam().invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kw)
    body = r["Payload"].read()
    logs = base64.b64decode(r["LogResult"]).decode(errors="replace") if "LogResult" in r else ""
    return json.loads(body), r.get("FunctionError"), r["ResponseMetadata"]["RequestId"], logs


def gone(name, timeout=GRACE):
    """Whether every process of function name ends within timeout seconds."""
    return H.wait_until(lambda: not H.marked(MARK + "/" + name), timeout)


def zombies_of(pid):
    return [c for c in H.children(pid) if (H.proc_stat(c) or ("Z",))[0] == "Z"]


def setUpModule():
    with open(os.path.join(TMP, "steplocal.yaml"), "w") as f:
        f.write(PROJECT)
    # In the server's environment, never in a function's.
    os.environ["HOSTILE_SECRET"] = "must-not-leak"
    S["server"] = H.Server(BIN, TMP, TMP, quiet=False)
    S["sfn"], S["lam"] = S["server"].clients()
    # The two init hangs take the init phase (10 s) plus the timeout each:
    # started now, checked by the last test.
    S["slow"] = {}

    def no_next():
        try:
            S["slow"]["no_next"] = invoke("NoNext", {"act": "echo"})
        except Exception as e:  # reported by the test
            S["slow"]["no_next"] = e

    def py_hang():
        S["slow"]["py_hang"] = invoke_cli("PyHang", "{}")

    S["threads"] = [threading.Thread(target=no_next), threading.Thread(target=py_hang)]
    for t in S["threads"]:
        t.start()


def invoke_cli(name, event):
    """`steplocal invoke NAME -` with event on stdin: (exit status, stdout, stderr)."""
    p = subprocess.run([BIN, "invoke", name, "-", "-f", TMP], input=event.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class A_Functions(unittest.TestCase):
    def tearDown(self):
        # Whatever a test did, the server answers the next request.
        self.assertTrue(S["server"].alive(), "the server died: " + S["server"].tail())
        p, err, _, _ = invoke("Misuse", {"act": "echo", "ping": 1})
        self.assertEqual((p, err), ({"act": "echo", "ping": 1}, None))

    def assertPlatformError(self, r, etype, text):
        payload, err, rid, _ = r
        self.assertEqual(err, "Unhandled")
        self.assertEqual(payload, {"errorType": etype, "errorMessage": "RequestId: %s Error: %s" % (rid, text)})

    def test_exits_at_once(self):
        # Twice: the environment that died is replaced, and dies the same way.
        for _ in range(2):
            self.assertPlatformError(invoke("ExitNow", {}), "Runtime.ExitError",
                                     "Runtime exited with error: exit status 2")
        self.assertTrue(gone("ExitNow"), H.describe(H.marked(MARK)))

    def test_forks_children_and_a_daemon_then_exits(self):
        r = invoke("Forker", {"act": "fork_exit"}, tail=True)
        self.assertPlatformError(r, "Runtime.ExitError", "Runtime exited without providing a reason")
        words = r[3][r[3].index("children "):].split()
        pids = [int(words[1]), int(words[2]), int(words[4])]
        # The daemon left the process group and the session: steplocal, a
        # child subreaper, inherits it and ends it with the environment.
        self.assertTrue(gone("Forker"), H.describe(H.marked(MARK)))
        for p in pids:
            self.assertNotIn(H.proc_stat(p) and H.proc_stat(p)[0], ("R", "S", "D", "T"), "pid %d is alive" % p)
        self.assertEqual(H.wait_until(lambda: not zombies_of(S["server"].pid), GRACE), True,
                         "zombies: %s" % zombies_of(S["server"].pid))

    def test_a_daemon_lives_with_its_environment_only(self):
        d = invoke("Daemon", {"act": "daemon"})[0]["daemon"]
        # Warm: the daemon is spared while its environment lives...
        self.assertIn(d, H.marked(MARK + "/Daemon"))
        p, err, _, _ = invoke("Daemon", {"act": "echo", "x": 1})
        self.assertEqual(p, {"act": "echo", "x": 1})
        # ... and ends with it (here at a timeout, which kills the environment).
        self.assertPlatformError(invoke("Daemon", {"act": "sleep"}), "Sandbox.Timedout",
                                 "Task timed out after 2.00 seconds")
        self.assertTrue(gone("Daemon"), H.describe(H.marked(MARK)))

    def test_sleeps_forever(self):
        self.assertPlatformError(invoke("Sleeper", {"act": "sleep"}), "Sandbox.Timedout",
                                 "Task timed out after 1.00 seconds")
        self.assertTrue(gone("Sleeper"), H.describe(H.marked(MARK)))

    def test_allocates_without_bound(self):
        r = invoke("Hog", {"act": "alloc"}, tail=True)
        self.assertPlatformError(r, "Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
        self.assertIn("Memory Size: 128 MB\tMax Memory Used: 128 MB", r[3])
        self.assertIn("Status: error\tError Type: Runtime.OutOfMemory", r[3])
        self.assertTrue(gone("Hog"), H.describe(H.marked(MARK)))
        # A daemon that left the group (setsid) still counts against it.
        r = invoke("Hog", {"act": "daemon_alloc"}, tail=True)
        self.assertPlatformError(r, "Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
        self.assertTrue(gone("Hog"), H.describe(H.marked(MARK)))

    def test_writes_gigabytes_to_stdout(self):
        # 2 GiB in 1 KiB lines through the server: at most 1 MiB of it is
        # logged, and the server's memory stays bounded.
        r = invoke("Flood", {"act": "flood", "mb": 2048}, tail=True)
        self.assertEqual(r[:2], ({"written": 2048 << 20}, None))
        self.assertRegex(r[3], "steplocal: log output truncated: more than 1048576 bytes in this "
                         "invocation\n(.*\n)?END RequestId: ")
        self.assertIn("steplocal: log output truncated", S["server"].tail(10000))
        hwm = H.status_kb(S["server"].pid, "VmHWM")
        self.assertLess(hwm, RSS_BOUND_KB, "server peak RSS %d kB" % hwm)
        # 1 GiB without a single newline through `steplocal invoke`.
        p = subprocess.Popen([BIN, "invoke", "Flood", "-", "-f", TMP], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(b'{"act": "flood", "mb": 1024, "newlines": false}', timeout=300)
        self.assertEqual((p.returncode, json.loads(out)), (0, {"written": 1 << 30}), err[-2000:])
        self.assertLess(len(err), 2 << 20)
        self.assertIn(b"steplocal: log output truncated", err)
        # The largest resident size of any child waited for so far.
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertLess(maxrss, RSS_BOUND_KB, "invoke peak RSS %d kB" % maxrss)

    def test_answers_for_a_request_id_not_its_own(self):
        # A made-up id: 400 InvalidRequestID, and the invocation is still
        # its own to answer (the answer is not {"from": "foreign"}).
        bad = [400, '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n']
        p, err, _, _ = invoke("Misuse", {"act": "foreign"})
        self.assertEqual((p, err), ([bad], None))
        # Another environment's live invocation: its id is unknown to this
        # endpoint, and that invocation ends with its own answer.
        idfile = os.path.join(TMP, "victim-id")
        victim = {}
        t = threading.Thread(target=lambda: victim.update(
            r=invoke("Misuse", {"act": "id", "path": idfile, "wait": 1.5})))
        t.start()
        self.assertTrue(H.wait_until(lambda: os.path.exists(idfile) and os.path.getsize(idfile) > 0, 30))
        with open(idfile) as f:
            vid = f.read()
        p, err, _, _ = invoke("Misuse", {"act": "foreign", "steal": vid})
        self.assertEqual((p, err), ([bad, bad], None))
        t.join(60)
        self.assertEqual(victim["r"][:3], ({"id": vid}, None, vid))

    def test_answers_twice(self):
        p, err, _, _ = invoke("Twice", {"act": "twice"})
        self.assertEqual((p, err), ({"n": 1}, None))
        p, err, _, _ = invoke("Twice", {"act": "memo"})
        self.assertEqual(p, [403, '{"errorMessage":"State transition from RuntimeResponseSentState to '
                             'InvocationResponse failed for runtime. Error: State transition is not allowed",'
                             '"errorType":"InvalidStateTransition"}\n',
                             403, '{"errorMessage":"State transition from RuntimeResponseSentState to '
                             'InvocationErrorResponse failed for runtime. Error: State transition is not allowed",'
                             '"errorType":"InvalidStateTransition"}\n'])

    def test_z_never_calls_next(self):
        # Started by setUpModule: init never ends, so the invocation ends at
        # the init phase (10 s) plus the function's timeout, as on AWS.
        for t in S["threads"]:
            t.join(90)
        r = S["slow"]["no_next"]
        if isinstance(r, Exception):
            raise r
        self.assertPlatformError(r, "Sandbox.Timedout", "Task timed out after 1.00 seconds")
        self.assertTrue(gone("NoNext"), H.describe(H.marked(MARK)))
        # The same through the Python runtime (a handler module whose import
        # never returns), with `steplocal invoke`.
        rc, out, err = S["slow"]["py_hang"]
        self.assertEqual(rc, 1, err[-2000:])
        payload = json.loads(out)
        self.assertEqual(payload["errorType"], "Sandbox.Timedout")
        self.assertTrue(payload["errorMessage"].endswith("Error: Task timed out after 1.00 seconds"))
        self.assertRegex(err, r"INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\tStatus: timeout")
        self.assertTrue(gone("PyHang"), H.describe(H.marked(MARK)))


def busy_stubborn(n):
    """Whether n Stubborn invocations run, each with its daemon (2 processes each)."""
    return len(H.marked(MARK + "/Stubborn")) >= 2 * n


class B_Signals(unittest.TestCase):
    def test_ctrl_c_on_run(self):
        # Three functions that ignore SIGTERM, each with a daemon in its own
        # session, busy in a Map: Ctrl-C aborts the execution and ends them all.
        p = subprocess.Popen([BIN, "run", "Fan", "-f", TMP, "--json", "--input",
                              json.dumps([{"act": "daemon_sleep"}] * 3)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            self.assertTrue(H.wait_until(lambda: busy_stubborn(3), 30), H.describe(H.marked(MARK)))
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertEqual(p.returncode, 1, err[-2000:])
        self.assertEqual(json.loads(out)["status"], "ABORTED")
        self.assertTrue(gone("Stubborn"), H.describe(H.marked(MARK)))

    def test_sigterm_on_serve(self):
        srv = H.Server(BIN, TMP, TMP, name="server2")
        _, lam2 = srv.clients(read_timeout=60)

        def call():
            try:
                lam2.invoke(FunctionName="Stubborn", Payload=b'{"act": "daemon_sleep"}')
            except Exception:
                pass    # the server drops the connection as it stops
        ts = [threading.Thread(target=call, daemon=True) for _ in range(3)]
        for t in ts:
            t.start()
        try:
            self.assertTrue(H.wait_until(lambda: busy_stubborn(3), 30), H.describe(H.marked(MARK)))
        finally:
            rc = srv.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, srv.tail())
        self.assertTrue(gone("Stubborn"), H.describe(H.marked(MARK)))


class C_Security(unittest.TestCase):
    """docs/SECURITY.md, checked."""

    def test_loopback_only_by_default(self):
        self.assertEqual(H.listening(S["server"].port), ["127.0.0.1"])

    def test_another_host_is_said_loudly(self):
        # 127.0.0.2 is loopback too: served without a warning.
        srv = H.Server(BIN, TMP, TMP, name="server3", host="127.0.0.2")
        self.assertEqual(H.listening(srv.port), ["127.0.0.2"])
        self.assertEqual(srv.stop(signal.SIGTERM), 0)
        self.assertNotIn("warning", srv.tail())
        # An address that is not loopback is said loudly before listening
        # (TEST-NET-3, not this machine's: the listen fails, nothing opens).
        out = subprocess.run([BIN, "serve", "--port", "0", "--host", "203.0.113.7", "-f", TMP],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("steplocal serve: warning: listening on 203.0.113.7, not loopback: whoever "
                      "reaches this address can run your functions (the API has no authentication)",
                      out.stderr)

    def test_web_pages_refused(self):
        # A browser's request (Origin) and DNS rebinding (a foreign Host)
        # are refused before anything runs; the SDKs' requests are not.
        import http.client
        port = S["server"].port
        body = b'{"FunctionName": "x"}'

        def post(headers):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.putrequest("POST", "/2015-03-31/functions/Misuse/invocations", skip_host=True)
            for k, v in headers.items():
                c.putheader(k, v)
            c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
            c.close()
            return r.status, data

        st, data = post({"Host": "127.0.0.1:%d" % port, "Origin": "http://evil.example",
                         "Content-Type": "text/plain"})
        self.assertEqual(st, 403)
        self.assertEqual(json.loads(data)["__type"], "AccessDeniedException")
        st, data = post({"Host": "evil.example:%d" % port})
        self.assertEqual(st, 403)
        self.assertIn("Host", json.loads(data)["message"])
        for host in ("127.0.0.1:%d" % port, "localhost:%d" % port, "LOCALHOST", "api.localhost"):
            st, data = post({"Host": host, "Content-Type": "application/json"})
            self.assertNotEqual(st, 403, host)

    def test_what_a_function_process_gets(self):
        p, err, _, _ = invoke("Misuse", {"act": "env"})
        env = p["env"]
        # Lambda's variables (lambda-contract.md section 2, provided.*: no
        # AWS_EXECUTION_ENV), the function's own, and nothing of steplocal's.
        self.assertEqual(sorted(env), sorted([
            "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "LANG", "PATH", "LD_LIBRARY_PATH",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOSTILE_MARK"]))
        self.assertNotIn("must-not-leak", json.dumps(env))
        # Fake credentials: an SDK starts, a real call fails.
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], "ASIASTEPLOCALFAKEKEY")
        # Its own Runtime API endpoint, on loopback.
        self.assertRegex(env["AWS_LAMBDA_RUNTIME_API"], r"^127\.0\.0\.1:\d+$")
        # Started without a shell (its parent is the server), in a process
        # group of its own.
        self.assertEqual(p["ppid"], S["server"].pid)
        self.assertEqual(p["pgid"], p["pid"])
        with open("/proc/%d/cmdline" % p["pid"], "rb") as f:
            self.assertEqual(f.read().split(b"\0")[0].decode(), BOOT)


def main():
    return H.run_suite(sys.modules[__name__], S, MARK, TMP, grace=GRACE)


if __name__ == "__main__":
    sys.exit(main())
