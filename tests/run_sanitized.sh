#!/usr/bin/env bash
# The sanitizer run of `make test` (make test-asan): every GoogleTest case of BUILD_DIR's
# twoline_unit_tests, in one process per core (GoogleTest's sharding: GTEST_TOTAL_SHARDS and
# GTEST_SHARD_INDEX), not one process per test as ctest runs them.
#
# Under ASan a process of this binary takes 0.29 s to start and stop before and after any test
# (perf: ASan's registration of globals and the leak check at exit), and ctest starts one for each
# of the ~620 tests: about 180 s of CPU, half the run on two cores. Sharded, the run took 130–143 s
# against 268 s under ctest (docs/testing.md). Leaks are still found: each shard's leak check at
# exit covers every test it ran. The Release run (make test-release) keeps one process per test.
#
# The PostgreSQL tests of every process share one throwaway cluster, started here with
# tests/pg/pg_cluster.sh as ctest's pg.cluster.start fixture does (CMakeLists.txt), and destroyed
# when the run ends.
#
# The tests listed in ALONE need a process of their own (they configure SQLite before it
# initializes) and run after the shards, each alone. Each shard's output is printed whole when it
# ends, so the log reads as GoogleTest's; the run fails if any shard or lone test fails, crashes,
# is stopped by a sanitizer or takes longer than its timeout.
#   tests/run_sanitized.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: tests/run_sanitized.sh BUILD_DIR}
binary="$build/twoline_unit_tests"
jobs=${TEST_JOBS:-$(nproc)}
ALONE="SqlitePageCache.*"
shard_timeout=${SHARD_TIMEOUT:-2400}
work=$(mktemp -d)
cluster="$(cd "$build" && pwd)/pg-test-cluster"  # absolute: the servers run elsewhere
cluster_script="$(dirname "$0")/pg/pg_cluster.sh"
trap 'bash "$cluster_script" destroy "$cluster" > /dev/null 2>&1; rm -rf "$work"' EXIT

[ -x "$binary" ] || { echo "run_sanitized.sh: $binary not built" >&2; exit 1; }
started=$(date +%s)
bash "$cluster_script" destroy "$cluster" > /dev/null 2>&1
bash "$cluster_script" start "$cluster" $$ > /dev/null ||
  { echo "run_sanitized.sh: the PostgreSQL test cluster did not start" >&2; exit 1; }
export TWOLINE_TEST_POSTGRES_DIR="$cluster"
pids=()
for ((i = 0; i < jobs; i++)); do
  GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$i \
    timeout --kill-after=30 "$shard_timeout" "$binary" --gtest_filter="-$ALONE" \
    > "$work/shard$i.log" 2>&1 &
  pids+=($!)
done
status=0
for ((i = 0; i < jobs; i++)); do
  wait "${pids[$i]}"
  result=$?
  echo "==== shard $((i + 1)) of $jobs"
  cat "$work/shard$i.log"
  if [ "$result" -ne 0 ]; then
    [ "$result" -eq 124 ] && echo "shard $((i + 1)): stopped after ${shard_timeout} s"
    echo "shard $((i + 1)) of $jobs: FAILED (exit $result)"
    status=1
  fi
done
for test in $("$binary" --gtest_list_tests --gtest_filter="$ALONE" |
              awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }'); do
  echo "==== $test, in a process of its own"
  timeout --kill-after=30 600 "$binary" --gtest_filter="$test"
  result=$?
  if [ "$result" -ne 0 ]; then
    echo "$test: FAILED (exit $result)"
    status=1
  fi
done
verdict=$([ "$status" -eq 0 ] && echo passed || echo FAILED)
echo "sanitizer run: $verdict in $(( $(date +%s) - started )) s"
exit $status
