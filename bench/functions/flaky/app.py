"""flaky: fails its first 2 invocations with errorType Lambda.ServiceException,
then returns {"ok": true, "attempt": 3} (the bench `retry` workload).

The attempt count lives in a file under $FLAKY_STATE_DIR (bench.py empties it
before each execution), so it does not depend on environment reuse.
"""
import os

# The Python runtime reports type(e).__name__ as errorType.
ServiceException = type("Lambda.ServiceException", (Exception,), {})


def handler(event, context):
    path = os.path.join(os.environ.get("FLAKY_STATE_DIR", "/tmp"), "flaky.attempts")
    try:
        with open(path) as f:
            attempt = int(f.read() or 0) + 1
    except FileNotFoundError:
        attempt = 1
    with open(path, "w") as f:
        f.write(str(attempt))
    if attempt <= 2:
        raise ServiceException("flaky: simulated failure %d of 2" % attempt)
    return {"ok": True, "attempt": attempt}
