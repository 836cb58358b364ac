def hello(name):
    return "hello %s from the shared layer" % name
