#!/usr/bin/env python3
"""Benchmark driver for `make bench`: steplocal against aws-local-stepfunctions.

Runs every workload in the shared bench folder (../shared/bench beside the
project, or $SL_BENCH_DIR) on steplocal and on the peer, with the same
definition and the same kind of input, one process per execution.  For each
run it checks the output, then reports transitions (from the formulas in the
shared bench/README.md), seconds, transitions/second and the child's peak RSS.
Each measurement is the best of --repeat runs (the machine is shared).

    bench/bench.py ./steplocal [--write-results] [--repeat 3] [--only loop,map]
                               [--quick] [--no-peer] [--strict]

Exit status: 0 when every run that was attempted produced the right output;
1 when one produced a wrong output or crashed (or, with --strict, when a
target is missed); 2 for a usage error.  "not yet supported" rows do not fail.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEER_PKG = "aws-local-stepfunctions"
PEER_VERSION = "3.0.0"
PEER_DIR = os.path.join(HERE, "peers")
RESULTS = os.environ.get("SL_BENCH_RESULTS") or os.path.join(HERE, "RESULTS.md")
TIMEOUT = float(os.environ.get("SL_BENCH_TIMEOUT", "180"))
REPEAT_BUDGET = 60          # seconds; no further repeats of one measurement past it
LIMIT_ERRORS = ("InvalidExecutionInput", "States.DataLimitExceeded")
NOT_YET = "steplocal: not yet supported (Lambda side lands with issue 3)"

# Targets (see the task brief / PRODUCT goals).
EXPRESS_LOOP_RATE = 1_000_000
STANDARD_LOOP_RATE = 250_000
MAP_TARGET_N = 100_000
MAP_COMPARED_N = 4_000       # largest round N whose Map output fits AWS's 256 KB
MAP_SECONDS = 0.5
MAP_RSS_MB = 64
PEER_RATIO = 20
RETRY_FLOOR = 3.0

# Lambda figures (issue 3): the C helpers `make bench-tools` builds.
TOOLS = os.environ.get("SL_BENCH_TOOLS") or os.path.join(ROOT, "build", "bench")
WARM_MEDIAN_US = 100         # warm C invocation, median latency
WARM_RATE = 10_000           # warm C invocations/s
COLD_C_MS = 5.0              # cold start of a C function
COLD_PY_MARGIN_MS = 10.0     # cold start of a Python function < `python3 -c pass` + this
MAP_LAMBDA_N = 10_000        # Map of Tasks on the C echo, MaxConcurrency 8
MAP_LAMBDA_SECONDS = 2.0
MAP_LAMBDA_CONCURRENCY = 8


def bench_dir():
    """The shared bench folder: $SL_BENCH_DIR, else <parent of project>/shared/bench."""
    d = os.environ.get("SL_BENCH_DIR")
    if d:
        return os.path.abspath(d)
    return os.path.join(os.path.dirname(ROOT), "shared", "bench")


# ---------------------------------------------------------------- workloads
# transitions(n) follow the shared bench/README.md table.
TRANSITIONS = {
    "loop": lambda n: 2 * n + 3,
    "map": lambda n: 3 * n + 1,
    "parallel": lambda n: 401,
    "payload": lambda n: 50,
    "task": lambda n: 2 * n + 3,
    "retry": lambda n: 3,
    "map-lambda": lambda n: n + 1,
}
SIZED = {"loop", "map", "task", "map-lambda"}
# Workloads bench.py writes itself (not in the shared bench folder).
GENERATED = {"map-lambda"}


class Case:
    """One row: a workload run on steplocal at n, and on the peer at peer_n."""

    def __init__(self, key, workload, typ, n, peer_n, repeat=None, lam=False, peer=True, extra=(),
                 c_project=False):
        self.key, self.workload, self.type = key, workload, typ
        self.extra = list(extra)      # more steplocal arguments
        self.n, self.peer_n = n, peer_n
        self.peer = peer              # False: a steplocal-only target row
        self.repeat = repeat          # None: the --repeat value
        self.input_bytes = None
        self.lam = lam                # needs Lambda functions (task, retry)
        self.c_project = c_project    # runs in the generated C project (map-lambda)


def cases(quick):
    """The rows, sized so that the whole bench stays well under 5 minutes.

    steplocal runs at the sizes of the targets; the peer (about 25k
    transitions/s) runs at smaller N and the two are compared by rate, which
    favours the peer (its rate only drops as N grows).

    map: AWS caps every input and state output at 256 KB, and steplocal
    enforces it by default, so the Map's output (~55 bytes per item) fails
    with States.DataLimitExceeded beyond ~4,700 items.  The compared row runs
    at 4,000 items on both sides; map-100k lifts the limit with
    --max-payload 0 for the target alone.

    The peer keeps no AWS execution history, so it is compared with
    steplocal's EXPRESS rows (no history); the STANDARD rows, with full
    history, are measured for their own targets."""
    q = quick
    return [
        Case("loop-express", "loop", "EXPRESS", 20_000 if q else 1_000_000, 2_000 if q else 20_000),
        Case("loop-standard", "loop", "STANDARD", 6_000, None, peer=False),
        Case("map", "map", "EXPRESS", MAP_COMPARED_N, 1_000 if q else MAP_COMPARED_N),
        Case("map-100k", "map", "EXPRESS", 10_000 if q else MAP_TARGET_N, None, repeat=1 if q else None, peer=False,
             extra=["--max-payload", "0"]),
        Case("parallel", "parallel", "EXPRESS", None, None),
        Case("parallel-standard", "parallel", "STANDARD", None, None, peer=False),
        Case("payload", "payload", "EXPRESS", None, None),
        Case("payload-standard", "payload", "STANDARD", None, None, peer=False),
        Case("task", "task", "STANDARD", 1_000, 1_000, lam=True),
        # A 3 s floor of retry waits: one run each is enough.
        Case("retry", "retry", "STANDARD", None, None, repeat=1, lam=True),
        # Issue 3: a Map of Tasks on the C echo (build/bench/echo), through the CLI.
        Case("map-lambda", "map-lambda", "EXPRESS", 1_000 if q else MAP_LAMBDA_N, None, peer=False,
             extra=["--max-payload", "0"], c_project=True),
    ]


def expected_output(workload, n, inp):
    """The output a correct execution produces, or raise on unknown workload."""
    if workload in ("loop", "task"):
        return {"n": n, "i": n}
    if workload == "map":
        return [{"id": it["id"], "double": 2 * it["id"], "tag": "item-%d" % it["id"],
                 "size": "big" if 2 * it["id"] >= 100 else "small"} for it in inp["items"]]
    if workload == "parallel":
        return [dict(inp, last={"branch": b, "step": 99}) for b in range(4)]
    if workload == "payload":
        return {"doc": inp["doc"]}
    if workload == "retry":
        return {"ok": True, "attempt": 3}
    if workload == "map-lambda":
        return inp["items"]
    raise ValueError("no expected output for workload %r" % workload)


def describe_diff(got, want):
    """A short description of how got differs from want."""
    if type(got) is not type(want):
        return "got %s, want %s" % (type(got).__name__, type(want).__name__)
    if isinstance(want, list):
        if len(got) != len(want):
            return "got an array of %d items, want %d" % (len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return "item %d: got %s, want %s" % (i, clip(json.dumps(g)), clip(json.dumps(w)))
    return "got %s, want %s" % (clip(json.dumps(got)), clip(json.dumps(want)))


def clip(s, n=160):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n] + "..."


# ---------------------------------------------------------------- inputs
class Inputs:
    """Input files: the shared ones when they exist, else generated in a temp dir."""

    def __init__(self, shared_inputs, tmp):
        self.shared, self.tmp = shared_inputs, tmp

    def path(self, workload, n):
        if workload in SIZED:
            name = "%s-%d.json" % (workload, n)
        else:
            name = "%s.json" % workload
        p = os.path.join(self.shared, name)
        if os.path.exists(p):
            return p
        if workload not in SIZED:
            raise FileNotFoundError(p)
        p = os.path.join(self.tmp, name)
        if not os.path.exists(p):
            if workload.startswith("map"):
                obj = {"items": [{"id": i} for i in range(n)]}
            else:
                obj = {"n": n}
            with open(p, "w", encoding="utf-8") as f:
                json.dump(obj, f, separators=(",", ":"))
                f.write("\n")
        return p


# ---------------------------------------------------------------- running
class Run:
    """The result of one child process."""
    rc = None
    stdout = stderr = ""
    wall = 0.0
    rss_mb = 0.0
    timed_out = False


# Python fallback for maxrss.c when no C compiler is found: the floor is then
# this small interpreter's RSS (~9 MB) instead of ~1 MB.
PY_MAXRSS = r"""
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("%d %d\n" % (st, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(st) % 256 if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
"""


def build_spawner(tmp, notes):
    """argv prefix of the RSS-measuring launcher (see maxrss.c for why)."""
    src = os.path.join(HERE, "maxrss.c")
    exe = os.path.join(tmp, "maxrss")
    cc = os.environ.get("CC") or "cc"
    if shutil.which(cc):
        r = subprocess.run([cc, "-O2", "-o", exe, src], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode == 0:
            return [exe]
        notes.append("could not build bench/maxrss.c (%s); peak RSS includes a ~9 MB Python floor"
                     % clip(r.stdout, 200))
    else:
        notes.append("no C compiler: peak RSS includes a ~9 MB Python floor")
    return [sys.executable, "-S", "-c", PY_MAXRSS]


SPAWNER = []


def run_child(cmd, timeout=TIMEOUT, env=None, cwd=None):
    """Run cmd to completion under SPAWNER; wall time and cmd's own peak RSS."""
    r = Run()
    fd, report = tempfile.mkstemp(prefix="sl-rss-")
    os.close(fd)
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(SPAWNER + [report] + cmd, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)

            def kill():
                r.timed_out = True
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                r.rc = p.wait()
            finally:
                timer.cancel()
            r.wall = time.perf_counter() - t0
            # Lambda environments and other helpers must not outlive the run.
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            out.seek(0)
            err.seek(0)
            r.stdout = out.read().decode("utf-8", "replace")
            r.stderr = err.read().decode("utf-8", "replace")
        with open(report, encoding="ascii") as f:
            fields = f.read().split()
        if len(fields) == 2:
            r.rc = os.waitstatus_to_exitcode(int(fields[0]))
            r.rss_mb = int(fields[1]) / 1024.0        # Linux: kilobytes
    except OSError:
        pass
    finally:
        os.unlink(report)
    return r


def parse_stats(stderr):
    """The last stderr line that is a JSON object with "seconds", or None."""
    for line in reversed(stderr.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and '"seconds"' in line:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("seconds"), (int, float)):
                return obj
    return None


class Measure:
    """Best-of-k measurement of one implementation on one case."""

    def __init__(self):
        self.ok = False
        self.unsupported = False
        self.blocked = False       # refused for an AWS payload limit (correctly)
        self.error = None          # why it failed, when it failed
        self.n = None
        self.transitions = None
        self.seconds = None        # execution time (--stats) or wall
        self.timed_by = None       # "stats" or "wall"
        self.wall = None           # wall time of the run that counted
        self.best_wall = None      # fastest wall time over the runs
        self.rss_mb = None         # max over the runs
        self.runs = 0
        self.notes = []

    @property
    def rate(self):
        if not self.ok or not self.seconds:
            return None
        return self.transitions / self.seconds

    def rate_by(self, basis):
        """transitions/s timed by basis: "stats" (as reported) or "wall"."""
        if not self.ok:
            return None
        return self.rate if basis == "stats" else self.transitions / self.best_wall


def ratio_of(ms, mp):
    """steplocal/peer in transitions/s on the same timing basis, or None."""
    if ms is None or mp is None or not ms.ok or not mp.ok:
        return None
    return ms.rate / mp.rate_by(ms.timed_by)


def check_run(r, workload, n, inp):
    """None when r is a correct SUCCEEDED execution, else a reason."""
    if r.timed_out:
        return "timed out after %g s" % TIMEOUT
    if not r.stdout.strip():
        return "exit %s, no output; stderr: %s" % (r.rc, clip(r.stderr or "(empty)", 300))
    try:
        res = json.loads(r.stdout)
    except ValueError:
        return "exit %s, stdout is not one JSON object: %s; stderr: %s" % (
            r.rc, clip(r.stdout), clip(r.stderr or "(empty)"))
    if not isinstance(res, dict):
        return "stdout is not a JSON object: %s" % clip(r.stdout)
    if res.get("status") != "SUCCEEDED":
        return "status %s, error %s, cause %s" % (res.get("status"), res.get("error"),
                                                  clip(res.get("cause"), 200))
    if r.rc != 0:
        return "status SUCCEEDED but exit code %s" % r.rc
    out = res.get("output")
    if isinstance(out, str):
        # Tolerate output encoded as a JSON string (AWS's DescribeExecution shape).
        try:
            out = json.loads(out)
        except ValueError:
            pass
    want = expected_output(workload, n, inp)
    if out != want:
        return "wrong output: " + describe_diff(out, want)
    return None


class Impl:
    """How to run one implementation."""

    def __init__(self, name, argv_prefix, kind):
        self.name, self.prefix, self.kind = name, argv_prefix, kind
        self.stats_ok = True      # cleared when the CLI rejects --stats

    def command(self, case, defn, inp_path, project=None):
        if self.kind == "peer":
            return self.prefix + ["--definition", defn, "--input-file", inp_path, "--json", "--stats"]
        if project:
            cmd = self.prefix + ["run", case.workload, "-f", project, "--input-file", inp_path,
                                 "--json"] + case.extra
        else:
            cmd = self.prefix + ["run", "--definition", defn, "--input-file", inp_path,
                                 "--type", case.type, "--json"] + case.extra
        if self.stats_ok:
            cmd.append("--stats")
        return cmd


def stats_rejected(r):
    """True when the CLI refused --stats (a usage error naming it)."""
    return r.rc == 2 and "stats" in r.stderr


def measure(impl, case, n, defn, inp_path, repeat, project=None, env=None, before_run=None):
    """Run impl on case at n, repeat times; keep the fastest correct run."""
    m = Measure()
    m.n = n
    with open(inp_path, encoding="utf-8") as f:
        inp = json.load(f)
    m.transitions = TRANSITIONS[case.workload](n or 0)
    best = None
    t0 = time.perf_counter()
    for _ in range(repeat):
        if best is not None and time.perf_counter() - t0 > REPEAT_BUDGET:
            m.notes.append("slow: %d run(s) instead of %d (over %d s)" % (m.runs, repeat, REPEAT_BUDGET))
            break
        if before_run:
            before_run()
        r = run_child(impl.command(case, defn, inp_path, project), env=env)
        if impl.kind == "steplocal" and impl.stats_ok and stats_rejected(r):
            impl.stats_ok = False
            m.notes.append("--stats not accepted: timed by wall clock (includes process start)")
            if before_run:
                before_run()
            r = run_child(impl.command(case, defn, inp_path, project), env=env)
        m.runs += 1
        why = check_run(r, case.workload, n, inp)
        if why:
            m.error = why
            if case.lam and impl.kind == "steplocal":
                m.unsupported = True
            elif impl.kind == "steplocal" and any(w in why for w in LIMIT_ERRORS):
                m.blocked = True
            return m
        st = parse_stats(r.stderr) if (impl.kind == "peer" or impl.stats_ok) else None
        if st is not None:
            secs, by = float(st["seconds"]), "stats"
            t = st.get("transitions")
            if isinstance(t, int) and t != m.transitions:
                note = "--stats reports %d transitions, README formula says %d" % (t, m.transitions)
                if note not in m.notes:
                    m.notes.append(note)
        else:
            secs, by = r.wall, "wall"
        m.rss_mb = max(m.rss_mb or 0.0, r.rss_mb)
        m.best_wall = min(m.best_wall or r.wall, r.wall)
        if best is None or secs < best[0]:
            best = (secs, by, r.wall)
    m.ok = True
    m.seconds, m.timed_by, m.wall = best
    if m.seconds <= 0:
        m.seconds = m.wall
        m.timed_by = "wall"
    return m


# ---------------------------------------------------------------- peer setup
def ensure_peer(log):
    """Install aws-local-stepfunctions@3.0.0 into bench/peers/ when missing.

    Returns the argv prefix for bench/peer.mjs, or None (with a reason logged)."""
    node = shutil.which("node")
    if not node:
        log("peer: node not found on PATH; peer columns skipped")
        return None
    pkg = os.path.join(PEER_DIR, "node_modules", PEER_PKG, "package.json")
    have = None
    if os.path.exists(pkg):
        try:
            with open(pkg, encoding="utf-8") as f:
                have = json.load(f).get("version")
        except (OSError, ValueError):
            have = None
    if have != PEER_VERSION:
        npm = shutil.which("npm")
        if not npm:
            log("peer: npm not found on PATH; peer columns skipped")
            return None
        log("peer: installing %s@%s into %s" % (PEER_PKG, PEER_VERSION, os.path.relpath(PEER_DIR, ROOT)))
        r = subprocess.run([npm, "install", "--prefix", PEER_DIR, "--no-audit", "--no-fund",
                            "%s@%s" % (PEER_PKG, PEER_VERSION)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or not os.path.exists(pkg):
            log("peer: npm install failed:\n" + r.stdout[-2000:])
            return None
    return [node, os.path.join(HERE, "peer.mjs"), "--peer-dir", PEER_DIR]


# ---------------------------------------------------------------- Lambda project
def write_project(tmp, bdir):
    """A steplocal.yaml tying task/retry to bench/functions/{echo,flaky}."""
    state = os.path.join(tmp, "flaky-state")
    os.makedirs(state, exist_ok=True)
    fn = os.path.join(HERE, "functions")
    wl = os.path.join(bdir, "workloads")
    text = """# generated by bench/bench.py for the task and retry workloads
account: "123456789012"
region: us-east-1
functions:
  echo:
    runtime: {runtime}
    handler: app.handler
    code: {echo}
    timeout: 10
  flaky:
    runtime: {runtime}
    handler: app.handler
    code: {flaky}
    timeout: 10
    environment: {{FLAKY_STATE_DIR: {state}}}
state_machines:
  task:
    definition: {task}
    type: STANDARD
  retry:
    definition: {retry}
    type: STANDARD
""".format(runtime="python3.%d" % sys.version_info.minor, echo=json.dumps(os.path.join(fn, "echo")), flaky=json.dumps(os.path.join(fn, "flaky")),
           state=json.dumps(state), task=json.dumps(os.path.join(wl, "task.asl.json")),
           retry=json.dumps(os.path.join(wl, "retry.asl.json")))
    p = os.path.join(tmp, "steplocal.yaml")
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p, state


def reset_flaky(state_dir):
    for name in os.listdir(state_dir):
        os.unlink(os.path.join(state_dir, name))


def write_c_project(tmp):
    """A steplocal.yaml whose map-lambda state machine maps over Tasks on the
    C echo package (build/bench/echo: runtime/client's example), or None when
    `make bench-tools` has not built it."""
    code = os.path.join(TOOLS, "echo")
    if not os.access(os.path.join(code, "bootstrap"), os.X_OK):
        return None
    d = os.path.join(tmp, "cproject")
    os.makedirs(d, exist_ok=True)
    defn = {
        "Comment": "Map over items; each item one Task on the C echo. transitions = N+1",
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": MAP_LAMBDA_CONCURRENCY,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Call",
                "States": {"Call": {"Type": "Task",
                                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:cecho",
                                    "End": True}}},
            "End": True}},
    }
    with open(os.path.join(d, "map-lambda.asl.json"), "w", encoding="utf-8") as f:
        json.dump(defn, f, indent=1)
    p = os.path.join(d, "steplocal.yaml")
    with open(p, "w", encoding="utf-8") as f:
        f.write("""# generated by bench/bench.py for the map-lambda row
functions:
  cecho:
    runtime: provided.al2023
    code: {code}
    timeout: 10
state_machines:
  map-lambda:
    definition: map-lambda.asl.json
    type: EXPRESS
""".format(code=json.dumps(code)))
    return p


# ---------------------------------------------------------------- Lambda figures
def run_tool(argv, timeout=TIMEOUT):
    """Runs one of the C helpers; returns (list of its JSON lines, None) or (None, why)."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "%s: timed out after %g s" % (os.path.basename(argv[0]), timeout)
    except OSError as e:
        return None, "%s: %s" % (argv[0], e)
    if r.returncode != 0:
        return None, "%s exited %d: %s" % (os.path.basename(argv[0]), r.returncode,
                                          clip(r.stderr or "(no stderr)", 300))
    out = []
    for line in r.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            return None, "%s printed %s" % (os.path.basename(argv[0]), clip(line))
    return out, None


def lambda_figures(quick, log, notes):
    """The Lambda figures of issue 3 and the machine's floors, measured in this run.

    Returns a dict of named results (each a dict from the helpers, or None)
    and a list of errors.  See bench/README.md, "Lambda figures"."""
    res, errors = {}, []
    tool = lambda name: os.path.join(TOOLS, name)
    missing = [n for n in ("true", "true_curl", "floors", "lambda_bench", "echo/bootstrap")
               if not os.access(tool(n), os.X_OK)]
    if missing:
        errors.append("not built: %s in %s (run `make bench-tools`)" % (", ".join(missing), TOOLS))
        return res, errors
    n_exec, n_http, n_py = (50, 200, 5) if quick else (200, 2000, 30)
    n_warm, n_cold = (2_000, 5) if quick else (20_000, 30)
    # The interpreter steplocal's Python runtime runs (runtime/interp.c: a
    # real python3.N on PATH, else python3 with a version manager's shim
    # resolved), asked of the same code; its bare start is the floor.
    pyrt = "python3.%d" % sys.version_info.minor
    out, why = run_tool([tool("lambda_bench"), "--interp", pyrt])
    py = out[0]["path"] if out else None
    if why:
        errors.append(why)
    steps = [
        ("exec", [tool("floors"), "exec", str(n_exec), tool("true")]),
        ("exec_curl", [tool("floors"), "exec", str(n_exec), tool("true_curl")]),
        ("http", [tool("floors"), "http", str(n_http)]),
        ("http2", [tool("floors"), "http", str(n_http), "2"]),
    ]
    if py:
        steps.append(("pypass", [tool("floors"), "exec", str(n_py), py, "-c", "pass"]))
        notes.append("lambda: runtime %s runs %s here; `python3 -c pass` is timed with it" % (pyrt, py))
    else:
        errors.append("python3 not on PATH: no Python cold start")
    for key, argv in steps:
        log("bench: lambda floor %s" % key)
        out, why = run_tool(argv)
        if why:
            errors.append(why)
        else:
            res[key] = out[0]
    log("bench: lambda warm x%d and cold x%d (build/bench/lambda_bench)" % (n_warm, n_cold))
    argv = [tool("lambda_bench"), "--runtime-dir", os.path.join(ROOT, "runtime"),
            "--c-code", tool("echo"), "--warm", str(n_warm), "--cold", str(n_cold), "--chains", "2"]
    if py:
        argv += ["--py-code", os.path.join(HERE, "functions", "echo"), "--py-runtime", pyrt]
    out, why = run_tool(argv, timeout=max(TIMEOUT, 300))
    if why:
        errors.append(why)
    for o in out or []:
        if o.get("what") == "warm":
            res["warm%d" % o["chains"]] = o
        elif o.get("what") == "idle":
            res["idle"] = o
        elif o.get("what") == "cold":
            res["cold_c" if o["runtime"].startswith("provided") else "cold_py"] = o
    return res, errors


def fmt_us(v):
    """Microseconds as "85 µs" or "2.31 ms"."""
    if v is None:
        return "-"
    return "%.0f µs" % v if v < 1000 else "%.2f ms" % (v / 1000)


def lambda_table(res, errors):
    """The Markdown table of the Lambda figures, each beside its floor."""
    head = ["figure", "samples", "median", "p99", "invocations/s", "floor (this run)", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    g = res.get

    def row(cells):
        lines.append(md_row(cells))

    def floor(key, what):
        o = g(key)
        if o:
            row([what, fmt_int(o["n"]), fmt_us(o["median_us"]), fmt_us(o["p99_us"]), "-", "(floor)", "-"])

    floor("exec", "floor: fork+exec of a trivial C program")
    floor("exec_curl", "floor: fork+exec of a trivial C program linked with libcurl (as a C bootstrap is)")
    floor("pypass", "floor: fork+exec of `python3 -c pass`")
    h, h2 = g("http"), g("http2")
    if h:
        row(["floor: loopback HTTP round trip, evhttp server + libcurl client, kept-alive "
             "(round trips/s in the rate column)",
             fmt_int(h["n"]), fmt_us(h["keepalive_median_us"]), fmt_us(h["keepalive_p99_us"]),
             fmt_int(h["keepalive_per_s"]), "(floor)", "-"])
        row(["floor: the same, a new connection each", fmt_int(h["n"]), fmt_us(h["fresh_median_us"]),
             fmt_us(h["fresh_p99_us"]), "-", "(floor)", "-"])
    if h2:
        row(["floor: one evhttp server, 2 libcurl clients at once, kept-alive (all round trips/s)",
             "2 x %s" % fmt_int(h2["n"]), fmt_us(h2["keepalive_median_us"]), fmt_us(h2["keepalive_p99_us"]),
             fmt_int(h2["keepalive_per_s"]), "(floor)", "-"])
    o = g("idle")
    if o:
        # From a warm environment already holding GET /next: the event goes
        # out as that request's answer, the result comes back as a POST -
        # about one round trip.
        row(["warm invocation, C echo, an idle warm environment waiting on /next (lam_invoke to callback)",
             fmt_int(o["n"]), fmt_us(o["median_us"]), fmt_us(o["p99_us"]), "-",
             "1 round trip: %s" % fmt_us(h["keepalive_median_us"]) if h else "-",
             "median < %d µs" % WARM_MEDIAN_US])
    for chains, fl in ((1, h), (2, h2)):
        o = g("warm%d" % chains)
        if not o:
            continue
        # An invocation is 2 Runtime API round trips: POST /response (202), then GET /next (200).
        rt = ("2 round trips: %s, at most %s/s" % (fmt_us(2 * fl["keepalive_median_us"]),
                                                  fmt_int(fl["keepalive_per_s"] / 2))) if fl else "-"
        row(["warm invocations back to back, C echo, %d chain%s (each waits for the previous one's "
             "202 and next GET /next; service CPU %s per invocation)"
             % (chains, "s" if chains > 1 else "", fmt_us(o.get("service_cpu_us"))),
             fmt_int(o["n"]), fmt_us(o["median_us"]), fmt_us(o["p99_us"]), fmt_int(o["per_s"]), rt,
             ">= %s/s" % fmt_int(WARM_RATE)])
    o = g("cold_c")
    if o:
        fl = "fork+exec %s; with libcurl %s" % (fmt_us(g("exec", {}).get("median_us")),
                                               fmt_us(g("exec_curl", {}).get("median_us")))
        row(["cold start, C (provided.al2023), new function each (Init Duration median %s)"
             % fmt_us(o["init_median_us"]), fmt_int(o["n"]), fmt_us(o["median_us"]), fmt_us(o["p99_us"]),
             "-", fl, "< %.0f ms" % COLD_C_MS])
    o = g("cold_py")
    if o:
        pp = g("pypass", {}).get("median_us")
        row(["cold start, Python (%s), new function each (Init Duration median %s)"
             % (o["runtime"], fmt_us(o["init_median_us"])), fmt_int(o["n"]), fmt_us(o["median_us"]),
             fmt_us(o["p99_us"]), "-", "python3 -c pass %s" % fmt_us(pp),
             "< %s" % fmt_us(pp + COLD_PY_MARGIN_MS * 1000) if pp else "-"])
    for e in errors:
        row(["**FAIL**: " + clip(e, 300), "", "", "", "", "", ""])
    return "\n".join(lines)


def lambda_targets(res, errors):
    """[(PASS|FAIL, text)] for the Lambda figures' targets."""
    t = []
    g = res.get
    w1, w2, wi = g("warm1"), g("warm2"), g("idle")
    if wi:
        t.append(("PASS" if wi["median_us"] < WARM_MEDIAN_US else "FAIL",
                  "warm C invocation median < %d µs: %s from an idle warm environment (p99 %s; floor: "
                  "HTTP round trip %s; back to back, 1 chain: %s, as it also waits for the previous "
                  "invocation's 202 and GET /next)"
                  % (WARM_MEDIAN_US, fmt_us(wi["median_us"]), fmt_us(wi["p99_us"]),
                     fmt_us(g("http", {}).get("keepalive_median_us")),
                     fmt_us(w1["median_us"]) if w1 else "-")))
    else:
        t.append(("FAIL", "warm C invocation median < %d µs: no measurement" % WARM_MEDIAN_US))
    if w1 or w2:
        best = max((w for w in (w1, w2) if w), key=lambda w: w["per_s"])
        t.append(("PASS" if best["per_s"] >= WARM_RATE else "FAIL",
                  "warm C invocations >= %s/s: %s/s with %d chain(s) (1 chain %s/s, 2 chains %s/s; "
                  "floor: 2 round trips each, at most %s/s)"
                  % (fmt_int(WARM_RATE), fmt_int(best["per_s"]), best["chains"],
                     fmt_int(w1["per_s"]) if w1 else "-", fmt_int(w2["per_s"]) if w2 else "-",
                     fmt_int(max(g("http", {}).get("keepalive_per_s", 0),
                                 g("http2", {}).get("keepalive_per_s", 0)) / 2))))
    else:
        t.append(("FAIL", "warm C invocations >= %s/s: no measurement" % fmt_int(WARM_RATE)))
    c = g("cold_c")
    if c:
        curl = g("exec_curl", {}).get("median_us")
        t.append(("PASS" if c["median_us"] < COLD_C_MS * 1000 else "FAIL",
                  "cold start of a C function < %.0f ms: %s (floors: fork+exec %s, a program linked "
                  "with libcurl %s%s)" % (COLD_C_MS, fmt_us(c["median_us"]),
                                         fmt_us(g("exec", {}).get("median_us")), fmt_us(curl),
                                         "; above that floor: %s" % fmt_us(c["median_us"] - curl)
                                         if curl else "")))
    else:
        t.append(("FAIL", "cold start of a C function < %.0f ms: no measurement" % COLD_C_MS))
    p, pp = g("cold_py"), g("pypass")
    if p and pp:
        lim = pp["median_us"] + COLD_PY_MARGIN_MS * 1000
        t.append(("PASS" if p["median_us"] < lim else "FAIL",
                  "cold start of a Python function < python3 -c pass + %.0f ms = %s: %s"
                  % (COLD_PY_MARGIN_MS, fmt_us(lim), fmt_us(p["median_us"]))))
    else:
        t.append(("FAIL", "cold start of a Python function < python3 -c pass + %.0f ms: no measurement"
                  % COLD_PY_MARGIN_MS))
    return t


# ---------------------------------------------------------------- report
def fmt_int(v):
    return "-" if v is None else "{:,}".format(int(round(v)))


def fmt_s(v):
    if v is None:
        return "-"
    return "%.3f" % v if v >= 0.1 else "%.4f" % v


def fmt_rate(v):
    if v is None:
        return "-"
    return "%.2f" % v if v < 100 else fmt_int(v)


def fmt_mb(v):
    return "-" if v is None else "%.1f" % v


def machine_info():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model, mem = platform.processor() or "unknown", "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
                    break
    except OSError:
        pass
    return "%d CPU (%s), %s RAM" % (cpus, model, mem)


def tool_versions(peer):
    node = "-"
    if peer:
        try:
            node = subprocess.run([peer[0], "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
        except OSError:
            pass
    rev = "-"
    try:
        r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        rev = r.stdout.strip() or "no commit yet"
        d = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if r.returncode == 0 and d.stdout.strip():
            rev += " (+ local changes)"
    except OSError:
        pass
    if not peer:
        return "steplocal %s; peer skipped" % rev
    return "steplocal %s; peer %s@%s on node %s" % (rev, PEER_PKG, PEER_VERSION, node)


def cell_status(m):
    if m is None:
        return None
    if m.unsupported:
        return NOT_YET
    if m.blocked:
        return "BLOCKED by AWS's 256 KB payload limit: " + clip(m.error, 200)
    if not m.ok:
        return "**FAIL**: " + clip(m.error, 200)
    return None


def row_cells(label, impl, typ, m):
    """The first 9 cells of a table row (all but the ratio)."""
    if m is None:
        return [label, impl, typ, "-", "-", "skipped", "", "", ""]
    n = fmt_int(m.n) if m.n else "-"
    st = cell_status(m)
    if st:
        return [label, impl, typ, n, fmt_int(m.transitions), st, "", "", ""]
    secs = fmt_s(m.seconds) + ("" if m.timed_by == "stats" else " (wall)")
    return [label, impl, typ, n, fmt_int(m.transitions), secs, fmt_s(m.wall),
            fmt_rate(m.rate), fmt_mb(m.rss_mb)]


def md_row(cells):
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def build_report(rows, targets, notes, extra=None):
    """The Markdown table(s), the target verdicts and the notes."""
    head = ["workload", "impl", "type", "N", "transitions", "seconds", "wall s",
            "transitions/s", "peak RSS MB", "steplocal/peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case, ms, mp in rows:
        ratio = "-"
        if case.workload == "retry":
            ratio = "n/a (%.0f s floor)" % RETRY_FLOOR
        elif not case.peer:
            ratio = "n/a (target row)"
        elif ratio_of(ms, mp) is not None:
            ratio = "**%.1fx**" % ratio_of(ms, mp) + ("" if ms.timed_by == "stats" else " (wall)")
        lines.append(md_row(row_cells(case.key, "steplocal", case.type, ms) + [ratio]))
        if case.peer:
            lines.append(md_row(row_cells("", "peer", "", mp) + [""]))
    out = ["\n".join(lines), ""]
    if extra:
        out += ["Lambda figures (issue 3), each beside the machine's floor measured in this run:", "",
                extra, ""]
    out += ["Targets:", ""]
    for verdict, text in targets:
        out.append("- %s %s" % (verdict, text))
    if notes:
        out += ["", "Notes:", ""]
        out += ["- " + n for n in notes]
    return "\n".join(out) + "\n"


def evaluate(rows):
    """[(PASS|FAIL|n/a, text)] for every target."""
    t = []
    by = {c.key: (c, ms, mp) for c, ms, mp in rows}

    def rate_target(key, want, what):
        if key not in by:
            return
        c, ms, _ = by[key]
        if ms is None or not ms.ok:
            t.append(("FAIL" if ms is not None and not ms.unsupported else "n/a",
                      "%s >= %s transitions/s: no measurement" % (what, fmt_int(want))))
            return
        t.append(("PASS" if ms.rate >= want else "FAIL",
                  "%s >= %s transitions/s: %s at N=%s" % (what, fmt_int(want), fmt_int(ms.rate), fmt_int(ms.n))))

    rate_target("loop-express", EXPRESS_LOOP_RATE, "loop EXPRESS")
    rate_target("loop-standard", STANDARD_LOOP_RATE, "loop STANDARD (full history)")
    if "map-100k" in by:
        c, ms, _ = by["map-100k"]
        what = "map at N=%s < %.1f s and < %d MB" % (fmt_int(c.n), MAP_SECONDS, MAP_RSS_MB)
        if ms is not None and ms.blocked:
            t.append(("BLOCKED", what + ": steplocal refuses it under AWS's 256 KB payload limit "
                      "(input %s bytes; output ~55 bytes/item); needs a decision (see notes)"
                      % fmt_int(c.input_bytes or 0)))
        elif ms is None or not ms.ok:
            t.append(("FAIL", what + ": no measurement"))
        else:
            t.append(("PASS" if ms.seconds < MAP_SECONDS else "FAIL",
                      "map at N=%s < %.1f s: %s s%s" % (fmt_int(ms.n), MAP_SECONDS, fmt_s(ms.seconds),
                                                       "" if ms.timed_by == "stats" else " (wall)")))
            t.append(("PASS" if ms.rss_mb < MAP_RSS_MB else "FAIL",
                      "map at N=%s peak RSS < %d MB: %s MB" % (fmt_int(ms.n), MAP_RSS_MB, fmt_mb(ms.rss_mb))))
    if "map-lambda" in by:
        c, ms, _ = by["map-lambda"]
        what = "Map of %s Tasks on a C function (MaxConcurrency %d) < %.0f s" % (
            fmt_int(c.n), MAP_LAMBDA_CONCURRENCY, MAP_LAMBDA_SECONDS)
        if ms is None or not ms.ok:
            t.append(("FAIL", what + ": no measurement"))
        else:
            t.append(("PASS" if ms.seconds < MAP_LAMBDA_SECONDS else "FAIL",
                      "%s: %s s%s (wall %s s)" % (what, fmt_s(ms.seconds),
                                                  "" if ms.timed_by == "stats" else " (wall)",
                                                  fmt_s(ms.wall))))
    for c, ms, mp in rows:
        if not c.peer:
            continue
        if c.workload == "retry":
            if ms is not None and ms.ok:
                ok = RETRY_FLOOR <= ms.wall
                t.append(("PASS" if ok else "FAIL",
                          "retry honours the %.0f s wait floor: wall %s s (ratio to peer not a target: both wait %.0f s)"
                          % (RETRY_FLOOR, fmt_s(ms.wall), RETRY_FLOOR)))
            else:
                t.append(("n/a", "retry: no steplocal measurement (ratio to peer not a target: %.0f s floor)" % RETRY_FLOOR))
            continue
        what = "%s >= %dx the peer's transitions/s" % (c.key, PEER_RATIO)
        if ms is None or mp is None or not ms.ok or not mp.ok:
            verdict = "n/a" if (ms is not None and ms.unsupported) or mp is None else "FAIL"
            t.append((verdict, what + ": no comparison"))
            continue
        r = ratio_of(ms, mp)
        t.append(("PASS" if r >= PEER_RATIO else "FAIL", "%s: %.1fx" % (what, r)))
    return t


def write_results(report, header_lines):
    """Prepend this run to bench/RESULTS.md (newest first)."""
    title = "# Benchmark results\n\nWritten by `make bench` (bench/bench.py --write-results); newest run first. See bench/README.md.\n"
    old = ""
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as f:
            old = f.read()
        if old.startswith("# Benchmark results"):
            i = old.find("\n## ")
            old = old[i + 1:] if i >= 0 else ""
    entry = "## " + header_lines[0] + "\n\n" + "\n".join("- " + h for h in header_lines[1:]) + "\n\n" + report
    with open(RESULTS + ".tmp", "w", encoding="utf-8") as f:
        f.write(title + "\n" + entry + ("\n" + old if old else ""))
    os.replace(RESULTS + ".tmp", RESULTS)


# ---------------------------------------------------------------- main
def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("steplocal", help="path to the steplocal binary")
    ap.add_argument("--write-results", action="store_true", help="prepend this run to bench/RESULTS.md")
    ap.add_argument("--repeat", type=int, default=int(os.environ.get("SL_BENCH_REPEAT", "3")),
                    help="runs per measurement; the fastest counts (default 3)")
    ap.add_argument("--only", default="", help="comma-separated rows (loop-express, map, task, ...) or workloads")
    ap.add_argument("--quick", action="store_true", help="small sizes, to test the harness")
    ap.add_argument("--no-peer", action="store_true", help="skip aws-local-stepfunctions")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    bdir = bench_dir()
    wdir, idir = os.path.join(bdir, "workloads"), os.path.join(bdir, "inputs")
    if not os.path.isdir(wdir) or not os.path.isdir(idir):
        log("bench: no workloads in %s (set SL_BENCH_DIR to the shared bench folder)" % bdir)
        return 2
    sl = os.path.abspath(a.steplocal) if os.sep in a.steplocal else (shutil.which(a.steplocal) or a.steplocal)
    if not os.access(sl, os.X_OK):
        log("bench: %s is not an executable" % a.steplocal)
        return 2

    found = sorted(f[:-len(".asl.json")] for f in os.listdir(wdir) if f.endswith(".asl.json"))
    unknown = [w for w in found if w not in TRANSITIONS]
    all_cases = cases(a.quick)
    covered = {c.workload for c in all_cases}
    missing = [w for w in covered if w not in found and w not in GENERATED]
    notes = []
    for w in unknown:
        notes.append("workload %s.asl.json has no transition formula in bench.py; not run" % w)
    for w in missing:
        notes.append("workload %s.asl.json is missing from %s; not run" % (w, wdir))
    sel = [c for c in all_cases if c.workload in found or c.workload in GENERATED]
    want_lambda = True            # the Lambda figures (floors, warm, cold): --only lambda
    if a.only:
        want = {s.strip() for s in a.only.split(",") if s.strip()}
        sel = [c for c in sel if c.key in want or c.workload in want]
        want_lambda = "lambda" in want
        if not sel and not want_lambda:
            log("bench: --only %s matches no row" % a.only)
            return 2

    peer = None if a.no_peer else ensure_peer(log)
    steplocal = Impl("steplocal", [sl], "steplocal")
    peer_impl = Impl("peer", peer, "peer") if peer else None

    tmp = tempfile.mkdtemp(prefix="sl-bench-")
    rows = []
    bad = False
    lam_res, lam_errors = {}, []
    t_start = time.time()
    try:
        SPAWNER[:] = build_spawner(tmp, notes)
        inputs = Inputs(idir, tmp)
        project, flaky_state = write_project(tmp, bdir)
        c_project = write_c_project(tmp)
        env = dict(os.environ)
        for c in sel:
            defn = os.path.join(wdir, c.workload + ".asl.json")
            repeat = c.repeat or max(1, a.repeat)
            log("bench: %-14s steplocal %s N=%s x%d" % (c.key, c.type, c.n if c.n else "-", repeat))
            sn = c.n if c.workload in SIZED else 0
            proj = project if c.lam else (c_project if c.c_project else None)
            reset = (lambda: reset_flaky(flaky_state)) if c.lam else None
            ipath = inputs.path(c.workload, sn)
            c.input_bytes = os.path.getsize(ipath)
            if c.c_project and not c_project:
                ms = Measure()
                ms.n = sn
                ms.transitions = TRANSITIONS[c.workload](sn)
                ms.error = "%s/echo/bootstrap is not built (run `make bench-tools`)" % TOOLS
                bad = True
            else:
                ms = measure(steplocal, c, sn, defn, ipath, repeat,
                             project=proj, env=env, before_run=reset)
            if c.lam and not ms.ok:
                # The Lambda side may not exist yet: say so, with its words, never a number.
                notes.append("%s: steplocal said: %s" % (c.key, clip(ms.error, 300)))
            elif ms.blocked:
                notes.append("%s: steplocal enforces AWS's 256 KB limit on inputs and state outputs; "
                             "the target's N cannot run under it (peer: no limit)" % c.key)
            elif not ms.ok:
                bad = True
            mp = None
            if peer_impl and c.peer:
                pn = c.peer_n if c.workload in SIZED else 0
                log("bench: %-14s peer N=%s x%d" % (c.key, pn if pn else "-", repeat))
                mp = measure(peer_impl, c, pn, defn, inputs.path(c.workload, pn), repeat)
                if not mp.ok:
                    bad = True
            for m, who in ((ms, "steplocal"), (mp, "peer")):
                if m is not None:
                    for n in m.notes:
                        notes.append("%s, %s: %s" % (c.key, who, n))
            rows.append((c, ms, mp))
        if want_lambda:
            lam_res, lam_errors = lambda_figures(a.quick, log, notes)
            if lam_errors:
                bad = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    targets = evaluate(rows)
    extra = None
    if want_lambda:
        targets += lambda_targets(lam_res, lam_errors)
        extra = lambda_table(lam_res, lam_errors)
        notes.append("lambda figures: medians over the samples shown, from build/bench/ (`make bench-tools`): "
                     "floors (bench/floors.c) and the Lambda service driven directly (bench/lambda_bench.c, "
                     "lam_invoke to callback, CLOCK_MONOTONIC; every answer checked); `service CPU` is the "
                     "driver process's own CPU time (the service's side) per invocation. map-lambda runs "
                     "through the CLI (`run map-lambda -f <generated project> --max-payload 0 --stats`), "
                     "its output checked item by item.")
    if any(ms is not None and ms.ok and ms.timed_by == "wall" for _, ms, _ in rows):
        notes.append("seconds marked (wall) include process start and file parsing; "
                     "their ratio is taken against the peer's wall time too")
    notes.append("seconds: execution time reported by --stats (process start, file parsing and, "
                 "for the peer, validation excluded); best of %d runs (retry: 1). "
                 "Peak RSS: the child's ru_maxrss, max over runs. Transitions from the shared "
                 "bench/README.md formulas. Ratio = steplocal transitions/s / peer transitions/s, "
                 "each at its own N." % max(1, a.repeat))
    report = build_report(rows, targets, notes, extra)
    date = subprocess.run(["date", "-u"], stdout=subprocess.PIPE, text=True).stdout.strip()
    header = [date, "machine: " + machine_info(), tool_versions(peer),
              "bench took %.0f s%s%s" % (time.time() - t_start, " (--quick)" if a.quick else "",
                                         " (--only %s)" % a.only if a.only else "")]
    print("\n".join(header))
    print()
    print(report, end="")
    if a.write_results:
        write_results(report, header)
        log("bench: results prepended to %s" % os.path.relpath(RESULTS, os.getcwd()))
    if bad:
        log("bench: FAILED: a run produced a wrong result (see the table)")
        return 1
    if a.strict and any(v == "FAIL" for v, _ in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
