#!/usr/bin/env bash
# Declaration ids are each party's own (docs/security.md, "Declaration ids"), on the command line:
# two parties declare under one id in `run` (journal and database alike); an officer's bare id is
# refused as ambiguous, in a release and in `query declaration|trace`; ID@PARTY names one; the
# answers show the id alone; `verify` replays it to the same state.
# Run by ctest as: bash tests/cli/shared_declaration_ids.sh /path/to/build/twoline
set -euo pipefail

twoline=${1:?usage: shared_declaration_ids.sh /path/to/twoline}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"

at='"zone":"hengqin","at":"2026-03-02T08:00:00+08:00"'
line='{"sku":"OIL","qty":"1","value":"1.00","currency":"CNY","origin":"FR","certificates":[]}'
cat > "$tmp/commands.jsonl" <<JSON
{"id":"p1",$at,"type":"register_party","party":{"id":"P-A","name":"A","kind":"enterprise","credit":"general","lists":[]}}
{"id":"p2",$at,"type":"register_party","party":{"id":"P-B","name":"B","kind":"enterprise","credit":"general","lists":[]}}
{"id":"i1",$at,"type":"register_item","item":{"sku":"OIL","hs_code":"3301.29","description":"Oil","unit":"kg","tags":[]}}
{"id":"x1",$at,"type":"declare","declaration":{"id":"D-X","kind":"first_line_in","declarant":"P-A","lines":[$line]}}
{"id":"x2",$at,"type":"declare","declaration":{"id":"D-X","kind":"first_line_in","declarant":"P-B","lines":[$line]}}
{"id":"x3",$at,"type":"declare","declaration":{"id":"D-X","kind":"first_line_in","declarant":"P-B","lines":[$line]}}
{"id":"r1",$at,"type":"release","gate":"HQ-L1-GDS-01","declarations":["D-X"]}
{"id":"r2",$at,"type":"release","gate":"HQ-L1-GDS-01","declarations":["D-X@P-B"]}
{"id":"r3",$at,"type":"cancel","declaration":"D-X@P-C"}
JSON

for store in journal db; do
  file="$tmp/zone.$store"
  "$twoline" run --zone hengqin "--$store" "$file" < "$tmp/commands.jsonl" > "$tmp/$store.out"
  outcomes=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["outcome"] for l in open(sys.argv[1])))' "$tmp/$store.out")
  check "$store: outcomes ($outcomes)" [ "$outcomes" = "accepted accepted accepted accepted accepted invalid invalid accepted invalid" ]
  check "$store: a party's own id twice is already used" grep -q 'declaration id \\"D-X\\" is already used' "$tmp/$store.out"
  check "$store: the bare id is ambiguous for an officer" \
    grep -q 'declaration id \\"D-X\\" is used by several parties (P-A, P-B): name one as D-X@PARTY' "$tmp/$store.out"
  check "$store: a third party's name is unknown" grep -q 'unknown declaration \\"D-X@P-C\\"' "$tmp/$store.out"
  if "$twoline" query declaration --zone hengqin "--$store" "$file" --declaration D-X > "$tmp/q.out" 2> "$tmp/q.err"; then
    fail "$store: query of the bare id succeeded"
  else
    check "$store: query names the parties" grep -q 'used by several parties (P-A, P-B)' "$tmp/q.err"
  fi
  "$twoline" query declaration --zone hengqin "--$store" "$file" --declaration D-X@P-B > "$tmp/b.json"
  check "$store: D-X@P-B is P-B's, released, shown as D-X" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["declaration"]
sys.exit(0 if (d["id"], d["declarant"], d["state"]) == ("D-X", "P-B", "released") else 1)' "$tmp/b.json"
  check "$store: no key in the answer" bash -c "! grep -q '@' '$tmp/b.json'"
  "$twoline" query declaration --zone hengqin "--$store" "$file" --declaration D-X@P-A > "$tmp/a.json"
  check "$store: D-X@P-A is P-A's, still accepted" grep -q '"declarant":"P-A","counterparty":"","purpose":"","state":"accepted"' "$tmp/a.json"
  "$twoline" query trace --zone hengqin "--$store" "$file" --declaration D-X@P-B > "$tmp/t.json"
  check "$store: the trace names the document by its id" grep -q '"document":"D-X"' "$tmp/t.json"
  check "$store: verify replays it" "$twoline" verify "--$store" "$file"
done
finish shared_declaration_ids
