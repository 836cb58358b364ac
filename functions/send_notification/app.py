"""SendNotification: tells the customer (Python)."""


def handler(event, context):
    print("notify customer %s about order %s" % (event.get("customer_id"), event.get("order_id")))
    return {"notification": "sent", "channel": "email"}
