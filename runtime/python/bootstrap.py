"""bootstrap.py - starts steplocal's runtime for python3.x functions.

Run as `python3 <runtime_dir>/python/bootstrap.py` in the package folder;
the runtime itself is _steplocal_runtime.py, beside this file.  Python
compiles the script it is given every time it starts, but caches the
bytecode of a module it imports (in __pycache__ here), so this script stays
a few lines and a cold start does not compile the runtime.  Python puts
this folder first on sys.path, which is how the import below finds the
module; main() then takes the folder off again.  The module's name is one
no user module would have.
"""

import sys

import _steplocal_runtime

if __name__ == "__main__":
    sys.exit(_steplocal_runtime.main())
