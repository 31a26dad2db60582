#!/usr/bin/env bash
# The test command: the whole suite, unit and integration (integration needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest -q -p no:cacheprovider tests "$@"
