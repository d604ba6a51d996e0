#!/usr/bin/env bash
# End-to-end test of `twoline run`, `verify`, `query presence`, `zones --json` and `check-profile`
# (SPEC §5, behaviours 14-16). Run by ctest as: bash tests/cli/run_verify.sh /path/to/build/twoline
#
# A journal is written in two runs (the second resumes it), verified, then tampered with in copies:
# a byte altered, a line removed, two lines swapped, a line duplicated, the last line cut mid-way.
# Each copy must fail verification with exit status 1, naming the first bad seq. In a journal file,
# line N holds the entry with seq N (seq 1 is the profile put in force).
set -euo pipefail

twoline=${1:?usage: run_verify.sh /path/to/twoline}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
zones_dir=$(cd "$here/../../zones" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"

# Runs a command with its standard output discarded.
quietly() { "$@" > /dev/null; }

# The decision line for command id $1 in decisions file $2.
decision_of() { grep -F "\"id\":\"$1\"" "$2"; }

# --- first run ------------------------------------------------------------------------------------
cat > "$tmp/day1.jsonl" <<'EOF'
{"id":"ex1-r","zone":"hengqin","at":"2026-03-01T07:30:00+08:00","type":"register_person","person":{"id":"MO-77","name":"Chan Tai Man","nationality":"CN","resident_of":"MO","birth_date":"1979-05-03","documents":[{"type":"home_return_permit","number":"H12345678","valid_from":"2019-01-01","valid_until":"2029-01-01"}],"lists":[]}}
{"id":"ex1-a","zone":"hengqin","at":"2026-03-01T08:00:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-01","direction":"in"}
{"id":"ex1-b","zone":"hengqin","at":"2026-03-01T08:05:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-01","direction":"in"}
this line is not JSON
{"id":"d1-r2","zone":"hengqin","at":"2026-03-01T09:00:00+08:00","type":"register_person","person":{"id":"CN-1","name":"Zhang Wei","nationality":"CN","resident_of":"CN","birth_date":"1990-01-20","documents":[{"type":"hk_mo_exit_entry_permit","number":"C20000001","valid_from":"2021-03-02","valid_until":"2026-03-01"}],"lists":[]}}
{"id":"d1-c1","zone":"hengqin","at":"2026-03-02T09:00:00+08:00","type":"cross","person":"CN-1","gate":"HQ-L1-GEN-01","direction":"in"}
EOF
journal="$tmp/journal.jsonl"
"$twoline" run --zone hengqin --journal "$journal" < "$tmp/day1.jsonl" > "$tmp/out1.jsonl"
check "first run writes one decision per input line" test "$(wc -l < "$tmp/out1.jsonl")" -eq 6
check "ex1-r accepted at seq 2" grep -q '"id":"ex1-r","outcome":"accepted","reasons":\[\],"seq":2,' "$tmp/out1.jsonl"
check "ex1-a accepted at seq 3" grep -q '"id":"ex1-a","outcome":"accepted","reasons":\[\],"seq":3,' "$tmp/out1.jsonl"
check "ex1-b referred as already inside" \
  grep -q '"id":"ex1-b","outcome":"referred".*"rule":"presence.already-inside".*"seq":4,' "$tmp/out1.jsonl"

# The same run with tcmalloc's own system allocator (TWOLINE_HUGE_PAGES=0, src/cli/main_huge_pages.cc)
# decides the same and writes the same journal.
TWOLINE_HUGE_PAGES=0 "$twoline" run --zone hengqin --journal "$tmp/small-pages.jsonl" < "$tmp/day1.jsonl" \
  > "$tmp/out1-small-pages.jsonl"
check "without huge pages the decisions are the same" cmp -s "$tmp/out1.jsonl" "$tmp/out1-small-pages.jsonl"
check "without huge pages the journal is the same" cmp -s "$journal" "$tmp/small-pages.jsonl"
check "a malformed line is invalid and names its line number" \
  grep -q '"line":4,"outcome":"invalid".*"rule":"command.malformed"' "$tmp/out1.jsonl"
check "an expired permit is rejected and journaled" \
  grep -q '"id":"d1-c1","outcome":"rejected".*"rule":"documents.expired".*"seq":6,' "$tmp/out1.jsonl"
check "the journal holds the profile and five decisions" test "$(wc -l < "$journal")" -eq 6

# --- second run: resumes the journal ---------------------------------------------------------------
cat > "$tmp/day2.jsonl" <<'EOF'
{"id":"ex1-a","zone":"hengqin","at":"2026-03-01T08:00:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-01","direction":"in"}
{"id":"d2-c1","zone":"hengqin","at":"2026-03-02T18:00:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-02","direction":"out"}
{ "direction":"in", "gate":"HQ-L1-GEN-01", "person":"MO-77", "type":"cross", "at":"2026-03-01T08:00:00+08:00", "zone":"hengqin", "id":"ex1-a" }
{"id":"ex1-a","zone":"hengqin","at":"2026-03-03T08:00:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-01","direction":"in"}
{"id":"d2-c2","zone":"hengqin","at":"2026-03-03T08:00:00+08:00","type":"cross","person":"MO-77","gate":"HQ-L1-GEN-01","direction":"in"}
EOF
"$twoline" run --zone hengqin --journal "$journal" < "$tmp/day2.jsonl" > "$tmp/out2.jsonl"
original=$(decision_of ex1-a "$tmp/out1.jsonl")
repeats=$(grep -c -F "$original" "$tmp/out2.jsonl" || true)
check "a repeated id returns the original decision, same seq and hash (twice, any key order)" \
  test "$repeats" -eq 2
check "the second run continues at seq 7" \
  grep -q '"id":"d2-c1","outcome":"accepted","reasons":\[\],"seq":7,' "$tmp/out2.jsonl"
check "the same id with another body is invalid (id reused)" \
  grep -q '"id":"ex1-a","outcome":"invalid".*"rule":"command.id-reused"' "$tmp/out2.jsonl"
check "the repeat had no second effect: MO-77 enters again at seq 8" \
  grep -q '"id":"d2-c2","outcome":"accepted","reasons":\[\],"seq":8,' "$tmp/out2.jsonl"
check "the resumed journal holds eight entries" test "$(wc -l < "$journal")" -eq 8

# Decisions that cannot be written out are not a success, though they are durable: a run whose output
# fails exits 1 and says so, and the same input run again answers each command with its original.
status=0
"$twoline" run --zone hengqin --journal "$tmp/full.jsonl" < "$tmp/day1.jsonl" > /dev/full \
  2> "$tmp/full.err" || status=$?
check "a run whose decisions cannot be written exits 1" test "$status" -eq 1
check "and says why" grep -q "could not all be written" "$tmp/full.err"
"$twoline" run --zone hengqin --journal "$tmp/full.jsonl" < "$tmp/day1.jsonl" > "$tmp/full-again.jsonl"
check "the same input again gets the original decisions" cmp -s "$tmp/out1.jsonl" "$tmp/full-again.jsonl"

# --- verify and query ------------------------------------------------------------------------------
verified=$("$twoline" verify --journal "$journal")
check "verify prints ok 8 <head> state <state>" \
  grep -Eq '^ok 8 [0-9a-f]{64} state [0-9a-f]{64}$' <<< "$verified"
head_hash=$(decision_of d2-c2 "$tmp/out2.jsonl" | sed -E 's/.*"hash":"([0-9a-f]{64})".*/\1/')
check "verify's head is the hash of the last decision" test "$(cut -d' ' -f3 <<< "$verified")" = "$head_hash"
check "verify is repeatable" test "$("$twoline" verify --journal "$journal")" = "$verified"
presence=$("$twoline" query presence --journal "$journal")
check "query presence is JSON with MO-77 inside" python3 -c '
import json, sys
presence = json.loads(sys.argv[1])
assert presence["count"] == 1, presence
assert [p["person"] for p in presence["persons"]] == ["MO-77"], presence
' "$presence"

# --- tampered copies -------------------------------------------------------------------------------
# expect_bad FILE SEQ: verify exits 1 and names seq SEQ.
expect_bad() {
  local file=$1 seq=$2 output status=0
  output=$("$twoline" verify --journal "$file" 2>&1) || status=$?
  if [[ $status -eq 1 && $output == *"seq $seq:"* && $output != ok* ]]; then
    pass
  else
    fail "verify of $(basename "$file") should exit 1 naming seq $seq; got status $status: $output"
  fi
}
# One byte of line 5 (seq 5) altered: CN-1 becomes CN-2 in its registration.
sed '5s/"CN-1"/"CN-2"/' "$journal" > "$tmp/altered.jsonl"
check "the altered copy differs by one byte" test "$(cmp -l "$journal" "$tmp/altered.jsonl" | wc -l)" -eq 1
expect_bad "$tmp/altered.jsonl" 5
# A byte of the hash of line 7.
awk 'NR == 7 { sub(/"hash":"./, "\"hash\":\"#") } { print }' "$journal" > "$tmp/hash.jsonl"
expect_bad "$tmp/hash.jsonl" 7
# Line 3 removed: seq 3's place holds seq 4.
sed '3d' "$journal" > "$tmp/removed.jsonl"
expect_bad "$tmp/removed.jsonl" 3
# The profile entry removed.
sed '1d' "$journal" > "$tmp/no-profile.jsonl"
expect_bad "$tmp/no-profile.jsonl" 1
# Lines 4 and 5 swapped.
awk 'NR == 4 { held = $0; next } { print } NR == 5 { print held }' "$journal" > "$tmp/swapped.jsonl"
expect_bad "$tmp/swapped.jsonl" 4
# Line 6 duplicated: the copy stands where seq 7 should be.
awk '{ print } NR == 6 { print }' "$journal" > "$tmp/duplicated.jsonl"
expect_bad "$tmp/duplicated.jsonl" 7
# The last line cut in the middle (a torn write).
size=$(wc -c < "$journal")
last=$(tail -n 1 "$journal" | wc -c)
head -c $((size - last / 2)) "$journal" > "$tmp/truncated.jsonl"
expect_bad "$tmp/truncated.jsonl" 8
# Only the final newline missing is a torn write too.
head -c $((size - 1)) "$journal" > "$tmp/no-newline.jsonl"
expect_bad "$tmp/no-newline.jsonl" 8
# An entry altered before a torn end: the altered one is the first bad seq, and no "ok" is printed.
sed '5s/"CN-1"/"CN-2"/' "$tmp/truncated.jsonl" > "$tmp/altered-torn.jsonl"
expect_bad "$tmp/altered-torn.jsonl" 5
# A torn first line: nothing complete, the tear is seq 1.
head -c 20 "$journal" > "$tmp/torn-first.jsonl"
expect_bad "$tmp/torn-first.jsonl" 1
# A tampered journal is not resumed either.
status=0
"$twoline" run --zone hengqin --journal "$tmp/altered.jsonl" < /dev/null > /dev/null 2>&1 || status=$?
check "run refuses to resume a tampered journal" test "$status" -ne 0
# The untouched journal still verifies.
check "the original journal still verifies" test "$("$twoline" verify --journal "$journal")" = "$verified"

# --- zones --json ----------------------------------------------------------------------------------
zones=$("$twoline" zones --json)
check "zones --json parses and lists the five built-in profiles with their gates" python3 -c '
import json, sys
zones = json.loads(sys.argv[1])
ids = [zone["id"] for zone in zones]
assert sorted(ids) == sorted(["hengqin", "hetao-sz", "hetao-hk", "qianhai", "nansha"]), ids
for zone in zones:
    for key in ("name", "area_km2", "positioning", "lines", "gates", "lists"):
        assert key in zone, (zone["id"], key)
    lanes = {(gate["line"], gate["lane"]) for gate in zone["gates"]}
    assert ("first", "goods") in lanes and ("second", "goods") in lanes, zone["id"]
    for line in zone["lines"]:
        if line["persons_controlled"]:
            assert (line["line"], "general") in lanes, (zone["id"], line)
hengqin = next(zone for zone in zones if zone["id"] == "hengqin")
gates = {gate["id"]: gate for gate in hengqin["gates"]}
assert gates["HQ-L1-GEN-01"]["lane"] == "general", gates
assert gates["HQ-L1-WL-01"]["list"] == "talent", gates
' "$zones"

# --- check-profile ---------------------------------------------------------------------------------
check "check-profile accepts a built-in profile" quietly "$twoline" check-profile "$zones_dir/hengqin.toml"
cp "$zones_dir/tariff-mainland.csv" "$tmp/"
# A lane that does not exist, on a known line of a copy of the Hengqin profile.
bad_line=$(grep -n '^lane = "general"' "$zones_dir/hengqin.toml" | head -n 1 | cut -d: -f1)
sed "${bad_line}s/\"general\"/\"teleport\"/" "$zones_dir/hengqin.toml" > "$tmp/bad.toml"
status=0
errors=$("$twoline" check-profile "$tmp/bad.toml" 2>&1) || status=$?
check "check-profile exits 1 on a bad profile" test "$status" -eq 1
check "check-profile names file:line of the mistake" grep -q "bad.toml:$bad_line:" <<< "$errors"
status=0
"$twoline" run --zone hengqin --profile "$tmp/bad.toml" --journal "$tmp/never.jsonl" < /dev/null \
  > /dev/null 2>&1 || status=$?
check "run refuses a bad profile" test "$status" -ne 0

finish
