"""The edge project's one handler: what the function sees, to compare both ways."""
import os


def handler(event, context):
    return {"name": context.function_name,
            "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("X_")},
            "event": event}
