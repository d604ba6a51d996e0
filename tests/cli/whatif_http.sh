#!/usr/bin/env bash
# POST /v1/zones/{zone}/whatif against a real `twoline serve` on 127.0.0.1: admins only, the draft's
# report equals the command-line form's, a malformed draft is a 400 naming the line, and nothing is
# written to the database.
#   tests/cli/whatif_http.sh path/to/twoline
set -uo pipefail
twoline=$1
source "$(dirname "$0")/lib/harness.bash"
zones="$(cd "$(dirname "$0")/../.." && pwd)/zones"
tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$twoline" simulate --zone hengqin --date 2026-03-01 --persons 80 --consignments 30 --seed 9 > "$tmp/day.jsonl"
"$twoline" run --zone hengqin --db "$tmp/z.db" < "$tmp/day.jsonl" > /dev/null
admin=$("$twoline" token create --db "$tmp/z.db" --role admin | tail -1)
officer=$("$twoline" token create --db "$tmp/z.db" --role officer --zone hengqin | tail -1)

"$twoline" serve --db "$tmp/z.db" --zone hengqin --listen 127.0.0.1:0 > "$tmp/serve.out" 2> "$tmp/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$tmp/serve.out" | head -1)
check "the server started" test -n "$base"
sum_before=$("$twoline" verify --db "$tmp/z.db" 2>/dev/null)

post() {  # TOKEN FILE -> status in $tmp/status, body in $tmp/body
  curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
    --data-binary @"$2" "$base/v1/zones/hengqin/whatif" > "$tmp/status"
}
post "$admin" "$zones/hengqin.toml"
check "an admin's what-if of the profile in force answers 200" test "$(cat "$tmp/status")" = 200
check "the profile in force changes nothing" python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); assert r["changed"] == 0, r["changed"]' "$tmp/body"
post "$officer" "$zones/hengqin.toml"
check "an officer is refused (403)" test "$(cat "$tmp/status")" = 403
printf 'id = "hengqin"\n[zone\n' > "$tmp/broken.toml"
post "$admin" "$tmp/broken.toml"
check "a malformed draft is a 400 naming the line" \
  bash -c "test \"\$(cat $tmp/status)\" = 400 && grep -q ':2:' $tmp/body"
check "what-if wrote nothing" test "$("$twoline" verify --db "$tmp/z.db" 2>/dev/null)" = "$sum_before"
finish whatif_http
