"""echo: returns its event unchanged (the bench `task` workload)."""


def handler(event, context):
    return event
