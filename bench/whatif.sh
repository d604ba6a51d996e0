#!/usr/bin/env bash
# What-if on a week of record-day traffic (docs/whatif.md): seven simulated Hengqin record days
# (64,200 persons, 128,400 crossings, 10,500 consignments each) in one journal, decided again under a
# draft that moves the tax-free rule's start and raises the default duty. Target: under 10 s.
# Also prints `verify` of the same journal for scale (the recorded side's work).
#   bench/whatif.sh [path/to/twoline]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/twoline}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

for n in 1 2 3 4 5 6 7; do
  $bin simulate --zone hengqin --date 2025-05-0$n --persons 64200 --crossings 128400 \
    --consignments 10500 --id-prefix d$n-
done > "$work/week.jsonl"
$bin run --zone hengqin --journal "$work/week.journal" < "$work/week.jsonl" > /dev/null
entries=$(wc -l < "$work/week.journal")
echo "journal: $entries entries, $(du -m "$work/week.journal" | cut -f1) MB"

mkdir "$work/draft"
cp zones/hengqin.toml zones/tariff-mainland.csv "$work/draft/"
sed -i 's/^\*,0\.08,0\.13,/*,0.10,0.13,/' "$work/draft/tariff-mainland.csv"
python3 - "$work/draft/hengqin.toml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
start = text.index('id = "hengqin.duty-free-equipment.tax-free"')
at = text.index('effective_from = "2024-03-01"', start)
open(path, "w").write(text[:at] + 'effective_from = "2025-05-04"' + text[at + 29:])
PY

t0=$(now)
/usr/bin/env time -f "%M %U %S" -o "$work/usage" $bin whatif --journal "$work/week.journal" \
  --zone hengqin --profile "$work/draft/hengqin.toml" --limit 0 > "$work/report.json"
t1=$(now)
read -r rss user system < "$work/usage"
python3 - "$work/report.json" "$(echo "$t1 - $t0" | bc)" "$rss" "$user" "$system" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
seconds, rss, user, system = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"whatif, 7 record days: {report['commands']:,} commands decided again, {report['changed']:,} "
      f"changed, in {seconds:.2f} s wall ({user} s user, {system} s system on 2 threads), "
      f"peak RSS {rss / 1024:,.0f} MiB; target under 10 s")
PY
t0=$(now)
$bin verify --journal "$work/week.journal" > /dev/null
t1=$(now)
echo "verify, same journal:  $(echo "$t1 - $t0" | bc | cut -c1-5) s"
