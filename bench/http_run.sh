#!/usr/bin/env bash
# HTTP throughput of `twoline serve` (issue: >= 30,000 requests/s with p99 <= 5 ms): 64 keep-alive
# connections posting single crossings on one zone (hengqin) for 10 s, one request in flight each, every
# answer durable (SQLite WAL, synchronous=FULL) before it is sent; then the same with 300 slow clients
# attached (a request-head byte every 2 s each, reconnecting when the server closes them).
# One officer token per connection, as 64 gate devices would have.
# With READERS=N (default 0) the runs are repeated with N more connections reading, in a loop, the
# declaration of a consignment drawn from TRACE_LOTS lots (default 200; its trace lists every one),
# each reader with a token of its own and honouring 429's Retry-After: the crossings' figures then
# show what reading a large trace costs the gate decisions.
#   bench/http_run.sh [path/to/twoline] [path/to/twoline_http_load]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/twoline}
load=${2:-build/twoline_http_load}
seconds=${SECONDS_PER_RUN:-10}
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" token create --db "$work/http.db" --role admin > /dev/null
readers=${READERS:-0}
trace_lots=${TRACE_LOTS:-200}
for i in $(seq $((64 + readers))); do
  "$bin" token create --db "$work/http.db" --role officer --zone hengqin | tail -n 1 >> "$work/tokens"
done
if [ "$readers" -gt 0 ]; then
  # TRACE_LOTS admissions of one line each (20 per declaration), released (those sampled for
  # inspection pass it first), then one consumption drawing on all of them: D-TRACE's trace holds
  # TRACE_LOTS lots and its postings as many. Imported with `run` before the server starts.
  python3 - "$bin" "$work/http.db" "$trace_lots" <<'PY'
import json, subprocess, sys
binary, db, lots = sys.argv[1], sys.argv[2], int(sys.argv[3])
serial = 0
def command(body):
    global serial
    serial += 1
    return json.dumps({"id": f"setup-{serial}", "zone": "hengqin", "at": "2026-03-02T08:00:00+08:00", **body})
def run(commands):
    out = subprocess.run([binary, "run", "--zone", "hengqin", "--db", db], input="\n".join(commands) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return [json.loads(line) for line in out]
line = {"sku": "OIL", "qty": "1", "value": "10.00", "currency": "CNY", "origin": "FR", "certificates": []}
ids = [f"D-IN-{d}" for d in range((lots + 19) // 20)]
first = [command({"type": "register_party", "party": {"id": "P-BENCH", "name": "Bench", "kind": "enterprise", "credit": "advanced", "lists": []}}),
         command({"type": "register_item", "item": {"sku": "OIL", "hs_code": "3301.29", "description": "Oil", "unit": "kg", "tags": []}})]
for d, id in enumerate(ids):
    first.append(command({"type": "declare", "declaration": {"id": id, "kind": "first_line_in", "declarant": "P-BENCH", "lines": [line] * min(20, lots - 20 * d)}}))
decided = run(first)
held = [id for id, decision in zip(ids, decided[2:]) if decision["outcome"] == "held"]
second = [command({"type": "inspect", "declaration": id, "result": "pass"}) for id in held]
second += [command({"type": "release", "gate": "HQ-L1-GDS-01", "declarations": ids})]
second += [command({"type": "declare", "declaration": {"id": "D-TRACE", "kind": "consume", "declarant": "P-BENCH", "lines": [{**line, "qty": str(lots), "value": f"{10 * lots}.00"}]}})]
for decision in decided + run(second):
    if decision["outcome"] not in ("accepted", "held"):
        sys.exit(f"setup failed: {decision}")
PY
fi
"$bin" serve --db "$work/http.db" --zone hengqin --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1://p' "$work/serve.out")

if [ "$readers" -gt 0 ]; then
  read_path=/v1/zones/hengqin/declarations/D-TRACE
  echo "command: $load $port TOKENS --connections 64 --seconds $seconds [--readers $readers --read $read_path]"
  "$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds"
  "$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds" --readers "$readers" --read "$read_path"
  exit 0
fi
echo "command: $load $port TOKENS --connections 64 --seconds $seconds [--slow 300]"
"$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds"
"$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds" --slow 300
