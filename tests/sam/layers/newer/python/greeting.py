def hello(name):
    return "hello %s from the newer layer" % name
