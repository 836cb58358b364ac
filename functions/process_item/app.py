"""ProcessItem: one item of a Map (Python)."""


def handler(event, context):
    qty = int(event.get("quantity", 1))
    return {"product_id": event.get("product_id"), "quantity": qty, "packed": True}
