"""PyGreeter: greets with the layers' modules and finds the layers' programs."""
import shutil

import greeting          # in both layers: the later one (newer) wins, as in /opt
import shared_only       # only in the first layer


def handler(event, context):
    return {"greeting": greeting.hello(event.get("name", "you")), "shared": shared_only.NAME,
            "tool": bool(shutil.which("greet-tool"))}
