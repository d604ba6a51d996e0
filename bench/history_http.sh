#!/usr/bin/env bash
# One declaration over HTTP on a long history (issue: p99 <= 5 ms after 30 days with 64 clients
# posting crossings). Serves the database DB (bench/history.sh passes the one its days grew), puts
# 64 officer connections posting single crossings on it with build/twoline_http_load, and meanwhile
# one declarant posts declarations one after another (a new id each, one goods line, first line in;
# DECL_PAUSE seconds apart, default 0.025, within its token's write limit)
# and times each from sending to the whole answer. Prints the crossings' figures, then the
# declarations' count and latency percentiles. The database gains the benchmark's tokens, one
# party, one item and what the run decides.
#   bench/history_http.sh path/to/twoline path/to/twoline_http_load DB [SECONDS]
set -euo pipefail
bin=${1:?twoline}; load=${2:?twoline_http_load}; db=${3:?database}; seconds=${4:-10}
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The declarant and its goods, imported before the server starts. At a fixed time (after any
# simulated history), so that a second run on the same database finds them as duplicates.
now="2026-12-01T08:00:00+08:00"
printf '%s\n' \
  "{\"id\":\"hh-party\",\"zone\":\"hengqin\",\"at\":\"$now\",\"type\":\"register_party\",\"party\":{\"id\":\"P-HH-DECL\",\"name\":\"History declarant\",\"kind\":\"enterprise\",\"credit\":\"advanced\",\"lists\":[]}}" \
  "{\"id\":\"hh-item\",\"zone\":\"hengqin\",\"at\":\"$now\",\"type\":\"register_item\",\"item\":{\"sku\":\"HH-OIL\",\"hs_code\":\"3301.29\",\"description\":\"Essential oil\",\"unit\":\"kg\",\"tags\":[]}}" \
  | "$bin" run --zone hengqin --db "$db" --snapshot-every 0 > "$work/setup.out"
if grep -qv '"outcome":"accepted"\|"duplicate"' "$work/setup.out"; then echo "setup failed: $(cat "$work/setup.out")" >&2; exit 1; fi
for _ in $(seq 64); do
  "$bin" token create --db "$db" --role officer --zone hengqin | tail -n 1 >> "$work/tokens"
done
declarant=$("$bin" token create --db "$db" --role declarant --zone hengqin --party P-HH-DECL | tail -n 1)

started=$(date +%s.%N)
"$bin" serve --db "$db" --zone hengqin --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 600); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1://p' "$work/serve.out")
[ -n "$port" ] || { echo "serve did not start: $(tail -3 "$work/serve.err")" >&2; exit 1; }
python3 -c "import sys; print(f'serve on the history listening after {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$started" "$(date +%s.%N)"

echo "command: $load $port TOKENS --connections 64 --seconds $seconds, and one declarant posting declarations"
"$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds" > "$work/load.out" &
load_pid=$!
python3 - "$port" "$declarant" "$seconds" "${DECL_PAUSE:-0.025}" <<'PY'
import datetime, http.client, json, sys, time
port, token, seconds, pause = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
time.sleep(1.0)  # the crossings' connections register their travellers first
latencies, outcomes = [], {}
end = time.monotonic() + max(seconds - 2.0, 1.0)  # at least a second of declarations
serial = 0
while time.monotonic() < end:
    serial += 1
    at = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).isoformat(timespec="seconds")
    body = json.dumps({"id": f"hh-{time.time_ns()}-{serial}", "zone": "hengqin", "at": at, "type": "declare",
                       "declaration": {"id": f"D-HH-{time.time_ns()}-{serial}", "kind": "first_line_in", "declarant": "P-HH-DECL",
                                       "lines": [{"sku": "HH-OIL", "qty": "5", "value": "200.00", "currency": "CNY",
                                                  "origin": "FR", "certificates": []}]}})
    t0 = time.perf_counter()
    connection.request("POST", "/v1/zones/hengqin/commands", body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    latencies.append(time.perf_counter() - t0)
    if response.status != 200:
        sys.exit(f"declaration answered {response.status}: {answer[:200]!r}")
    outcome = json.loads(answer)["outcome"]
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # A declarant's pace, under its token's write limit (50 commands/s, api/rate_limit.h): at
    # 10 ms between declarations a fast server answered 429 once the burst was spent.
    time.sleep(pause)
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"declarations: {len(latencies)} ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}); "
      f"latency p50 {pick(0.50):.2f} ms, p99 {pick(0.99):.2f} ms, max {latencies[-1] * 1000:.2f} ms (target p99 <= 5 ms)")
PY
wait "$load_pid"
sed 's/^/crossings: /' "$work/load.out"
