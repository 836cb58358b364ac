"""bootstrap.py - starts steplocal's runtime for python3.x functions.

Run as `python3 <runtime_dir>/python/bootstrap.py` in the package folder;
the runtime itself is _steplocal_runtime.py, beside this file.  Python
compiles the script it is given every time it starts, but caches the
bytecode of a module it imports (in __pycache__ here), so this script stays
a few lines and a cold start does not compile the runtime.  The module's
name is one no user module would have; main() takes this folder off
sys.path again before the function's code is imported.
"""

import os
import sys

# Python puts this folder first on sys.path already, unless PYTHONSAFEPATH
# (which a function may set) tells it not to.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _steplocal_runtime  # noqa: E402 (needs the path above)

if __name__ == "__main__":
    sys.exit(_steplocal_runtime.main())
