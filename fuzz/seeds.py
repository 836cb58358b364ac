#!/usr/bin/env python3
"""seeds.py - writes candidate seed inputs for the fuzz targets from the project's own test data.

    python3 fuzz/seeds.py OUT

writes OUT/<target>/<name> for every target: definitions (and, for exec,
their inputs), paths and intrinsic calls taken from tests/cases, tests/unit
and templates/; project
files from tests/projects; templates from tests/sam; JSON texts and mock configurations from tests/cases
and tests/serve; hand-written request
sequences for the HTTP targets; small zip files built here.  The committed
corpus (fuzz/corpus/<target>) is these candidates minimized by libFuzzer
(`fuzz_<target> -merge=1 fuzz/corpus/<target> OUT/<target>`), plus the
regression inputs (regress-*) of bugs the targets found; see fuzz/README.md.
"""
import base64
import glob
import hashlib
import io
import json
import os
import re
import stat
import sys
import warnings
import zipfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEP = b"\n%%\n"
# The first task token fake_server.c's engine issues (its seed is fixed).
TOKEN = "QlJx-l2nvDCMIrfx40446kUKLdQsT5977V4yMrmatOfEGe3t4YegK4nSh-KhOdSj"


def put(out, target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def c_strings(path):
    """The C string literals of a source file, decoded (ASCII only)."""
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        s = m.group(1)
        try:
            yield s.encode("ascii").decode("unicode_escape")
        except (UnicodeDecodeError, UnicodeEncodeError):
            continue


def walk(v, key=None):
    """(key, value) for every member of a JSON tree."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield k, x
            yield from walk(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x, key)


def case_files():
    for path in sorted(glob.glob(os.path.join(TOP, "tests/cases/**/*.json"), recursive=True)):
        try:
            yield json.load(open(path))
        except ValueError:
            continue


def definitions():
    for case in case_files():
        if isinstance(case.get("definition"), dict):
            yield case["definition"], case.get("input", {})
        elif isinstance(case.get("definition_text"), str):
            yield case["definition_text"], case.get("input", {})
    for path in glob.glob(os.path.join(TOP, "templates/*/*.asl.json")) + \
            glob.glob(os.path.join(TOP, "tests/**/*.asl.json"), recursive=True):
        try:
            yield json.load(open(path)), {}
        except ValueError:
            yield open(path).read(), {}


def seeds_asl(out):
    for d, inp in definitions():
        text = d if isinstance(d, str) else json.dumps(d, separators=(",", ":"))
        put(out, "asl", text)
        put(out, "exec", text + "\n%%\n" + json.dumps(inp, separators=(",", ":")))


def seeds_paths(out):
    """jpath: a flag byte, the path, a newline, the input document."""
    for d, inp in definitions():
        if isinstance(d, str):
            continue
        doc = json.dumps(inp, separators=(",", ":"))
        for k, v in walk(d):
            if not isinstance(v, str) or not v.startswith("$"):
                continue
            flags = 1 if k in ("ResultPath",) else 0
            put(out, "jpath", bytes([flags]) + v.encode() + b"\n" + doc.encode())
        for k, v in walk(d):
            if isinstance(v, str) and v.startswith("States."):
                put(out, "intrinsic", v + "\n" + doc)
    for s in c_strings(os.path.join(TOP, "tests/unit/test_jpath.c")):
        if s.startswith("$") and "\n" not in s:
            for flags in (0, 1, 7):
                put(out, "jpath", bytes([flags]) + s.encode())
    for s in c_strings(os.path.join(TOP, "tests/unit/test_intrinsic.c")):
        if s.startswith("States.") and "\n" not in s:
            put(out, "intrinsic", s)


def seeds_files(out):
    for path in sorted(glob.glob(os.path.join(TOP, "tests/projects/**/*.yaml"), recursive=True) +
                       glob.glob(os.path.join(TOP, "templates/*/steplocal.yaml"))):
        if path.endswith(".asl.yaml"):
            continue
        put(out, "project", open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(TOP, "tests/sam/**/*.yaml"), recursive=True) +
                       glob.glob(os.path.join(TOP, "tests/sam/**/template.json"), recursive=True)):
        if ".asl." in path:
            continue
        put(out, "sam", open(path, "rb").read())


JSON_EDGES = [
    b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}', b'[]', b'{}', b'""', b'0', b'-0', b'-1.5e-300',
    b'12345678901234567890', b'-1234567890123456', b'[1e400]', b'[1E+2, 1e-7, 0.1, 5e-324]',
    b'{"a":1,"b":2,"a":3}', b'{"a":{"x":1,"x":{"y":2,"y":3}},"a":[{"k":1,"k":1}]}',
    b'"\\u0000\\ud83d\\ude00\\u00e9\\/\\b\\f\\n\\r\\t"', '"h\u00e9llo \u2713 \U0001f600"'.encode(),
    b' \t\r\n[1 , 2 ]\n', b'[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]', b'"\\ud800"', b'{"":""}',
    b'01', b'1.', b'-', b'[1,]', b'{"a" 1}', b'\x00[]', b'"\x1f"', b'"\xff"', b'\xef\xbb\xbf{}',
]


def seeds_json(out):
    """json: JSON texts of the test data, as written, and edge cases."""
    for path in sorted(glob.glob(os.path.join(TOP, "tests/cases/**/*.json"), recursive=True))[:150] + \
            sorted(glob.glob(os.path.join(TOP, "tests/serve/**/*.json"), recursive=True)):
        data = open(path, "rb").read()
        if len(data) <= 4096:
            put(out, "json", data)
    for d, inp in definitions():
        if isinstance(d, str):
            put(out, "json", d)
    for s in JSON_EDGES:
        put(out, "json", s)


def seeds_mock(out):
    """mock: the Step Functions Local configuration of tests/serve, the
    case files' inline mocks, and broken variations."""
    for path in sorted(glob.glob(os.path.join(TOP, "tests/**/*ock*onfig*.json"), recursive=True)):
        put(out, "mock", open(path, "rb").read())
    for case in case_files():
        if isinstance(case.get("mocks"), dict):
            put(out, "mock", json.dumps(case["mocks"], separators=(",", ":")))
    resp = {"0": {"Return": {"ok": 1}}, "1-2": {"Throw": {"Error": "E", "Cause": "C"}},
            "3": {"Return": 1, "DelaySeconds": 2}}
    good = {"StateMachines": {"SM": {"TestCases": {"Happy": {"A": "R"}, "Sad": {}}}},
            "MockedResponses": {"R": resp}}
    bad = [
        [], "x", {}, {"StateMachines": []}, {"StateMachines": {}, "MockedResponses": []},
        {"StateMachines": {"SM": {}}}, {"StateMachines": {"SM": {"TestCases": {"C": 1}}}},
        {"StateMachines": {"SM": {"TestCases": {"C": {"A": "Nope"}}}}},
        {"StateMachines": {"SM": {"TestCases": {"C": {"A": 7}}}}},
        {"StateMachines": {}, "MockedResponses": {"R": []}},
        {"StateMachines": {}, "MockedResponses": {"R": {"x": {"Return": 1}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"2-1": {"Return": 1}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"0": {}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "C"}}}}},
        {"StateMachines": {"S\nM": {"TestCases": {"C\n": {"A\n": "R\n"}}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "DelaySeconds": "5"}}}},
        {"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "DelaySeconds": -1}}}},
    ]
    put(out, "mock", json.dumps(good, separators=(",", ":")), "good")
    for i, b in enumerate(bad):
        put(out, "mock", json.dumps(b, separators=(",", ":")), "bad-%d" % i)


def seeds_export(out):
    """export: the project files of tests/projects, tests/export and templates/."""
    for path in sorted(glob.glob(os.path.join(TOP, "tests/projects/**/*.yaml"), recursive=True) +
                       glob.glob(os.path.join(TOP, "tests/export/**/steplocal.yaml"), recursive=True) +
                       glob.glob(os.path.join(TOP, "templates/*/steplocal.yaml"))):
        if not path.endswith(".asl.yaml"):
            put(out, "export", open(path, "rb").read())


def zip_bytes(entries, comment=b""):
    """entries: (name, data or None for a folder, unix mode or None, compress)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.comment = comment
        for name, data, mode, deflate in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            if mode is not None:
                info.external_attr = mode << 16
                info.create_system = 3
            z.writestr(info, b"" if data is None else data)
    return buf.getvalue()


HANDLER = b"def handler(event, context):\n    return event\n"


def seeds_zips(out):
    zips = {
        "python": [("app.py", HANDLER, 0o100644, True)],
        "bootstrap": [("bootstrap", b"#!/bin/sh\nexit 0\n", 0o100755, False),
                      ("lib/", None, 0o40755, False), ("lib/x.txt", b"x" * 100, None, True)],
        "nested": [("a/", None, 0o40755, False), ("a/b/", None, 0o40700, False),
                   ("a/b/c.txt", b"hello", 0o100600, True), ("top.txt", b"", None, False)],
        "dotdot": [("../escape.txt", b"x", None, False)],
        "inner-dotdot": [("a/../../escape.txt", b"x", None, False)],
        "absolute": [("/etc/escape.txt", b"x", None, False)],
        "drive": [("C:\\escape.txt", b"x", None, False)],
        "symlink": [("link", b"/etc/passwd", 0o120777, False)],
        "fifo": [("pipe", b"", 0o10644, False)],
        "duplicate": [("a.txt", b"1", None, False), ("a.txt", b"2", None, False)],
        "ratio": [("zeros", b"\0" * (1 << 16), None, True)],
        "empty": [],
        "file-then-dir": [("a", b"1", None, False), ("a/b", b"2", None, False)],
    }
    for name, entries in zips.items():
        put(out, "pkg", zip_bytes(entries), name)
    good = zip_bytes(zips["python"])
    # A flipped CRC, a truncated archive, an "encrypted" flag.
    bad = bytearray(good)
    bad[14] ^= 0xff
    put(out, "pkg", bytes(bad), "crc")
    put(out, "pkg", good[: len(good) // 2], "truncated")
    enc = bytearray(good)
    enc[6] |= 1
    cd = enc.rfind(b"PK\x01\x02")
    enc[cd + 8] |= 1
    put(out, "pkg", bytes(enc), "encrypted")
    return good


def req(method, target, headers=(), body=""):
    if not isinstance(body, str):
        body = json.dumps(body, separators=(",", ":"))
    lines = ["%s %s" % (method, target)] + ["%s: %s" % h for h in headers]
    return "\n".join(lines) + "\n\n" + body


def sfn(action, body=None):
    return req("POST", "/", [("X-Amz-Target", "AWSStepFunctions." + action),
                             ("Content-Type", "application/x-amz-json-1.0")], body if body is not None else {})


def seeds_api(out, zip_data):
    acct = "123456789012"
    sm = "arn:aws:states:us-east-1:%s:stateMachine:" % acct
    ex = "arn:aws:states:us-east-1:%s:execution:" % acct
    fn = "/2015-03-31/functions/"
    simple = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    looped = json.dumps({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}})
    seqs = {
        "flow": [sfn("ListStateMachines"), sfn("DescribeStateMachine", {"stateMachineArn": sm + "Flow"}),
                 sfn("StartExecution", {"stateMachineArn": sm + "Flow", "name": "e1",
                                        "input": json.dumps({"items": [1, 2], "go": True})}),
                 sfn("DescribeExecution", {"executionArn": ex + "Flow:e1"}),
                 sfn("GetExecutionHistory", {"executionArn": ex + "Flow:e1", "maxResults": 5,
                                             "reverseOrder": True}),
                 sfn("ListExecutions", {"stateMachineArn": sm + "Flow", "statusFilter": "SUCCEEDED"}),
                 sfn("DescribeStateMachineForExecution", {"executionArn": ex + "Flow:e1"})],
        "fail": [sfn("StartExecution", {"stateMachineArn": sm + "Flow", "name": "bad",
                                        "input": "{\"fail\": true}"}),
                 sfn("GetExecutionHistory", {"executionArn": ex + "Flow:bad"})],
        "stop": [sfn("StartExecution", {"stateMachineArn": sm + "Flow", "name": "s",
                                        "input": "{\"never\": 1}"}),
                 sfn("StopExecution", {"executionArn": ex + "Flow:s", "error": "E", "cause": "C"}),
                 sfn("DescribeExecution", {"executionArn": ex + "Flow:s"})],
        "sync": [sfn("StartSyncExecution", {"stateMachineArn": sm + "Quick", "input": "{\"id\": 7}"}),
                 sfn("StartSyncExecution", {"stateMachineArn": sm + "Quick", "input": "{\"fail\": 1}"}),
                 sfn("StartSyncExecution", {"stateMachineArn": sm + "Flow"})],
        "activity": [sfn("CreateActivity", {"name": "Work"}),
                     sfn("CreateStateMachine", {"name": "Act", "roleArn": "arn:aws:iam::1:role/r",
                                                "definition": json.dumps({"StartAt": "T", "States": {"T": {
                                                    "Type": "Task", "End": True,
                                                    "Resource": "arn:aws:states:us-east-1:%s:activity:Work" % acct}}})}),
                     sfn("StartExecution", {"stateMachineArn": sm + "Act", "name": "a"}),
                     sfn("GetActivityTask", {"activityArn": "arn:aws:states:us-east-1:%s:activity:Work" % acct,
                                             "workerName": "w"}),
                     sfn("ListActivities", {}),
                     sfn("DescribeActivity", {"activityArn": "arn:aws:states:us-east-1:%s:activity:Work" % acct}),
                     sfn("DeleteActivity", {"activityArn": "arn:aws:states:us-east-1:%s:activity:Work" % acct})],
        "teststate": [sfn("TestState", {"definition": json.dumps({"Type": "Pass", "End": True}),
                                        "inspectionLevel": "DEBUG", "input": "{\"a\": 1}"}),
                      sfn("TestState", {"definition": json.dumps({"Type": "Task", "End": True,
                                        "Resource": "arn:aws:states:::lambda:invoke",
                                        "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 2}],
                                        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]}),
                                        "mock": {"errorOutput": {"error": "E", "cause": "c"}},
                                        "stateConfiguration": {"retrierRetryCount": 2},
                                        "context": "{\"Execution\": {\"Name\": \"n\"}}"}),
                      sfn("TestState", {"definition": simple, "stateName": "P", "variables": "{\"v\": 1}"})],
        "mock": [sfn("StartExecution", {"stateMachineArn": sm + "Flow#Happy", "name": "m"}),
                 sfn("StartExecution", {"stateMachineArn": sm + "Flow#Sad"}),
                 sfn("StartExecution", {"stateMachineArn": sm + "Flow#Nope"})],
        "crud": [sfn("CreateStateMachine", {"name": "New", "definition": simple,
                                            "roleArn": "arn:aws:iam::%s:role/R" % acct,
                                            "type": "EXPRESS", "tags": [{"key": "k", "value": "v"}]}),
                 sfn("UpdateStateMachine", {"stateMachineArn": sm + "New", "definition": looped}),
                 sfn("UpdateStateMachine", {"stateMachineArn": sm + "New", "definition": simple,
                                            "roleArn": "arn:aws:iam::%s:role/Other" % acct}),
                 sfn("ValidateStateMachineDefinition", {"definition": "{\"StartAt\":1}"}),
                 sfn("TagResource", {"resourceArn": sm + "New", "tags": [{"key": "a", "value": "b"}]}),
                 sfn("ListTagsForResource", {"resourceArn": sm + "New"}),
                 sfn("UntagResource", {"resourceArn": sm + "New", "tagKeys": ["k"]}),
                 sfn("StartExecution", {"stateMachineArn": sm + "New"}),
                 sfn("DeleteStateMachine", {"stateMachineArn": sm + "New"}),
                 sfn("ListStateMachines", {"maxResults": 1}),
                 sfn("ListStateMachines", {"nextToken": "sl1:1"})],
        # The engine's seed is fixed, so is the first task token.
        "tokens": [sfn("StartExecution", {"stateMachineArn": sm + "Tokens", "name": "t"}),
                   sfn("SendTaskHeartbeat", {"taskToken": TOKEN}),
                   sfn("SendTaskSuccess", {"taskToken": TOKEN, "output": "{\"done\": 1}"}),
                   sfn("SendTaskFailure", {"taskToken": TOKEN, "error": "E", "cause": "C"}),
                   sfn("SendTaskSuccess", {"taskToken": "x", "output": "{}"})],
        "token-fail": [sfn("StartExecution", {"stateMachineArn": sm + "Tokens", "name": "t"}),
                       sfn("SendTaskFailure", {"taskToken": TOKEN, "error": "E", "cause": "C"}),
                       sfn("GetExecutionHistory", {"executionArn": ex + "Tokens:t"})],
        "members": [sfn("StartExecution", {"stateMachineArn": sm + "Flow", "name": "h", "input": "{}"}),
                    sfn("GetExecutionHistory", {"executionArn": ex + "Flow:h", "includeExecutionData": False,
                                                "maxResults": 2}),
                    sfn("GetExecutionHistory", {"executionArn": ex + "Flow:h", "nextToken": "sl1:2"}),
                    sfn("ListExecutions", {"stateMachineArn": sm + "Flow", "maxResults": "x"}),
                    sfn("ListExecutions", {"stateMachineArn": sm + "Flow", "maxResults": 5000}),
                    sfn("GetExecutionHistory", {"executionArn": ex + "Flow:h", "reverseOrder": "yes"}),
                    sfn("CreateStateMachine", {"name": "T", "definition": simple, "roleArn": "r", "tags": {}}),
                    sfn("DescribeExecution", {"executionArn": "arn:aws:states:us-east-1:%s:execution:" % acct +
                                              "x" * 2100})],
        "errors": [sfn("NoSuchAction"), req("POST", "/", [], "{}"), sfn("StartExecution", "not json"),
                   sfn("StartExecution", []), sfn("DescribeExecution", {"executionArn": 5}),
                   req("GET", "/nowhere")],
        "lambda": [req("GET", fn), req("GET", fn + "Hello"), req("GET", fn + "Hello/configuration"),
                   req("POST", fn + "Hello/invocations", [], {"a": 1}),
                   req("POST", fn + "Hello/invocations?Qualifier=%24LATEST",
                       [("X-Amz-Invocation-Type", "Event")], {"a": 2}),
                   req("POST", fn + "Hello/invocations", [("X-Amz-Invocation-Type", "DryRun")]),
                   req("POST", fn + "Hello/invocations", [("X-Amz-Log-Type", "Tail")], {"fail": 1}),
                   req("POST", fn + "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3AHello/invocations",
                       [], {"throttle": 1}),
                   req("POST", fn + "Hello/invocations", [], {"never": 1}),
                   req("GET", fn + "?MaxItems=1&Marker=1")],
        "concurrency": [req("PUT", "/2017-10-31/functions/Hello/concurrency", [],
                            {"ReservedConcurrentExecutions": 0}),
                        req("GET", "/2019-09-30/functions/Hello/concurrency"),
                        req("DELETE", "/2017-10-31/functions/Hello/concurrency"),
                        req("PUT", fn + "Hello/configuration", [], {"Timeout": 30, "MemorySize": 256,
                                                                     "Environment": {"Variables": {"A": "b"}}}),
                        req("DELETE", fn + "Slow"), req("GET", fn + "Slow")],
        "create": [req("POST", fn, [], {"FunctionName": "Up", "Runtime": "python3.12", "Handler": "app.handler",
                                        "Role": "arn:aws:iam::%s:role/R" % acct,
                                        "Code": {"ZipFile": base64.b64encode(zip_data).decode()}}),
                   req("PUT", fn + "Up/code", [], {"ZipFile": base64.b64encode(zip_data).decode()}),
                   req("POST", fn + "Up/invocations", [], {"k": "v"}),
                   req("POST", fn, [], {"FunctionName": "Bad", "Role": "r", "Code": {"ZipFile": "!!"}})],
    }
    for name, seq in seqs.items():
        put(out, "api", SEP.join(s.encode() for s in seq), name)


def seeds_rapi(out):
    api = "/2018-06-01/runtime"
    nxt = req("GET", api + "/invocation/next")
    seqs = {
        "happy": [nxt, "!dispatch id-1\n{\"k\":1}", req("POST", api + "/invocation/id-1/response", [], "{\"ok\":1}"),
                  nxt, "!dispatch id-2\n[]",
                  req("POST", api + "/invocation/id-2/error",
                      [("Lambda-Runtime-Function-Error-Type", "Runtime.HandlerError"),
                       ("Content-Type", "application/vnd.aws.lambda.error.cause+json")],
                      {"errorMessage": "m", "errorType": "T", "stackTrace": [], "errorCause": {}}),
                  nxt],
        "init-error": [req("POST", api + "/init/error", [("Lambda-Runtime-Function-Error-Type", "Runtime.ImportError")],
                           {"errorMessage": "no module"}), nxt, req("GET", "/2018-06-01/ping")],
        "auto": ["!auto", nxt, req("POST", api + "/invocation/auto-1/response", [], "x"), nxt,
                 req("POST", api + "/invocation/auto-2/response",
                     [("Lambda-Runtime-Function-Response-Mode", "streaming"),
                      ("Lambda-Runtime-Function-Error-Type", "Function.Oops"),
                      ("Lambda-Runtime-Function-Error-Body", base64.b64encode(b"{\"e\":1}").decode())], "partial"),
                 nxt, req("POST", api + "/invocation/auto-3/response",
                          [("Lambda-Runtime-Function-Response-Mode", "buffered")], "x")],
        "too-large": ["!big", req("POST", api + "/init/error", [], "{}"), nxt, "!dispatch big\n{}", "!big",
                      req("POST", api + "/invocation/big/response", [], "x"), nxt],
        "misuse": [req("POST", api + "/invocation/none/response", [], "x"), nxt, nxt, "!dispatch a\n{}",
                   nxt, req("POST", api + "/invocation/a/response", [], "1"),
                   req("POST", api + "/invocation/a/error", [], "2"), req("PUT", api + "/invocation/next"),
                   req("GET", "/ping"), req("DELETE", "/nowhere")],
    }
    for name, seq in seqs.items():
        put(out, "rapi", SEP.join(s.encode() for s in seq), name)


def main():
    out = sys.argv[1]
    warnings.simplefilter("ignore")  # zipfile warns of the duplicate name we want
    seeds_asl(out)
    seeds_paths(out)
    seeds_files(out)
    seeds_json(out)
    seeds_mock(out)
    seeds_export(out)
    zip_data = seeds_zips(out)
    seeds_api(out, zip_data)
    seeds_rapi(out)
    for t in sorted(os.listdir(out)):
        files = os.listdir(os.path.join(out, t))
        size = sum(os.path.getsize(os.path.join(out, t, f)) for f in files)
        print("%-10s %5d candidates, %7d bytes" % (t, len(files), size))


if __name__ == "__main__":
    main()
