"""tests/load/load.py - load and soak tests of `steplocal serve` (not part of `make test`).

Usage: python3 tests/load/load.py [--soak] ./steplocal BUILD/tests/load/echo/bootstrap
  make test-load    1,000 executions started at once through the Step
                    Functions API (boto3, a thread pool); every one must end
                    SUCCEEDED with exactly its expected output.
  make soak         SOAK_SECONDS (default 600) of steady load (SOAK_INFLIGHT
                    executions always running, default 16); the server's RSS,
                    open descriptors and child processes are sampled every
                    SOAK_SAMPLE seconds (default 5).  After a warm-up (the
                    first tenth, at least 30 s), the last third must not be
                    above the first third by more than the tolerance (RSS:
                    max(10 %, 16 MB); descriptors: 16), and no function
                    process may be left once the server stops.

The state machine (LoadWorkflow) has a Task (Prepare, Python, reserved
concurrency 4), a Parallel (a Task on Echo, a C function on the C runtime
client, beside a Pass) and a Map (a Task on Echo per item).  Tasks retry
Lambda.TooManyRequestsException as AWS recommends: the account-wide
concurrency cap (--concurrency) throttles, as on AWS.  Figures are printed
at the end, one "key: value" a line.  LOAD_EXECUTIONS, LOAD_THREADS,
LOAD_CONCURRENCY and LOAD_SERVE_ARGS (more `serve` arguments, e.g.
"--keep-executions 0") change the set-up.
"""
import json
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True      # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hostile"))
import harness as H  # noqa: E402

SOAK = "--soak" in sys.argv
if SOAK:
    sys.argv.remove("--soak")
BIN = H.binary_arg()
ECHO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(H.TOP, "build", "tests", "load", "echo", "bootstrap"))
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = H.temp_dir("sl-load-")
MARK = os.path.basename(TMP)
H.boto3_env(TMP)

EXECUTIONS = int(os.environ.get("LOAD_EXECUTIONS", "1000"))
THREADS = int(os.environ.get("LOAD_THREADS", "64"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "64"))
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
SOAK_INFLIGHT = int(os.environ.get("SOAK_INFLIGHT", "16"))
SOAK_SAMPLE = float(os.environ.get("SOAK_SAMPLE", "5"))
SERVE_ARGS = os.environ.get("LOAD_SERVE_ARGS", "").split()    # e.g. "--keep-executions 0"

RETRY = [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "BackoffRate": 1.5,
          "MaxDelaySeconds": 5, "MaxAttempts": 100, "JitterStrategy": "FULL"}]
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
DEFINITION = {
    "Comment": "tests/load: a Task, a Parallel and a Map",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": ARN + "Prepare", "Retry": RETRY, "Next": "Fan"},
        "Fan": {"Type": "Parallel", "ResultPath": "$.par", "Next": "Each", "Branches": [
            {"StartAt": "Bump", "States": {"Bump": {
                "Type": "Task", "Resource": ARN + "Echo", "Retry": RETRY,
                "Parameters": {"v.$": "States.MathAdd($.sum, 1)"}, "End": True}}},
            {"StartAt": "Id", "States": {"Id": {"Type": "Pass", "Parameters": {"v.$": "$.id"}, "End": True}}},
        ]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.map", "MaxConcurrency": 0,
                 "ItemSelector": {"x.$": "$$.Map.Item.Value", "id.$": "$.id"},
                 "ItemProcessor": {"StartAt": "Call", "States": {"Call": {
                     "Type": "Task", "Resource": ARN + "Echo", "Retry": RETRY, "End": True}}},
                 "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}
PROJECT = """
functions:
  Prepare: {runtime: python3.12, handler: app.handler, code: %(py)s, concurrency: 4,
            environment: {HOSTILE_MARK: %(m)s}}
  Echo: {runtime: provided.al2023, code: %(c)s, environment: {HOSTILE_MARK: %(m)s}}
state_machines:
  LoadWorkflow: {definition: load.asl.json}
""" % {"py": os.path.join(HERE, "fns"), "c": os.path.dirname(ECHO), "m": MARK}


def expected(k):
    items = [k, k + 1, k + 2]
    return {"id": k, "items": items, "sum": 3 * k + 3, "par": [{"v": 3 * k + 4}, {"v": k}],
            "map": [{"x": x, "id": k} for x in items]}


def sample(pid):
    return {"t": time.time(), "rss_kb": H.status_kb(pid, "VmRSS"), "fds": H.fd_count(pid),
            "children": len(H.children(pid))}


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def figures(d):
    for k, v in d.items():
        print("%s: %s" % (k, v))
    sys.stdout.flush()


def start(sfn, k, prefix="x"):
    """StartExecution, retried on a connection error (a hang guard, not expected)."""
    for attempt in range(5):
        try:
            return sfn.start_execution(stateMachineArn=H.SM + "LoadWorkflow", name="%s-%d" % (prefix, k),
                                       input=json.dumps({"id": k, "items": [k, k + 1, k + 2]}))["executionArn"]
        except Exception:
            if attempt == 4:
                raise
            time.sleep(0.2)


def load(srv, sfn):
    """1,000 executions at once; returns (failures, figures)."""
    t0 = time.time()
    with ThreadPoolExecutor(THREADS) as pool:
        arns = list(pool.map(lambda k: start(sfn, k), range(EXECUTIONS)))
    started = time.time()
    peak_children = 0

    def running():
        nonlocal peak_children
        peak_children = max(peak_children, len(H.children(srv.pid)))
        n = 0
        for page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=H.SM + "LoadWorkflow", statusFilter="RUNNING"):
            n += len(page["executions"])
        return n == 0

    finished = H.wait_until(running, 600, step=0.5)
    done = time.time()
    failures = []
    if not finished:
        failures.append("executions still running after 600 s")
    statuses = {}

    def check(k):
        d = sfn.describe_execution(executionArn=arns[k])
        statuses[d["status"]] = statuses.get(d["status"], 0) + 1
        if d["status"] != "SUCCEEDED":
            return "x-%d: %s %s %s" % (k, d["status"], d.get("error"), d.get("cause"))
        if json.loads(d["output"]) != expected(k):
            return "x-%d: output %s" % (k, d["output"])
        return None

    with ThreadPoolExecutor(16) as pool:
        failures += [f for f in pool.map(check, range(EXECUTIONS)) if f]
    return failures, {
        "executions": EXECUTIONS,
        "statuses": json.dumps(statuses, sort_keys=True),
        "start_all_s": round(started - t0, 2),
        "all_final_s": round(done - t0, 2),
        "executions_per_s": round(EXECUTIONS / (done - t0), 1),
        "server_peak_rss_mb": round(H.status_kb(srv.pid, "VmHWM") / 1024, 1),
        "server_fds_after": H.fd_count(srv.pid),
        "function_processes_peak": peak_children,
    }


def soak(srv, sfn):
    """Steady load for SOAK_SECONDS; returns (failures, figures)."""
    stop = threading.Event()
    counts = {"done": 0, "bad": 0}
    lock = threading.Lock()
    errors = []

    def worker(w):
        k = w
        while not stop.is_set():
            try:
                arn = start(sfn, k, "s")
                while True:
                    d = sfn.describe_execution(executionArn=arn)
                    if d["status"] != "RUNNING":
                        break
                    time.sleep(0.05)
                ok = d["status"] == "SUCCEEDED" and json.loads(d["output"]) == expected(k)
            except Exception as e:          # counted, and the first few kept
                ok = False
                d = {"status": repr(e)}
            with lock:
                counts["done"] += 1
                if not ok:
                    counts["bad"] += 1
                    if len(errors) < 5:
                        errors.append("s-%d: %s %s %s" % (k, d.get("status"), d.get("error"), d.get("cause")))
            k += SOAK_INFLIGHT

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(SOAK_INFLIGHT)]
    t0 = time.time()
    for t in threads:
        t.start()
    samples = []
    while time.time() - t0 < SOAK_SECONDS:
        time.sleep(SOAK_SAMPLE)
        s = sample(srv.pid)
        with lock:
            s["done"] = counts["done"]
        samples.append(s)
        print("sample t=%4.0fs rss=%6.1f MB fds=%4d children=%3d executions=%d" % (
            s["t"] - t0, s["rss_kb"] / 1024, s["fds"], s["children"], s["done"]), flush=True)
    stop.set()
    for t in threads:
        t.join(60)
    elapsed = time.time() - t0
    warm = max(30.0, SOAK_SECONDS / 10)
    steady = [s for s in samples if s["t"] - t0 >= warm]
    third = max(1, len(steady) // 3)
    first, last = steady[:third], steady[-third:]
    failures = ["%d of %d executions failed, e.g. %s" % (counts["bad"], counts["done"], errors)] \
        if counts["bad"] else []
    rss_first, rss_last = mean([s["rss_kb"] for s in first]), mean([s["rss_kb"] for s in last])
    fds_first, fds_last = max(s["fds"] for s in first), max(s["fds"] for s in last)
    ch_first, ch_last = max(s["children"] for s in first), max(s["children"] for s in last)
    n_first, n_last = mean([s["done"] for s in first]), mean([s["done"] for s in last])
    growth = rss_last - rss_first
    if growth > max(0.10 * rss_first, 16 * 1024):
        failures.append("RSS grew from %.1f MB to %.1f MB (%.0f bytes per execution)" % (
            rss_first / 1024, rss_last / 1024, growth * 1024 / max(1.0, n_last - n_first)))
    if fds_last > fds_first + 16:
        failures.append("descriptors grew from %d to %d" % (fds_first, fds_last))
    if ch_last > ch_first + 8:
        failures.append("function processes grew from %d to %d" % (ch_first, ch_last))
    return failures, {
        "soak_seconds": round(elapsed),
        "executions": counts["done"],
        "executions_per_s": round(counts["done"] / elapsed, 1),
        "failed_executions": counts["bad"],
        "rss_first_third_mb": round(rss_first / 1024, 1),
        "rss_last_third_mb": round(rss_last / 1024, 1),
        "rss_growth_bytes_per_execution": round(growth * 1024 / max(1.0, n_last - n_first), 1),
        "server_peak_rss_mb": round(H.status_kb(srv.pid, "VmHWM") / 1024, 1),
        "fds_first_third_max": fds_first,
        "fds_last_third_max": fds_last,
        "children_first_third_max": ch_first,
        "children_last_third_max": ch_last,
    }


def main():
    with open(os.path.join(TMP, "load.asl.json"), "w") as f:
        json.dump(DEFINITION, f)
    with open(os.path.join(TMP, "steplocal.yaml"), "w") as f:
        f.write(PROJECT)
    srv = H.Server(BIN, TMP, TMP, extra=["--concurrency", str(CONCURRENCY), "--wait-scale", "0.1"] + SERVE_ARGS)
    sfn, _ = srv.clients()
    failures, figs = [], {}
    try:
        failures, figs = soak(srv, sfn) if SOAK else load(srv, sfn)
    except Exception as e:
        failures.append("the test broke: %r" % e)
    alive = srv.alive()
    rc = srv.stop(signal.SIGTERM)
    if not alive:
        failures.append("the server died: " + srv.tail())
    elif rc != 0:
        failures.append("the server exited with %s on SIGTERM" % rc)
    left = H.wait_until(lambda: not H.marked(MARK), 10)
    if not left:
        failures.append("processes left behind:\n" + H.describe(H.marked(MARK)))
        H.kill_marked(MARK)
    figs["date"] = time.strftime("%Y-%m-%d")
    figs["cpus"] = os.cpu_count()
    figures(figs)
    for f in failures[:20]:
        print("FAIL: " + f)
    print("%s: %s" % ("soak" if SOAK else "load", "FAILED" if failures else "passed"))
    if not failures:
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print("(server log: %s)" % srv.log_path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
