"""tests/hostile/test_input.py - hostile input against the real binary: huge, deep and
cyclic definitions, odd inputs, YAML bombs and hostile zip packages.

Usage: python3 tests/hostile/test_input.py ./steplocal
Each input gets a clear error or AWS's result, within bounded memory (peak
RSS of the steplocal process, from wait4) and bounded time (generous hang
guards only).  Through `steplocal run`/`validate`/`invoke` and through one
`steplocal serve` with boto3 and raw HTTP.  Prints "N passed, N failed".

Covered elsewhere and only referenced: unreachable states, loops and the
25,000-event history limit as case files (tests/cases/validate/
unreachable-state.json, loop-with-unreachable-terminal.json, tests/cases/
history/history-limit-25000.json, express-has-no-history-limit.json),
States.DataLimitExceeded (tests/cases/io/data-limit-exceeded.json), JSON
nested too deep (tests/cases/validate/json-nesting-too-deep.json), zip
extraction rules one by one (tests/unit/test_pkg.c), a ../ entry end to end
(tests/cli/lambda.sh).
"""
import http.client
import io
import json
import os
import signal
import stat
import subprocess
import sys
import unittest
import zipfile

sys.dont_write_bytecode = True      # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

BIN = H.binary_arg()
TMP = H.temp_dir("sl-hostile-input-")
MARK = os.path.basename(TMP)
H.boto3_env(TMP)

KB = 1024
MAX_PAYLOAD = 262144

S = {}


def path(name):
    return os.path.join(TMP, name)


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path(name), mode) as f:
        f.write(data)
    return path(name)


# Runs a command and writes its own peak RSS (kB) and exit status to a file.
# A process forked from this test inherits its resident size into ru_maxrss
# (exec keeps the high-water mark), so the measuring parent is a fresh, small
# Python that forks steplocal.
MEASURE = r"""
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, st, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("%d %d" % (ru.ru_maxrss, os.waitstatus_to_exitcode(st)))
"""


def run(args, stdin=None, timeout=120):
    """Runs steplocal; returns (exit status, stdout, stderr, its peak RSS in kB)."""
    with open(path("out"), "wb") as out, open(path("err"), "wb") as err:
        p = subprocess.Popen([sys.executable, "-c", MEASURE, path("rusage"), BIN] + args, stdout=out,
                             stderr=err, cwd=TMP, start_new_session=True,
                             stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        try:
            p.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            # A hang guard: the test fails on the status.
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return -9, "", "killed after %d s" % timeout, 0
    with open(path("rusage")) as f:
        rss, rc = (int(x) for x in f.read().split())
    os.unlink(path("rusage"))
    with open(path("out"), "rb") as f:
        o = f.read().decode(errors="replace")
    with open(path("err"), "rb") as f:
        e = f.read().decode(errors="replace")
    return rc, o, e, rss


def chain(n, names=None):
    """A definition of n Pass states in a row."""
    names = names or ["S%d" % i for i in range(n)]
    states = {}
    for i, nm in enumerate(names):
        states[nm] = {"Type": "Pass", "End": True} if i == n - 1 else {"Type": "Pass", "Next": names[i + 1]}
    return {"StartAt": names[0], "States": states}


def nested(depth, kind):
    """Parallel in Parallel (or Map in Map) depth levels deep, with unique state names."""
    d = {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}
    for i in range(1, depth + 1):
        n = "%s%d" % (kind, i)
        s = {"Type": "Parallel", "Branches": [d], "End": True} if kind == "P" else \
            {"Type": "Map", "ItemProcessor": d, "End": True}
        d = {"StartAt": n, "States": {n: s}}
    return d


def dump(obj):
    # json.dumps recurses once per level: enough room for these definitions.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        return json.dumps(obj, separators=(",", ":"))
    finally:
        sys.setrecursionlimit(old)


PASS = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'
NESTING = "Document nesting depth (1001) exceeds the maximum allowed (1000, from " \
          "`StreamReadConstraints.getMaxNestingDepth()`)"
# Numbers at the edges of double precision, and what steplocal prints back:
# integers keep every digit, as AWS's Jackson keeps them (int, long or
# BigInteger); other numbers are IEEE doubles printed in the shortest of
# %.15g and %.17g that reads back exactly, and a number beyond the double
# range keeps its text.
NUMBERS_IN = '{"a":1e308,"b":-1e308,"c":5e-324,"d":9007199254740993,"e":1.7976931348623157e308,' \
             '"f":-0.0,"g":1e309,"h":12345678901234567890,"i":0.1,"j":2.2250738585072014e-308}'
NUMBERS_OUT = '{"a":1e+308,"b":-1e+308,"c":4.94065645841247e-324,"d":9007199254740993,' \
              '"e":1.7976931348623157e+308,"f":0,"g":1e309,"h":12345678901234567890,"i":0.1,' \
              '"j":2.2250738585072014e-308}'


def setUpModule():
    write("pass.asl.json", PASS)
    write("steplocal.yaml", """
functions:
  Echo: {runtime: python3.12, handler: app.handler, code: fn, environment: {HOSTILE_MARK: %s}}
state_machines:
  Pass: {definition: pass.asl.json}
""" % MARK)
    os.mkdir(path("fn"))
    write("fn/app.py", "def handler(event, context):\n    return event\n")
    S["server"] = H.Server(BIN, TMP, TMP)
    S["sfn"], S["lam"] = S["server"].clients()


def sfn():
    return S["sfn"]


def lam():
    return S["lam"]


def raw_sfn(target, body):
    """A raw AWS JSON 1.0 request (body: bytes); returns (status, parsed body)."""
    c = http.client.HTTPConnection("127.0.0.1", S["server"].port, timeout=60)
    c.request("POST", "/", body=body, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + target})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data or b"{}")


def wait_done(arn, timeout=60):
    return H.wait_until(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
        sfn().describe_execution(executionArn=arn)), timeout)


def create(name, definition):
    return sfn().create_state_machine(name=name, definition=definition, roleArn=H.ROLE)["stateMachineArn"]


class A_Definitions(unittest.TestCase):
    def test_10000_states_load_and_run(self):
        write("chain.asl.json", dump(chain(10000)))
        rc, out, err, _ = run(["run", "--definition", "chain.asl.json", "--json", "--input", '{"x": 1}'])
        self.assertEqual(rc, 0, err[-2000:])
        j = json.loads(out)
        self.assertEqual((j["status"], j["output"]), ("SUCCEEDED", {"x": 1}))
        # Through the API (437 KB, under the 1 MB quota), with its history.
        arn = create("Chain", dump(chain(10000)))
        x = sfn().start_execution(stateMachineArn=arn, input='{"y": 2}')["executionArn"]
        d = wait_done(x)
        self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", {"y": 2}))
        n = 0
        for page in sfn().get_paginator("get_execution_history").paginate(executionArn=x):
            n += len(page["events"])
        self.assertEqual(n, 2 + 2 * 10000)

    def test_200000_states_in_a_row(self):
        # 8.6 MB, beyond AWS's quota (lifted by --max-definition 0), names
        # in reverse order: the loader neither recursed
        # along the chain (a stack overflow) nor sorted the names in
        # quadratic time (minutes) - regressions.
        n = 200000
        names = ["S%06d" % (n - 1 - i) for i in range(n)]
        write("long.asl.json", dump(chain(n, names)))
        rc, out, err, rss = run(["validate", "long.asl.json", "--max-definition", "0"], timeout=60)
        self.assertEqual((rc, json.loads(out)["result"]), (0, "OK"), err[-2000:])
        self.assertLess(rss, 1024 * KB, "peak RSS %d kB" % rss)

    def test_1000_levels_of_nesting(self):
        # 1,000 Parallel (or Map) levels are some 4,000 levels of JSON: refused
        # at parse time with Jackson's words, by the CLI and the API alike.
        for kind in ("P", "M"):
            write("deep.asl.json", dump(nested(1000, kind)))
            rc, out, err, _ = run(["validate", "deep.asl.json"])
            self.assertEqual(rc, 2, err)
            diag = json.loads(out)["diagnostics"]
            self.assertEqual(len(diag), 1)
            self.assertEqual(diag[0]["code"], "INVALID_JSON_DESCRIPTION")
            self.assertTrue(diag[0]["message"].startswith(NESTING + "\n at [Source: (String)\""), diag[0])
            with self.assertRaises(sfn().exceptions.InvalidDefinition) as cm:
                create("Deep" + kind, dump(nested(1000, kind)))
            self.assertIn(NESTING, str(cm.exception))
        # 240 levels fit in the JSON limit and in the loader's (a quarter
        # of it): they run.
        write("deep240.asl.json", dump(nested(240, "P")))
        rc, out, err, _ = run(["run", "--definition", "deep240.asl.json", "--json", "--input", "[7]"])
        self.assertEqual(rc, 0, err[-2000:])
        o = json.loads(out)["output"]
        for _ in range(240):
            self.assertIsInstance(o, list)
            o = o[0]
        self.assertEqual(o, [7])
        # 250 Map levels fit in JSON but not in the loader: a schema error
        # at the innermost state too deep, not a crash.
        write("deep250.asl.json", dump(nested(250, "M")))
        rc, out, err, _ = run(["validate", "deep250.asl.json"])
        self.assertEqual(rc, 2, err)
        diag = json.loads(out)["diagnostics"]
        self.assertEqual([(d["code"], d["message"]) for d in diag],
                         [("SCHEMA_VALIDATION_FAILED", "The definition is nested too deeply")])

    def test_cycles(self):
        # A loop that ends through a Choice, 100 times round.
        loop = {"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.n", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 100,
                                                  "Next": "Done"}], "Default": "Inc"},
            "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "C"},
            "Done": {"Type": "Succeed"}}}
        write("loop.asl.json", dump(loop))
        rc, out, err, _ = run(["run", "--definition", "loop.asl.json", "--json"])
        self.assertEqual((rc, json.loads(out)["output"]), (0, {"n": 100}), err[-2000:])
        # One that never ends: AWS's history limit ends a STANDARD one.
        loop["States"]["C"]["Choices"][0]["Variable"] = "$.stop"
        loop["States"]["C"]["Choices"][0]["IsPresent"] = True
        del loop["States"]["C"]["Choices"][0]["NumericGreaterThanEquals"]
        write("forever.asl.json", dump(loop))
        rc, out, err, rss = run(["run", "--definition", "forever.asl.json", "--json"])
        j = json.loads(out)
        self.assertEqual((rc, j["status"], j["error"], j["cause"]),
                         (1, "FAILED", "States.Runtime",
                          "The execution reached the maximum number of history events (25000)."))

    def test_unreachable_state(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True},
                                        "B": {"Type": "Pass", "End": True}}}
        write("unreachable.asl.json", dump(d))
        rc, out, err, _ = run(["validate", "unreachable.asl.json"])
        self.assertEqual(rc, 2)
        self.assertEqual([(x["code"], x["message"], x["location"]) for x in json.loads(out)["diagnostics"]],
                         [("MISSING_TRANSITION_TARGET", 'State "B" is not reachable.', "/States/B")])

    def test_definition_over_1_mb(self):
        # AWS's quota: CreateStateMachine refuses a definition over 1 MB.
        big = dump(chain(30000))
        self.assertGreater(len(big), 1024 * KB)
        with self.assertRaises(sfn().exceptions.ClientError) as cm:
            create("TooBig", big)
        self.assertIn("1048576", str(cm.exception))
        # A file: validate and run say so, unless --max-definition lifts it.
        write("big.asl.json", big)
        want = "steplocal: big.asl.json: the definition is %d bytes; AWS accepts at most 1048576 " \
               "(InvalidDefinition; --max-definition lifts the limit)\n" % len(big)
        for cmd in (["validate", "big.asl.json"], ["run", "--definition", "big.asl.json"]):
            rc, out, err, _ = run(cmd)
            self.assertEqual((rc, out, err), (2, "", want), cmd)
        rc, out, err, _ = run(["run", "--definition", "big.asl.json", "--max-definition", "0", "--json"])
        j = json.loads(out)      # 30,000 states in a row end at the history limit
        self.assertEqual((rc, j["status"], j["error"]), (1, "FAILED", "States.Runtime"), err)
        rc, out, err, _ = run(["validate", "big.asl.json", "--max-definition", str(len(big))])
        self.assertEqual((rc, json.loads(out)["result"]), (0, "OK"), err)

    def test_definition_not_utf8(self):
        bad = b'{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"\xff","End":true}}}'
        write("notutf8.asl.json", bad)
        rc, out, err, _ = run(["validate", "notutf8.asl.json"])
        self.assertEqual(rc, 2)
        diag = json.loads(out)["diagnostics"]      # the diagnostics are UTF-8 themselves
        self.assertEqual(diag[0]["code"], "INVALID_JSON_DESCRIPTION")
        self.assertTrue(diag[0]["message"].startswith("Invalid UTF-8 start byte 0xff\n at [Source: "), diag)


class B_Inputs(unittest.TestCase):
    def test_100_levels_of_nesting(self):
        doc = "[" * 50 + '{"a":' * 50 + "1" + "}" * 50 + "]" * 50
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--json", "--input", doc])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["output"], json.loads(doc))
        # Beyond 1,000 levels: refused, not a crash.
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input", "[" * 1001 + "]" * 1001])
        self.assertEqual(rc, 2)
        self.assertIn("the input is not valid JSON (at byte 1000) (InvalidExecutionInput)", err)

    def test_invalid_utf8(self):
        write("bad.json", b'{"a":"\xff\xfe"}')
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input-file", "bad.json"])
        self.assertEqual(rc, 2)
        self.assertIn("the input is not valid JSON (at byte 6) (InvalidExecutionInput)", err)
        for seq in (b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"):   # overlong, surrogate,
            write("bad.json", b'"' + seq + b'"')                                     # > U+10FFFF, cut short
            rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input-file", "bad.json"])
            self.assertEqual(rc, 2, seq)
        write("good.json", '{"a":"\u00e9\u20ac\U0001F600"}'.encode())
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input-file", "good.json", "--json"])
        self.assertEqual((rc, json.loads(out)["output"]), (0, {"a": "\u00e9\u20ac\U0001F600"}))
        # Through the API: the request body is not JSON (RFC 8259: UTF-8).
        arn = sfn().describe_state_machine(stateMachineArn=H.SM + "Pass")["stateMachineArn"]
        body = b'{"stateMachineArn":"' + arn.encode() + b'","input":"{\\"a\\":\\"\xff\\"}"}'
        status, j = raw_sfn("StartExecution", body)
        self.assertEqual(status, 400)
        self.assertEqual(j["__type"].split("#")[-1], "SerializationException")

    def test_numbers_at_the_edges(self):
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input", NUMBERS_IN])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.dumps(json.loads(out), separators=(",", ":")),
                         json.dumps(json.loads(NUMBERS_OUT), separators=(",", ":")))
        x = sfn().start_execution(stateMachineArn=H.SM + "Pass", input=NUMBERS_IN)["executionArn"]
        d = wait_done(x)
        self.assertEqual(d["output"], NUMBERS_OUT)
        self.assertEqual(d["input"], NUMBERS_IN)     # the input is kept as it was sent

    def test_read_as_jackson_reads(self):
        # A key given twice keeps its place and its last value; integers
        # keep their digits through a Lambda function and back.
        x = sfn().start_execution(stateMachineArn=H.SM + "Pass", input='{"a":1,"b":2,"a":3}')["executionArn"]
        self.assertEqual(wait_done(x)["output"], '{"a":3,"b":2}')
        arn = create("EchoTask", json.dumps({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Echo",
            "ResultSelector": {"id.$": "$.id", "ids.$": "$.ids[1]", "n.$": "States.ArrayLength($.ids)"},
            "End": True}}}))
        big = '{"id":12345678901234567890123,"ids":[1,9007199254740993],"id":18446744073709551617}'
        d = wait_done(sfn().start_execution(stateMachineArn=arn, input=big)["executionArn"])
        self.assertEqual(d["output"], '{"id":18446744073709551617,"ids":9007199254740993,"n":2}', d)
        # What Jackson refuses: leading zeros, "1.", raw control characters
        # in strings, control characters between tokens.
        for bad in ('{"a":01}', '{"a":1.}', '{"a":"x\ty"}', '{"a":1,\u0001"b":2}', '[-]'):
            with self.assertRaises(sfn().exceptions.InvalidExecutionInput, msg=bad):
                sfn().start_execution(stateMachineArn=H.SM + "Pass", input=bad)
            rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input", bad])
            self.assertEqual(rc, 2, bad)
            self.assertIn("the input is not valid JSON (at byte", err)

    def test_256_kib_and_one_byte(self):
        exact = '{"s":"' + "x" * (MAX_PAYLOAD - 8) + '"}'
        self.assertEqual(len(exact), MAX_PAYLOAD)
        write("exact.json", exact)
        write("over.json", exact[:-2] + 'x"}')
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input-file", "exact.json", "--quiet"])
        self.assertEqual(rc, 0, err)
        rc, out, err, _ = run(["run", "--definition", "pass.asl.json", "--input-file", "over.json"])
        self.assertEqual(rc, 2)
        self.assertIn("the input is 262145 bytes; AWS accepts at most 262144 (InvalidExecutionInput", err)
        x = sfn().start_execution(stateMachineArn=H.SM + "Pass", input=exact)["executionArn"]
        self.assertEqual(wait_done(x)["status"], "SUCCEEDED")
        with self.assertRaises(sfn().exceptions.ClientError) as cm:
            sfn().start_execution(stateMachineArn=H.SM + "Pass", input=exact[:-2] + 'x"}')
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("262144", str(cm.exception))

    def test_map_over_a_million_items(self):
        # Beyond AWS's payload quota (--max-payload 0) and without history
        # (EXPRESS): each item costs a small record, never a thread.
        write("million.json", json.dumps({"items": list(range(1000000))}))
        write("map.asl.json", dump({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
            "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            "ResultSelector": {"n.$": "States.ArrayLength($)", "last.$": "$[999999]"}, "End": True}}}))
        rc, out, err, rss = run(["run", "--definition", "map.asl.json", "--input-file", "million.json",
                                 "--max-payload", "0", "--type", "EXPRESS", "--json"], timeout=120)
        self.assertEqual(rc, 0, err[-2000:])
        self.assertEqual(json.loads(out)["output"], {"n": 1000000, "last": 999999})
        self.assertLess(rss, 1024 * KB, "peak RSS %d kB" % rss)
        S["map_rss_kb"] = rss
        # Within AWS's quota the input is refused before anything runs.
        rc, out, err, _ = run(["run", "--definition", "map.asl.json", "--input-file", "million.json"])
        self.assertEqual(rc, 2)
        self.assertIn("AWS accepts at most 262144", err)


BOMB = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + \
       ["a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 10)) for i in range(1, 10)]


class C_Yaml(unittest.TestCase):
    def test_anchors_aliases_merge_keys_and_tags(self):
        write("anchors.yaml", """
x-common: &common
  runtime: python3.12
  handler: app.handler
  code: fn
x-def: &def
  StartAt: A
  States:
    A: {Type: Pass, Result: !!str 42, End: true}
functions:
  F1:
    <<: *common
    environment: &env {AA: "1", BB: !!str two}
  F2: {<<: *common, environment: *env, timeout: !!int "5"}
state_machines:
  M: {definition: *def}
""")
        rc, out, err, _ = run(["run", "M", "-f", "anchors.yaml", "--json"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["output"], "42")

    def test_unknown_tags(self):
        write("tags.yaml", "functions:\n  F: {runtime: !!python/object:os.system python3.12, handler: a.b, code: fn}\n")
        rc, out, err, _ = run(["run", "M", "-f", "tags.yaml"])
        self.assertEqual(rc, 2)
        self.assertIn("tags.yaml:2:16: the tag !!python/object:os.system is not supported", err)

    def test_alias_bombs(self):
        # A billion laughs: 10^9 nodes once expanded, refused at 100,000.
        write("bomb.yaml", "\n".join(BOMB) + """
functions: {}
state_machines:
  M:
    definition:
      StartAt: A
      States: {A: {Type: Pass, Result: *a9, End: true}}
""")
        rc, out, err, rss = run(["run", "M", "-f", "bomb.yaml"], timeout=30)
        self.assertEqual(rc, 2)
        self.assertRegex(err, r"bomb\.yaml:\d+:\d+: the document has more than 100000 nodes once its "
                              r"aliases are expanded \(an alias bomb\?\)")
        self.assertLess(rss, 100 * KB)
        # The same in a SAM template.
        write("template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n" +
              "\n".join("  " + line for line in BOMB) + """
Resources:
  M:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: A
        States: {A: {Type: Pass, Result: *a9, End: true}}
""")
        rc, out, err, rss = run(["run", "M", "-f", "template.yaml"], timeout=30)
        self.assertEqual(rc, 2)
        self.assertIn("the template has more than 100000 nodes once its aliases are expanded (an alias bomb?)", err)
        self.assertEqual(len(err.splitlines()), 1, err)     # and nothing else about Definition
        self.assertLess(rss, 100 * KB)
        # An alias inside the node it names, and nesting past the limit.
        write("self.yaml", "functions: &f {F: *f}\n")
        rc, out, err, _ = run(["run", "M", "-f", "self.yaml"])
        self.assertEqual(rc, 2)
        self.assertIn("self.yaml:1:", err)
        write("deep.yaml", "functions: " + "[" * 2000 + "]" * 2000 + "\n")
        rc, out, err, _ = run(["run", "M", "-f", "deep.yaml"])
        self.assertEqual(rc, 2)
        self.assertIn("the document nests more than 1000 levels deep", err)


def zip_bytes(entries):
    """entries: (name, data, unix mode or None, compress)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, mode, compress in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            if mode is not None:
                info.external_attr = mode << 16
            z.writestr(info, data)
    return buf.getvalue()


HANDLER = ("app.py", "def handler(event, context):\n    return event\n", 0o100644, True)
TARGET = os.path.join(TMP, "escaped.txt")
ZIPS = {
    "parent": ([HANDLER, ("../escaped.txt", "x", None, True)], "'../escaped.txt' escapes the package folder"),
    "absolute": ([HANDLER, (TARGET, "x", None, True)], "is an absolute path"),
    "symlink": ([HANDLER, ("link", "/etc/passwd", stat.S_IFLNK | 0o777, False)], "'link' is a symbolic link"),
    "bomb": ([HANDLER, ("zeros.bin", b"\0" * (64 << 20), 0o100644, True)], "over the 500:1 compression ratio limit (a zip bomb?)"),
}


class D_Zips(unittest.TestCase):
    def test_hostile_zips_through_the_project(self):
        for name, (entries, why) in sorted(ZIPS.items()):
            data = zip_bytes(entries)
            if name == "bomb":
                self.assertGreater((64 << 20) / len(data), 500)     # well over the ratio limit
            write(name + ".zip", data)
            write(name + ".yaml", "functions:\n  Z: {runtime: python3.12, handler: app.handler, "
                  "code: %s.zip, environment: {HOSTILE_MARK: %s}}\n" % (name, MARK))
            rc, out, err, rss = run(["invoke", "Z", "-", "-f", name + ".yaml"], stdin=b"{}", timeout=60)
            self.assertEqual(rc, 2, "%s: %s" % (name, err))
            self.assertIn(why, err, name)
            self.assertLess(rss, 200 * KB, name)
        self.assertFalse(os.path.exists(TARGET))

    def test_hostile_zips_through_the_api(self):
        for name, (entries, why) in sorted(ZIPS.items()):
            with self.assertRaises(lam().exceptions.ClientError) as cm:
                lam().create_function(FunctionName="Zip" + name, Runtime="python3.12", Role=H.ROLE,
                                      Handler="app.handler", Code={"ZipFile": zip_bytes(entries)})
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidZipFileException", name)
            self.assertIn(why, str(cm.exception), name)
        self.assertFalse(os.path.exists(TARGET))
        # And a good one still works.
        lam().create_function(FunctionName="ZipOk", Runtime="python3.12", Role=H.ROLE, Handler="app.handler",
                              Code={"ZipFile": zip_bytes([HANDLER])},
                              Environment={"Variables": {"HOSTILE_MARK": MARK}})
        lam().get_waiter("function_active_v2").wait(FunctionName="ZipOk")
        r = lam().invoke(FunctionName="ZipOk", Payload=b'{"ok": 1}')
        self.assertEqual(json.loads(r["Payload"].read()), {"ok": 1})

    def test_big_code_uploads(self):
        # A 40 MB zip (a 53 MB request) is within AWS's 50 MB direct upload.
        data = os.urandom(40 << 20)
        lam().create_function(FunctionName="ZipBig", Runtime="python3.12", Role=H.ROLE, Handler="app.handler",
                              Code={"ZipFile": zip_bytes([HANDLER, ("blob.bin", data, 0o100644, False)])},
                              Environment={"Variables": {"HOSTILE_MARK": MARK}})
        lam().get_waiter("function_active_v2").wait(FunctionName="ZipBig")
        r = lam().invoke(FunctionName="ZipBig", Payload=b'{"big": 1}')
        self.assertEqual(json.loads(r["Payload"].read()), {"big": 1})
        del data
        # A request over 69,905,067 bytes: AWS's 413, as JSON.
        for method, url, op in (("POST", "/2015-03-31/functions", "CreateFunction"),
                                ("PUT", "/2015-03-31/functions/ZipBig/code", "UpdateFunctionCode")):
            c = http.client.HTTPConnection("127.0.0.1", S["server"].port, timeout=60)
            c.request(method, url, body=b" " * 69905068, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            body = json.loads(r.read())
            c.close()
            self.assertEqual((r.status, r.getheader("x-amzn-ErrorType"), body["message"] if "message" in body
                              else body.get("Message")),
                             (413, "RequestEntityTooLargeException",
                              "Request must be smaller than 69905067 bytes for the %s operation" % op))


def report():
    if "map_rss_kb" in S:
        print("Map over 1,000,000 items: peak RSS %d MB" % (S["map_rss_kb"] // 1024))


def main():
    return H.run_suite(sys.modules[__name__], S, MARK, TMP, extra=report)


if __name__ == "__main__":
    sys.exit(main())
