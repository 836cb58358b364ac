#!/usr/bin/env bash
# tests/export/test_export.sh - `steplocal export`: each example project and
# the edge project (tests/export/edge) exported as a SAM template, checked
# with cfn-lint, loaded back into steplocal and run with the same input both
# ways (same status, same output); the errors of the command; and no process
# left behind by any run.
# Usage: tests/export/test_export.sh [./steplocal]    Prints "N passed, N failed".
#
# cfn-lint must be on PATH: without it the lint checks fail (they are not
# skipped).  Errors (E) fail, warnings do not.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
cd "$TOP" || exit 1
if [ $# -eq 0 ] && [ ! -x ./steplocal ]; then
	make -s >/dev/null || { echo "FAIL: make did not build ./steplocal"; exit 1; }
fi
BIN=$(cd "$(dirname "${1:-./steplocal}")" && pwd)/$(basename "${1:-./steplocal}")
if ! "$BIN" export --help >/dev/null 2>&1; then
	echo "FAIL: $BIN has no export command (cli.c's command table needs { \"export\", export_main })"
	echo "0 passed, 1 failed"
	exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 failed=0

ok()  { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -30; }

# sl OUT ERR ARGS...: runs steplocal ARGS in a session of its own, bounded in
# time; then no process of that session may remain (function processes stay
# in it: they only get process groups of their own).  Returns steplocal's status.
sl() {
	local out=$1 err=$2 rc sid strays
	shift 2
	rm -f "$T/sid"
	timeout 120 setsid -w sh -c 'echo $$ >"$0"; exec "$@"' "$T/sid" "$BIN" "$@" >"$out" 2>"$err"
	rc=$?
	sid=$(cat "$T/sid" 2>/dev/null)
	if [ -n "$sid" ]; then
		sleep 0.1
		strays=$(ps -eo sid=,pid=,args= | awk -v s="$sid" '$1 == s')
		if [ -n "$strays" ]; then bad "steplocal $*: processes left behind" "$strays"; else ok; fi
	fi
	return $rc
}

# expect NAME STATUS ARGS...: steplocal ARGS exits with STATUS.
expect() {
	local name=$1 want=$2 rc
	shift 2
	sl "$T/out" "$T/err" "$@"
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, wanted $want" "$(tail -20 "$T/err")"; fi
}
grepcheck() { if grep -q -- "$3" "$2"; then ok; else bad "$1: no '$3' in $2" "$(head -20 "$2")"; fi; }

# lint NAME TEMPLATE: cfn-lint finds no error in it.
lint() {
	local rc
	if ! command -v cfn-lint >/dev/null 2>&1; then
		bad "$1: cfn-lint is not on PATH, so the exported template cannot be checked (install it: pip install cfn-lint)"
		return
	fi
	(cd "$(dirname "$2")" && timeout 300 cfn-lint --format parseable -- "$(basename "$2")") >"$T/lint" 2>&1
	rc=$?
	# exit status bits: 2 errors, 4 warnings, 8 informational; anything else is cfn-lint failing
	if [ $((rc & ~14)) -ne 0 ]; then
		bad "$1: cfn-lint failed (exit $rc)" "$(cat "$T/lint")"
	elif awk -F: '$6 ~ /^E/ { found = 1 } END { exit !found }' "$T/lint"; then
		bad "$1: cfn-lint errors" "$(cat "$T/lint")"
	else
		ok
	fi
}

# The template as data: !Ref X and !GetAtt X.Y read as their long forms.
cat >"$T/y.py" <<'EOF'
import json, re, sys, yaml

class L(yaml.SafeLoader):
    pass
L.add_constructor("!Ref", lambda l, n: {"Ref": l.construct_scalar(n)})
L.add_constructor("!GetAtt", lambda l, n: {"Fn::GetAtt": l.construct_scalar(n).split(".", 1)})

def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=L)

def strings(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, str):
        yield v

def of_type(t, ty):
    return {k: r for k, r in t["Resources"].items() if r["Type"] == ty}

# What every export holds: the transform; each state machine's substitutions
# are exactly the ${...} its definition uses, each the ARN of a function of
# the template, with a LambdaInvokePolicy for it; no ARN of one of them left.
def invariants(t):
    fns = of_type(t, "AWS::Serverless::Function")
    assert t["Transform"] == "AWS::Serverless-2016-10-31"
    for r in fns.values():
        p = r["Properties"]
        assert {"FunctionName", "CodeUri", "Handler", "Runtime", "Timeout", "MemorySize"} <= set(p), p
    for r in of_type(t, "AWS::Serverless::StateMachine").values():
        p = r["Properties"]
        used = {m for s in strings(p["Definition"]) for m in re.findall(r"\$\{(\w+)\}", s)}
        subs = p.get("DefinitionSubstitutions", {})
        assert set(subs) == used, (subs, used)
        for k, v in subs.items():
            assert v == {"Fn::GetAtt": [k[:-3], "Arn"]} and k[:-3] in fns, (k, v)
        pol = [x["LambdaInvokePolicy"]["FunctionName"]["Ref"] for x in p.get("Policies", [])]
        assert sorted(pol) == sorted(k[:-3] for k in subs), pol
        names = {r["Properties"]["FunctionName"] for r in fns.values()}
        left = [s for s in strings(p["Definition"])
                if ":function:" in s and s.split(":function:")[1].split(":")[0] in names]
        assert not left, left
    return True
EOF
# ycheck NAME TEMPLATE EXPR: EXPR holds of the template t.
ycheck() {
	if python3 -c "exec(open('$T/y.py').read()); t = load(sys.argv[1]); sys.exit(0 if ($3) else 1)" "$2" 2>"$T/pyerr"; then
		ok
	else
		bad "$1" "$(tail -5 "$T/pyerr")"
	fi
}

# same NAME MACHINE PROJECT TEMPLATE RUN-ARGS...: the machine run from the
# project and from the exported template ends the same way, successfully.
same() {
	local name=$1 m=$2 proj=$3 tmpl=$4 rc1 rc2
	shift 4
	sl "$T/a.json" "$T/a.err" run "$m" -f "$proj" "$@" --json --quiet
	rc1=$?
	sl "$T/b.json" "$T/b.err" run "$m" -f "$tmpl" "$@" --json --quiet
	rc2=$?
	if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
		bad "$name: exit $rc1 from the project, $rc2 from the template" "$(tail -5 "$T/a.err"; head -c 1500 "$T/a.json"; tail -5 "$T/b.err"; head -c 1500 "$T/b.json")"
	elif python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if a["status"] == b["status"] == "SUCCEEDED" and a["output"] == b["output"] else 1)' "$T/a.json" "$T/b.json" 2>"$T/pyerr"; then
		ok
	else
		bad "$name: the runs differ" "$(cat "$T/pyerr" "$T/a.json" "$T/b.json")"
	fi
}

# --- each example project, exported, linted, run both ways
while read -r dir machine args; do
	out="$T/$dir/template.yaml"
	mkdir -p "$T/$dir"
	expect "export $dir" 0 export -f "templates/$dir" -o "$out"
	[ -f "$out" ] || { bad "export $dir: no $out"; continue; }
	lint "lint $dir" "$out"
	ycheck "$dir: invariants" "$out" 'invariants(t)'
	eval "same \"run $dir both ways\" $machine templates/$dir \"$out\" $args"
done <<'EOF'
order OrderWorkflow --input-file templates/order/input.json
choice ChoiceWorkflow --input '{"total":1500,"priority":"normal"}'
parallel ParallelWorkflow --input '{"order_id":"1","customer_id":"c-1","items":[1,2]}'
map MapWorkflow --input '{"items":[{"product_id":"p1","quantity":2},{"product_id":"p2"}]}'
retry-catch RetryCatchWorkflow --input '{"job_id":7,"fail":"custom"}' --wait-scale 0.01
EOF

# Every function of each project is a resource (names as steplocal.yaml lists them).
ycheck "order: functions" "$T/order/template.yaml" \
       "sorted(r['Properties']['FunctionName'] for r in of_type(t, 'AWS::Serverless::Function').values()) == ['FulfillOrder', 'ProcessPayment', 'ValidateOrder']"
ycheck "order: provided runtime gets Handler bootstrap" "$T/order/template.yaml" \
       "t['Resources']['FulfillOrder']['Properties']['Handler'] == 'bootstrap' and t['Resources']['FulfillOrder']['Properties']['Runtime'] == 'provided.al2023'"
ycheck "order: CodeUri relative to the template" "$T/order/template.yaml" \
       "__import__('os').path.samefile(__import__('os').path.join('$T/order', t['Resources']['ValidateOrder']['Properties']['CodeUri']), '$TOP/functions/validate_order')"
ycheck "order: substitutions" "$T/order/template.yaml" \
       "t['Resources']['OrderWorkflow']['Properties']['Definition']['States']['ValidateOrder']['Resource'] == '\${ValidateOrderArn}' and t['Outputs']['OrderWorkflowArn']['Value'] == {'Ref': 'OrderWorkflow'}"
ycheck "map: reserved concurrency" "$T/map/template.yaml" \
       "t['Resources']['ProcessItem']['Properties']['ReservedConcurrentExecutions'] == 10"
ycheck "choice: no reserved concurrency when unreserved" "$T/choice/template.yaml" \
       "'ReservedConcurrentExecutions' not in t['Resources']['ProcessRush']['Properties']"

# --- retry-catch: faults are local only.  The template says so, and the run
# from it reaches the same CustomError catch without the two injected
# failures that the project's run retries first.
ycheck "retry-catch: faults noted, not exported" "$T/retry-catch/template.yaml" \
       "len(t['Metadata']['steplocal']['NotExported']) == 2 and 'Lambda.ServiceException' in t['Metadata']['steplocal']['NotExported'][0] and 'faults' not in json.dumps(t['Resources'])"
grepcheck "retry-catch: header comment on faults" "$T/retry-catch/template.yaml" "faults are local only and not exported"
failures='[e["lambdaFunctionFailedEventDetails"]["error"] for e in json.load(open(sys.argv[1]))["events"] if e["type"] == "LambdaFunctionFailed"]'
sl "$T/a.json" "$T/a.err" run RetryCatchWorkflow -f templates/retry-catch --input '{"job_id":7,"fail":"custom"}' --wait-scale 0.01 --json --quiet --history
sl "$T/b.json" "$T/b.err" run RetryCatchWorkflow -f "$T/retry-catch/template.yaml" --input '{"job_id":7,"fail":"custom"}' --wait-scale 0.01 --json --quiet --history
if python3 -c "import json, sys; sys.exit(0 if $failures == ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'CustomError'] else 1)" "$T/a.json" &&
   python3 -c "import json, sys; sys.exit(0 if $failures == ['CustomError'] else 1)" "$T/b.json"; then
	ok
else
	bad "retry-catch: the project's run retries the faults, the template's does not" "$(cat "$T/a.err" "$T/b.err")"
fi

# --- the edge project: colliding names, retyped strings, every kind of
# reference, a .zip, a machine without Lambda calls, account and region
mkdir -p "$T/edge" "$T/eout"
cp -r "$HERE/edge/." "$T/edge/"
python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2], "app.py")' "$T/edge/fn.zip" "$T/edge/fn/app.py"
E="$T/eout/template.yaml"
expect "export edge" 0 export -f "$T/edge" -o "$E"
grepcheck "edge: a reference to no project function is named" "$T/err" 'state Ghost: Resource "arn:aws:lambda:eu-west-1:111122223333:function:Ghost" names no function'
lint "lint edge" "$E"
ycheck "edge: invariants" "$E" 'invariants(t)'
ycheck "edge: logical ids" "$E" \
       "list(t['Resources']) == ['myfn', 'myfn2', 'Native', 'Edge', 'myfnRole2'] and t['Resources']['myfnRole2']['Properties']['Name'] == 'myfnRole'"
ycheck "edge: names, code, settings" "$E" \
       "[(r['Properties']['FunctionName'], r['Properties']['CodeUri'], r['Properties']['Handler'], r['Properties']['Timeout'], r['Properties']['MemorySize'], r['Properties'].get('ReservedConcurrentExecutions')) for r in t['Resources'].values() if 'FunctionName' in r['Properties']] == [('my-fn', '../edge/fn', 'app.handler', 3, 128, None), ('my_fn', '../edge/fn.zip', 'app.handler', 30, 256, 5), ('Native', '../edge/fn', 'bootstrap', 3, 128, None)]"
ycheck "edge: environment strings stay strings" "$E" \
       "t['Resources']['myfn']['Properties']['Environment']['Variables'] == {'X_BOOL': 'true', 'X_NUM': '0123', 'X_EMPTY': '', 'X_YES': 'yes', 'X_FLOAT': '1.5', 'X_COLON': 'a: b', 'X_HASH': '#x', 'X_TILDE': '~', 'X_QUOTE': 'it\'s \"quoted\"', 'X_UNICODE': 'h\u00e9llo \u2713'}"
ycheck "edge: every kind of reference" "$E" \
       "(lambda s: (s['ByName']['Parameters']['FunctionName'], s['ByArn']['Resource'], s['Branches']['Branches'][0]['States']['Each']['ItemProcessor']['States']['Item']['Resource'], s['Elsewhere']['Parameters']['FunctionName'], s['Ghost']['Resource']))(t['Resources']['Edge']['Properties']['Definition']['States']) == ('\${myfnArn}', '\${myfn2Arn}', '\${myfnArn}', '\${myfnArn}:live', 'arn:aws:lambda:eu-west-1:111122223333:function:Ghost')"
ycheck "edge: values keep their types" "$E" \
       "t['Resources']['Edge']['Properties']['Definition']['States']['Literal']['Result'] == {'n': 1e20, 't': 'true', 'z': '0123', 'nul': None, 'b': False, 'x': 1.5}"
ycheck "edge: a definition file is inlined; no calls, no substitutions or policies" "$E" \
       "(lambda p: p['Type'] == 'EXPRESS' and p['Definition']['States']['Hello']['Result'] == {'greeting': 'hello', 'on': 'off'} and 'DefinitionUri' not in p and 'DefinitionSubstitutions' not in p and 'Policies' not in p)(t['Resources']['myfnRole2']['Properties'])"
ycheck "edge: account and region noted" "$E" \
       "[x.split(' ')[0] for x in t['Metadata']['steplocal']['NotExported']] == ['account', 'region'] and t['Metadata']['steplocal']['Project'] == '../edge/steplocal.yaml'"
same "run edge both ways" Edge "$T/edge" "$E" --input '{"items":[1,2]}'
same "run the EXPRESS machine both ways" myfnRole "$T/edge" "$E"

# --- the command's errors (exit 2, a clear message) and its output choices
mkdir -p "$T/empty"
(cd "$T/empty" && sl "$T/out" "$T/err" export)
rc=$?
if [ $rc = 2 ] && grep -q "no steplocal.yaml in the current folder" "$T/err"; then ok; else bad "no project: exit $rc" "$(cat "$T/err")"; fi
mkdir -p "$T/broken"
printf 'functions:\n  F:\n    runtime: python3.12\n    handler: app.handler\n    code: nowhere\n    timout: 3\n' >"$T/broken/steplocal.yaml"
expect "broken project" 2 export -f "$T/broken" -o "$T/broken/template.yaml"
grepcheck "broken project: file and line" "$T/err" "steplocal.yaml:6:"
[ ! -e "$T/broken/template.yaml" ] && ok || bad "broken project: a template was written"
expect "unwritable output" 2 export -f templates/map -o "$T/no/such/folder/template.yaml"
grepcheck "unwritable output: message" "$T/err" "cannot write $T/no/such/folder/template.yaml"
expect "output is a folder" 2 export -f templates/map -o "$T/empty"
printf 'Resources: {}\n# mine\n' >"$T/foreign.yaml"
expect "foreign file kept" 2 export -f templates/map -o "$T/foreign.yaml"
grepcheck "foreign file: message" "$T/err" "was not written by steplocal export; give --force"
grepcheck "foreign file: unchanged" "$T/foreign.yaml" "# mine"
expect "foreign file replaced with --force" 0 export -f templates/map -o "$T/foreign.yaml" --force
expect "an earlier export is replaced" 0 export -f templates/map -o "$T/foreign.yaml"
grepcheck "an earlier export: marked" "$T/foreign.yaml" "^# Written by steplocal export"
[ -z "$(ls "$T" | grep 'foreign.yaml.')" ] && ok || bad "temporary files left" "$(ls "$T")"
expect "a SAM template is not a project" 2 export -f "$E" -o "$T/again.yaml"
grepcheck "a SAM template: message" "$T/err" "is already a SAM or CloudFormation template"
mkdir -p "$T/nothing" "$T/deferred"
printf 'account: "123456789012"\n' >"$T/nothing/steplocal.yaml"
expect "a project with nothing to deploy" 2 export -f "$T/nothing" -o "$T/nothing.yaml"
grepcheck "nothing to deploy: message" "$T/err" "has no functions and no state machines: nothing to export"
printf 'template: %s\n' "$E" >"$T/deferred/steplocal.yaml"
expect "a project running a template" 2 export -f "$T/deferred" -o "$T/deferred.yaml"
grepcheck "a project running a template: message" "$T/err" "(template:); deploy that template"
[ ! -e "$T/nothing.yaml" ] && [ ! -e "$T/deferred.yaml" ] && ok || bad "a template was written for nothing"
expect "unknown option" 2 export --bogus
expect "stdout" 0 export -f templates/map -o -
grepcheck "stdout: the template" "$T/out" "Type: AWS::Serverless::StateMachine"
mkdir -p "$T/def"
printf 'functions:\n  F:\n    runtime: python3.12\n    handler: app.handler\n    code: %s\n' "$HERE/edge/fn" >"$T/def/steplocal.yaml"
expect "default output" 0 export -f "$T/def/steplocal.yaml"
ycheck "default output: template.yaml in the project's folder" "$T/def/template.yaml" \
       "'Outputs' not in t and list(t['Resources']) == ['F']"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
