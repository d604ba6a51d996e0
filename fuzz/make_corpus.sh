#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the test scenarios and
# the built-in zone profiles. Run once after changing them; the corpora are kept in the repository.
#   fuzz/make_corpus.sh [path/to/twoline]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/twoline}
out=fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{command,profile,journal,http_request,snapshot}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# command: every command line of the scenarios.
n=0
for scenario in tests/scenarios/*.scenario; do
  zone=$(sed -n 's/^zone //p' "$scenario" | head -n 1)
  sed -n 's/^> //p' "$scenario" > "$work/commands.jsonl"
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" > "$out/command/$(printf '%04d' $n)"
  done < "$work/commands.jsonl"
  # journal: the entries those commands make.
  "$bin" run --zone "$zone" --journal "$work/$zone.journal" < "$work/commands.jsonl" > /dev/null || true
  m=0
  while IFS= read -r entry; do
    m=$((m + 1))
    printf '%s' "$entry" > "$out/journal/$(basename "$scenario" .scenario)-$(printf '%03d' $m)"
  done < "$work/$zone.journal"
  # snapshot: the engine body of a snapshot of those entries (the container's body field).
  rm -rf "$work/$zone.journal"*
  "$bin" run --zone "$zone" --journal "$work/$zone.journal" --snapshot-every 1 < "$work/commands.jsonl" > /dev/null || true
  for snap in "$work/$zone.journal.snapshots"/*.snap; do
    [ -e "$snap" ] || continue
    python3 - "$snap" "$out/snapshot/$(basename "$scenario" .scenario)" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
at = 16 + 4 + 8 + 32 + 32
for _ in range(2):  # the zone id, the Merkle frontier
    (n,) = struct.unpack_from("<Q", data, at)
    at += 8 + n
(n,) = struct.unpack_from("<Q", data, at)
open(sys.argv[2], "wb").write(data[at + 8:at + 8 + n])
PY
  done
  rm -rf "$work/$zone.journal"*
done

# profile: the built-in profiles.
cp zones/*.toml "$out/profile/"

# http_request: the first byte sets the fuzzer's feeding step; then requests as clients send them.
request() { printf '\x07%b' "$2" > "$out/http_request/$1"; }
request get 'GET /v1/zones/hengqin/presence?offset=0&limit=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer twl_0\r\n\r\n'
request get-http10 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
request pipelined 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
request post-length 'POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
request post-chunked 'POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1;x=y\r\n{\r\n1\r\n}\r\n0\r\nTrailer: t\r\n\r\n'
request post-continue 'POST /v1/session HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 13\r\nCookie: twoline_session=ab; x=y\r\n\r\n{"token":"x"}'
request smuggle 'GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\nGET /v1/zones HTTP/1.1\r\nHost: a\r\n\r\n'
request conflict 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
request gzip 'POST / HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00'
line=$(head -n 1 "$out/command/0001")
printf '\x03POST /v1/zones/hengqin/commands HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s' "${#line}" "$line" \
  > "$out/http_request/post-command"
echo "corpus: $(ls "$out/command" | wc -l) commands, $(ls "$out/journal" | wc -l) journal lines, $(ls "$out/profile" | wc -l) profiles, $(ls "$out/http_request" | wc -l) requests, $(ls "$out/snapshot" | wc -l) snapshot bodies"
