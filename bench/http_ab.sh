#!/usr/bin/env bash
# Two builds of `twoline serve` against each other under bench/http_run.sh's load: 64 keep-alive
# connections posting single crossings on one zone for 8 s, each run on a new database, the builds
# alternating A B B A A B ... so that the machine's drift falls on both. Prints each run's
# requests/s, p50 and p99, then the medians of each build.
#   bench/http_ab.sh BIN_A BIN_B [PAIRS (4)] [SLOW_CLIENTS (0)]
# With SLOW_CLIENTS > 0 every run has that many slow clients attached (a request-head byte every 2 s).
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1
b=$2
pairs=${3:-4}
slow=${4:-0}
load=${LOAD:-build/twoline_http_load}
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# run LABEL BINARY: one 8 s run on a new database; appends "LABEL requests/s p50 p99" to $work/runs.
run() {
  local label=$1 bin=$2 db=$work/db
  rm -rf "$db" && mkdir -p "$db"
  for _ in $(seq 64); do
    "$bin" token create --db "$db/http.db" --role officer --zone hengqin | tail -n 1 >> "$db/tokens"
  done
  "$bin" serve --db "$db/http.db" --zone hengqin --listen 127.0.0.1:0 > "$db/serve.out" 2> "$db/serve.err" &
  server=$!
  for _ in $(seq 100); do grep -q listening "$db/serve.out" 2>/dev/null && break; sleep 0.1; done
  local port extra=() line
  port=$(sed -n 's/^listening on http:\/\/127.0.0.1://p' "$db/serve.out")
  if [ "$slow" -gt 0 ]; then extra=(--slow "$slow"); fi
  line=$("$load" "$port" "$db/tokens" --connections 64 --seconds 8 "${extra[@]}")
  kill -TERM "$server"
  wait "$server" || true
  server=
  echo "$label $(echo "$line" | sed -E 's/.*: ([0-9]+) requests\/s, p50 ([0-9.]+) ms, p99 ([0-9.]+) ms.*/\1 \2 \3/')" |
    tee -a "$work/runs"
}

echo "command: $load PORT TOKENS --connections 64 --seconds 8${slow:+ --slow $slow}, A=$a B=$b"
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then run A "$a"; run B "$b"; else run B "$b"; run A "$a"; fi
done
python3 - "$work/runs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for label in "AB":
    runs = [[float(v) for v in row[1:]] for row in rows if row[0] == label]
    print(f"{label}: median {statistics.median(r[0] for r in runs):.0f} requests/s, "
          f"p50 {statistics.median(r[1] for r in runs):.2f} ms, "
          f"p99 {statistics.median(r[2] for r in runs):.2f} ms (p99 of each run: "
          + ", ".join(f"{r[2]:.2f}" for r in runs) + ")")
PY
