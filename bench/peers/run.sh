#!/usr/bin/env bash
# Peer side by side (bench/peers/README.md), run by `make bench`: twoline and a Cedar policy set
# decide the same pool of gate crossings; every answer must agree, or this exits non-zero.
#   bash bench/peers/run.sh build/twoline_peers
# PEERS_REQUESTS, PEERS_PERSONS and PEERS_SECONDS change the pool's size and the measured time.
set -euo pipefail
bin=$1
peers=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Cedar comes from npm exactly as locked (package-lock.json).
(cd "$peers" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)

"$bin" --zone hetao-sz --persons "${PEERS_PERSONS:-4000}" --requests "${PEERS_REQUESTS:-20000}" \
  --seconds-min "${PEERS_SECONDS:-2}" \
  --pool "$work/pool.jsonl" --answers "$work/answers.jsonl" --figures "$work/twoline.json"
node "$peers/cedar.mjs" "$work/pool.jsonl" "$work/answers.jsonl" "$work/twoline.json" "${PEERS_SECONDS:-2}"
