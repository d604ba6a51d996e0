#!/usr/bin/env bash
# End-to-end test of the proof commands (docs/proofs.md): `key create`, `checkpoint`, `prove`,
# `verify-proof` and `verify --checkpoint`, with every proof also checked by the standalone Python
# checker docs/verify_proof.py. Tampered proofs and checkpoints (entry, size, root, truncated path,
# signature, key, origin) must fail in both checkers with the reason named; a journal rewritten or
# truncated after a checkpoint must fail `verify --checkpoint`.
# Run by ctest as: bash tests/cli/proofs.sh /path/to/build/twoline
set -euo pipefail

twoline=${1:?usage: proofs.sh /path/to/twoline}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
docs=$(cd "$here/../../docs" && pwd)
checker="$docs/verify_proof.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$here/lib/harness.bash"

# Runs a command, keeping its stdout in $output and its exit status in $status.
capture() {
  status=0
  output=$("$@" 2> "$tmp/stderr") || status=$?
}
# accepts DESCRIPTION ARGS...: both checkers accept the proof (exit 0, "ok ...").
accepts() {
  local what=$1
  shift
  capture "$twoline" verify-proof "$@"
  check "twoline accepts $what ($output $(cat "$tmp/stderr"))" test "$status" -eq 0 -a "${output:0:3}" = "ok "
  capture python3 "$checker" "$@"
  check "verify_proof.py accepts $what ($output)" test "$status" -eq 0 -a "${output:0:3}" = "ok "
}
# rejects DESCRIPTION REASON ARGS...: both checkers exit 1 printing "bad <REASON...>".
rejects() {
  local what=$1 reason=$2
  shift 2
  capture "$twoline" verify-proof "$@"
  check "twoline rejects $what naming \"$reason\" (got $status: $output)" \
    test "$status" -eq 1 -a "${output#bad *$reason}" != "$output"
  check "twoline explains $what on stderr" grep -q "$reason" "$tmp/stderr"
  capture python3 "$checker" "$@"
  check "verify_proof.py rejects $what naming \"$reason\" (got $status: $output)" \
    test "$status" -eq 1 -a "${output#bad *$reason}" != "$output"
}
# edit_proof IN OUT PYTHON: writes proof file OUT from IN after running PYTHON on `proof` (a dict).
edit_proof() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(proof, separators=(",", ":")) + "\n")
PY
}

# --- two days of a zone's journal, a checkpoint after each ------------------------------------------
"$twoline" simulate --zone hengqin --date 2026-03-01 --persons 30 --crossings 60 --consignments 4 \
  --seed 11 > "$tmp/day1.jsonl"
"$twoline" simulate --zone hengqin --date 2026-03-02 --persons 30 --crossings 60 --consignments 4 \
  --seed 12 --id-prefix d2- > "$tmp/day2.jsonl"
journal="$tmp/hengqin.jsonl"
"$twoline" run --zone hengqin --journal "$journal" < "$tmp/day1.jsonl" > /dev/null
n1=$(wc -l < "$journal")
cp "$journal" "$tmp/day1-journal.jsonl"

capture "$twoline" key create --name customs.example/hengqin --out "$tmp/hq"
check "key create succeeds" test "$status" -eq 0
check "the private key file is mode 0600" test "$(stat -c %a "$tmp/hq.key")" = 600
check "the private key is PRIVATE+KEY+name+id+key" \
  grep -Eq '^PRIVATE\+KEY\+customs\.example/hengqin\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "$tmp/hq.key"
check "the public key is name+id+key" \
  grep -Eq '^customs\.example/hengqin\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "$tmp/hq.pub"
check "key create prints the public key" grep -qF "$(cat "$tmp/hq.pub")" <<< "$output"
cp "$tmp/hq.key" "$tmp/hq.key.before"
capture "$twoline" key create --name other --out "$tmp/hq"
check "key create refuses to overwrite a key" test "$status" -eq 1
check "the refused key create changed nothing" cmp -s "$tmp/hq.key" "$tmp/hq.key.before"
capture "$twoline" key create --name "two words" --out "$tmp/bad"
check "a key name with a space is refused and writes nothing" test "$status" -eq 1 -a ! -e "$tmp/bad.key"
"$twoline" key create --name stranger --out "$tmp/stranger" > /dev/null

"$twoline" checkpoint --journal "$journal" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp1.txt"
check "a checkpoint is origin, size, base64 root, blank line, signature" python3 -c '
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert re.fullmatch(r"twoline/hengqin\n" + sys.argv[2] + r"\n[A-Za-z0-9+/]{43}=\n\n"
                    r"\u2014 customs\.example/hengqin [A-Za-z0-9+/]{91}=\n", text), text
' "$tmp/cp1.txt" "$n1"
capture "$twoline" checkpoint --journal "$journal" --zone qianhai --key "$tmp/hq.key"
check "checkpoint refuses a journal of another zone" test "$status" -eq 1

# The same day in the embedded database: the same tree, and its proofs check against either checkpoint.
"$twoline" run --zone hengqin --db "$tmp/hq.db" < "$tmp/day1.jsonl" > /dev/null
"$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp1-db.txt"
check "checkpoint --db signs the same size and root as --journal" \
  test "$(head -3 "$tmp/cp1-db.txt")" = "$(head -3 "$tmp/cp1.txt")"
"$twoline" prove --db "$tmp/hq.db" --zone hengqin --seq 5 > "$tmp/p5-db.json"
capture "$twoline" verify-proof --checkpoint "$tmp/cp1.txt" --public-key "$tmp/hq.pub" --proof "$tmp/p5-db.json"
check "a proof from the database checks against the journal's checkpoint" test "$status" -eq 0
capture "$twoline" prove --db "$tmp/hq.db" --zone nansha --seq 5
check "prove --db refuses a zone the database does not hold" test "$status" -eq 1
capture "$twoline" prove --zone hengqin --seq 5
check "prove without a store is refused" test "$status" -eq 1
capture "$twoline" checkpoint --journal "$journal" --zone hengqin --key "$tmp/hq.pub"
check "checkpoint refuses a public key as signing key" test "$status" -eq 1

# --- kept checkpoints: `checkpoint` keeps what it signs, `prove` defaults to the latest one's size -----
capture "$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin --latest
check "checkpoint --latest prints the checkpoint kept in the database" \
  test "$status" -eq 0 -a "$output" = "$(cat "$tmp/cp1-db.txt")"
capture "$twoline" checkpoint --journal "$journal" --zone hengqin --latest
check "checkpoint --latest prints the checkpoint kept beside the journal" \
  test "$status" -eq 0 -a "$output" = "$(cat "$tmp/cp1.txt")"
check "the journal's checkpoints are kept beside it" test -s "$journal.checkpoints"
capture "$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin
check "checkpoint needs --key or --latest" test "$status" -eq 1
capture "$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin --key "$tmp/hq.key" --latest
check "checkpoint refuses --key with --latest" test "$status" -ne 0
capture "$twoline" checkpoint --db "$tmp/missing.db" --zone hengqin --key "$tmp/hq.key"
check "checkpoint of a database that does not exist fails and creates nothing" \
  test "$status" -eq 1 -a ! -e "$tmp/missing.db"
"$twoline" run --zone hengqin --db "$tmp/fresh.db" < "$tmp/day1.jsonl" > /dev/null
capture "$twoline" checkpoint --db "$tmp/fresh.db" --zone hengqin --latest
check "checkpoint --latest names a store that keeps none" \
  test "$status" -eq 1 && grep -q "keeps no checkpoint of zone hengqin" "$tmp/stderr"
"$twoline" prove --db "$tmp/fresh.db" --zone hengqin --seq 5 > "$tmp/p5-fresh.json"
check "without a kept checkpoint, prove uses the whole journal" grep -q "\"tree_size\":$n1," "$tmp/p5-fresh.json"

"$twoline" run --zone hengqin --db "$tmp/hq.db" < "$tmp/day2.jsonl" > /dev/null
"$twoline" prove --db "$tmp/hq.db" --zone hengqin --seq 5 > "$tmp/p5-latest.json"
check "prove defaults to the latest checkpoint's size, not the grown journal's" \
  grep -q "\"tree_size\":$n1," "$tmp/p5-latest.json"
accepts "a proof at the latest checkpoint's size" --checkpoint "$tmp/cp1-db.txt" --public-key "$tmp/hq.pub" \
  --proof "$tmp/p5-latest.json"
capture "$twoline" prove --db "$tmp/hq.db" --zone hengqin --seq $((n1 + 1))
check "prove refuses an entry after the latest checkpoint without --size" test "$status" -eq 1
check "and says to give --size" grep -q "give --size" "$tmp/stderr"
"$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp2-db.txt"
check "checkpoint --latest follows the newest kept checkpoint" \
  test "$("$twoline" checkpoint --db "$tmp/hq.db" --zone hengqin --latest)" = "$(cat "$tmp/cp2-db.txt")"
"$twoline" prove --db "$tmp/hq.db" --zone hengqin --seq $((n1 + 1)) > "$tmp/p-after.json"
accepts "an entry of the second day at the new latest checkpoint" --checkpoint "$tmp/cp2-db.txt" \
  --public-key "$tmp/hq.pub" --proof "$tmp/p-after.json"

"$twoline" run --zone hengqin --journal "$journal" < "$tmp/day2.jsonl" > /dev/null
n2=$(wc -l < "$journal")
check "the second day adds entries" test "$n2" -gt $((n1 + 10))
"$twoline" checkpoint --journal "$journal" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp2.txt"

# --- proofs both checkers accept ---------------------------------------------------------------------
key=(--public-key "$tmp/hq.pub")
"$twoline" prove --journal "$journal" --zone hengqin --seq 2 --size "$n1" > "$tmp/incl-2.json"
check "an inclusion proof names seq, leaf index and tree size" \
  grep -q "^{\"type\":\"inclusion\",\"zone\":\"hengqin\",\"seq\":2,\"leaf_index\":1,\"tree_size\":$n1," "$tmp/incl-2.json"
check "the proof carries the entry's journal line" python3 -c '
import json, sys
proof = json.load(open(sys.argv[1]))
assert proof["entry"] + "\n" == open(sys.argv[2]).readlines()[1]
' "$tmp/incl-2.json" "$journal"
accepts "an inclusion proof against the first checkpoint" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/incl-2.json"
"$twoline" prove --journal "$journal" --zone hengqin --seq "$n2" > "$tmp/incl-last.json"
accepts "the last entry against the latest checkpoint" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/incl-last.json"
"$twoline" prove --journal "$journal" --zone hengqin --seq 1 > "$tmp/incl-profile.json"
accepts "the profile entry (seq 1)" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/incl-profile.json"
"$twoline" prove --journal "$journal" --zone hengqin --seq $((n1 + 3)) --size "$n2" > "$tmp/incl-mid.json"
accepts "an entry of the second day, given both checkpoints" \
  --checkpoint "$tmp/cp1.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/incl-mid.json"
"$twoline" prove --journal "$journal" --zone hengqin --consistency --from "$n1" --to "$n2" > "$tmp/cons.json"
check "a consistency proof names its sizes" \
  grep -q "^{\"type\":\"consistency\",\"zone\":\"hengqin\",\"from\":$n1,\"to\":$n2,\"path\":\[" "$tmp/cons.json"
accepts "the consistency proof between the checkpoints" \
  --checkpoint "$tmp/cp1.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/cons.json"
capture "$twoline" prove --journal "$journal" --zone hengqin --seq $((n1 + 1)) --size "$n1"
check "prove refuses a seq beyond the tree size" test "$status" -eq 1
capture "$twoline" prove --journal "$journal" --zone hengqin --seq 1 --size $((n2 + 1))
check "prove refuses a size beyond the journal" test "$status" -eq 1

# --- tampered proofs and checkpoints ------------------------------------------------------------------
edit_proof "$tmp/incl-2.json" "$tmp/t-entry.json" \
  'assert "\"outcome\":\"accepted\"" in proof["entry"]; proof["entry"] = proof["entry"].replace("\"outcome\":\"accepted\"", "\"outcome\":\"rejected\"", 1)'
rejects "an altered entry" "tampered entry" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-entry.json"
edit_proof "$tmp/incl-2.json" "$tmp/t-leaf.json" \
  'import json as j; other = j.load(open(sys.argv[1].replace("incl-2", "incl-profile"))); proof["entry"] = other["entry"]; proof["leaf_hash"] = other["leaf_hash"]'
rejects "another entry in the proof" "tampered entry" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-leaf.json"
edit_proof "$tmp/incl-2.json" "$tmp/t-size.json" 'proof["tree_size"] += 1'
rejects "a wrong tree size" "wrong size" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-size.json"
rejects "a checkpoint of another size" "wrong size" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/incl-2.json"
edit_proof "$tmp/incl-2.json" "$tmp/t-short.json" 'proof["path"].pop()'
rejects "a truncated path" "truncated" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-short.json"
edit_proof "$tmp/incl-2.json" "$tmp/t-flip.json" \
  'p = proof["path"]; p[0] = ("1" if p[0][0] == "0" else "0") + p[0][1:]'
rejects "a flipped path hash" "inclusion proof rejected" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-flip.json"
edit_proof "$tmp/cons.json" "$tmp/t-cons.json" 'proof["path"].pop()'
rejects "a truncated consistency proof" "consistency proof rejected" \
  --checkpoint "$tmp/cp1.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/t-cons.json"
echo 'not json' > "$tmp/t-junk.json"
rejects "a file that is not a proof" "malformed proof" --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/t-junk.json"

# A checkpoint with the right size and key but another root: the first day with one command changed.
sed '$s/"id":"/"id":"x-/' "$tmp/day1.jsonl" > "$tmp/day1-other.jsonl"
"$twoline" run --zone hengqin --journal "$tmp/other.jsonl" < "$tmp/day1-other.jsonl" > /dev/null
check "the other journal has the first day's size" test "$(wc -l < "$tmp/other.jsonl")" -eq "$n1"
"$twoline" checkpoint --journal "$tmp/other.jsonl" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp-other.txt"
check "the other checkpoint has another root" test "$(sed -n 3p "$tmp/cp-other.txt")" != "$(sed -n 3p "$tmp/cp1.txt")"
rejects "a checkpoint with another root" "inclusion proof rejected" \
  --checkpoint "$tmp/cp-other.txt" "${key[@]}" --proof "$tmp/incl-2.json"
rejects "a consistency proof from another history" "consistency proof rejected" \
  --checkpoint "$tmp/cp-other.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}" --proof "$tmp/cons.json"

awk 'NR == 2 { $0 = $0 + 1 } { print }' "$tmp/cp1.txt" > "$tmp/cp-size.txt"
rejects "a checkpoint whose size was changed" "wrong signature" --checkpoint "$tmp/cp-size.txt" "${key[@]}" --proof "$tmp/incl-2.json"
python3 - "$tmp/cp1.txt" "$tmp/cp-sig.txt" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
at = text.rindex(" ") + 10  # a character of the signature itself, past the key id
text = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
rejects "a forged signature" "wrong signature" --checkpoint "$tmp/cp-sig.txt" "${key[@]}" --proof "$tmp/incl-2.json"
rejects "a checkpoint signed by another key" "unknown key" \
  --checkpoint "$tmp/cp1.txt" --public-key "$tmp/stranger.pub" --proof "$tmp/incl-2.json"
rejects "another origin" "wrong origin" \
  --checkpoint "$tmp/cp1.txt" "${key[@]}" --proof "$tmp/incl-2.json" --origin twoline/qianhai
head -n 3 "$tmp/cp1.txt" > "$tmp/cp-unsigned.txt"
rejects "an unsigned checkpoint" "malformed note" --checkpoint "$tmp/cp-unsigned.txt" "${key[@]}" --proof "$tmp/incl-2.json"

# --- verify --checkpoint: rewritten and truncated journals -------------------------------------------
capture "$twoline" verify --journal "$journal" --checkpoint "$tmp/cp1.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}"
check "verify --checkpoint passes the journal" test "$status" -eq 0
check "verify --checkpoint prints verify's line and the checkpoint line" \
  grep -Eq "^ok $n2 [0-9a-f]{64} state [0-9a-f]{64}
ok checkpoint: the journal's first $n2 entries match the checkpoints" <<< "$output"

head -n $((n2 - 3)) "$journal" > "$tmp/truncated.jsonl"
capture "$twoline" verify --journal "$tmp/truncated.jsonl" --checkpoint "$tmp/cp1.txt" --checkpoint "$tmp/cp2.txt" "${key[@]}"
check "a truncated journal verifies alone" "$twoline" verify --journal "$tmp/truncated.jsonl" > /dev/null
check "verify --checkpoint fails a truncated journal ($output)" test "$status" -eq 1
check "and names the truncation" \
  grep -q "^bad truncated: the checkpoint covers $n2 entries, the journal has $((n2 - 3)) (its first $n1 entries match" <<< "$output"

# Rewritten after the first checkpoint: the second day decided again without its first command and
# with a third day after it, so that the journal is longer than the checkpoint yet verifies.
"$twoline" simulate --zone hengqin --date 2026-03-03 --persons 10 --crossings 20 --seed 13 --id-prefix d3- > "$tmp/day3.jsonl"
cp "$tmp/day1-journal.jsonl" "$tmp/rewritten.jsonl"
tail -n +2 "$tmp/day2.jsonl" | cat - "$tmp/day3.jsonl" |
  "$twoline" run --zone hengqin --journal "$tmp/rewritten.jsonl" > /dev/null
check "the rewritten journal verifies alone" "$twoline" verify --journal "$tmp/rewritten.jsonl" > /dev/null
check "the rewritten journal is longer than the checkpoint" test "$(wc -l < "$tmp/rewritten.jsonl")" -gt "$n2"
capture "$twoline" verify --journal "$tmp/rewritten.jsonl" --checkpoint "$tmp/cp2.txt" --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "verify --checkpoint fails a rewritten journal ($output)" test "$status" -eq 1
check "and names the rewrite with the intact prefix" \
  grep -q "^bad the journal was rewritten at or before seq $n2: .*(its first $n1 entries match the checkpoint of size $n1)" <<< "$output"
capture "$twoline" verify --journal "$journal" --checkpoint "$tmp/cp1.txt" --public-key "$tmp/stranger.pub"
check "verify --checkpoint refuses a checkpoint it cannot authenticate" test "$status" -eq 1

# The same audit of a database: its stored leaf hashes are checked by the replay, then the tree.
capture "$twoline" verify --db "$tmp/hq.db" --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "verify --db --checkpoint passes the database ($output)" test "$status" -eq 0
check "and prints verify's line and the checkpoint line" \
  grep -Eq "^ok $n1 [0-9a-f]{64} state [0-9a-f]{64}
ok checkpoint: the journal's first $n1 entries match the checkpoint" <<< "$output"
head -n 20 "$tmp/day1.jsonl" | "$twoline" run --zone hengqin --db "$tmp/short.db" > /dev/null
capture "$twoline" verify --db "$tmp/short.db" --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "verify --db --checkpoint fails a database cut short ($output)" test "$status" -eq 1
check "and names the truncation" grep -q "^bad truncated: the checkpoint covers $n1 entries" <<< "$output"
"$twoline" run --zone hengqin --db "$tmp/rewritten.db" < "$tmp/day1.jsonl" > /dev/null
tail -n +2 "$tmp/day2.jsonl" | cat - "$tmp/day3.jsonl" |
  "$twoline" run --zone hengqin --db "$tmp/rewritten.db" > /dev/null
capture "$twoline" verify --db "$tmp/rewritten.db" --checkpoint "$tmp/cp2.txt" --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "verify --db --checkpoint fails a rewritten database ($output)" test "$status" -eq 1
check "and names the rewrite with the intact prefix" \
  grep -q "^bad the journal was rewritten at or before seq $n2: .*(its first $n1 entries match the checkpoint of size $n1)" <<< "$output"
"$twoline" simulate --zone qianhai --date 2026-03-01 --persons 5 --crossings 0 --consignments 2 --seed 3 |
  "$twoline" run --zone qianhai --db "$tmp/hq.db" > /dev/null
capture "$twoline" verify --db "$tmp/hq.db" --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "a database of two zones needs --zone with --checkpoint" grep -q "give --zone" <<< "$output"
capture "$twoline" verify --db "$tmp/hq.db" --zone hengqin --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "verify --db --zone hengqin --checkpoint passes ($output)" test "$status" -eq 0
capture "$twoline" verify --db "$tmp/hq.db" --zone qianhai --checkpoint "$tmp/cp1.txt" "${key[@]}"
check "a checkpoint of another zone's origin is refused for qianhai" test "$status" -eq 1

# --- the checker itself ----------------------------------------------------------------------------------
check "verify_proof.py checks Go's signed-note test vector with its own Ed25519" python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import verify_proof as v
key = v.parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
text = "If you think cryptography is the answer to your problem,\nthen you don'"'"'t know what your problem is.\n"
note = text + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
assert v.open_note(note, [key]) == text
try:
    v.open_note(note.replace("problem,", "problem;"), [key])
    raise SystemExit("an altered note verified")
except v.Bad:
    pass
' "$docs"
check "docs/proofs.md shows verify_proof.py exactly" python3 -c '
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
program = open(sys.argv[2], encoding="utf-8").read()
assert "```python\n" + program + "```\n" in doc
' "$docs/proofs.md" "$checker"

finish "proofs"
