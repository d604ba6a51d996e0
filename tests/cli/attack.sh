#!/usr/bin/env bash
# End-to-end attacks on `twoline serve` (tests/cli/attack.py; docs/security.md lists the limits).
# Run by ctest as: bash tests/cli/attack.sh /path/to/build/twoline
set -euo pipefail
twoline=${1:?usage: attack.sh /path/to/twoline}
exec timeout 300 python3 "$(dirname "${BASH_SOURCE[0]}")/attack.py" "$twoline"
