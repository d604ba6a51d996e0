#!/usr/bin/env bash
# End-to-end test of `twoline whatif` (docs/whatif.md). Run by ctest as:
#   bash tests/cli/whatif.sh /path/to/build/twoline
#
# A simulated Hengqin day is journaled under the built-in profile. Then, for a draft that changes
# tariff rates and one that moves effective dates, the same commands are run into a fresh journal
# with the draft in force, and the what-if report must give exactly those decisions, command by
# command (changed ones in its list, unchanged ones equal to the recorded), and the same tax totals.
# A draft identical to the profile changes nothing; periods, a profile change inside the period,
# the database backend and bad input are checked too; the journal is never written.
set -euo pipefail

twoline=${1:?usage: whatif.sh /path/to/twoline}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
zones=$(cd "$here/../../zones" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$here/lib/harness.bash"

"$twoline" simulate --zone hengqin --date 2025-05-01 --persons 400 --consignments 400 \
  --id-prefix w- > "$tmp/day1.jsonl"
"$twoline" run --zone hengqin --journal "$tmp/rec.journal" < "$tmp/day1.jsonl" > /dev/null
journal_sum=$(sha256sum < "$tmp/rec.journal")
# What lies beside the journal after the run (its offsets index, perhaps snapshots): what-if must
# leave exactly this.
beside_before=$(ls -R "$tmp" | grep '^rec\.journal' | sort)

# compare.py RECORDED_JOURNAL DRAFT_JOURNAL REPORT: every decision of the draft run equals what the
# report says the draft decides; prints the number of changed decisions.
cat > "$tmp/compare.py" <<'PY'
import json, sys
from decimal import Decimal

def journal(path):
    decisions = {}
    for line in open(path):
        entry = json.loads(line)
        if entry["kind"] == "command":
            decisions[entry["command"]["id"]] = entry["decision"]
    return decisions

def taxes(decisions):
    total = {"customs_duty": Decimal(0), "import_vat": Decimal(0), "personal_articles_tax": Decimal(0)}
    for decision in decisions:
        for key in total:
            total[key] += Decimal(decision.get("assessment", {}).get(key, "0"))
    return total

recorded, draft = journal(sys.argv[1]), journal(sys.argv[2])
report = json.load(open(sys.argv[3]))
changes = {change["command"]["id"]: change for change in report["changes"]}
problems = []
if report["changes_listed"] != report["changed"] or len(changes) != report["changed"]:
    problems.append("not every change is listed")
if report["commands"] != len(recorded):
    problems.append("commands %d, journal holds %d" % (report["commands"], len(recorded)))
if set(draft) - set(recorded):
    problems.append("the draft run journaled commands the recorded run did not")
for command_id, decision in recorded.items():
    expected = draft.get(command_id)  # None: invalid under the draft, not journaled
    if command_id in changes:
        got = changes[command_id]["draft"]
        ok = changes[command_id]["recorded"] == decision and (
            got == expected if expected is not None else got["outcome"] == "invalid")
    else:
        ok = expected == decision
    if not ok:
        problems.append("decision of %s differs" % command_id)
drafted = [changes[i]["draft"] if i in changes else recorded[i] for i in recorded]
for side, decisions in (("recorded", recorded.values()), ("draft", drafted)):
    for key, value in taxes(decisions).items():
        if Decimal(report["taxes"][side][key]) != value:
            problems.append("%s %s %s, journal says %s" % (side, key, report["taxes"][side][key], value))
for problem in problems[:10]:
    print(problem, file=sys.stderr)
print(report["changed"] if not problems else -1)
PY

# Runs the day with draft $1 in force into a fresh journal and compares with the what-if report.
# Prints the number of changed decisions (-1 when they do not match).
same_as_running_the_draft() {
  local name=$1
  "$twoline" run --zone hengqin --profile "$tmp/$name/hengqin.toml" --journal "$tmp/$name.journal" \
    < "$tmp/day1.jsonl" > /dev/null
  "$twoline" whatif --journal "$tmp/rec.journal" --zone hengqin --profile "$tmp/$name/hengqin.toml" \
    --limit 1000000 > "$tmp/$name.report.json"
  python3 "$tmp/compare.py" "$tmp/rec.journal" "$tmp/$name.journal" "$tmp/$name.report.json"
}

# --- a draft identical to the profile in force -----------------------------------------------------
"$twoline" whatif --journal "$tmp/rec.journal" --zone hengqin --profile "$zones/hengqin.toml" \
  > "$tmp/same.json"
check "an identical draft changes nothing" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["changed"]==0 and r["commands"]>2000 and r["transitions"]==[] and r["taxes"]["change"]["import_vat"]=="0.00"))' "$tmp/same.json"

# --- a draft that changes tariff rates (duty in the CSV, a personal-articles rate in the TOML) -----
mkdir "$tmp/rates"
cp "$zones/hengqin.toml" "$zones/tariff-mainland.csv" "$tmp/rates/"
sed -i 's/^\*,0\.08,0\.13,/*,0.10,0.13,/; s/^2204,0\.14,0\.13,/2204,0.20,0.13,/' "$tmp/rates/tariff-mainland.csv"
sed -i '0,/^rate = "0\.13"/s//rate = "0.15"/' "$tmp/rates/hengqin.toml"
changed=$(same_as_running_the_draft rates)
check "a tariff change gives the decisions of running with it in force ($changed changed)" \
  test "$changed" -gt 0
check "the tariff change shows in duty and personal-articles tax" \
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["taxes"]["change"]; sys.exit(not (c["customs_duty"].startswith("-")==False and c["customs_duty"]!="0.00" and c["personal_articles_tax"]!="0.00"))' "$tmp/rates.report.json"

# --- a draft that moves effective dates: tax-free equipment and the fresh-food quota start later ---
mkdir "$tmp/dates"
cp "$zones/hengqin.toml" "$zones/tariff-mainland.csv" "$tmp/dates/"
python3 - "$tmp/dates/hengqin.toml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
for rule in ("hengqin.duty-free-equipment.tax-free", "hengqin.fresh-food.quota"):
    start = text.index('id = "%s"' % rule)
    end = text.index("effective_from", start)
    text = text[:end] + re.sub(r'effective_from = "[0-9-]+"', 'effective_from = "2025-05-02"', text[end:], count=1)
open(path, "w").write(text)
PY
changed=$(same_as_running_the_draft dates)
check "moved effective dates give the decisions of running with them in force ($changed changed)" \
  test "$changed" -gt 0
check "the report counts the tax-free rule that no longer applies" \
  grep -q '"recorded":{"outcome":"accepted","rules":\["hengqin.duty-free-equipment.tax-free"\]},"draft":{"outcome":"accepted","rules":\[\]}' "$tmp/dates.report.json"

"$twoline" whatif --journal "$tmp/rec.journal" --zone hengqin --profile "$tmp/dates/hengqin.toml" \
  --format table --limit 2 > "$tmp/dates.table"
check "the table names the counts, the transitions, the taxes and the changed commands" \
  grep -q "decisions change" "$tmp/dates.table"
check "the table lists at most --limit changed commands" \
  test "$(grep -c '^ *recorded {' "$tmp/dates.table")" -eq 2

# --- periods, and a profile change inside the period ----------------------------------------------
cp "$tmp/rec.journal" "$tmp/two.journal"
"$twoline" simulate --zone hengqin --date 2025-05-02 --persons 200 --consignments 100 \
  --id-prefix x- > "$tmp/day2.jsonl"
"$twoline" run --zone hengqin --profile "$tmp/rates/hengqin.toml" --journal "$tmp/two.journal" \
  < "$tmp/day2.jsonl" > /dev/null
day1_last=$(wc -l < "$tmp/rec.journal")
"$twoline" whatif --journal "$tmp/two.journal" --zone hengqin --profile "$zones/hengqin.toml" \
  --from 2025-05-02 > "$tmp/day2.json"
check "--from starts at the day's first command, after the profile change" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["first_seq"]==int(sys.argv[2])+2 and r["profile_entries_replaced"]==[]))' "$tmp/day2.json" "$day1_last"
"$twoline" whatif --journal "$tmp/two.journal" --zone hengqin --profile "$zones/hengqin.toml" \
  --to 2025-05-01 > "$tmp/day1.json"
check "--to ends with the day's last command" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["last_seq"]==int(sys.argv[2]) and r["changed"]==0))' "$tmp/day1.json" "$day1_last"
"$twoline" whatif --journal "$tmp/two.journal" --zone hengqin --profile "$zones/hengqin.toml" \
  > "$tmp/both.json"
check "a profile entry inside the period is replaced by the draft and listed" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["profile_entries_replaced"]==[int(sys.argv[2])+1]))' "$tmp/both.json" "$day1_last"
"$twoline" whatif --journal "$tmp/two.journal" --zone hengqin --profile "$zones/hengqin.toml" \
  --from 2025-06-01 > "$tmp/none.json"
check "a period without commands is reported empty" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["first_seq"]==0 and r["commands"]==0))' "$tmp/none.json"

# --- the database backend gives the same report ---------------------------------------------------
"$twoline" import --journal "$tmp/rec.journal" --db "$tmp/rec.db" > /dev/null
"$twoline" whatif --db "$tmp/rec.db" --zone hengqin --profile "$tmp/dates/hengqin.toml" \
  --limit 1000000 > "$tmp/dates.db.json"
check "--db and --journal give the same report" cmp -s "$tmp/dates.report.json" "$tmp/dates.db.json"

# --- bad input: a clear error, status 1, nothing written --------------------------------------------
fails_with() {
  local expected=$1
  shift
  if "$twoline" whatif "$@" > "$tmp/out" 2> "$tmp/err"; then return 1; fi
  grep -q -- "$expected" "$tmp/err" && test ! -s "$tmp/out"
}
check "an unknown zone is named" \
  fails_with 'no journal of zone "nansha"' --journal "$tmp/rec.journal" --zone nansha --profile "$zones/nansha.toml"
check "a draft for another zone is refused" \
  fails_with 'is for zone "nansha", not "hengqin"' --journal "$tmp/rec.journal" --zone hengqin --profile "$zones/nansha.toml"
mkdir "$tmp/bad"
cp "$zones/hengqin.toml" "$zones/tariff-mainland.csv" "$tmp/bad/"
sed -i '0,/^rate = "0\.13"/s//rate = "thirteen"/' "$tmp/bad/hengqin.toml"
bad_line=$(grep -n '^rate = "thirteen"' "$tmp/bad/hengqin.toml" | cut -d: -f1)
check "a malformed draft is refused with file:line" \
  fails_with "$tmp/bad/hengqin.toml:$bad_line:" --journal "$tmp/rec.journal" --zone hengqin --profile "$tmp/bad/hengqin.toml"
check "--from after --to is refused" \
  fails_with "is after --to" --journal "$tmp/rec.journal" --zone hengqin --profile "$zones/hengqin.toml" --from 2025-05-02 --to 2025-05-01
check "a malformed date is refused" \
  fails_with "--from" --journal "$tmp/rec.journal" --zone hengqin --profile "$zones/hengqin.toml" --from 2025-13-01
check "a journal that does not exist is named" \
  fails_with "$tmp/missing.journal" --journal "$tmp/missing.journal" --zone hengqin --profile "$zones/hengqin.toml"
check "the journal was never written" test "$(sha256sum < "$tmp/rec.journal")" = "$journal_sum"
check "no file was created beside the journal" \
  test "$(ls -R "$tmp" | grep '^rec\.journal' | sort)" = "$beside_before"
finish whatif
