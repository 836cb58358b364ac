export const lambdaHandler = async (event, context) => {
    // Mocked result of a stock checker
    return { stock_price: Math.floor(Math.random() * 100) };
};
