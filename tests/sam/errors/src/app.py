def h(e,c): return e
