#!/usr/bin/env bash
# Durable throughput of `twoline run --db` end to end (issue 4): a simulated Hengqin record day in
# group commits (the default 4,096 commands per transaction, pipelined), against the baseline of one
# transaction (one fsync) per command on the first 5,000 commands of the same day. The HTTP figures
# (64 connections, p50/p99) come from build/twoline_bench --benchmark_filter=HttpCommands.
#   bench/store_run.sh [path/to/twoline]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/twoline}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
per_second() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):,.0f}')" "$@"; }

$bin simulate --zone hengqin --date 2025-05-02 --persons 64200 --crossings 128400 --seed 7 > "$work/day.jsonl"
lines=$(wc -l < "$work/day.jsonl")
t0=$(now)
$bin run --zone hengqin --db "$work/day.db" < "$work/day.jsonl" > /dev/null
t1=$(now)
group=$(per_second "$lines" "$(echo "$t1 - $t0" | bc)")
echo "run --db, group commit:      $lines commands in $(echo "$t1 - $t0" | bc | cut -c1-5) s = $group durable commands/s"

head -n 5000 "$work/day.jsonl" > "$work/head.jsonl"
t0=$(now)
$bin run --zone hengqin --db "$work/baseline.db" --batch 1 < "$work/head.jsonl" > /dev/null
t1=$(now)
single=$(per_second 5000 "$(echo "$t1 - $t0" | bc)")
echo "run --db --batch 1 baseline: 5000 commands in $(echo "$t1 - $t0" | bc | cut -c1-5) s = $single durable commands/s"
python3 -c "import sys; a, b = (float(x.replace(',', '')) for x in sys.argv[1:]); print(f'group commit / per-command transaction: {a / b:.1f}x')" "$group" "$single"

t0=$(now)
$bin verify --db "$work/day.db" > /dev/null
t1=$(now)
echo "verify --db:                 $(per_second "$lines" "$(echo "$t1 - $t0" | bc)") entries/s replayed"
