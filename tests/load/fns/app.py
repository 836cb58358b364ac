"""Prepare, the load test's Python function: sums the execution's items."""


def handler(event, context):
    return {"id": event["id"], "items": event["items"], "sum": sum(event["items"])}
