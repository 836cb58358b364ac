#!/usr/bin/env bash
# tests/cli/run.sh - black-box tests of the steplocal binary: exit codes,
# output shapes and error messages of `run` and `validate`.
# Usage: tests/cli/run.sh ./steplocal     Prints "N passed, N failed".
set -u
BIN=${1:-./steplocal}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 failed=0

ok()   { pass=$((pass + 1)); }
bad()  { failed=$((failed + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -20; }

# expect NAME WANT_RC CMD... : runs CMD (bounded in time), checks its exit status.
# Leaves stdout in $T/out and stderr in $T/err.
expect() {
	local name=$1 want=$2 rc
	shift 2
	timeout 60 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, wanted $want" "$(cat "$T/err")"; fi
}
# jcheck NAME PYEXPR : evaluates a Python expression over j = json of $T/out.
jcheck() {
	if python3 -c "import json,sys; j=json.load(open('$T/out')); sys.exit(0 if ($2) else 1)" 2>"$T/pyerr"; then
		ok
	else
		bad "$1" "$(cat "$T/out" | head -30; cat "$T/pyerr")"
	fi
}
# grepcheck NAME FILE PATTERN
grepcheck() {
	if grep -q -- "$3" "$2"; then ok; else bad "$1: no '$3'" "$(cat "$2")"; fi
}

ORDER="$TOP/templates/order"
RUN_ORDER=("$BIN" run --definition "$ORDER/OrderWorkflow.asl.json" --input-file "$ORDER/input.json" --mock-config "$ORDER/mocks.json")

# --- run: success, output, exit 0
expect "order happy path" 0 "${RUN_ORDER[@]}" --test-case HappyPath
jcheck "order output" 'j == {"order_id": "12345", "shipment_id": "ship-42", "status": "SHIPPED"}'

# --- run --json: the product's shape
expect "order --json" 0 "${RUN_ORDER[@]}" --test-case HappyPath --json
jcheck "--json keys" 'sorted(j) == sorted(["executionArn","status","output","error","cause","startDate","stopDate"])'
jcheck "--json values" 'j["status"] == "SUCCEEDED" and j["output"]["status"] == "SHIPPED" and j["error"] is None and j["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:OrderWorkflow:")'

# --- run: a failed execution exits 1 and says why
expect "order declined" 1 "${RUN_ORDER[@]}" --test-case PaymentDeclined
grepcheck "declined reason" "$T/err" "PaymentDeclined"
expect "order declined --json" 1 "${RUN_ORDER[@]}" --test-case PaymentDeclined --json
jcheck "declined json" 'j["status"] == "FAILED" and j["error"] == "PaymentDeclined" and j["output"] is None and "card declined" in j["cause"]'

# --- run --history: AWS's events
expect "order --history" 0 "${RUN_ORDER[@]}" --test-case HappyPath --history
jcheck "history types" '[e["type"] for e in j["events"]] == ["ExecutionStarted"] + ["TaskStateEntered","LambdaFunctionScheduled","LambdaFunctionStarted","LambdaFunctionSucceeded","TaskStateExited"]*3 + ["ExecutionSucceeded"]'
jcheck "history ids" '[e["id"] for e in j["events"]] == list(range(1, 18)) and j["events"][1]["previousEventId"] == 0'

# --- EXPRESS keeps no history unless asked
expect "express --json" 0 "${RUN_ORDER[@]}" --test-case HappyPath --type EXPRESS --json
jcheck "express arn" '":express:OrderWorkflow:" in j["executionArn"]'

# --- Waits are scaled
cat >"$T/wait.json" <<'JSON'
{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}
JSON
expect "day-long wait with --wait-scale 0" 0 "$BIN" run --definition "$T/wait.json" --wait-scale 0 --input '{"a":1}'
jcheck "wait output" 'j == {"a": 1}'

# --- bad input
expect "input not JSON" 2 "$BIN" run --definition "$T/wait.json" --input '{"a":'
grepcheck "input not JSON says so" "$T/err" "InvalidExecutionInput"
python3 -c "import json; print(json.dumps({'s': 'x' * 262144}))" >"$T/big.json"
expect "input over 256 KiB" 2 "$BIN" run --definition "$T/wait.json" --wait-scale 0 --input-file "$T/big.json"
grepcheck "input size named" "$T/err" "262144"
expect "input over 256 KiB with --max-payload 0" 0 "$BIN" run --definition "$T/wait.json" --wait-scale 0 --input-file "$T/big.json" --max-payload 0 --quiet
expect "missing input file" 2 "$BIN" run --definition "$T/wait.json" --input-file "$T/nope.json"
grepcheck "missing input file named" "$T/err" "nope.json"

# --- usage errors exit 2
expect "no command" 2 "$BIN"
expect "unknown command" 2 "$BIN" frobnicate
expect "unknown option" 2 "$BIN" run --definition "$T/wait.json" --frob
expect "bad --type" 2 "$BIN" run --definition "$T/wait.json" --type FAST
expect "bad --wait-scale" 2 "$BIN" run --definition "$T/wait.json" --wait-scale fast
expect "no test case" 2 "${RUN_ORDER[@]}" --test-case Nope
grepcheck "no test case named" "$T/err" "Nope"

# --- invalid definitions: run refuses with the diagnostics, exit 2
cat >"$T/broken.json" <<'JSON'
{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"},"B":{"Type":"Bogus"}}}
JSON
expect "run refuses invalid" 2 "$BIN" run --definition "$T/broken.json"
grepcheck "run names MISSING_TRANSITION_TARGET" "$T/err" "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next"
grepcheck "run names bad Type" "$T/err" "SCHEMA_VALIDATION_FAILED"

# --- EXPRESS state machines cannot wait for a task token (AWS's diagnostic)
cat >"$T/cb.json" <<'JSON'
{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}}}],"End":true}}}
JSON
expect "express refuses .waitForTaskToken" 2 "$BIN" run --definition "$T/cb.json" --type EXPRESS
grepcheck "express diagnostic" "$T/err" "SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/P/Branches\[0\]/States/T/Resource"

# --- activities: no workers under run; mocks answer them, with Activity* events
cat >"$T/act.asl.json" <<'JSON'
{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:Work","End":true}}}
JSON
cat >"$T/act-mocks.json" <<'JSON'
{"StateMachines":{"act":{"TestCases":{"Done":{"Work":"R"}}}},"MockedResponses":{"R":{"0":{"Return":{"worked":true}}}}}
JSON
expect "activity without serve" 1 "$BIN" run --definition "$T/act.asl.json" --json
jcheck "activity without serve: cause" 'j["error"] == "States.Runtime" and j["cause"].startswith("The activity arn:aws:states:us-east-1:123456789012:activity:Work does not exist. steplocal: activities are created and worked under `steplocal serve`")'
expect "activity mocked" 0 "$BIN" run --definition "$T/act.asl.json" --mock-config "$T/act-mocks.json" --test-case Done --history
jcheck "activity mocked: events" '[e["type"] for e in j["events"]][2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"] and j["events"][2]["activityScheduledEventDetails"]["resource"].endswith(":activity:Work")'

# --- validate: every problem, AWS's response shape
expect "validate invalid" 2 "$BIN" validate "$T/broken.json"
jcheck "validate FAIL" 'j["result"] == "FAIL" and j["truncated"] is False and len(j["diagnostics"]) == 2'
jcheck "validate codes" 'sorted(d["code"] for d in j["diagnostics"]) == ["MISSING_TRANSITION_TARGET", "SCHEMA_VALIDATION_FAILED"]'
jcheck "validate locations" 'sorted(d["location"] for d in j["diagnostics"]) == ["/States/A/Next", "/States/B/Type"]'
expect "validate valid" 0 "$BIN" validate "$ORDER/OrderWorkflow.asl.json"
jcheck "validate OK" 'j == {"result": "OK", "diagnostics": [], "truncated": False}'
printf 'not json' >"$T/notjson.json"
expect "validate not JSON" 2 "$BIN" validate "$T/notjson.json"
jcheck "validate not JSON code" 'j["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"'

# --- validate -f: each state machine of a project, and Tasks naming no function of it
mkdir -p "$T/vp/fn"
cat >"$T/vp/steplocal.yaml" <<'YAML'
functions:
  Known: {runtime: python3.12, handler: app.handler, code: fn}
state_machines:
  Good:
    definition:
      StartAt: A
      States: {A: {Type: Task, Resource: "arn:aws:lambda:us-east-1:123456789012:function:Known", End: true}}
  Bad:
    definition:
      StartAt: P
      States:
        P:
          Type: Parallel
          Branches:
            - StartAt: T
              States: {T: {Type: Task, Resource: "arn:aws:lambda:us-east-1:123456789012:function:Missing:live", End: true}}
          Next: M
        M:
          Type: Map
          ItemProcessor:
            StartAt: I
            States:
              I: {Type: Task, Resource: "arn:aws:states:::lambda:invoke", Parameters: {FunctionName: Gone, "Payload.$": "$"}, Next: D}
              D: {Type: Task, Resource: "arn:aws:states:::lambda:invoke", Parameters: {"FunctionName.$": "$.f"}, Next: K}
              K: {Type: Task, Resource: "arn:aws:states:::lambda:invoke", Parameters: {FunctionName: "Known:$LATEST"}, End: true}
          Next: X
        X: {Type: Pass, Next: Y}
YAML
expect "validate -f with problems" 2 "$BIN" validate -f "$T/vp"
jcheck "validate -f per machine" 'sorted(j) == ["Bad", "Good"] and j["Good"] == {"result": "OK", "diagnostics": [], "truncated": False}'
jcheck "validate -f unknown functions" '[(d["code"], d.get("location")) for d in j["Bad"]["diagnostics"]] == [("MISSING_TRANSITION_TARGET", "/States/X/Next"), ("MISSING_END_STATE", None), ("UNKNOWN_FUNCTION", "/States/P/Branches[0]/States/T/Resource"), ("UNKNOWN_FUNCTION", "/States/M/ItemProcessor/States/I/Parameters/FunctionName")]'
jcheck "validate -f message" 'j["Bad"]["diagnostics"][2]["message"] == "The function Missing is not defined in '"$T"'/vp/steplocal.yaml"'
BIN_ABS=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
cd "$T/vp" && expect "validate in the project folder" 2 "$BIN_ABS" validate
cd - >/dev/null || exit 1
jcheck "validate in the project folder" 'sorted(j) == ["Bad", "Good"]'
expect "validate steplocal.yaml" 2 "$BIN" validate "$T/vp/steplocal.yaml"
jcheck "validate steplocal.yaml is the project" 'sorted(j) == ["Bad", "Good"]'
expect "validate FILE and -f" 2 "$BIN" validate "$ORDER/OrderWorkflow.asl.json" -f "$T/vp"
grepcheck "validate usage" "$T/err" "usage: steplocal validate FILE"
expect "validate a project that does not load" 2 "$BIN" validate -f "$T/nowhere"
grepcheck "validate project error" "$T/err" "nowhere"

# --- every bench workload and seed example definition validates
for f in "$TOP"/../shared/bench/workloads/*.asl.json; do
	[ -f "$f" ] || continue
	expect "validate $(basename "$f")" 0 "$BIN" validate "$f"
done

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
