"""ValidateOrder: checks an order and computes its total (Python)."""


class InvalidOrder(Exception):
    pass


PRICES = {"prod-1": 29.99, "prod-2": 5.50, "prod-3": 120.00}


def handler(event, context):
    items = event.get("items") or []
    if not event.get("order_id") or not items:
        raise InvalidOrder("an order needs an order_id and at least one item")
    total = 0.0
    for item in items:
        price = PRICES.get(item.get("product_id"))
        if price is None:
            raise InvalidOrder("unknown product %s" % item.get("product_id"))
        total += price * int(item.get("quantity", 1))
    print("validated order %s: %d items, total %.2f" % (event["order_id"], len(items), total))
    return {
        "order_id": event["order_id"],
        "customer_id": event.get("customer_id"),
        "items": items,
        "total": round(total, 2),
        "valid": True,
    }
