#!/usr/bin/env bash
# tests/cli/lambda.sh - end to end: state machines calling real local Lambda
# functions (tests/e2e), with AWS's errors, causes and events; faults;
# throttling at the cap; `invoke`; and no process left behind.
# Usage: tests/cli/lambda.sh ./steplocal      Prints "N passed, N failed".
set -u
BIN=$(cd "$(dirname "${1:-./steplocal}")" && pwd)/$(basename "${1:-./steplocal}")
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
P="$TOP/tests/e2e"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 failed=0

ok()  { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -30; }
expect() {
	local name=$1 want=$2 rc
	shift 2
	timeout 120 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, wanted $want" "$(tail -20 "$T/err")"; fi
}
jcheck() {
	if python3 -c "import json,sys; j=json.load(open('$T/out')); sys.exit(0 if ($2) else 1)" 2>"$T/pyerr"; then
		ok
	else
		bad "$1" "$(head -c 3000 "$T/out"; cat "$T/pyerr")"
	fi
}
grepcheck() { if grep -q -- "$3" "$2"; then ok; else bad "$1: no '$3'" "$(head -40 "$2")"; fi; }
# No function process may outlive a run: our bootstraps and packages.
no_strays() {
	sleep 0.2
	# Only this checkout's processes: another checkout's tests may run at once.
	if pgrep -f "$TOP/runtime/(python|node)/bootstrap|$TOP/tests/e2e/fns" >"$T/strays"; then
		bad "$1: processes left behind" "$(ps -o pid,args -p $(tr '\n' ' ' <"$T/strays"))"
	else
		ok
	fi
}
# run MACHINE ...: a command (not a shell function) so that `timeout` can run it.
printf '#!/bin/sh\nexec "%s" run "$@" -f "%s"\n' "$BIN" "$P" >"$T/run"
chmod +x "$T/run"
run="$T/run"
types() { echo '[e["type"] for e in j["events"]]'; }

# --- a function error: errorType as the error, the raw payload as the cause
expect "function error" 1 "$run" Errors --json --history --input '{"why":"bad input"}'
jcheck "function error name" 'j["status"] == "FAILED" and j["error"] == "CustomError"'
jcheck "function error cause" 'json.loads(j["cause"])["errorMessage"] == "boom: bad input" and json.loads(j["cause"])["errorType"] == "CustomError" and "stackTrace" in json.loads(j["cause"])'
jcheck "function error events" "$(types) == ['ExecutionStarted','TaskStateEntered','LambdaFunctionScheduled','LambdaFunctionStarted','LambdaFunctionFailed','ExecutionFailed']"
jcheck "LambdaFunctionScheduled details" 'j["events"][2]["lambdaFunctionScheduledEventDetails"]["resource"] == "arn:aws:lambda:us-east-1:123456789012:function:Boom" and j["events"][2]["lambdaFunctionScheduledEventDetails"]["input"] == "{\"why\":\"bad input\"}"'
no_strays "function error"

# --- lambda:invoke: AWS's result shape and Task events
expect "lambda:invoke" 0 "$run" Invoke --json --history --input '{"name":"ada"}'
jcheck "invoke payload" 'j["output"]["Payload"] == {"hello": "ada"} and j["output"]["StatusCode"] == 200 and j["output"]["ExecutedVersion"] == "$LATEST"'
jcheck "invoke sdk metadata" 'j["output"]["SdkHttpMetadata"]["HttpStatusCode"] == 200 and j["output"]["SdkResponseMetadata"]["RequestId"] == j["output"]["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]'
jcheck "invoke events" "$(types) == ['ExecutionStarted','TaskStateEntered','TaskScheduled','TaskStarted','TaskSucceeded','TaskStateExited','ExecutionSucceeded']"
jcheck "TaskScheduled details" 'j["events"][2]["taskScheduledEventDetails"]["resourceType"] == "lambda" and j["events"][2]["taskScheduledEventDetails"]["resource"] == "invoke" and json.loads(j["events"][2]["taskScheduledEventDetails"]["parameters"]) == {"FunctionName": "Echo", "Payload": {"hello": "ada"}}'
expect "lambda:invoke error" 1 "$run" InvokeError --json
jcheck "invoke error compact cause" 'j["error"] == "CustomError" and j["cause"].startswith("{\"errorMessage\":\"boom: bad input\",\"errorType\":\"CustomError\"")'

# --- the function's own timeout: Sandbox.Timedout, process group killed
expect "function timeout" 1 "$run" Timeout --json --input '{"seconds": 30}'
jcheck "timeout error" 'j["error"] == "Sandbox.Timedout" and json.loads(j["cause"])["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")'
no_strays "function timeout"

# --- throttling exactly at the reserved concurrency of 1
expect "throttling" 0 "$run" Throttle --json --input '{"items":[{"seconds":0.5},{"seconds":0.5},{"seconds":0.5}]}'
jcheck "one call ran, two throttled" 'sorted(json.dumps(x) for x in j["output"]) == sorted([json.dumps({"slept": 0.5}), json.dumps("throttled"), json.dumps("throttled")])'

# --- faults: injected before the function is reached, retried, visible in history and logs
expect "faults" 0 "$run" Faulty --json --history --wait-scale 0.001 --input '{"x":1}'
jcheck "faults then success" 'j["output"] == {"x": 1}'
jcheck "faults in history" '[e["lambdaFunctionFailedEventDetails"]["error"] for e in j["events"] if e["type"] == "LambdaFunctionFailed"] == ["Lambda.ServiceException", "Lambda.TooManyRequestsException"]'
jcheck "fault cause" 'any("Error Code: ServiceException" in e["lambdaFunctionFailedEventDetails"]["cause"] for e in j["events"] if e["type"] == "LambdaFunctionFailed")'
grepcheck "faults in logs" "$T/err" "injected Lambda.ServiceException before the call reached Flaky"

# --- retries at the definition's intervals, scaled: IntervalSeconds 2 and
# BackoffRate 2 with --wait-scale 0.05 wait at least 0.1 s, then 0.2 s
# (lower bounds only: a slow machine only makes the gaps longer)
expect "scaled retry waits" 0 "$run" Faulty --json --history --wait-scale 0.05 --input '{"x":1}'
jcheck "three attempts" 'sum(e["type"] == "LambdaFunctionScheduled" for e in j["events"]) == 3'
jcheck "gaps follow the backoff" '(lambda ts: [round(b - a, 3) >= w for (a, b), w in zip(ts, (0.099, 0.199))] == [True, True])([(__import__("datetime").datetime.fromisoformat(j["events"][i]["timestamp"].replace("Z", "+00:00")).timestamp(), __import__("datetime").datetime.fromisoformat(j["events"][i + 1]["timestamp"].replace("Z", "+00:00")).timestamp()) for i in range(len(j["events"]) - 1) if j["events"][i]["type"] == "LambdaFunctionFailed" and j["events"][i + 1]["type"] == "LambdaFunctionScheduled"])'

# --- a function the project does not define
expect "unknown function" 1 "$run" Unknown --json
jcheck "unknown function error" 'j["error"] == "Lambda.ResourceNotFoundException" and "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope" in j["cause"]'

# --- SIGTERM (or Ctrl-C) stops the execution and ends every function process
"$BIN" run Slow -f "$P" --json --input '{"seconds": 30}' >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 50); do grep -q "START RequestId" "$T/err" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 1 ]; then ok; else bad "SIGTERM exit $rc, wanted 1" "$(tail "$T/err")"; fi
jcheck "SIGTERM aborts" 'j["status"] == "ABORTED"'
no_strays "SIGTERM"

# --- a SAM template as `sam init` writes it, unchanged: its functions run,
# its DynamoDB step (not emulated) is answered by a mocked response
for lang in python node provided; do
	cat >"$T/stock-mocks.json" <<'JSON'
{"StateMachines": {"StockTradingStateMachine": {"TestCases": {"Record": {"Record Transaction": "Put"}}}},
 "MockedResponses": {"Put": {"0": {"Return": {"SdkHttpMetadata": {"HttpStatusCode": 200}}}}}}
JSON
	expect "sam stock trader ($lang)" 0 "$BIN" run StockTradingStateMachine -f "$TOP/tests/sam/stock-$lang" --json --history \
		--mock-config "$T/stock-mocks.json" --test-case Record
	jcheck "sam stock trader ($lang) ran its functions" '[e["type"] for e in j["events"]].count("TaskSucceeded") == 3 and j["status"] == "SUCCEEDED"'
	grepcheck "sam notice ($lang)" "$T/err" "not emulated: TransactionTable (AWS::Serverless::SimpleTable)"
done
no_strays "sam"

# --- a steplocal.yaml that runs a SAM template with faults on top
mkdir -p "$T/tf"
cat >"$T/tf/steplocal.yaml" <<YAML
template: $TOP/tests/sam/stock-python/template.yaml
faults:
  - function: StockCheckerFunction      # a logical id of the template
    error: Lambda.ServiceException
    times: 1
YAML
expect "template: with faults" 1 "$BIN" run StockTradingStateMachine -f "$T/tf" --json --quiet
jcheck "template: fault raised" 'j["error"] == "Lambda.ServiceException" and "Error Code: ServiceException" in j["cause"]'
cat >"$T/tf/bad.yaml" <<YAML
template: $TOP/tests/sam/stock-python/template.yaml
faults:
  - {function: NoSuchFunction, error: Lambda.ServiceException, times: 1}
YAML
expect "template: fault on an unknown function" 2 "$BIN" run StockTradingStateMachine -f "$T/tf/bad.yaml"
grepcheck "template: unknown fault function named" "$T/err" 'has no function "NoSuchFunction"'
cat >"$T/tf/both.yaml" <<YAML
template: $TOP/tests/sam/stock-python/template.yaml
functions:
  X: {runtime: python3.12, handler: app.h, code: .}
YAML
expect "template: with functions refused" 2 "$BIN" run StockTradingStateMachine -f "$T/tf/both.yaml"
grepcheck "template: with functions message" "$T/err" "both.yaml:2:1: functions: comes from the template"

# --- run --watch: an edited handler is used by the next run, with no restart
mkdir -p "$T/w/fn"
printf 'def handler(event, context):\n    return {"version": 1}\n' >"$T/w/fn/app.py"
cat >"$T/w/steplocal.yaml" <<'YAML'
functions:
  F: {runtime: python3.12, handler: app.handler, code: fn}
state_machines:
  M:
    definition:
      StartAt: Call
      States:
        Call: {Type: Task, Resource: "arn:aws:lambda:us-east-1:123456789012:function:F", End: true}
YAML
"$BIN" run M -f "$T/w" --watch --quiet >"$T/wout" 2>"$T/werr" &
pid=$!
for _ in $(seq 100); do grep -q "watching" "$T/werr" && break; sleep 0.1; done
sed -i 's/"version": 1/"version": 2/' "$T/w/fn/app.py"
for _ in $(seq 100); do [ "$(grep -c version "$T/wout")" -ge 2 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid" 2>/dev/null
if [ "$(tr -d ' \n' <"$T/wout")" = '{"version":1}{"version":2}' ]; then ok; else bad "--watch reruns with the edit" "$(cat "$T/wout" "$T/werr")"; fi
no_strays "--watch"

# --- invoke: result on stdout, logs with START/END/REPORT on stderr
echo '{"a": [1, 2]}' >"$T/event.json"
expect "invoke echo" 0 "$BIN" invoke Echo --event "$T/event.json" -f "$P"
jcheck "invoke result" 'j == {"a": [1, 2]}'
grepcheck "invoke START" "$T/err" "START RequestId: "
grepcheck "invoke REPORT" "$T/err" "REPORT RequestId: .*Duration: .* ms.*Billed Duration: .*Memory Size: 128 MB"
expect "invoke from stdin" 0 sh -c "echo '{\"b\":2}' | '$BIN' invoke Echo - -f '$P'"
jcheck "invoke stdin result" 'j == {"b": 2}'
expect "invoke env" 0 "$BIN" invoke Env -f "$P"
jcheck "function environment" 'j["greeting"] == "hello" and "AWS_LAMBDA_FUNCTION_NAME" in j["keys"] and "SL_E2E_SECRET" not in j["keys"] and j["remaining_ok"]'
expect "invoke error exits 1" 1 "$BIN" invoke Boom -f "$P"
jcheck "invoke error payload" 'j["errorType"] == "CustomError"'
expect "invoke crash" 1 "$BIN" invoke Crash -f "$P"
jcheck "crash payload" 'j["errorType"] == "Runtime.ExitError" and j["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")'
expect "invoke oom" 1 "$BIN" invoke Hog -f "$P"
jcheck "oom payload" 'j["errorType"] == "Runtime.OutOfMemory"'
expect "invoke huge response" 1 "$BIN" invoke Huge -f "$P"
jcheck "huge payload" 'j["errorType"] == "Function.ResponseSizeTooLarge"'
expect "invoke unknown" 2 "$BIN" invoke Nope -f "$P"
grepcheck "invoke unknown named" "$T/err" "no function called Nope"
no_strays "invokes"

# --- layers (tests/sam/layers): the layers' python, nodejs/node_modules and
# bin folders are searched where AWS has /opt's, a later layer's files first;
# a published layer is named once as not emulated and the function runs on
L="$TOP/tests/sam/layers/template.yaml"
expect "python layers" 0 sh -c "echo '{\"name\":\"ada\"}' | '$BIN' invoke PyGreeter - -f '$L'"
jcheck "python layers: the later layer wins, both are searched, bin on PATH" \
	'j == {"greeting": "hello ada from the newer layer", "shared": "shared", "tool": True}'
grepcheck "published layer named" "$T/err" "not emulated: PyGreeter's layer arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:46 (not downloaded)"
expect "node layers" 0 sh -c "echo '{\"name\":\"ada\"}' | '$BIN' invoke NodeGreeter - -f '$L'"
jcheck "node layer module" 'j == {"greeting": "hello ada from the shared layer"}'

# --- a .zip package: extracted once by content, refused when an entry escapes
mkdir -p "$T/zp"
python3 - "$T" "$P" <<'PY'
import sys, zipfile, os
t, p = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(os.path.join(t, "fns.zip"), "w") as z:
    z.write(os.path.join(p, "fns", "app.py"), "app.py")
with zipfile.ZipFile(os.path.join(t, "evil.zip"), "w") as z:
    z.writestr("../evil.py", "print('escaped')\n")
PY
cat >"$T/zp/steplocal.yaml" <<YAML
functions:
  Zipped:
    runtime: python3.12
    handler: app.echo
    code: ../fns.zip
YAML
cat >"$T/zp/evil.yaml" <<YAML
functions:
  Evil:
    runtime: python3.12
    handler: app.echo
    code: ../evil.zip
YAML
echo '{"z": 1}' >"$T/z.json"
expect "zip package" 0 env XDG_CACHE_HOME="$T/cache" "$BIN" invoke Zipped --event "$T/z.json" -f "$T/zp"
jcheck "zip package result" 'j == {"z": 1}'
expect "zip package again" 0 env XDG_CACHE_HOME="$T/cache" "$BIN" invoke Zipped --event "$T/z.json" -f "$T/zp"
if [ "$(ls "$T/cache/steplocal/packages" | grep -vc '^\.')" = 1 ]; then ok; else bad "zip extracted once" "$(ls -la "$T/cache/steplocal/packages")"; fi
expect "zip escaping entry" 2 env XDG_CACHE_HOME="$T/cache" "$BIN" invoke Evil -f "$T/zp/evil.yaml"
grepcheck "zip escaping entry named" "$T/err" "../evil.py"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
