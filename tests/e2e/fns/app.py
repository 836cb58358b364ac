"""Functions of the end-to-end tests, one module, several handlers."""
import json
import os
import time


class CustomError(Exception):
    pass


def echo(event, context):
    return event


def boom(event, context):
    raise CustomError("boom: %s" % event.get("why", "no reason"))


def sleepy(event, context):
    time.sleep(float(event.get("seconds", 5)))
    return {"slept": event.get("seconds", 5)}


def env(event, context):
    return {"keys": sorted(os.environ.keys()), "greeting": os.environ.get("GREETING"),
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000}


def crash(event, context):
    os._exit(3)


def hog(event, context):
    blocks = []
    while True:
        blocks.append(bytearray(16 * 1024 * 1024))
        for i in range(0, len(blocks[-1]), 4096):
            blocks[-1][i] = 1


def huge(event, context):
    return "x" * (7 * 1024 * 1024)
