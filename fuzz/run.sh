#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, from its seed corpus (fuzz/corpus/<target>/). Fails on any
# crash, leak, timeout or sanitizer report, printing the fuzzer's log and the reproducing input.
# `make test-fuzz` runs 60 s per target on a scratch copy of the corpora; `make fuzz` runs longer and
# keeps what it finds in fuzz/corpus/ (pass --keep).
#   fuzz/run.sh BUILD_DIR SECONDS [--keep]
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [--keep]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [--keep]}
keep=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets="command profile journal http_request snapshot"
# Targets run side by side, one per core (FUZZ_JOBS; each libFuzzer process is single-threaded):
# every target still runs SECONDS; five targets take three rounds instead of five on two cores.
jobs=${FUZZ_JOBS:-$(nproc)}
run_target() {
  local target=$1 corpus="$work/$1"
  mkdir -p "$corpus"
  if [ "$keep" = "--keep" ]; then corpus="fuzz/corpus/$target"; fi
  "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/$target-" -print_final_stats=1 "$corpus" "fuzz/corpus/$target" \
    > "$work/$target.log" 2>&1
  echo $? > "$work/$target.exit"
}
for target in $targets; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_target "$target" &
done
wait
status=0
for target in $targets; do
  result=$(cat "$work/$target.exit" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  if [ "$result" -ne 0 ]; then
    echo "fuzz_$target: FAILED (exit $result)"
    tail -n 60 "$work/$target.log"
    for artifact in "$work/$target-"*; do
      [ -e "$artifact" ] && { echo "input ($artifact):"; od -c "$artifact" | head -n 20; mkdir -p fuzz/findings; cp "$artifact" fuzz/findings/; }
    done
    status=1
  else
    echo "fuzz_$target: ok, ${runs:-?} inputs in ${seconds} s"
  fi
done
exit $status
