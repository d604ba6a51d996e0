#!/usr/bin/env bash
# Replay depends on the journal and the binary alone: the ISO code tables are compiled in
# (src/base/iso_codes_table.h), so deciding and replaying never read the iso-codes package's files.
# Run by ctest as: bash tests/cli/codes_compiled_in.sh /path/to/build/twoline
#
# 1. The binary holds no path into /usr/share/iso-codes (it cannot open what it does not name).
# 2. A simulated day (nationalities, residences, origins such as JP-04, currencies) is decided and
#    verified normally, then again with /usr/share/iso-codes/json hidden under an empty directory in
#    a private mount namespace: the decisions, the verification and the state hash are the same.
set -euo pipefail

twoline=${1:?usage: codes_compiled_in.sh /path/to/twoline}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"

check "the binary names no iso-codes path" test "$(grep -c -a 'share/iso-codes' "$twoline")" -eq 0

"$twoline" simulate --zone hengqin --date 2025-05-01 --persons 300 --consignments 200 \
  --id-prefix sim- > "$tmp/day.jsonl"
scenarios=$(cd "$(dirname "${BASH_SOURCE[0]}")/../scenarios" && pwd)
grep '^> ' "$scenarios/goods-hengqin-japanese-aquatic.scenario" | cut -c3- >> "$tmp/day.jsonl"
check "the day declares goods from Japanese prefectures" grep -q '"origin":"JP-0[0-9]"' "$tmp/day.jsonl"
"$twoline" run --zone hengqin --journal "$tmp/seen.journal" < "$tmp/day.jsonl" > "$tmp/seen.out"
"$twoline" verify --journal "$tmp/seen.journal" > "$tmp/seen.verify"

# Decides and verifies the same day into another journal; with "hidden", inside a mount namespace
# where the package's JSON directory is an empty tmpfs.
decide_again() {
  local script="\"$twoline\" run --zone hengqin --journal \"$tmp/hidden.journal\" < \"$tmp/day.jsonl\" > \"$tmp/hidden.out\" &&
    \"$twoline\" verify --journal \"$tmp/hidden.journal\" > \"$tmp/hidden.verify\" &&
    \"$twoline\" verify --journal \"$tmp/seen.journal\" > \"$tmp/hidden-old.verify\""
  if [[ ! -d /usr/share/iso-codes/json ]]; then
    bash -c "$script"  # the package is not installed here: the files are absent already
  else
    unshare -m bash -c "mount -t tmpfs none /usr/share/iso-codes/json && ls /usr/share/iso-codes/json > \"$tmp/listing\" && $script"
  fi
}
if [[ -d /usr/share/iso-codes/json ]] && ! unshare -m mount -t tmpfs none /usr/share/iso-codes/json 2>/dev/null; then
  # Hiding the files needs a private mount namespace (root, or unprivileged user namespaces).
  echo "SKIP: no private mount namespace here; only the binary's paths were checked"
  finish codes_compiled_in
  exit $?
fi
decide_again
check "the hidden directory was empty" test ! -s "$tmp/listing" -o ! -e "$tmp/listing"
check "the decisions are the same without the iso-codes files" cmp -s "$tmp/seen.out" "$tmp/hidden.out"
check "the journal verifies without them, with the same state hash" \
  cmp -s "$tmp/seen.verify" "$tmp/hidden.verify"
check "an existing journal verifies without them" cmp -s "$tmp/seen.verify" "$tmp/hidden-old.verify"
check "some decisions of the day were journaled" test "$(wc -l < "$tmp/seen.journal")" -gt 300
finish codes_compiled_in
