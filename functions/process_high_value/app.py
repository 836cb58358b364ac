"""ProcessHighValue: orders over 1000 get a manual review (Python)."""


def handler(event, context):
    return {"order": event, "route": "high-value", "review": "manual",
            "handled_by": context.function_name}
