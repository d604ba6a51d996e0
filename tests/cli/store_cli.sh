#!/usr/bin/env bash
# End-to-end test of the database forms (SPEC §5, §6; issue 4): `run --db` answers exactly as
# `run --journal`, `verify --db` prints the same line as verify of the same journal, `export` writes
# that journal byte for byte, `import` rebuilds an equal database, `query … --db` answers as the
# journal form, `token create|list|revoke`, and `serve` starts, answers, and stops cleanly on SIGTERM
# (HTTP through python3's urllib, so that no HTTP client needs installing).
# A database with a corrupted middle entry is refused, naming the seq.
# Run by ctest as: bash tests/cli/store_cli.sh /path/to/build/twoline
set -euo pipefail

twoline=${1:?usage: store_cli.sh /path/to/twoline}
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"
same() { cmp -s "$1" "$2"; }
# http METHOD URL [TOKEN [BODY_FILE]]: prints the status code, a space, then the body.
http() {
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
token = sys.argv[3] if len(sys.argv) > 3 else ""
body = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else None
request = urllib.request.Request(url, data=body, method=method)
if token:
    request.add_header("Authorization", "Bearer " + token)
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(response.status, response.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode())
PY
}

# --- run: the same decisions on both backends, resumed in two runs ---------------------------------
"$twoline" simulate --zone hengqin --date 2026-03-02 --persons 400 --seed 9 > "$tmp/day.jsonl"
lines=$(wc -l < "$tmp/day.jsonl")
head -n 700 "$tmp/day.jsonl" > "$tmp/part1.jsonl"
tail -n +701 "$tmp/day.jsonl" > "$tmp/part2.jsonl"
echo "not JSON" >> "$tmp/part2.jsonl"
for part in part1 part2; do
  "$twoline" run --zone hengqin --journal "$tmp/day.journal" < "$tmp/$part.jsonl" > "$tmp/$part.journal.out"
  "$twoline" run --zone hengqin --db "$tmp/day.db" < "$tmp/$part.jsonl" > "$tmp/$part.db.out"
  check "run --db decides $part exactly as run --journal" same "$tmp/$part.journal.out" "$tmp/$part.db.out"
done
check "one decision per input line" test "$(cat "$tmp"/part*.db.out | wc -l)" -eq $((lines + 1))

# --- verify, export, import ------------------------------------------------------------------------
verified=$("$twoline" verify --db "$tmp/day.db")
check "verify --db prints ok <entries> <head> state <state>" grep -Eq '^ok [0-9]+ [0-9a-f]{64} state [0-9a-f]{64}$' <<< "$verified"
check "verify --db equals verify --journal" test "$verified" = "$("$twoline" verify --journal "$tmp/day.journal")"
"$twoline" export --db "$tmp/day.db" --journal "$tmp/exported.journal" > /dev/null
check "export writes the journal byte for byte" same "$tmp/exported.journal" "$tmp/day.journal"
"$twoline" import --journal "$tmp/day.journal" --db "$tmp/imported.db" > /dev/null
check "an imported database verifies the same" test "$("$twoline" verify --db "$tmp/imported.db")" = "$verified"
head -n 300 "$tmp/day.journal" > "$tmp/prefix.journal"
"$twoline" import --journal "$tmp/prefix.journal" --db "$tmp/grown.db" > /dev/null
"$twoline" import --journal "$tmp/day.journal" --db "$tmp/grown.db" > /dev/null
check "import continues a database whose chain is a prefix" test "$("$twoline" verify --db "$tmp/grown.db")" = "$verified"
sed '5s/"2026-03-02T/"2026-03-03T/' "$tmp/day.journal" > "$tmp/forked.journal"
check "import refuses a journal that does not verify" bash -c "! '$twoline' import --journal '$tmp/forked.journal' --db '$tmp/other.db' 2>/dev/null"

# --- query --db answers as the journal form --------------------------------------------------------
for query in "presence" "presence --format table" "report --from 2026-03-01 --to 2026-03-31"; do
  # shellcheck disable=SC2086
  "$twoline" query $query --journal "$tmp/day.journal" > "$tmp/q.journal"
  # shellcheck disable=SC2086
  "$twoline" query $query --db "$tmp/day.db" > "$tmp/q.db"
  check "query $query --db equals --journal" same "$tmp/q.journal" "$tmp/q.db"
done
party=$(grep -o '"type":"register_party","party":{"id":"[^"]*"' "$tmp/day.jsonl" | head -1 | sed 's/.*"id":"//; s/"$//')
"$twoline" query balance --party "$party" --journal "$tmp/day.journal" > "$tmp/b.journal"
"$twoline" query balance --party "$party" --db "$tmp/day.db" > "$tmp/b.db"
check "query balance --db (read model) equals --journal (replay)" same "$tmp/b.journal" "$tmp/b.db"
# Declarations and traces from the read models, as a replay prints them (a few of each kind).
declarations=$(grep -o '"declaration":{"id":"[^"]*","kind":"[a-z_]*"' "$tmp/day.jsonl" | sort -t'"' -k10,10 -u | sed 's/.*"id":"//; s/".*//')
check "the day has declarations of several kinds" test "$(wc -w <<< "$declarations")" -ge 4
for id in $declarations; do
  for query in "declaration" "trace"; do
    "$twoline" query $query --declaration "$id" --journal "$tmp/day.journal" > "$tmp/d.journal"
    "$twoline" query $query --declaration "$id" --db "$tmp/day.db" > "$tmp/d.db"
    check "query $query --declaration $id --db (read model) equals --journal (replay)" same "$tmp/d.journal" "$tmp/d.db"
  done
done
status=0
"$twoline" query declaration --declaration "$(head -n 1 <<< "$declarations")" --db "$tmp/day.db" --format table \
  > "$tmp/d.table" 2> "$tmp/d.err" || status=$?
check "query declaration --format table is refused, not answered in JSON" test "$status" -eq 1
check "and says which queries have a table" grep -q "JSON only" "$tmp/d.err"
"$twoline" query report --db "$tmp/day.db" > "$tmp/r.day"
"$twoline" query report --db "$tmp/grown.db" > "$tmp/r.grown"
check "an import that continues a database adds to its day totals" same "$tmp/r.day" "$tmp/r.grown"
for store in "--db $tmp/day.db" "--journal $tmp/day.journal"; do
  status=0
  "$twoline" query report $store --from 2026-05-31 --to 2026-05-01 > /dev/null 2> "$tmp/r.err" || status=$?
  check "query report $store refuses a range that ends before it starts" test "$status" -eq 1
  check "and says so" grep -q "is after --to" "$tmp/r.err"
done

# --- read models written once per stretch of commands (run --read-models-every) ----------------------
# Short stretches and small group commits: many takes, each row written once per stretch; the
# database must answer every read model as a replay of the journal does (verify --db compares them
# with a rebuild).
"$twoline" run --zone hengqin --db "$tmp/stretch.db" --batch 7 --read-models-every 50 < "$tmp/day.jsonl" > "$tmp/stretch.out"
check "run --db --read-models-every 50 decides every line" test "$(wc -l < "$tmp/stretch.out")" -eq "$lines"
check "run --db --read-models-every 50 verifies (read models equal a rebuild)" bash -c "'$twoline' verify --db '$tmp/stretch.db' > /dev/null"
for query in "presence" "report --from 2026-03-01 --to 2026-03-31"; do
  # shellcheck disable=SC2086
  "$twoline" query $query --journal "$tmp/day.journal" > "$tmp/q.journal"
  # shellcheck disable=SC2086
  "$twoline" query $query --db "$tmp/stretch.db" > "$tmp/q.db"
  check "query $query --db after stretches of 50 equals --journal" same "$tmp/q.journal" "$tmp/q.db"
done
# verify --db compares every read model with a rebuild: a deleted, altered or added view row fails it.
for tamper in "DELETE FROM views WHERE kind = 'flow'" \
              "UPDATE views SET json = json || ' ' WHERE kind = 'lot' AND key = (SELECT min(key) FROM views WHERE kind = 'lot')" \
              "INSERT INTO views SELECT zone, kind, key || 'x', owner, state, json FROM views WHERE kind = 'crossing' LIMIT 1" \
              "UPDATE views SET state = 'cancelled' WHERE kind = 'declaration' AND key = (SELECT min(key) FROM views WHERE kind = 'declaration')" \
              "UPDATE view_counts SET rows = rows + 1 WHERE kind = 'crossing' AND state = 'accepted'"; do
  cp "$tmp/stretch.db" "$tmp/tampered.db"
  cp "$tmp/stretch.db.views" "$tmp/tampered.db.views"  # the read models' file (docs/architecture.md)
  sqlite3 "$tmp/tampered.db.views" "$tamper"
  check "verify --db finds the read models changed by: $tamper" bash -c "! '$twoline' verify --db '$tmp/tampered.db' > /dev/null 2> '$tmp/tampered.err' && grep -q 'read models:' '$tmp/tampered.err'"
done
# More rows of a kind than verify compares at once (store::kReadRowsMax, 10,000; it reads a
# rebuild's rows piece by piece, not all at once): a row changed or removed in the last piece is
# found too.
"$twoline" simulate --zone hengqin --date 2026-03-03 --persons 10500 --crossings 12000 \
  --consignments 20 --seed 5 > "$tmp/many.jsonl"
"$twoline" run --zone hengqin --db "$tmp/many.db" < "$tmp/many.jsonl" > /dev/null
check "verify --db passes with more rows of a kind than it compares at once" \
  bash -c "'$twoline' verify --db '$tmp/many.db' > /dev/null"
last_person="(SELECT max(key) FROM views WHERE kind = 'person')"
for tamper in "UPDATE views SET json = json || ' ' WHERE kind = 'person' AND key = $last_person" \
              "DELETE FROM views WHERE kind = 'person' AND key = $last_person"; do
  cp "$tmp/many.db" "$tmp/tampered.db"
  cp "$tmp/many.db.views" "$tmp/tampered.db.views"
  sqlite3 "$tmp/tampered.db.views" "$tamper"
  check "verify --db finds, past its first 10,000 rows of a kind: $tamper" \
    bash -c "! '$twoline' verify --db '$tmp/tampered.db' > /dev/null 2> '$tmp/tampered.err' && grep -Eq 'read models: the person view .* (differs from a replay|is missing)' '$tmp/tampered.err'"
done
# Crossing rows are compared as the replay makes them, 10,000 at a time, and the rest at its end:
# a changed or missing row is found in the first piece and in the last, and a row no replay makes
# by the count.
first_crossing="(SELECT min(key) FROM views WHERE kind = 'crossing')"
last_crossing="(SELECT max(key) FROM views WHERE kind = 'crossing')"
for tamper in "UPDATE views SET json = json || ' ' WHERE kind = 'crossing' AND key = $first_crossing" \
              "DELETE FROM views WHERE kind = 'crossing' AND key = $first_crossing" \
              "UPDATE views SET state = 'rejected' WHERE kind = 'crossing' AND key = $last_crossing" \
              "DELETE FROM views WHERE kind = 'crossing' AND key = $last_crossing"; do
  cp "$tmp/many.db" "$tmp/tampered.db"
  cp "$tmp/many.db.views" "$tmp/tampered.db.views"
  sqlite3 "$tmp/tampered.db.views" "$tamper"
  check "verify --db finds a crossing row tampered with: $tamper" \
    bash -c "! '$twoline' verify --db '$tmp/tampered.db' > /dev/null 2> '$tmp/tampered.err' && grep -Eq 'read models: the crossing view .* (differs from a replay|is missing)' '$tmp/tampered.err'"
done
cp "$tmp/many.db" "$tmp/tampered.db"
cp "$tmp/many.db.views" "$tmp/tampered.db.views"
sqlite3 "$tmp/tampered.db.views" "INSERT INTO views (zone, kind, key, owner, state, json) SELECT zone, kind, '99999999999999999999', owner, state, json FROM views WHERE kind = 'crossing' AND key = $last_crossing"
check "verify --db finds a crossing row no replay makes" \
  bash -c "! '$twoline' verify --db '$tmp/tampered.db' > /dev/null 2> '$tmp/tampered.err' && grep -Eq 'read models: the (crossing views number|count of crossing views)' '$tmp/tampered.err'"
check "run --read-models-every 0 is refused" bash -c "! '$twoline' run --zone hengqin --db '$tmp/zero.db' --read-models-every 0 < /dev/null 2>/dev/null"
# A run killed between stretches leaves the read models behind the journal; the next run brings
# them up to date before deciding, and then answers the rest (its repeats from the journal).
"$twoline" simulate --zone hengqin --date 2026-03-02 --persons 3000 --seed 11 > "$tmp/big.jsonl"
"$twoline" run --zone hengqin --db "$tmp/killed.db" --batch 16 --read-models-every 2000 < "$tmp/big.jsonl" > "$tmp/killed.out" &
run_pid=$!
for _ in $(seq 1 500); do
  [ "$(wc -l < "$tmp/killed.out")" -ge 3000 ] && break
  sleep 0.01
done
kill -9 "$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true
decided=$(wc -l < "$tmp/killed.out")
check "the killed run had decided part of its input ($decided lines)" test "$decided" -gt 0
# (For the log: how far behind the killed run left the read models.)
"$twoline" verify --db "$tmp/killed.db" 2>&1 >/dev/null | sed 's/^/  killed run: /' || true
"$twoline" run --zone hengqin --db "$tmp/killed.db" < "$tmp/big.jsonl" > "$tmp/resumed.out"
"$twoline" run --zone hengqin --journal "$tmp/big.journal" < "$tmp/big.jsonl" > /dev/null
check "after a killed run, the next run leaves read models equal to a rebuild" bash -c "'$twoline' verify --db '$tmp/killed.db' > /dev/null"
check "and the same chain as one uninterrupted run" test "$("$twoline" verify --db "$tmp/killed.db")" = "$("$twoline" verify --journal "$tmp/big.journal")"
"$twoline" query presence --journal "$tmp/big.journal" > "$tmp/q.journal"
"$twoline" query presence --db "$tmp/killed.db" > "$tmp/q.db"
check "presence after the killed and resumed run equals the journal's" same "$tmp/q.journal" "$tmp/q.db"

# --- corrupted middle entry ------------------------------------------------------------------------
sqlite3 "$tmp/day.db" ".backup '$tmp/corrupt.db'"
sqlite3 "$tmp/corrupt.db" "UPDATE journal SET line = replace(line, '\"at\":\"2026-03-02T', '\"at\":\"2026-03-03T') WHERE seq = 250"
status=0
output=$("$twoline" verify --db "$tmp/corrupt.db" 2>/dev/null) || status=$?
check "verify --db of a corrupted middle entry exits 1 naming seq 250" \
  test "$status" -eq 1 -a "${output#*zone hengqin: seq 250: }" != "$output"

# --- tokens ----------------------------------------------------------------------------------------
created=$("$twoline" token create --db "$tmp/day.db" --role declarant --zone hengqin --party "$party")
token=$(tail -n 1 <<< "$created")
check "token create prints the token alone on the last line" grep -Eq '^twl_[0-9a-f]{64}$' <<< "$token"
token_id=$(head -n 1 <<< "$created" | awk '{print $2}')
check "token list shows the token, never its secret" \
  bash -c "'$twoline' token list --db '$tmp/day.db' | grep -q '$token_id' && ! '$twoline' token list --db '$tmp/day.db' | grep -q '$token'"
check "an officer token needs a zone" bash -c "! '$twoline' token create --db '$tmp/day.db' --role officer 2>/dev/null"
admin=$("$twoline" token create --db "$tmp/day.db" --role admin | tail -n 1)

# --- serve -----------------------------------------------------------------------------------------
"$twoline" serve --db "$tmp/day.db" --listen 127.0.0.1:0 > "$tmp/serve.out" 2> "$tmp/serve.err" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out")
check "serve prints the URL it listens on" grep -Eq '^http://127\.0\.0\.1:[0-9]+$' <<< "$url"
check "healthz" grep -q '^200 {"status":"ok"' <<< "$(http GET "$url/healthz")"
# The deciding and committing threads at nice -5 where the process may raise them (root here, or
# CAP_SYS_NICE), and said so; otherwise a warning at start.
if [ "$(id -u)" = 0 ]; then
  check "serve raises its deciding and committing threads" \
    grep -q '^twoline_writer_priority_raised 1$' <<< "$(http GET "$url/metrics" "$admin")"
  check "the deciding and committing threads run at nice -5" \
    test "$(ps -L -o comm=,nice= -p "$server_pid" | awk '$1 == "tl-writer" || $1 == "tl-commit" {print $2}' | sort -u)" = "-5"
else
  check "serve warns that it could not raise its priority" grep -q '"event":"priority"' "$tmp/serve.err"
fi
check "a declarant reads its own balance" \
  grep -q "^200 {\"zone\":\"hengqin\",\"party\":\"$party\"" <<< "$(http GET "$url/v1/zones/hengqin/parties/$party/balance" "$token")"
check "a declarant may not read presence" grep -q '^403 ' <<< "$(http GET "$url/v1/zones/hengqin/presence" "$token")"
"$twoline" token revoke --db "$tmp/day.db" --id "$token_id" > /dev/null
sleep 1.2
check "a revoked token is refused within a second" \
  grep -q '^401 ' <<< "$(http GET "$url/v1/zones/hengqin/parties/$party/balance" "$token")"
head -n 1 "$tmp/day.jsonl" > "$tmp/first.json"
answer=$(http POST "$url/v1/zones/hengqin/commands" "$admin" "$tmp/first.json")
check "a repeated command gets its original decision over HTTP" \
  test "$answer" = "200 $(head -n 1 "$tmp/part1.db.out")"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
check "serve stops cleanly on SIGTERM" test "$status" -eq 0
check "the database still verifies after serving" test "$("$twoline" verify --db "$tmp/day.db" | cut -d' ' -f1-2)" = "$(cut -d' ' -f1-2 <<< "$verified")"
status=0
"$twoline" serve --db "$tmp/corrupt.db" --listen 127.0.0.1:0 > /dev/null 2> "$tmp/corrupt.err" || status=$?
check "serve refuses a corrupted database, naming the seq" \
  bash -c "test $status -eq 1 && grep -q 'zone hengqin: seq 250: ' '$tmp/corrupt.err'"

# verify --from-snapshot checks the snapshot's Merkle frontier against the journal's leaf hashes:
# a frontier rewritten with a consistent checksum (which startup would take, and a server would
# sign roots from) fails it.
"$twoline" run --zone hengqin --journal "$tmp/frontier.journal" --snapshot-every 100 < "$tmp/day.jsonl" > /dev/null
check "verify --from-snapshot checks a snapshot's frontier" \
  bash -c "'$twoline' verify --journal '$tmp/frontier.journal' --from-snapshot 2>&1 | grep -q 'Merkle frontier), 0 entries replayed'"
# A run on a database writes its final snapshot (encoded while the last read models are written)
# at its last entry, once they are durable: the next start replays nothing, and the snapshot
# verifies against the journal and the read models.
"$twoline" run --zone hengqin --db "$tmp/final.db" --snapshot-every 100 < "$tmp/day.jsonl" > /dev/null
entries=$("$twoline" verify --db "$tmp/final.db" | cut -d' ' -f2)
check "a run's final snapshot is at its last entry" \
  test -e "$tmp/final.db.snapshots/hengqin.$(printf '%020d' "$entries").snap"
check "the next run starts from the final snapshot" \
  bash -c "'$twoline' run --zone hengqin --db '$tmp/final.db' --stats < /dev/null 2>&1 | grep -q 'snapshot at seq $entries, 0 entries replayed'"
check "verify --db --from-snapshot takes the final snapshot and the read models as they are" \
  bash -c "'$twoline' verify --db '$tmp/final.db' --from-snapshot 2> '$tmp/final.err' | grep -q '^ok $entries ' &&
           grep -q 'snapshot at seq $entries checked.*, 0 entries replayed' '$tmp/final.err'"
# A torn newest snapshot is ignored with a warning, and the run replaces it at once: it is not
# counted when deciding whether a new one is due.
cp "$tmp/final.db" "$tmp/torn.db"; cp "$tmp/final.db.views" "$tmp/torn.db.views"
cp -r "$tmp/final.db.snapshots" "$tmp/torn.db.snapshots"
truncate -s 1000 "$tmp/torn.db.snapshots/hengqin.$(printf '%020d' "$entries").snap"
"$twoline" run --zone hengqin --db "$tmp/torn.db" --snapshot-every 100 < /dev/null 2> "$tmp/torn.err"
check "a torn snapshot is ignored with a warning" \
  grep -q "snapshot at seq $entries ignored: snapshot: checksum mismatch" "$tmp/torn.err"
check "the run replaces a torn snapshot" \
  bash -c "'$twoline' run --zone hengqin --db '$tmp/torn.db' --stats < /dev/null 2>&1 | grep -q 'snapshot at seq $entries, 0 entries replayed'"
# Crossing views are rows of the journal, not of the engine's state: after a snapshot, those of the
# replayed entries are checked one by one and counted, and the counts kept for all of them must be
# the rows' own.
"$twoline" run --zone hengqin --db "$tmp/tail.db" --snapshot-every 100 < "$tmp/part1.jsonl" > /dev/null
"$twoline" run --zone hengqin --db "$tmp/tail.db" --snapshot-every 0 < "$tmp/part2.jsonl" > /dev/null
check "verify --db --from-snapshot checks the crossings of the tail" \
  bash -c "'$twoline' verify --db '$tmp/tail.db' --from-snapshot 2> '$tmp/tail.err' | grep -q '^ok ' &&
           grep -Eq 'checked .*, [1-9][0-9]* entries replayed' '$tmp/tail.err'"
views_sql() {  # views_sql DB SQL: changes a database's read models behind its back
  python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1] + '.views'); c.executescript(sys.argv[2]); c.commit()" "$1" "$2"
}
cp "$tmp/tail.db" "$tmp/tail-lost.db"; cp "$tmp/tail.db.views" "$tmp/tail-lost.db.views"
cp -r "$tmp/tail.db.snapshots" "$tmp/tail-lost.db.snapshots"
views_sql "$tmp/tail-lost.db" "DELETE FROM views WHERE kind = 'crossing' AND key = (SELECT max(key) FROM views WHERE kind = 'crossing')"
check "verify --db --from-snapshot finds a crossing of the tail missing" \
  bash -c "! '$twoline' verify --db '$tmp/tail-lost.db' --from-snapshot > /dev/null 2> '$tmp/lost.err' &&
           grep -q 'read models: the crossing view .* is missing' '$tmp/lost.err'"
cp "$tmp/tail.db" "$tmp/tail-old.db"; cp "$tmp/tail.db.views" "$tmp/tail-old.db.views"
cp -r "$tmp/tail.db.snapshots" "$tmp/tail-old.db.snapshots"
views_sql "$tmp/tail-old.db" "DELETE FROM views WHERE kind = 'crossing' AND key = (SELECT min(key) FROM views WHERE kind = 'crossing')"
check "verify --db --from-snapshot finds a crossing before the snapshot lost (the kept counts)" \
  bash -c "! '$twoline' verify --db '$tmp/tail-old.db' --from-snapshot > /dev/null 2> '$tmp/old.err' &&
           grep -q 'read models: the count of crossing views is [0-9]*; the rows number' '$tmp/old.err'"
snapshot=$(ls "$tmp/frontier.journal.snapshots/"*.snap | sort | tail -n 1)
python3 - "$snapshot" <<'PY'
import ctypes, struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
zone_length = struct.unpack("<Q", data[92:100])[0]
first_hash = 100 + zone_length + 8 + 8  # after the zone, the frontier's length and its size
data[first_hash] ^= 1
class Hash128(ctypes.Structure):
    _fields_ = [("low", ctypes.c_uint64), ("high", ctypes.c_uint64)]
xxhash = ctypes.CDLL("libxxhash.so.0")
xxhash.XXH3_128bits.restype = Hash128
xxhash.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
body = bytes(data[:-16])
digest = xxhash.XXH3_128bits(body, len(body))
open(path, "wb").write(body + struct.pack(">QQ", digest.high, digest.low))
PY
status=0
"$twoline" verify --journal "$tmp/frontier.journal" --from-snapshot > /dev/null 2> "$tmp/frontier.err" || status=$?
check "verify --from-snapshot refuses a snapshot whose frontier was rewritten" \
  bash -c "test $status -eq 1 && grep -q 'Merkle frontier does not match' '$tmp/frontier.err'"
check "a full verify of that journal still passes" bash -c "'$twoline' verify --journal '$tmp/frontier.journal' > /dev/null"

finish store_cli
