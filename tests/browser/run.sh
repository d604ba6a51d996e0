#!/usr/bin/env bash
# Browser tests of the console (ctest `browser.console`): Debian's Chromium driven by playwright-core
# against a real `twoline serve` on a temporary database on 127.0.0.1. The journeys are in
# console.test.mjs; screenshots go to $TWOLINE_SCREENSHOTS (default: a temporary directory).
#   bash tests/browser/run.sh build/twoline
#   TWOLINE_SCREENSHOTS=docs/console bash tests/browser/run.sh build/twoline   # refresh the docs' pictures
#   bash tests/browser/run.sh build/twoline --test-name-pattern=language      # one journey
set -euo pipefail
binary=$(realpath "${1:?usage: run.sh path/to/twoline}")
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x /usr/bin/chromium ]; then
  echo "FAIL: /usr/bin/chromium is missing (make deps installs it)" >&2
  exit 1
fi
if [ ! -d "$root/web/node_modules/playwright-core" ]; then
  echo "FAIL: web/node_modules is missing (make deps runs npm ci in web/)" >&2
  exit 1
fi
# Further arguments go to node, e.g. --test-name-pattern='language' to run one journey.
TWOLINE_BINARY="$binary" exec node --test-reporter=spec "${@:2}" "$root/tests/browser/console.test.mjs"
