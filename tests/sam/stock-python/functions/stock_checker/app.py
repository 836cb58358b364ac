from random import randint


def lambda_handler(event, context):
    """Sample Lambda function which mocks the operation of checking the current price of a stock."""
    # Check current price of the stock
    stock_price = randint(0, 100)  # Current stock price is mocked as a random integer between 0 and 100
    return {"stock_price": stock_price}
