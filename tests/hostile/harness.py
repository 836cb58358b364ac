"""tests/hostile/harness.py - what the hostile and load tests share: a `steplocal serve`
on a free loopback port, boto3 clients for it, and process accounting through /proc.

Processes are found by a marker in their environment (a project sets
HOSTILE_MARK=<unique text> on its functions), not by name: a function's
children and a daemon that left its session keep the environment they were
started with, so the marker finds every process a test started, and only
those, even when other checkouts run the same tests at once.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
ACCOUNT, REGION = "123456789012", "us-east-1"
SM = "arn:aws:states:%s:%s:stateMachine:" % (REGION, ACCOUNT)
ROLE = "arn:aws:iam::%s:role/test" % ACCOUNT


def boto3_env(tmp):
    """Dummy credentials and no user configuration for boto3 (call before importing it);
    zip packages extracted under tmp, not in the user's cache."""
    os.environ.update({
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
        "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
    })


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout, step=0.05):
    """Polls pred until it is true or timeout seconds pass (a hang guard, not a timing test)."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() >= deadline:
            return v
        time.sleep(step)


# ---- /proc ----

def proc_stat(pid):
    """(state, ppid, pgrp, session) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def marked(mark):
    """Live (not zombie) pids whose environment holds HOSTILE_MARK=<mark...>."""
    key = ("HOSTILE_MARK=" + mark).encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if any(v.startswith(key) for v in env.split(b"\0")):
            st = proc_stat(int(d))
            if st and st[0] != "Z":
                found.append(int(d))
    return found


def describe(pids):
    out = []
    for p in pids:
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "?"
        out.append("%d %s %s" % (p, proc_stat(p), cmd))
    return "\n".join(out)


def kill_marked(mark):
    for p in marked(mark):
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def status_kb(pid, field):
    """A field of /proc/PID/status in kB (VmRSS, VmHWM), or 0."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def listening(port):
    """Addresses with a TCP socket listening on port (/proc/net/tcp and tcp6)."""
    found = []
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/net/" + name) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, p = fields[1].split(":")
            if fields[3] != "0A" or int(p, 16) != port:
                continue
            raw = bytes.fromhex(addr)
            if len(raw) == 4:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def children(pid):
    """Live direct children of pid (zombies included: they are leaks too)."""
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


# ---- a server ----

class Server:
    """`steplocal serve` on a free port, in its own session, logging to a file."""

    def __init__(self, binary, project, tmp, extra=(), name="server", quiet=True, host=None):
        self.port = free_port()
        self.host = host or "127.0.0.1"
        self.url = "http://%s:%d" % (self.host, self.port)
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [binary, "serve", "--port", str(self.port), "-f", project] + (["--quiet"] if quiet else []) +
            (["--host", host] if host else []) + list(extra),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid
        up = wait_until(self._up, 30)
        if not up or self.proc.poll() is not None:
            raise RuntimeError("the server did not start: " + self.tail())

    def _up(self):
        if self.proc.poll() is not None:
            return True
        try:
            socket.create_connection((self.host, self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def alive(self):
        return self.proc.poll() is None

    def tail(self, n=4000):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            text = f.read()[-n:]
        # A flooding function's lines would hide everything else.
        return "\n".join(line if len(line) <= 300 else line[:300] + "..." for line in text.split("\n"))

    def clients(self, read_timeout=120):
        import boto3
        from botocore.config import Config
        cfg = Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout, connect_timeout=5,
                     max_pool_connections=64)
        sfn = boto3.client("stepfunctions", endpoint_url=self.url, region_name=REGION, config=cfg)
        lam = boto3.client("lambda", endpoint_url=self.url, region_name=REGION, config=cfg)
        return sfn, lam

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server; returns its exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()
            return None
        finally:
            self.log.close()


def binary_arg(default_name="steplocal"):
    """The steplocal binary: argv[1], $STEPLOCAL, or ./steplocal at the top."""
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        return os.path.abspath(sys.argv.pop(1))
    return os.path.abspath(os.environ.get("STEPLOCAL") or os.path.join(TOP, default_name))


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def run_suite(module, state, mark, tmp, grace=10, extra=None):
    """Runs the module's tests, then checks that state["server"] (a Server
    that setUpModule started, if any) stops cleanly on SIGTERM and that no
    process marked with mark is
    left; prints "N passed, N failed" (after extra(), when given), removes
    tmp and returns the exit status."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed
    server = state.get("server")
    if server:
        alive = server.alive()
        rc = server.stop(signal.SIGTERM)
        if not alive or rc != 0:
            print("FAIL: the server %s (exit %s)" % ("died" if not alive else "did not stop cleanly", rc))
            failed += 1
        else:
            passed += 1
    if wait_until(lambda: not marked(mark), grace):
        passed += 1
    else:
        print("FAIL: processes left behind:\n" + describe(marked(mark)))
        kill_marked(mark)
        failed += 1
    if failed and server:
        print("---- server log (tail) ----")
        print(server.tail())
    if extra:
        extra()
    print("%d passed, %d failed" % (passed, failed))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0
