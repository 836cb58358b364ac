"""A handler module whose import never ends: the runtime never reaches /next."""
import time

while True:
    time.sleep(3600)


def handler(event, context):
    return event
