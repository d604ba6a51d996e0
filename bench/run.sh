#!/usr/bin/env bash
# `make bench`: figures, not tests. Prints end-to-end throughput of `twoline run` and `verify` on a
# simulated Hengqin record day, the history, store, HTTP, PostgreSQL and what-if figures, twoline's
# gate decisions side by side with a Cedar policy set (bench/peers/), then the Google Benchmark
# suite (build/twoline_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/twoline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { python3 -c "import sys; n=int(sys.argv[1]); s=float(sys.argv[2]); print(f'{n:,} in {s:.2f} s = {n/s:,.0f}/s')" "$@"; }

echo "== end to end: twoline run --journal (simulated Hengqin record day: 128,400 crossings, 10,500 consignments)"
$bin simulate --zone hengqin --date 2025-05-02 --persons 64200 --crossings 128400 --consignments 10500 --seed 7 > "$work/day.jsonl"
lines=$(wc -l < "$work/day.jsonl")
t0=$(now)
/usr/bin/env time -f "%M" -o "$work/rss" $bin run --zone hengqin --journal "$work/day.journal" < "$work/day.jsonl" > "$work/decisions.jsonl"
t1=$(now)
echo "run:    $(rate "$lines" "$(echo "$t1 - $t0" | bc)") commands (peak RSS $(cat "$work/rss") KiB)"
entries=$(wc -l < "$work/day.journal")
t0=$(now)
$bin verify --journal "$work/day.journal" > /dev/null
t1=$(now)
echo "verify: $(rate "$entries" "$(echo "$t1 - $t0" | bc)") entries"

echo
echo "== history: ${DAYS:-30} simulated days into one database and one journal (bench/history.sh)"
bash bench/history.sh "$bin" "${DAYS:-30}"

echo
echo "== durable service (bench/store_run.sh)"
bash bench/store_run.sh "$bin"

echo
echo "== HTTP (bench/http_run.sh)"
bash bench/http_run.sh "$bin" build/twoline_http_load

echo
echo "== signing checkpoints while serving (bench/checkpoint_run.sh)"
bash bench/checkpoint_run.sh "$bin" build/twoline_http_load

echo
echo "== PostgreSQL: group commit, three nodes, takeover (bench/pg_bench.py)"
python3 bench/pg_bench.py "$bin"

echo
echo "== what-if on 7 record days (bench/whatif.sh)"
bash bench/whatif.sh "$bin"

echo
echo "== peer side by side: the same gate decisions in twoline and as a Cedar policy set (bench/peers/run.sh)"
bash bench/peers/run.sh build/twoline_peers

if [ -x build/twoline_bench ]; then
  echo
  echo "== in-process benchmarks (build/twoline_bench)"
  build/twoline_bench "$@"
fi
