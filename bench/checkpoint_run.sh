#!/usr/bin/env bash
# What signing checkpoints costs `twoline serve` (issue 11: below 2% of write throughput): the HTTP
# load of bench/http_run.sh (64 keep-alive connections posting single crossings, every answer
# durable) against a server without a checkpoint key and one signing checkpoints, in alternating
# rounds so that a shared machine's noise falls on both. Besides requests/s it reports the server's
# CPU time per request (user + system, all threads, from /proc), which a busy shared machine
# disturbs far less than wall-clock rates. The signing server runs at the default
# interval (--checkpoint-entries 10000, --checkpoint-seconds 60) and, as a stress, at one
# checkpoint per 500 entries or per second.
#   bench/checkpoint_run.sh [path/to/twoline] [path/to/twoline_http_load]
# ROUNDS (3) and SECONDS_PER_RUN (10) set the length.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/twoline}
load=${2:-build/twoline_http_load}
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" key create --name bench.example/hengqin --out "$work/bench" > /dev/null

# run NAME SERVE-OPTIONS...: one load run on a new database; prints requests/s, checkpoints kept and
# the server's CPU microseconds per request.
run() {
  local name=$1
  shift
  local db="$work/$name.db"
  rm -f "$db" "$db"-* "$work/tokens"
  for _ in $(seq 64); do
    "$bin" token create --db "$db" --role officer --zone hengqin | tail -n 1 >> "$work/tokens"
  done
  "$bin" serve --db "$db" --zone hengqin --listen 127.0.0.1:0 "$@" > "$work/serve.out" 2> "$work/serve.err" &
  server=$!
  for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(sed -n 's/^listening on http:\/\/127.0.0.1://p' "$work/serve.out")
  local result
  result=$("$load" "$port" "$work/tokens" --connections 64 --seconds "$seconds")
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$server/stat")
  kill -TERM "$server"
  wait "$server" || true
  server=
  local rate kept requests
  rate=$(sed -n 's/.*: \([0-9]*\) requests\/s.*/\1/p' <<< "$result")
  requests=$(sed -n 's/^\([0-9]*\) requests.*/\1/p' <<< "$result")
  kept=$(sqlite3 "$db" "SELECT count(*) FROM checkpoints" 2>/dev/null || echo 0)
  echo "$name $rate $kept $(python3 -c "import os, sys; print(f'{int(sys.argv[1]) * 1e6 / os.sysconf(\"SC_CLK_TCK\") / int(sys.argv[2]):.1f}')" "$ticks" "$requests")"
}

for round in $(seq "$rounds"); do
  run off
  run default --checkpoint-key "$work/bench.key"
  run stress --checkpoint-key "$work/bench.key" --checkpoint-entries 500 --checkpoint-seconds 1
done | tee "$work/results"

python3 - "$work/results" <<'PY'
import collections, statistics, sys
rates, kept, cpu = (collections.defaultdict(list) for _ in range(3))
for line in open(sys.argv[1]):
    name, rate, count, micros = line.split()
    rates[name].append(float(rate))
    kept[name].append(int(count))
    cpu[name].append(float(micros))
base, base_cpu = statistics.median(rates["off"]), statistics.median(cpu["off"])
for name in ("off", "default", "stress"):
    median, median_cpu = statistics.median(rates[name]), statistics.median(cpu[name])
    print(f"{name:8} median {median:8,.0f} requests/s ({', '.join(f'{r:,.0f}' for r in rates[name])}), "
          f"{median_cpu:.1f} us CPU/request ({', '.join(f'{c:.1f}' for c in cpu[name])}); "
          f"checkpoints per run {statistics.median(kept[name]):.0f}; vs off: rate {100 * (median - base) / base:+.1f}%, "
          f"CPU {100 * (median_cpu - base_cpu) / base_cpu:+.1f}%")
PY
