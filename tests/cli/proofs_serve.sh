#!/usr/bin/env bash
# `serve --checkpoint-key` against a real server on 127.0.0.1 (docs/proofs.md, docs/api.md):
# the server signs and keeps checkpoints as commands arrive, `prove` defaults to the latest one, the
# kept checkpoint checks against the journal; the HTTP checkpoint and proof routes answer what
# `twoline verify-proof` and docs/verify_proof.py accept; 400/403/404; a receipt's leaf hash is its
# proof's; bad checkpoint options refuse to start.
#   tests/cli/proofs_serve.sh path/to/twoline
set -uo pipefail
twoline=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/harness.bash"
checker="$here/../../docs/verify_proof.py"
tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start_server() {  # serve options... -> $server, $base
  "$twoline" serve --db "$tmp/z.db" --zone hengqin --listen 127.0.0.1:0 "$@" > "$tmp/serve.out" 2> "$tmp/serve.err" &
  server=$!
  for _ in $(seq 1 200); do grep -q 'listening on' "$tmp/serve.out" 2>/dev/null && break; sleep 0.05; done
  base=$(grep -o 'http://[0-9.:]*' "$tmp/serve.out" | head -1)
}
stop_server() {  # SIGTERM: queued commands are committed and durable checkpoints signed
  kill "$server" && wait "$server"
  server=
}
get() {  # TOKEN PATH -> body in $tmp/body, status echoed
  curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$base$2"
}
post() {  # TOKEN PATH FILE -> body in $tmp/body, status echoed
  curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' --data-binary @"$3" "$base$2"
}
verifies() {  # DESCRIPTION CHECKPOINT PROOF: both checkers accept
  local output
  output=$("$twoline" verify-proof --checkpoint "$2" --public-key "$tmp/hq.pub" --proof "$3" 2>&1)
  check "twoline verify-proof accepts $1 ($output)" test "${output:0:3}" = "ok "
  output=$(python3 "$checker" --checkpoint "$2" --public-key "$tmp/hq.pub" --proof "$3" 2>&1)
  check "verify_proof.py accepts $1 ($output)" test "${output:0:3}" = "ok "
}

"$twoline" simulate --zone hengqin --date 2026-03-01 --persons 40 --crossings 80 --seed 5 > "$tmp/day1.jsonl"
"$twoline" simulate --zone hengqin --date 2026-03-02 --persons 40 --crossings 80 --seed 6 --id-prefix d2- > "$tmp/day2.jsonl"
"$twoline" simulate --zone hengqin --date 2026-03-03 --persons 5 --crossings 5 --seed 7 --id-prefix d3- > "$tmp/day3.jsonl"
"$twoline" run --zone hengqin --db "$tmp/z.db" < "$tmp/day1.jsonl" > /dev/null
n1=$("$twoline" verify --db "$tmp/z.db" | awk '{print $2}')
"$twoline" key create --name customs.example/hengqin --out "$tmp/hq" > /dev/null
admin=$("$twoline" token create --db "$tmp/z.db" --role admin | tail -1)
auditor=$("$twoline" token create --db "$tmp/z.db" --role auditor --zone hengqin | tail -1)
officer=$("$twoline" token create --db "$tmp/z.db" --role officer --zone hengqin | tail -1)
declarant=$("$twoline" token create --db "$tmp/z.db" --role declarant --zone hengqin --party P-X | tail -1)

# --- the server signs checkpoints as the journal grows ------------------------------------------------
start_server --checkpoint-key "$tmp/hq.key" --checkpoint-entries 50 --checkpoint-seconds 0
check "the server started with a checkpoint key" test -n "$base"
python3 - "$tmp/day2.jsonl" "$tmp/batch" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
for n, first in enumerate(range(0, len(lines), 40)):
    open(f"{sys.argv[2]}-{n:03d}.json", "w").write("[" + ",".join(lines[first:first + 40]) + "]")
PY
statuses=$(for batch in "$tmp"/batch-*.json; do post "$admin" /v1/zones/hengqin/commands "$batch"; echo; done | sort -u)
check "every batch of the second day is decided ($statuses)" test "$statuses" = 200
stop_server
n2=$("$twoline" verify --db "$tmp/z.db" | awk '{print $2}')
check "the second day was journaled" test "$n2" -gt $((n1 + 100))

"$twoline" checkpoint --db "$tmp/z.db" --zone hengqin --latest > "$tmp/cp-serve.txt"
size=$(sed -n 2p "$tmp/cp-serve.txt")
check "the server kept a checkpoint of the second day ($size of $n1..$n2)" \
  test "$size" -gt "$n1" -a "$size" -le "$n2" -a $((n2 - size)) -lt 50
"$twoline" export --db "$tmp/z.db" --journal "$tmp/exported.jsonl" > /dev/null
output=$("$twoline" verify --journal "$tmp/exported.jsonl" --checkpoint "$tmp/cp-serve.txt" --public-key "$tmp/hq.pub" 2>&1)
check "the served checkpoint is the journal's tree ($output)" grep -q '^ok checkpoint' <<< "$output"
"$twoline" prove --db "$tmp/z.db" --zone hengqin --seq 7 > "$tmp/p7.json"
check "prove defaults to the served checkpoint's size" grep -q "\"tree_size\":$size," "$tmp/p7.json"
verifies "a proof against the served checkpoint" "$tmp/cp-serve.txt" "$tmp/p7.json"

# --- the routes, served without a key: the latest kept checkpoint ---------------------------------------
start_server
check "get the kept checkpoint" test "$(get "$auditor" /v1/zones/hengqin/checkpoint)" = 200
check "it is the kept checkpoint" cmp -s "$tmp/body" "$tmp/cp-serve.txt"
check "inclusion proof" test "$(get "$auditor" "/v1/zones/hengqin/proofs/inclusion?seq=3&size=$size")" = 200
cp "$tmp/body" "$tmp/http-p3.json"
verifies "an inclusion proof served over HTTP" "$tmp/cp-serve.txt" "$tmp/http-p3.json"
check "the default size is the latest checkpoint's" \
  test "$(get "$auditor" "/v1/zones/hengqin/proofs/inclusion?seq=3")" = 200
check "so the proof is the same" cmp -s "$tmp/body" "$tmp/http-p3.json"
"$twoline" checkpoint --db "$tmp/z.db" --zone hengqin --key "$tmp/hq.key" > "$tmp/cp-now.txt"
check "consistency proof" test "$(get "$auditor" "/v1/zones/hengqin/proofs/consistency?from=$size&to=$n2")" = 200
cp "$tmp/body" "$tmp/http-cons.json"
verifies "a consistency proof served over HTTP" "$tmp/cp-serve.txt" "$tmp/http-cons.json"
output=$("$twoline" verify-proof --checkpoint "$tmp/cp-serve.txt" --checkpoint "$tmp/cp-now.txt" \
  --public-key "$tmp/hq.pub" --proof "$tmp/http-cons.json" 2>&1)
check "and it links the served checkpoint to the newest ($output)" test "${output:0:16}" = "ok consistency: "
check "a missing seq is 400" test "$(get "$auditor" /v1/zones/hengqin/proofs/inclusion)" = 400
check "a size beyond the journal is 400" \
  test "$(get "$auditor" "/v1/zones/hengqin/proofs/inclusion?seq=1&size=$((n2 + 1))")" = 400
check "from after to is 400" test "$(get "$auditor" "/v1/zones/hengqin/proofs/consistency?from=9&to=8")" = 400
check "an officer is refused (403)" test "$(get "$officer" /v1/zones/hengqin/checkpoint)" = 403
check "a declarant gets the checkpoint" test "$(get "$declarant" /v1/zones/hengqin/checkpoint)" = 200
check "but not another party's entry (403)" \
  test "$(get "$declarant" "/v1/zones/hengqin/proofs/inclusion?seq=3")" = 403
check "an unknown zone is 404" test "$(get "$admin" /v1/zones/nowhere/checkpoint)" = 404
stop_server

# --- receipts, and a fresh checkpoint signed on request --------------------------------------------------
start_server --checkpoint-key "$tmp/hq.key"
head -n 1 "$tmp/day3.jsonl" > "$tmp/one.json"
check "a command with ?receipt=1" test "$(post "$admin" "/v1/zones/hengqin/commands?receipt=1" "$tmp/one.json")" = 200
read -r seq leaf tree_size < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["receipt"]
print(r["seq"], r["leaf_hash"], r["tree_size"])' "$tmp/body")
check "the receipt names the new entry" test "$seq" = $((n2 + 1)) -a "$tree_size" = $((n2 + 1))
check "the server signs a checkpoint of its committed journal" \
  test "$(get "$auditor" /v1/zones/hengqin/checkpoint)" = 200 -a "$(sed -n 2p "$tmp/body")" = "$tree_size"
cp "$tmp/body" "$tmp/cp-fresh.txt"
check "the receipt's proof" test "$(get "$auditor" "/v1/zones/hengqin/proofs/inclusion?seq=$seq&size=$tree_size")" = 200
cp "$tmp/body" "$tmp/receipt-proof.json"
check "has the receipt's leaf hash" grep -q "\"leaf_hash\":\"$leaf\"" "$tmp/receipt-proof.json"
verifies "the receipt's proof against the fresh checkpoint" "$tmp/cp-fresh.txt" "$tmp/receipt-proof.json"
stop_server
check "the fresh checkpoint was kept" \
  test "$("$twoline" checkpoint --db "$tmp/z.db" --zone hengqin --latest)" = "$(cat "$tmp/cp-fresh.txt")"

# --- bad checkpoint options refuse to start and change nothing --------------------------------------------
"$twoline" serve --db "$tmp/z.db" --listen 127.0.0.1:0 --checkpoint-key "$tmp/hq.pub" > /dev/null 2> "$tmp/bad.err"
check "a public key as checkpoint key refuses to start" grep -q 'checkpoint-key' "$tmp/bad.err"
"$twoline" serve --db "$tmp/z.db" --listen 127.0.0.1:0 --checkpoint-key "$tmp/hq.key" \
  --checkpoint-seconds 0 --checkpoint-entries 0 > /dev/null 2> "$tmp/bad.err"
check "no interval at all refuses to start" grep -q 'cannot both be 0' "$tmp/bad.err"
check "and nothing was signed" \
  test "$("$twoline" checkpoint --db "$tmp/z.db" --zone hengqin --latest)" = "$(cat "$tmp/cp-fresh.txt")"

finish proofs_serve
