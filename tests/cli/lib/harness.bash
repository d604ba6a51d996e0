# Shared by the command-line tests under tests/cli/: counters, check, and the closing summary line
# ("N passed, N failed", which ctest's log and CI read). Source it; it defines no test of its own.
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
  echo "FAIL: $*" >&2
  failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then pass; else fail "$what"; fi
}
# Prints the summary (with an optional label) and returns non-zero when anything failed.
finish() {
  echo "${1:+$1: }$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
