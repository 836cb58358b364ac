"""Process: the job of the Retry/Catch example (Python).

A job with "fail": "custom" raises CustomError, which the workflow catches;
"fail": "crash" raises an unexpected error, caught by States.ALL."""


class CustomError(Exception):
    pass


def handler(event, context):
    mode = event.get("fail")
    if mode == "custom":
        raise CustomError("job %s cannot be processed" % event.get("job_id"))
    if mode == "crash":
        raise RuntimeError("unexpected failure in job %s" % event.get("job_id"))
    return {"job_id": event.get("job_id"), "status": "processed"}
