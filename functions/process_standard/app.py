"""ProcessStandard: every other order (Python)."""


def handler(event, context):
    return {"order": event, "route": "standard", "ships": "3-5 days",
            "handled_by": context.function_name}
