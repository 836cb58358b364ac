// ProcessPayment: charges the order's total (Node.js).
'use strict';

class PaymentDeclined extends Error {
  constructor(message) {
    super(message);
    this.name = 'PaymentDeclined';
  }
}

exports.handler = async (event, context) => {
  if (!event.valid) {
    throw new PaymentDeclined(`order ${event.order_id} was not validated`);
  }
  if (event.total > 10000) {
    throw new PaymentDeclined(`card limit exceeded for ${event.total}`);
  }
  console.log(`charging ${event.total} for order ${event.order_id} (request ${context.awsRequestId})`);
  return {
    order_id: event.order_id,
    customer_id: event.customer_id,
    items: event.items,
    total: event.total,
    payment_id: `pay-${event.order_id}`,
    status: 'CHARGED',
  };
};
