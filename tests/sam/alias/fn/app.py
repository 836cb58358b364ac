def handler(event, context):
    return {"event": event, "arn": context.invoked_function_arn}
