import crypto from 'crypto';

export const lambdaHandler = async (event, context) => {
    // Mocked result of a stock buying transaction
    return {
        id: crypto.randomBytes(16).toString('hex'),
        price: event.stock_price.toString(),
        type: 'buy',
        qty: (Math.floor(Math.random() * 10) + 1).toString(),
        timestamp: new Date().toISOString(),
    };
};
