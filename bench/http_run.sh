#!/usr/bin/env bash
# HTTP throughput of `twoline serve` (issue: >= 30,000 requests/s with p99 <= 5 ms): 64 keep-alive
# connections posting single crossings on one zone (hengqin) for 10 s, one request in flight each, every
# answer durable (SQLite WAL, synchronous=FULL) before it is sent; then the same with 300 slow clients
# attached (a request-head byte every 2 s each, reconnecting when the server closes them).
# One officer token per connection, as 64 gate devices would have.
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
for i in $(seq 64); do
  "$bin" token create --db "$work/http.db" --role officer --zone hengqin | tail -n 1 >> "$work/tokens"
done
"$bin" serve --db "$work/http.db" --zone hengqin --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1://p' "$work/serve.out")

echo "command: $load $port TOKENS --connections 64 --seconds $seconds [--slow 300]"
"$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds"
"$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds" --slow 300
