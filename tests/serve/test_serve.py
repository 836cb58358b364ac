"""tests/serve/test_serve.py - `steplocal serve` driven by the real boto3 and aws CLI.

Usage: python3 tests/serve/test_serve.py [./steplocal]   (or STEPLOCAL=path)
Starts one server on a free loopback port with the tests/e2e project and
tests/serve/mocks.json, runs every test against it, stops it and checks
that no process of its session is left.  Prints "N passed, N failed" and
exits non-zero on any failure.
"""
import base64
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import shutil
import tempfile
import time
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("STEPLOCAL") or
                      (sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(TOP, "steplocal")))
ACCOUNT, REGION = "123456789012", "us-east-1"
SM = "arn:aws:states:%s:%s:stateMachine:" % (REGION, ACCOUNT)
ROLE = "arn:aws:iam::%s:role/test" % ACCOUNT

# Dummy credentials and no user configuration for boto3 and the CLI.
TMP = tempfile.mkdtemp(prefix="sl-serve-")
os.environ.update({
    "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.path.join(TMP, "none"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(TMP, "none"),
    "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
})

import boto3  # noqa: E402  (after the environment is set)
from botocore.config import Config  # noqa: E402

SERVER = {}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def setUpModule():
    port = free_port()
    SERVER["port"] = port
    SERVER["url"] = "http://127.0.0.1:%d" % port
    SERVER["log"] = open(os.path.join(TMP, "server.log"), "w+")
    # Its own session, so that every process it starts can be found after.
    SERVER["proc"] = subprocess.Popen(
        [BIN, "serve", "--port", str(port), "-f", os.path.join(TOP, "tests", "e2e"),
         "--mock-config", os.path.join(HERE, "mocks.json")],
        stdout=SERVER["log"], stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if SERVER["proc"].poll() is not None:
                break
            time.sleep(0.05)
    else:
        raise RuntimeError("the server did not start")
    if SERVER["proc"].poll() is not None:
        SERVER["log"].seek(0)
        raise RuntimeError("the server exited: " + SERVER["log"].read())
    cfg = Config(retries={"total_max_attempts": 1}, read_timeout=60, connect_timeout=5)
    SERVER["sfn"] = boto3.client("stepfunctions", endpoint_url=SERVER["url"], region_name=REGION, config=cfg)
    # StartSyncExecution has the "sync-" host prefix: off for a local endpoint.
    SERVER["sfn_sync"] = boto3.client(
        "stepfunctions", endpoint_url=SERVER["url"], region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=60, inject_host_prefix=False))
    SERVER["lam"] = boto3.client("lambda", endpoint_url=SERVER["url"], region_name=REGION, config=cfg)


def start_extra_server(args, env=None, log_name="extra.log"):
    """Another server on a free port in its own session: (proc, url, log)."""
    port = free_port()
    log = open(os.path.join(TMP, log_name), "w+")
    proc = subprocess.Popen([BIN, "serve", "--port", str(port)] + args, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env=dict(os.environ, **(env or {})))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    return proc, "http://127.0.0.1:%d" % port, log


def stop_extra_server(proc):
    """SIGTERM; then no process of its session may be left."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    time.sleep(0.2)
    left = session_processes(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "processes left by a server: %s" % left


def session_processes(sid):
    """Pids of live processes whose session is sid."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d))
    return pids


def stop_server():
    p = SERVER["proc"]
    sid = p.pid
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(sid, signal.SIGKILL)
        p.wait()
        return "the server did not stop on SIGTERM"
    time.sleep(0.2)
    left = session_processes(sid)
    if left:
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return "processes left after shutdown: %s" % left
    if rc != 0:
        return "the server exited with %d" % rc
    return None


# ---- helpers ----

def sfn():
    return SERVER["sfn"]


def lam():
    return SERVER["lam"]


def wait_done(arn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn().describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    raise AssertionError("execution still running: " + arn)


def create(name, definition, type_="STANDARD"):
    return sfn().create_state_machine(name=name, definition=json.dumps(definition),
                                      roleArn=ROLE, type=type_)["stateMachineArn"]


def raw(target, body, headers=None):
    """A request by hand (http.client), for what boto3 would not send."""
    c = http.client.HTTPConnection("127.0.0.1", SERVER["port"], timeout=30)
    h = {"Content-Type": "application/x-amz-json-1.0"}
    if target:
        h["X-Amz-Target"] = "AWSStepFunctions." + target
    h.update(headers or {})
    c.request("POST", "/", body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def aws(*args):
    out = subprocess.run(["aws", "--endpoint-url", SERVER["url"], "--output", "json"] + list(args),
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("aws %s: %s" % (" ".join(args), out.stderr))
    return json.loads(out.stdout) if out.stdout.strip() else None


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
CALLBACK = {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "Echo", "Payload": {"token.$": "$$.Task.Token"}},
    "HeartbeatSeconds": 60, "End": True}}}


def task_token(arn):
    """The token a callback task passed to its function (from the history)."""
    deadline = time.time() + 20
    while time.time() < deadline:
        for e in sfn().get_execution_history(executionArn=arn)["events"]:
            if e["type"] == "TaskScheduled":
                return json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
        time.sleep(0.05)
    raise AssertionError("no TaskScheduled event")


# ---- Step Functions: state machines ----

class A_StateMachines(unittest.TestCase):
    def test_project_machines_are_listed(self):
        names = {m["name"]: m for m in sfn().list_state_machines()["stateMachines"]}
        self.assertIn("Invoke", names)
        self.assertEqual(names["Invoke"]["stateMachineArn"], SM + "Invoke")
        d = sfn().describe_state_machine(stateMachineArn=SM + "Invoke")
        self.assertEqual(d["type"], "STANDARD")
        self.assertEqual(json.loads(d["definition"])["StartAt"], "Call")
        self.assertEqual(d["status"], "ACTIVE")

    def test_list_pagination(self):
        page = sfn().list_state_machines(maxResults=2)
        self.assertEqual(len(page["stateMachines"]), 2)
        rest = sfn().list_state_machines(nextToken=page["nextToken"])
        self.assertNotIn(page["stateMachines"][0]["name"], [m["name"] for m in rest["stateMachines"]])
        with self.assertRaises(sfn().exceptions.InvalidToken):
            sfn().list_state_machines(nextToken="garbage")

    def test_create_is_idempotent_and_conflicts(self):
        arn = create("Idem", PASS)
        self.assertEqual(arn, SM + "Idem")
        self.assertEqual(create("Idem", PASS), arn)
        with self.assertRaises(sfn().exceptions.StateMachineAlreadyExists):
            create("Idem", WAIT)

    def test_invalid_definition_message(self):
        bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
        with self.assertRaises(sfn().exceptions.InvalidDefinition) as cm:
            create("Bad", bad)
        msg = cm.exception.response["Error"]["Message"]
        self.assertTrue(msg.startswith("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: "
                                       "Missing 'Next' target: Nowhere at /States/A/Next"), msg)
        with self.assertRaises(sfn().exceptions.InvalidDefinition):
            sfn().create_state_machine(name="NotJson", definition="{nope", roleArn=ROLE)

    def test_express_refuses_wait_for_task_token(self):
        cb = {"StartAt": "T", "States": {"T": {"Type": "Task",
              "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"}, "End": True}}}
        with self.assertRaises(sfn().exceptions.InvalidDefinition) as cm:
            sfn().create_state_machine(name="ExpressCb", definition=json.dumps(cb), roleArn=ROLE, type="EXPRESS")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine "
                         "does not support '.waitForTaskToken' service integration  at /States/T/Resource'")
        r = sfn().validate_state_machine_definition(definition=json.dumps(cb), type="EXPRESS")
        self.assertEqual((r["result"], r["diagnostics"][0]["location"]), ("FAIL", "/States/T/Resource"))
        self.assertEqual(sfn().validate_state_machine_definition(definition=json.dumps(cb), type="STANDARD")["result"], "OK")
        self.assertTrue(create("StandardCb", cb).endswith(":StandardCb"))

    def test_invalid_name_and_arn(self):
        with self.assertRaises(sfn().exceptions.InvalidName):
            create("bad name", PASS)
        with self.assertRaises(sfn().exceptions.InvalidArn):
            sfn().describe_state_machine(stateMachineArn="not-an-arn")
        with self.assertRaises(sfn().exceptions.InvalidArn):
            sfn().describe_state_machine(stateMachineArn="arn:aws:states:us-east-1:1:execution:X:y")
        with self.assertRaises(sfn().exceptions.StateMachineDoesNotExist):
            sfn().describe_state_machine(stateMachineArn=SM + "Nope")

    def test_update_and_delete(self):
        arn = create("Upd", PASS)
        sfn().update_state_machine(stateMachineArn=arn, definition=json.dumps(WAIT))
        self.assertEqual(json.loads(sfn().describe_state_machine(stateMachineArn=arn)["definition"]), WAIT)
        with self.assertRaises(sfn().exceptions.InvalidDefinition):
            sfn().update_state_machine(stateMachineArn=arn, definition="{}")
        with self.assertRaises(sfn().exceptions.StateMachineDoesNotExist):
            sfn().update_state_machine(stateMachineArn=SM + "Nope", definition=json.dumps(PASS))
        sfn().delete_state_machine(stateMachineArn=arn)
        with self.assertRaises(sfn().exceptions.StateMachineDoesNotExist):
            sfn().describe_state_machine(stateMachineArn=arn)

    def test_validate(self):
        self.assertEqual(sfn().validate_state_machine_definition(definition=json.dumps(PASS))["result"], "OK")
        r = sfn().validate_state_machine_definition(definition="{}")
        self.assertEqual(r["result"], "FAIL")
        self.assertEqual(r["diagnostics"][0]["code"], "SCHEMA_VALIDATION_FAILED")

    def test_tags(self):
        arn = create("Tagged", PASS)
        sfn().tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
        sfn().untag_resource(resourceArn=arn, tagKeys=["a"])
        self.assertEqual(sfn().list_tags_for_resource(resourceArn=arn)["tags"], [{"key": "b", "value": "2"}])
        with self.assertRaises(sfn().exceptions.ResourceNotFound):
            sfn().list_tags_for_resource(resourceArn=SM + "Nope")


# ---- Step Functions: executions ----

class B_Executions(unittest.TestCase):
    def test_project_machine_calls_python_function(self):
        r = sfn().start_execution(stateMachineArn=SM + "Invoke", input='{"name": "bob"}')
        d = wait_done(r["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"])["Payload"], {"hello": "bob"})
        self.assertEqual(d["input"], '{"name": "bob"}')
        h = sfn().get_execution_history(executionArn=r["executionArn"])["events"]
        types = [e["type"] for e in h]
        self.assertEqual(types[0], "ExecutionStarted")
        self.assertIn("TaskSucceeded", types)
        self.assertEqual(types[-1], "ExecutionSucceeded")
        rev = sfn().get_execution_history(executionArn=r["executionArn"], reverseOrder=True)["events"]
        self.assertEqual([e["id"] for e in rev], [e["id"] for e in reversed(h)])
        p1 = sfn().get_execution_history(executionArn=r["executionArn"], maxResults=3)
        self.assertEqual(len(p1["events"]), 3)
        p2 = sfn().get_execution_history(executionArn=r["executionArn"], maxResults=1000,
                                         nextToken=p1["nextToken"])
        self.assertEqual([e["id"] for e in p1["events"] + p2["events"]], [e["id"] for e in h])
        self.assertNotIn("nextToken", p2)
        lean = sfn().get_execution_history(executionArn=r["executionArn"], includeExecutionData=False)
        self.assertNotIn("input", lean["events"][0]["executionStartedEventDetails"])
        f = sfn().describe_state_machine_for_execution(executionArn=r["executionArn"])
        self.assertEqual(f["stateMachineArn"], SM + "Invoke")
        self.assertIn("definition", f)

    def test_failed_execution(self):
        r = sfn().start_execution(stateMachineArn=SM + "Errors", input='{"why": "x"}')
        d = wait_done(r["executionArn"])
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "CustomError")

    def test_execution_errors(self):
        with self.assertRaises(sfn().exceptions.ExecutionDoesNotExist):
            sfn().describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:Invoke:nope")
        with self.assertRaises(sfn().exceptions.StateMachineDoesNotExist):
            sfn().start_execution(stateMachineArn=SM + "Nope")
        with self.assertRaises(sfn().exceptions.InvalidExecutionInput):
            sfn().start_execution(stateMachineArn=SM + "Invoke", input="{not json")
        with self.assertRaises(sfn().exceptions.InvalidName):
            sfn().start_execution(stateMachineArn=SM + "Invoke", name="a/b")
        with self.assertRaises(sfn().exceptions.InvalidArn):
            sfn().describe_execution(executionArn=SM + "Invoke")

    def test_name_idempotency_and_stop(self):
        arn = create("Waiter", WAIT)
        a = sfn().start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')
        b = sfn().start_execution(stateMachineArn=arn, name="once", input='{"a":1}')
        self.assertEqual(a["executionArn"], b["executionArn"])
        with self.assertRaises(sfn().exceptions.ExecutionAlreadyExists):
            sfn().start_execution(stateMachineArn=arn, name="once", input='{"a": 2}')
        self.assertEqual(sfn().describe_execution(executionArn=a["executionArn"])["status"], "RUNNING")
        sfn().stop_execution(executionArn=a["executionArn"], error="Why", cause="test")
        d = sfn().describe_execution(executionArn=a["executionArn"])
        self.assertEqual((d["status"], d["error"], d["cause"]), ("ABORTED", "Why", "test"))
        with self.assertRaises(sfn().exceptions.ExecutionAlreadyExists):
            sfn().start_execution(stateMachineArn=arn, name="once", input='{"a": 1}')

    def test_list_executions(self):
        arn = create("Many", PASS)
        arns = [sfn().start_execution(stateMachineArn=arn)["executionArn"] for _ in range(5)]
        for x in arns:
            wait_done(x)
        w = create("ManyWaits", WAIT)
        running = sfn().start_execution(stateMachineArn=w)["executionArn"]
        page = sfn().list_executions(stateMachineArn=arn, maxResults=2)
        self.assertEqual(len(page["executions"]), 2)
        self.assertEqual(page["executions"][0]["executionArn"], arns[-1])   # newest first
        rest = sfn().list_executions(stateMachineArn=arn, nextToken=page["nextToken"])
        self.assertEqual(len(rest["executions"]), 3)
        self.assertEqual(len(sfn().list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]), 5)
        self.assertEqual(sfn().list_executions(stateMachineArn=w, statusFilter="RUNNING")["executions"][0]
                         ["executionArn"], running)
        self.assertEqual(sfn().list_executions(stateMachineArn=w, statusFilter="FAILED")["executions"], [])
        sfn().stop_execution(executionArn=running)
        with self.assertRaises(sfn().exceptions.StateMachineDoesNotExist):
            sfn().list_executions(stateMachineArn=SM + "Nope")


class C_SyncAndCallbacks(unittest.TestCase):
    def test_start_sync_execution(self):
        defn = {"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Echo", "End": True}}}
        arn = create("SyncEcho", defn, "EXPRESS")
        r = SERVER["sfn_sync"].start_sync_execution(stateMachineArn=arn, input='{"k": "v"}')
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"k": "v"})
        self.assertIn(":express:SyncEcho:", r["executionArn"])
        bad = create("SyncFail", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}},
                     "EXPRESS")
        r = SERVER["sfn_sync"].start_sync_execution(stateMachineArn=bad)
        self.assertEqual((r["status"], r["error"], r["cause"]), ("FAILED", "E", "C"))
        with self.assertRaises(sfn().exceptions.StateMachineTypeNotSupported):
            SERVER["sfn_sync"].start_sync_execution(stateMachineArn=SM + "Invoke")
        # An express execution has no record to describe, stop or list the
        # history of: its ARN is refused as AWS refuses it.
        express_arn = r["executionArn"]
        for call in (lambda: sfn().describe_execution(executionArn=express_arn),
                     lambda: sfn().get_execution_history(executionArn=express_arn),
                     lambda: sfn().stop_execution(executionArn=express_arn)):
            with self.assertRaises(sfn().exceptions.InvalidArn) as e:
                call()
            self.assertEqual(e.exception.response["Error"]["Message"],
                             "Invalid Arn: 'Resource type not valid in this context: express'")
        # Nor is it kept once it ended: AWS keeps no record of it.
        with self.assertRaises(sfn().exceptions.ExecutionDoesNotExist):
            sfn().describe_state_machine_for_execution(executionArn=express_arn)

    def test_task_token_success(self):
        arn = create("Callback", CALLBACK)
        x = sfn().start_execution(stateMachineArn=arn)["executionArn"]
        tok = task_token(x)
        sfn().send_task_heartbeat(taskToken=tok)
        self.assertEqual(sfn().describe_execution(executionArn=x)["status"], "RUNNING")
        sfn().send_task_success(taskToken=tok, output='{"approved": true}')
        d = wait_done(x)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"approved": True})
        with self.assertRaises(sfn().exceptions.TaskTimedOut):
            sfn().send_task_success(taskToken=tok, output="{}")
        with self.assertRaises(sfn().exceptions.TaskDoesNotExist):
            sfn().send_task_success(taskToken="x" * 64, output="{}")

    def test_task_token_failure(self):
        arn = create("Callback2", CALLBACK)
        x = sfn().start_execution(stateMachineArn=arn)["executionArn"]
        tok = task_token(x)
        with self.assertRaises(sfn().exceptions.InvalidOutput):
            sfn().send_task_success(taskToken=tok, output="{bad")
        sfn().send_task_failure(taskToken=tok, error="Rejected", cause="no")
        d = wait_done(x)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Rejected", "no"))

    def test_mock_test_case(self):
        defn = {"StartAt": "Put", "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Parameters": {"TableName": "t", "Item": {}}, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Echo",
                     "End": True}}}
        arn = create("MockedFlow", defn)
        x = sfn().start_execution(stateMachineArn=arn + "#HappyPath", input="{}")["executionArn"]
        d = wait_done(x)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"mocked": True})
        x = sfn().start_execution(stateMachineArn=arn + "#Broken")["executionArn"]
        d = wait_done(x)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "DynamoDB.ConditionalCheckFailedException"))
        with self.assertRaises(sfn().exceptions.ClientError) as cm:
            sfn().start_execution(stateMachineArn=arn + "#NoSuchCase")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")


class D_BadInput(unittest.TestCase):
    def test_malformed_and_unknown(self):
        st, body = raw("DescribeExecution", b"{")
        self.assertEqual((st, body["__type"].split("#")[-1]), (400, "SerializationException"))
        st, body = raw("DescribeExecution", b"[1]")
        self.assertEqual((st, body["__type"].split("#")[-1]), (400, "SerializationException"))
        st, body = raw("Explode", b"{}")
        self.assertEqual((st, body["__type"].split("#")[-1]), (400, "UnknownOperationException"))
        st, body = raw(None, b"{}")
        self.assertEqual(body["__type"].split("#")[-1], "UnknownOperationException")
        st, body = raw("StartExecution", b"{}")
        self.assertEqual((st, body["__type"].split("#")[-1]), (400, "ValidationException"))
        st, body = raw("StartExecution", json.dumps({"stateMachineArn": 5}).encode())
        self.assertEqual(body["__type"].split("#")[-1], "SerializationException")
        st, body = raw("CreateStateMachine", json.dumps(
            {"name": "Big", "roleArn": ROLE, "definition": "x" * (2 * 1024 * 1024)}).encode())
        self.assertEqual(body["__type"].split("#")[-1], "InvalidDefinition")
        st, body = raw("StartExecution", json.dumps(
            {"stateMachineArn": SM + "Invoke", "input": json.dumps("y" * 300000)}).encode())
        self.assertEqual(body["__type"].split("#")[-1], "ValidationException")
        # Still alive.
        self.assertTrue(sfn().list_state_machines()["stateMachines"])

    def test_huge_body_and_binary(self):
        st, body = raw("ListStateMachines", os.urandom(4 * 1024 * 1024))
        self.assertEqual(st, 400)
        c = http.client.HTTPConnection("127.0.0.1", SERVER["port"], timeout=30)
        c.request("GET", "/nothing/here")
        self.assertEqual(c.getresponse().status, 404)
        c.close()
        self.assertTrue(sfn().list_state_machines()["stateMachines"])


    def test_client_gives_up_while_waiting(self):
        # The answer to a StartSyncExecution / Invoke whose client left goes nowhere.
        e = create("GiveUp", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}},
                   "EXPRESS")
        for path, headers, body in [
                ("/", {"X-Amz-Target": "AWSStepFunctions.StartSyncExecution"}, json.dumps({"stateMachineArn": e})),
                ("/2015-03-31/functions/Sleepy/invocations", {}, '{"seconds": 0.8}')]:
            c = http.client.HTTPConnection("127.0.0.1", SERVER["port"], timeout=0.3)
            c.request("POST", path, body=body, headers=headers)
            with self.assertRaises(OSError):
                c.getresponse()
            c.close()
        time.sleep(1.5)
        self.assertTrue(sfn().list_state_machines()["stateMachines"])


# ---- Lambda ----

def make_zip(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", source)
    return buf.getvalue()


class E_Lambda(unittest.TestCase):
    def test_invoke(self):
        r = lam().invoke(FunctionName="Echo", Payload=b'{"a": 1}', LogType="Tail")
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(json.loads(r["Payload"].read()), {"a": 1})
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        log = base64.b64decode(r["LogResult"]).decode()
        self.assertIn("START RequestId:", log)
        self.assertIn("REPORT RequestId:", log)
        r = lam().invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:Echo",
                         Payload=b"{}", Qualifier="$LATEST")
        self.assertEqual(r["StatusCode"], 200)

    def test_invoke_function_error(self):
        r = lam().invoke(FunctionName="Boom", Payload=b'{"why": "x"}')
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Payload"].read())["errorType"], "CustomError")

    def test_invoke_types(self):
        self.assertEqual(lam().invoke(FunctionName="Echo", InvocationType="Event", Payload=b"{}")["StatusCode"], 202)
        self.assertEqual(lam().invoke(FunctionName="Echo", InvocationType="DryRun")["StatusCode"], 204)

    def test_invoke_errors(self):
        with self.assertRaises(lam().exceptions.ResourceNotFoundException) as cm:
            lam().invoke(FunctionName="Nope", Payload=b"{}")
        self.assertIn("function:Nope:$LATEST", cm.exception.response["Error"]["Message"])
        with self.assertRaises(lam().exceptions.InvalidRequestContentException):
            lam().invoke(FunctionName="Echo", Payload=b"{nope")
        with self.assertRaises(lam().exceptions.ClientError) as cm:
            lam().invoke(FunctionName="Echo", Payload=b'"' + b"z" * 6300000 + b'"')
        self.assertEqual(cm.exception.response["Error"]["Code"], "RequestEntityTooLargeException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)

    def test_throttle(self):
        # Single has reserved concurrency 1: a second call while one runs is throttled.
        import threading
        first = {}
        t = threading.Thread(target=lambda: first.update(
            r=lam().invoke(FunctionName="Single", Payload=b'{"seconds": 1.5}')))
        t.start()
        time.sleep(0.7)
        with self.assertRaises(lam().exceptions.TooManyRequestsException) as cm:
            lam().invoke(FunctionName="Single", Payload=b'{"seconds": 0}')
        self.assertEqual(cm.exception.response["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded")
        t.join(30)
        self.assertEqual(first["r"]["StatusCode"], 200)

    def test_list_and_get(self):
        names = [f["FunctionName"] for f in lam().list_functions()["Functions"]]
        self.assertIn("Echo", names)
        page = lam().list_functions(MaxItems=2)
        self.assertEqual(len(page["Functions"]), 2)
        self.assertIn("NextMarker", page)
        g = lam().get_function(FunctionName="Env")
        self.assertEqual(g["Configuration"]["Runtime"], "python3.12")
        self.assertEqual(g["Configuration"]["Environment"]["Variables"], {"GREETING": "hello"})
        self.assertEqual(g["Configuration"]["State"], "Active")
        c = lam().get_function_configuration(FunctionName="Sleepy")
        self.assertEqual(c["Timeout"], 1)
        with self.assertRaises(lam().exceptions.ResourceNotFoundException):
            lam().get_function(FunctionName="Nope")

    def test_create_update_delete(self):
        zip1 = make_zip("def handler(event, context):\n    return {'v': 1, 'in': event}\n")
        c = lam().create_function(FunctionName="Made", Runtime="python3.12", Role=ROLE,
                                  Handler="app.handler", Code={"ZipFile": zip1}, Timeout=5)
        self.assertEqual(c["FunctionName"], "Made")
        lam().get_waiter("function_active_v2").wait(FunctionName="Made")
        r = lam().invoke(FunctionName="Made", Payload=b'{"x": 1}')
        self.assertEqual(json.loads(r["Payload"].read()), {"v": 1, "in": {"x": 1}})
        with self.assertRaises(lam().exceptions.ResourceConflictException):
            lam().create_function(FunctionName="Made", Runtime="python3.12", Role=ROLE,
                                  Handler="app.handler", Code={"ZipFile": zip1})
        # A function created through the API is a Task target like a project's.
        arn = create("CallsMade", {"StartAt": "C", "States": {"C": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Made", "End": True}}})
        d = wait_done(sfn().start_execution(stateMachineArn=arn, input='{"y": 2}')["executionArn"])
        self.assertEqual(json.loads(d["output"]), {"v": 1, "in": {"y": 2}})
        lam().update_function_code(FunctionName="Made", ZipFile=make_zip(
            "def handler(event, context):\n    return {'v': 2}\n"))
        r = lam().invoke(FunctionName="Made", Payload=b"{}")
        self.assertEqual(json.loads(r["Payload"].read()), {"v": 2})
        u = lam().update_function_configuration(FunctionName="Made", Timeout=9,
                                                Environment={"Variables": {"K": "V"}})
        self.assertEqual((u["Timeout"], u["Environment"]["Variables"]), (9, {"K": "V"}))
        lam().put_function_concurrency(FunctionName="Made", ReservedConcurrentExecutions=3)
        self.assertEqual(lam().get_function(FunctionName="Made")["Concurrency"]["ReservedConcurrentExecutions"], 3)
        lam().delete_function(FunctionName="Made")
        with self.assertRaises(lam().exceptions.ResourceNotFoundException):
            lam().get_function(FunctionName="Made")
        with self.assertRaises(lam().exceptions.ClientError):
            lam().create_function(FunctionName="BadZip", Runtime="python3.12", Role=ROLE,
                                  Handler="app.handler", Code={"ZipFile": b"not a zip"})


# ---- the aws CLI ----

class F_Cli(unittest.TestCase):
    def test_stepfunctions_cli(self):
        r = aws("stepfunctions", "start-execution", "--state-machine-arn", SM + "Invoke",
                "--input", '{"name": "cli"}')
        arn = r["executionArn"]
        wait_done(arn)
        d = aws("stepfunctions", "describe-execution", "--execution-arn", arn)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"])["Payload"], {"hello": "cli"})
        lst = aws("stepfunctions", "list-state-machines")
        self.assertIn("Invoke", [m["name"] for m in lst["stateMachines"]])

    def test_lambda_cli(self):
        out = os.path.join(TMP, "out.json")
        r = aws("lambda", "invoke", "--function-name", "Echo", "--payload", '{"cli": true}', out)
        self.assertEqual(r["StatusCode"], 200)
        with open(out) as f:
            self.assertEqual(json.load(f), {"cli": True})


class G_Reload(unittest.TestCase):
    """Live reload: a second server on a copy of a small project, edited in place."""

    PROJECT = """functions:
  Greeter:
    runtime: python3.12
    handler: app.handler
    code: fn
state_machines:
  Hello:
    definition: hello.asl.json
"""
    TASK = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:lambda:%s:%s:function:Greeter" % (REGION, ACCOUNT), "End": True}}}

    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(TMP, "reload")
        os.makedirs(os.path.join(cls.dir, "fn"))
        cls.write("steplocal.yaml", cls.PROJECT)
        cls.write("fn/app.py", "def handler(event, context):\n    return {'v': 1}\n")
        cls.write("hello.asl.json", json.dumps(cls.TASK))
        cls.proc, url, cls.log = start_extra_server(["-f", cls.dir], log_name="reload.log")
        cfg = Config(retries={"total_max_attempts": 1}, read_timeout=60)
        cls.lam = boto3.client("lambda", endpoint_url=url, region_name=REGION, config=cfg)
        cls.sfn = boto3.client("stepfunctions", endpoint_url=url, region_name=REGION, config=cfg)

    @classmethod
    def tearDownClass(cls):
        stop_extra_server(cls.proc)

    @classmethod
    def write(cls, rel, text):
        with open(os.path.join(cls.dir, rel), "w") as f:
            f.write(text)

    def logged(self, text, timeout=20):
        """Waits until the server's log says text (a reload is done then)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.log.seek(0)
            if text in self.log.read():
                return
            time.sleep(0.05)
        self.log.seek(0)
        self.fail("the log never said %r:\n%s" % (text, self.log.read()[-3000:]))

    def invoke(self, name="Greeter"):
        return json.loads(self.lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())

    def definition(self):
        return json.loads(self.sfn.describe_state_machine(stateMachineArn=SM + "Hello")["definition"])

    def test_reload(self):
        self.assertEqual(self.invoke(), {"v": 1})
        # A handler edited: the warm environment is replaced.
        self.write("fn/app.py", "def handler(event, context):\n    return {'v': 2}\n")
        self.logged("reloaded function Greeter")
        self.assertEqual(self.invoke(), {"v": 2})
        # A definition edited: new executions use it.
        t = dict(self.TASK, Comment="second")
        self.write("hello.asl.json", json.dumps(t))
        self.logged("reloaded state machine Hello")
        self.assertEqual(self.definition()["Comment"], "second")
        arn = self.sfn.start_execution(stateMachineArn=SM + "Hello")["executionArn"]
        deadline = time.time() + 30
        while self.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(json.loads(self.sfn.describe_execution(executionArn=arn)["output"]), {"v": 2})
        # A broken definition: said, and the previous version keeps serving.
        self.write("hello.asl.json", '{"StartAt": ')
        self.logged("still serving the previous version")
        self.assertEqual(self.definition()["Comment"], "second")
        self.write("hello.asl.json", json.dumps(t))
        # A function added, then the project without it: listed, then gone.
        self.write("steplocal.yaml", self.PROJECT.replace("state_machines:", """  Other:
    runtime: python3.12
    handler: app.handler
    code: fn
    environment:
      MODE: other
state_machines:"""))
        self.logged("added function Other")
        self.assertEqual(self.invoke("Other"), {"v": 2})
        self.write("steplocal.yaml", self.PROJECT)
        self.logged("removed function Other")
        names = [f["FunctionName"] for f in self.lam.list_functions()["Functions"]]
        self.assertEqual(names, ["Greeter"])


class H_StepFunctionsLocal(unittest.TestCase):
    """The walk-through of Step Functions Local's mocked service integrations
    guide, unchanged: its MockConfigFile.json given as SFN_MOCK_CONFIG, its
    state machine, and its aws CLI calls (with their abbreviated --endpoint
    and --state-machine options)."""

    DIR = os.path.join(HERE, "sfn-local")
    SM = "arn:aws:states:us-east-1:123456789012:stateMachine:LambdaSQSIntegration"
    EX = "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:"

    @classmethod
    def setUpClass(cls):
        cls.proc, cls.url, cls.log = start_extra_server(
            ["--wait-scale", "0.01"], env={"SFN_MOCK_CONFIG": os.path.join(cls.DIR, "MockConfigFile.json")},
            log_name="sfn-local.log")

    @classmethod
    def tearDownClass(cls):
        stop_extra_server(cls.proc)

    def cli(self, *args):
        out = subprocess.run(["aws", "stepfunctions"] + list(args) + ["--endpoint", self.url],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout) if out.stdout.strip() else None

    def finished(self, name):
        deadline = time.time() + 30
        while time.time() < deadline:
            d = self.cli("describe-execution", "--execution-arn", self.EX + name)
            if d["status"] != "RUNNING":
                return d
            time.sleep(0.1)
        self.fail("still running: " + name)

    def test_guide(self):
        r = self.cli("create-state-machine", "--definition",
                     "file://" + os.path.join(self.DIR, "LambdaSQSIntegration.asl.json"),
                     "--name", "LambdaSQSIntegration",
                     "--role-arn", "arn:aws:iam::123456789012:role/service-role/LambdaSQSIntegration")
        self.assertEqual(r["stateMachineArn"], self.SM)
        sqs = {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
               "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}
        # HappyPath: both states answered by their mocks.
        r = self.cli("start-execution", "--name", "executionWithHappyPathMockedServices",
                     "--state-machine", self.SM + "#HappyPath")
        self.assertEqual(r["executionArn"], self.EX + "executionWithHappyPathMockedServices")
        d = self.finished("executionWithHappyPathMockedServices")
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), sqs)
        # RetryPath: three thrown errors retried (2, 4, 8 s, scaled), then the return.
        self.cli("start-execution", "--name", "executionWithRetryPathMockedServices",
                 "--state-machine", self.SM + "#RetryPath")
        d = self.finished("executionWithRetryPathMockedServices")
        self.assertEqual(d["status"], "SUCCEEDED")
        h = self.cli("get-execution-history", "--execution-arn", self.EX + "executionWithRetryPathMockedServices")
        failed = [e["taskFailedEventDetails"] for e in h["events"] if e["type"] == "TaskFailed"]
        self.assertEqual([f["error"] for f in failed], ["Lambda.ResourceNotReadyException",
                                                        "Lambda.TimeoutException", "Lambda.TimeoutException"])
        self.assertEqual(failed[0]["cause"], "Lambda resource is not ready.")
        self.assertEqual([e["type"] for e in h["events"]].count("TaskSucceeded"), 2)
        # HybridPath: the SQS step has no mock, and steplocal does not reach AWS.
        self.cli("start-execution", "--name", "executionWithHybridPathMockedServices",
                 "--state-machine", self.SM + "#HybridPath")
        d = self.finished("executionWithHybridPathMockedServices")
        self.assertEqual(d["status"], "FAILED")
        self.assertIn("arn:aws:states:::sqs:sendMessage", d["cause"])
        self.assertIn("SQSState", d["cause"])


class I_Retention(unittest.TestCase):
    """--keep-executions: the newest closed standard executions stay; older ones go."""

    def test_keep_newest(self):
        proc, url, log = start_extra_server(["--keep-executions", "3"], log_name="keep.log")
        try:
            c = boto3.client("stepfunctions", endpoint_url=url, region_name=REGION,
                             config=Config(retries={"total_max_attempts": 1}))
            arn = c.create_state_machine(name="Keep", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
            runs = []
            for i in range(5):
                x = c.start_execution(stateMachineArn=arn, name="run%d" % i)["executionArn"]
                deadline = time.time() + 20
                while c.describe_execution(executionArn=x)["status"] == "RUNNING" and time.time() < deadline:
                    time.sleep(0.02)
                runs.append(x)
            time.sleep(0.1)
            listed = [e["name"] for e in c.list_executions(stateMachineArn=arn)["executions"]]
            self.assertEqual(listed, ["run4", "run3", "run2"])
            for x in runs[:2]:
                with self.assertRaises(c.exceptions.ExecutionDoesNotExist):
                    c.describe_execution(executionArn=x)
            self.assertEqual(c.describe_execution(executionArn=runs[2])["status"], "SUCCEEDED")
            self.assertEqual(c.get_execution_history(executionArn=runs[4])["events"][-1]["type"],
                             "ExecutionSucceeded")
        finally:
            stop_extra_server(proc)


class J_EventInvocations(unittest.TestCase):
    """InvocationType=Event as Lambda's queue handles it: function errors
    retried twice, throttles retried with a backoff (delays scaled)."""

    PROJECT = """functions:
  Flaky:
    runtime: python3.12
    handler: app.handler
    code: fn
  Closed:
    runtime: python3.12
    handler: app.handler
    code: fn
    concurrency: 0
"""
    APP = """def handler(event, context):
    with open(event["log"], "a") as f:
        f.write("attempt\\n")
    with open(event["log"]) as f:
        n = len(f.readlines())
    if n <= event["fail"]:
        raise RuntimeError("attempt %d fails" % n)
    return n
"""

    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(TMP, "events")
        os.makedirs(os.path.join(cls.dir, "fn"))
        with open(os.path.join(cls.dir, "steplocal.yaml"), "w") as f:
            f.write(cls.PROJECT)
        with open(os.path.join(cls.dir, "fn", "app.py"), "w") as f:
            f.write(cls.APP)
        cls.proc, url, cls.log = start_extra_server(["-f", cls.dir, "--wait-scale", "0.002", "--no-reload"],
                                                    log_name="events.log")
        cls.lam = boto3.client("lambda", endpoint_url=url, region_name=REGION,
                               config=Config(retries={"total_max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        stop_extra_server(cls.proc)

    def attempts(self, name, want, timeout=30):
        path = os.path.join(self.dir, name)
        deadline = time.time() + timeout
        n = 0
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    n = len(f.readlines())
                if n >= want:
                    return n
            time.sleep(0.05)
        return n

    def server_log(self):
        self.log.seek(0)
        return self.log.read()

    def event(self, fn, payload):
        r = self.lam.invoke(FunctionName=fn, InvocationType="Event", Payload=json.dumps(payload).encode())
        self.assertEqual(r["StatusCode"], 202)

    def test_function_errors_retried_twice(self):
        log = os.path.join(self.dir, "twice")
        self.event("Flaky", {"log": log, "fail": 2})
        self.assertEqual(self.attempts("twice", 3), 3)      # two failures, then success
        self.assertIn("failed (RuntimeError); retry 2 of 2", self.server_log())

    def test_dropped_after_three_attempts(self):
        log = os.path.join(self.dir, "dropped")
        self.event("Flaky", {"log": log, "fail": 10})
        self.assertEqual(self.attempts("dropped", 3), 3)
        deadline = time.time() + 20
        while "dropped after 3 attempts (RuntimeError)" not in self.server_log() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("dropped after 3 attempts (RuntimeError)", self.server_log())
        time.sleep(0.5)
        self.assertEqual(self.attempts("dropped", 4, timeout=0.1), 3)   # no fourth

    def test_throttles_retried_until_capacity(self):
        log = os.path.join(self.dir, "throttled")
        self.event("Closed", {"log": log, "fail": 0})
        deadline = time.time() + 20
        while self.server_log().count("Event invocation of Closed is retried") < 3 and time.time() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.server_log().count("Event invocation of Closed is retried"), 3)
        self.assertFalse(os.path.exists(log))
        self.lam.put_function_concurrency(FunctionName="Closed", ReservedConcurrentExecutions=1)
        self.assertEqual(self.attempts("throttled", 1), 1)


# ---- activities ----

def activity_machine(name, activity_arn, **extra):
    state = {"Type": "Task", "Resource": activity_arn, "End": True}
    state.update(extra)
    return create(name, {"StartAt": "ActivityTask", "States": {"ActivityTask": state}})


def events(arn):
    return [(e["type"], e["id"], e["previousEventId"])
            for e in sfn().get_execution_history(executionArn=arn)["events"]]


def details(arn, type_):
    for e in sfn().get_execution_history(executionArn=arn)["events"]:
        if e["type"] == type_:
            return e[type_[0].lower() + type_[1:] + "EventDetails"]
    raise AssertionError("no %s event" % type_)


class K_Activities(unittest.TestCase):
    def test_registry(self):
        a = sfn().create_activity(name="Registry")
        self.assertRegex(a["activityArn"], r"^arn:aws:states:us-east-1:\d{12}:activity:Registry$")
        self.assertEqual(sfn().create_activity(name="Registry")["activityArn"], a["activityArn"])
        d = sfn().describe_activity(activityArn=a["activityArn"])
        self.assertEqual((d["name"], d["activityArn"]), ("Registry", a["activityArn"]))
        self.assertIn(a["activityArn"], [x["activityArn"] for x in sfn().list_activities()["activities"]])
        self.assertIn("Registry", [x["name"] for x in aws("stepfunctions", "list-activities")["activities"]])
        with self.assertRaises(sfn().exceptions.InvalidName):
            sfn().create_activity(name="bad name")
        sfn().delete_activity(activityArn=a["activityArn"])
        sfn().delete_activity(activityArn=a["activityArn"])       # gone already: still fine
        for call in (lambda: sfn().describe_activity(activityArn=a["activityArn"]),
                     lambda: sfn().get_activity_task(activityArn=a["activityArn"])):
            with self.assertRaises(sfn().exceptions.ActivityDoesNotExist):
                call()
        with self.assertRaises(sfn().exceptions.InvalidArn):
            sfn().get_activity_task(activityArn=SM + "Pass")

    def test_worker_waiting_then_success(self):
        import threading
        act = sfn().create_activity(name="Waiting")["activityArn"]
        got = {}
        t = threading.Thread(target=lambda: got.update(
            sfn().get_activity_task(activityArn=act, workerName="worker-1")))
        t.start()
        time.sleep(0.3)                   # the worker is polling first
        arn = activity_machine("ActivityFlow", act)
        x = sfn().start_execution(stateMachineArn=arn, input='{"Value1":"Hello","Value2":"World"}')["executionArn"]
        t.join(30)
        self.assertEqual(json.loads(got["input"]), {"Value1": "Hello", "Value2": "World"})
        sfn().send_task_success(taskToken=got["taskToken"], output='{"done":1}')
        d = wait_done(x)
        self.assertEqual((d["status"], d["output"]), ("SUCCEEDED", '{"done":1}'))
        # AWS's events and chaining (localstack's recording of AWS).
        self.assertEqual(events(x), [
            ("ExecutionStarted", 1, 0), ("TaskStateEntered", 2, 0), ("ActivityScheduled", 3, 2),
            ("ActivityStarted", 4, 3), ("ActivitySucceeded", 5, 4), ("TaskStateExited", 6, 5),
            ("ExecutionSucceeded", 7, 6)])
        sched = details(x, "ActivityScheduled")
        self.assertEqual((sched["resource"], json.loads(sched["input"])),
                         (act, {"Value1": "Hello", "Value2": "World"}))
        self.assertEqual(details(x, "ActivityStarted"), {"workerName": "worker-1"})
        self.assertEqual(details(x, "ActivitySucceeded")["output"], '{"done":1}')

    def test_task_queued_then_failure(self):
        act = sfn().create_activity(name="Queued")["activityArn"]
        arn = activity_machine("ActivityFails", act, TimeoutSeconds=60, HeartbeatSeconds=10)
        x = sfn().start_execution(stateMachineArn=arn, input='{"a":1}')["executionArn"]
        time.sleep(0.2)
        got = sfn().get_activity_task(activityArn=act)     # taken at once, no worker name
        self.assertEqual(json.loads(got["input"]), {"a": 1})
        sfn().send_task_heartbeat(taskToken=got["taskToken"])
        sfn().send_task_failure(taskToken=got["taskToken"], error="Programmatic Error", cause="it broke")
        d = wait_done(x)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Programmatic Error", "it broke"))
        self.assertEqual(events(x), [
            ("ExecutionStarted", 1, 0), ("TaskStateEntered", 2, 0), ("ActivityScheduled", 3, 2),
            ("ActivityStarted", 4, 3), ("ActivityFailed", 5, 4), ("ExecutionFailed", 6, 5)])
        sched = details(x, "ActivityScheduled")
        self.assertEqual((sched["timeoutInSeconds"], sched["heartbeatInSeconds"]), (60, 10))
        self.assertEqual(details(x, "ActivityStarted"), {})
        self.assertEqual(details(x, "ActivityFailed"), {"error": "Programmatic Error", "cause": "it broke"})

    def test_deleted_activity(self):
        act = sfn().create_activity(name="Deleted")["activityArn"]
        sfn().delete_activity(activityArn=act)
        x = sfn().start_execution(stateMachineArn=activity_machine("ActivityGone", act))["executionArn"]
        d = wait_done(x)
        self.assertEqual((d["status"], d["error"], d["cause"]), (
            "FAILED", "States.Runtime", "An error occurred while executing the state 'ActivityTask' "
            "(entered at the event id #2). The activity %s does not exist." % act))
        self.assertEqual([e[0] for e in events(x)], ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"])

    def test_no_worker_times_out(self):
        act = sfn().create_activity(name="Unattended")["activityArn"]
        x = sfn().start_execution(stateMachineArn=activity_machine(
            "ActivityTimeout", act, TimeoutSeconds=1))["executionArn"]
        d = wait_done(x)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.Timeout"))
        self.assertEqual([e[0] for e in events(x)][2:], ["ActivityScheduled", "ActivityTimedOut", "ExecutionFailed"])
        # The task left the queue with its timeout: a worker finds nothing
        # (--wait-scale shortens the 60 s poll; here a server at 0.02).
        proc, url, log = start_extra_server(["--wait-scale", "0.02"])
        try:
            c = boto3.client("stepfunctions", endpoint_url=url, region_name=REGION,
                             config=Config(retries={"total_max_attempts": 1}, read_timeout=30))
            a2 = c.create_activity(name="Idle")["activityArn"]
            t0 = time.time()
            r = c.get_activity_task(activityArn=a2, workerName="w")
            self.assertNotIn("taskToken", r)
            self.assertLess(time.time() - t0, 10)
        finally:
            stop_extra_server(proc)


# ---- TestState (AWS's recordings: docs/aws-behaviour.md section 7) ----

def test_state(**kw):
    r = SERVER["sfn_sync"].test_state(**kw)      # TestState has the sync- host prefix too
    r.pop("ResponseMetadata", None)
    return r


def test_state_error(**kw):
    with unittest.TestCase().assertRaises(sfn().exceptions.ClientError) as cm:
        SERVER["sfn_sync"].test_state(**kw)
    e = cm.exception.response["Error"]
    return e["Code"], e["Message"]


ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Echo"
RETRY = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
         "Parameters": {"FunctionName": "foo", "Payload": "bar"},
         "Retry": [{"ErrorEquals": ["MockException"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}],
         "End": True}
MOCK_ERROR = {"errorOutput": {"error": "MockException", "cause": "Mock the cause of the error."}}
MAP = {"Type": "Map", "ItemsPath": "$.Values", "ToleratedFailureCount": 1,
       "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
       "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "HandleThreshold"}],
       "End": True}


class L_TestState(unittest.TestCase):
    def test_pass(self):
        d = json.dumps({"Type": "Pass", "End": True})
        self.assertEqual(test_state(definition=d, input='{"Value":"HelloWorld"}'),
                         {"output": '{"Value":"HelloWorld"}', "status": "SUCCEEDED"})
        r = test_state(definition=d, input='{"Value":"HelloWorld"}', inspectionLevel="DEBUG")
        self.assertEqual(r["inspectionData"], dict.fromkeys(
            ["input", "afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"],
            '{"Value":"HelloWorld"}'))
        r = test_state(definition=json.dumps({"Type": "Pass", "Result": {"k": "v"}, "End": True}),
                       input='{"Value": "HelloWorld"}', inspectionLevel="TRACE")
        self.assertEqual(r["inspectionData"], {"input": '{"Value": "HelloWorld"}', "result": '{"k":"v"}',
                                               "afterResultSelector": '{"k":"v"}', "afterResultPath": '{"k":"v"}'})
        io = {"Type": "Pass", "InputPath": "$.initialData",
              "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
              "ResultPath": "$.modifiedData", "Next": "Another State"}
        r = test_state(definition=json.dumps(io), inspectionLevel="DEBUG",
                       input='{"initialData":{"fieldFromInput":"x","otherField":"o"},"u":1}')
        self.assertEqual((r["status"], r["nextState"]), ("SUCCEEDED", "Another State"))
        self.assertEqual(r["inspectionData"]["afterInputPath"], '{"fieldFromInput":"x","otherField":"o"}')
        self.assertEqual(r["inspectionData"]["afterParameters"], '{"staticValue":"some value","inputValue":"x"}')
        self.assertEqual(json.loads(r["output"])["modifiedData"], {"staticValue": "some value", "inputValue": "x"})

    def test_choice_and_fail(self):
        choice = {"Type": "Choice", "Default": "Other",
                  "Choices": [{"Variable": "$.value", "NumericGreaterThanEquals": 20, "Next": "ValueInTwenties"}]}
        r = test_state(definition=json.dumps(choice), input='{"type":"Private","value":22}', inspectionLevel="DEBUG")
        self.assertEqual((r["nextState"], r["status"], sorted(r["inspectionData"])),
                         ("ValueInTwenties", "SUCCEEDED", ["afterInputPath", "input"]))
        self.assertEqual(test_state(definition=json.dumps(choice), input='{"value":2}')["nextState"], "Other")
        r = test_state(definition=json.dumps({"Type": "Fail", "Error": "SomeFailure", "Cause": "why"}))
        self.assertEqual(r, {"error": "SomeFailure", "cause": "why", "status": "FAILED"})

    def test_task_for_real(self):
        d = json.dumps({"Type": "Task", "Resource": ECHO_ARN, "End": True})
        self.assertEqual(test_state_error(definition=d), (
            "ValidationException", "RoleArn must be specified when testing a Task state"))
        r = test_state(definition=d, roleArn=ROLE, input='{"a":1}', inspectionLevel="DEBUG")
        self.assertEqual((r["status"], r["output"], r["inspectionData"]["result"]),
                         ("SUCCEEDED", '{"a":1}', '{"a":1}'))
        # The same through the aws CLI (AWS_DISABLE_HOST_PREFIX_INJECTION turns off "sync-").
        out = subprocess.run(["aws", "--endpoint-url", SERVER["url"], "--output", "json", "stepfunctions",
                              "test-state", "--definition", d, "--role-arn", ROLE, "--input", '{"cli":true}'],
                             capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, AWS_DISABLE_HOST_PREFIX_INJECTION="true"))
        self.assertEqual(json.loads(out.stdout), {"output": '{"cli":true}', "status": "SUCCEEDED"}, out.stderr)

    def test_retry(self):
        r = test_state(definition=json.dumps(RETRY), mock=MOCK_ERROR, inspectionLevel="DEBUG",
                       stateConfiguration={"retrierRetryCount": 4})
        self.assertEqual((r["status"], r["error"], r["cause"], "output" in r, "nextState" in r),
                         ("RETRIABLE", "MockException", "Mock the cause of the error.", False, False))
        self.assertEqual(r["inspectionData"]["errorDetails"], {"retryBackoffIntervalSeconds": 16, "retryIndex": 0})
        r = test_state(definition=json.dumps(RETRY), mock=MOCK_ERROR, inspectionLevel="DEBUG",
                       stateConfiguration={"retrierRetryCount": 5})
        self.assertEqual((r["status"], r["inspectionData"]["errorDetails"]), ("FAILED", {"retryIndex": 0}))
        r = test_state(definition=json.dumps(RETRY), mock=MOCK_ERROR)
        self.assertEqual(r, {"error": "MockException", "cause": "Mock the cause of the error.", "status": "RETRIABLE"})

    def test_catch(self):
        d = json.dumps({"Type": "Task", "Resource": ECHO_ARN, "Next": "Other", "Catch": [
            {"ErrorEquals": ["Lambda.TooManyRequestsException"], "ResultPath": "$.error", "Next": "HandleThrottling"}]})
        r = test_state(definition=d, input='{"data": "value"}', inspectionLevel="DEBUG",
                       mock={"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded"}})
        self.assertEqual((r["status"], r["nextState"], r["error"], r["cause"]),
                         ("CAUGHT_ERROR", "HandleThrottling", "Lambda.TooManyRequestsException", "Rate exceeded"))
        self.assertEqual(json.loads(r["output"]), {"data": "value", "error": {
            "Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded"}})
        self.assertEqual(r["inspectionData"]["errorDetails"], {"catchIndex": 0})
        r = test_state(definition=d, mock={"result": '{"ok": true}'})
        self.assertEqual(r, {"output": '{"ok":true}', "nextState": "Other", "status": "SUCCEEDED"})

    def test_map(self):
        r = test_state(definition=json.dumps(MAP), input='{"Values":["first","second","third"]}',
                       mock={"result": "[1, 1, 1]"}, inspectionLevel="DEBUG")
        self.assertEqual((r["status"], json.loads(r["output"])), ("SUCCEEDED", [1, 1, 1]))
        self.assertEqual(r["inspectionData"], {
            "input": '{"Values":["first","second","third"]}', "afterInputPath": '{"Values":["first","second","third"]}',
            "afterItemsPath": '["first","second","third"]', "maxConcurrency": 0, "toleratedFailureCount": 1})
        r = test_state(definition=json.dumps(MAP), input='{"Values":[1,2,3]}', mock={"result": "[0, 0, 1]"},
                       stateConfiguration={"mapIterationFailureCount": 2})
        self.assertEqual((r["status"], r["error"], r["cause"], r["nextState"]), (
            "CAUGHT_ERROR", "States.ExceedToleratedFailureThreshold",
            "The specified tolerated failure threshold was exceeded", "HandleThreshold"))

    def test_state_of_a_state_machine(self):
        sm = {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "M"},
            "M": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "HandleItem", "States": {
                "HandleItem": {"Type": "Pass", "Parameters": {"v.$": "$var", "c.$": "$$.Execution.Name"},
                               "Next": "Last"},
                "Last": {"Type": "Succeed"}}}}}}
        r = test_state(definition=json.dumps(sm), stateName="HandleItem", variables='{"var": 7}',
                       inspectionLevel="DEBUG")
        self.assertEqual((r["nextState"], json.loads(r["output"])["v"], r["inspectionData"]["variables"]),
                         ("Last", 7, '{"var": 7}'))
        self.assertEqual(test_state_error(definition=json.dumps(sm), stateName="dne"),
                         ("ValidationException", "State not found in definition"))
        # A context object given is $$ as it is.
        d = json.dumps({"Type": "Task", "Resource": ECHO_ARN, "Parameters": {"c.$": "$$"}, "End": True})
        r = test_state(definition=d, context='{"Execution": {"Name": "mine"}}', mock={"result": "{}"},
                       inspectionLevel="DEBUG")
        self.assertEqual(json.loads(r["inspectionData"]["afterParameters"]), {"c": {"Execution": {"Name": "mine"}}})

    def test_refusals(self):
        one = json.dumps({"Type": "Pass", "End": True})
        task = json.dumps({"Type": "Task", "Resource": ECHO_ARN, "End": True})
        par = json.dumps({"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]})
        cases = [
            (dict(definition=json.dumps(MAP)), ("InvalidDefinition", "TestState API does not support Map or "
             "Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")),
            (dict(definition=one, mock={"result": "{}"}),
             ("ValidationException", "State type 'Pass' is not supported when a mock is specified")),
            (dict(definition=task, mock={"result": "{}", "errorOutput": {"error": "E"}}), ("ValidationException",
             "A test mock should have only one of the following fields: [result, errorOutput].")),
            (dict(definition=task, mock={"result": "{}"}, revealSecrets=True), ("ValidationException",
             "TestState does not support RevealSecrets when a mock is specified.")),
            (dict(definition=task, mock={"result": "{not json"}), ("ValidationException",
             "Mocked result must be valid JSON")),
            (dict(definition=json.dumps(MAP), mock={"result": "{}"}), ("ValidationException",
             "Mocked result must be an array.")),
            (dict(definition=par, mock={"result": "[1, 2]"}), ("ValidationException",
             "Mocked result must contain the same number of items as number of Parallel branches.")),
            (dict(definition=task, mock={"result": "{}"}, context='{"Map": {}}'), ("ValidationException",
             "Invalid Context object provided: 'Map' field is not supported when mocking a Context object")),
            (dict(definition=task, mock={"result": "{}"}, context='{"Execution": {"pokemon": 1}}'),
             ("ValidationException", "Invalid Context object provided: Field 'pokemon' is not allowed")),
            (dict(definition=task, mock={"result": "{}"}, context='{"Execution": {"Id": 1}}'),
             ("ValidationException", "Invalid Context object provided: Execution.Id must be a string")),
            (dict(definition=task, mock={"result": "{}"}, context='{"Task": {"Token": "t"}}'),
             ("ValidationException", "Invalid Context object provided: Context object contains 'Task' when "
              "state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")),
        ]
        for kw, want in cases:
            self.assertEqual(test_state_error(**kw), want, kw)
        code, msg = test_state_error(definition=one, input="{bad")
        self.assertEqual(code, "InvalidExecutionInput")
        self.assertTrue(msg.startswith("Invalid State Machine Execution Input: 'Unexpected character"), msg)
        code, msg = test_state_error(definition='{"Type": "Nope", "End": true}')
        self.assertEqual(code, "InvalidDefinition")
        self.assertTrue(msg.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED"), msg)


class Z_LeftRunning(unittest.TestCase):
    """Work still pending when the server is stopped (the shutdown check follows)."""

    def test_leave_work_pending(self):
        import threading
        sfn().start_execution(stateMachineArn=create("LeftWaiting", WAIT))
        x = sfn().start_execution(stateMachineArn=create("LeftCallback", CALLBACK))["executionArn"]
        task_token(x)
        e = create("LeftSync", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}},
                   "EXPRESS")
        def quietly(f):
            try:
                f()
            except Exception:
                pass    # the server closes these connections as it stops
        threading.Thread(target=quietly, daemon=True, args=(
            lambda: raw("StartSyncExecution", json.dumps({"stateMachineArn": e})),)).start()
        threading.Thread(target=quietly, daemon=True, args=(
            lambda: lam().invoke(FunctionName="Sleepy", Payload=b'{"seconds": 0.9}'),)).start()
        time.sleep(0.3)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    runner = unittest.TextTestRunner(verbosity=2)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed
    problem = stop_server() if "proc" in SERVER else "the server never started"
    if problem:
        print("FAIL: shutdown: " + problem)
        failed += 1
    else:
        passed += 1
    if failed and "log" in SERVER:
        SERVER["log"].seek(0)
        print("---- server log (tail) ----")
        print(SERVER["log"].read()[-4000:])
    print("%d passed, %d failed" % (passed, failed))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
