#!/bin/sh
# `make bench`: run the benchmark workloads on steplocal and on the peer
# (aws-local-stepfunctions), print the table and prepend it to bench/RESULTS.md.
#   bench/run.sh ./steplocal [bench.py options]   (see bench/README.md)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-./steplocal}
[ $# -gt 0 ] && shift
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is required" >&2; exit 2; }
exec python3 "$here/bench.py" "$bin" --write-results "$@"
