import crypto from 'crypto';

export const lambdaHandler = async (event, context) => {
    // Mocked result of a stock selling transaction
    return {
        id: crypto.randomBytes(16).toString('hex'),
        price: event.stock_price.toString(),
        type: 'sell',
        qty: (Math.floor(Math.random() * 10) + 1).toString(),
        timestamp: new Date().toISOString(),
    };
};
