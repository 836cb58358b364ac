#!/bin/bash
# run.sh - runs the libFuzzer targets for `make fuzz` and `make fuzz-smoke` (fuzz/fuzz.mk).
#
#   fuzz/run.sh smoke BUILD SECONDS JOBS TARGET...
#       replays fuzz/corpus/TARGET, then fuzzes SECONDS more; what it finds
#       goes to BUILD/smoke/TARGET (thrown away), never to the committed
#       corpus.  Fails when any target crashes, leaks or hangs.
#   fuzz/run.sh long BUILD SECONDS JOBS TARGET...
#       fuzzes SECONDS per target from the committed corpus and from
#       BUILD/corpus/TARGET, where new inputs are kept between runs.
#   fuzz/run.sh corpus BUILD MAXBYTES JOBS TARGET...
#       rebuilds fuzz/corpus/TARGET: its regress-* inputs, then the seeds
#       of fuzz/seeds.py that reach new code, then the inputs of
#       BUILD/corpus/TARGET of at most MAXBYTES that reach new code (edge
#       coverage only, smallest first), so that the committed corpus stays
#       small.
# JOBS targets run at once.  Each run's log is BUILD/logs/TARGET.MODE.log;
# crashes are saved as BUILD/artifacts/TARGET-crash-*.

set -u
mode=$1 build=$2 seconds=$3 jobs=$4
shift 4
mkdir -p "$build/logs" "$build/artifacts"

# The corpus mode: see above.
merge_one() {
	local t=$1 c="fuzz/corpus/$1" small="$build/small/$1" log="$build/logs/$1.corpus.log"
	rm -rf "$small" "$c.new" && mkdir -p "$small" "$c.new"
	cp "$c"/regress-* "$c.new"/ 2>/dev/null
	"$build/fuzz_$t" -merge=1 -use_counters=0 -timeout=30 "$c.new" "$build/seeds/$t" >"$log" 2>&1 &&
	{ [ ! -d "$build/corpus/$t" ] ||
	  find "$build/corpus/$t" -type f -size -$((seconds + 1))c -exec cp {} "$small"/ \; ; } &&
	"$build/fuzz_$t" -merge=1 -use_counters=0 -timeout=30 "$c.new" "$small" >>"$log" 2>&1 || {
		echo "FAIL fuzz_$t: $log"
		rm -rf "$c.new"
		return 1
	}
	rm -rf "$c" && mv "$c.new" "$c"
	echo "ok   fuzz_$t: $(ls "$c" | wc -l) files, $(cat "$c"/* | wc -c) bytes"
}

run_one() {
	local t=$1 dict="" out log rc
	if [ "$mode" = corpus ]; then
		merge_one "$t"
		return
	fi
	[ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
	log="$build/logs/$t.$mode.log"
	if [ "$mode" = smoke ]; then
		out="$build/smoke/$t"
		rm -rf "$out"
		# A hang of a few seconds on one input is a failure here.
		timeout_opt=-timeout=10
	else
		out="$build/corpus/$t"
		timeout_opt=-timeout=30
	fi
	mkdir -p "$out"
	"$build/fuzz_$t" $dict $timeout_opt -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" "$out" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	summary=$(grep -aE "^#[0-9]+[[:space:]]+(DONE|INITED)" "$log" | tail -1 | tr -s ' \t' ' ' |
		  sed -E 's/^#([0-9]+) [A-Z]+ (cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\2, \1 runs/')
	if [ $rc -ne 0 ]; then
		echo "FAIL fuzz_$t (exit $rc): $log"
		grep -aE "ERROR|SUMMARY|fuzz: |Test unit written|panic" "$log" | head -20 | sed 's/^/    /'
		return 1
	fi
	echo "ok   fuzz_$t: $summary"
}

start=$(date +%s)
fail=0
names=()
for t in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_one "$t" >"$build/logs/$t.$mode.status" &
	names+=("$t")
done
wait
for t in "${names[@]}"; do
	cat "$build/logs/$t.$mode.status"
	grep -q "^ok " "$build/logs/$t.$mode.status" || fail=1
done
echo "fuzz $mode: $(($(date +%s) - start))s for $# targets"
exit $fail
