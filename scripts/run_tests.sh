#!/usr/bin/env bash
# Run the whole suite. Browser journeys need Debian's Chromium; without it they are left out, and
# this says so plainly rather than pretending they passed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# The slowest tests are listed at the end: CI has a 30-minute budget to keep.
args=(-q -p no:cacheprovider --durations=25)
if [ -x "$CHROMIUM" ]; then
  "$PY" -m pytest "${args[@]}" "$@"
else
  "$PY" -m pytest "${args[@]}" --ignore=tests/e2e "$@"
  echo
  echo "NOTE: the browser tests in tests/e2e did NOT run: $CHROMIUM was not found."
  echo "      Install it with 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chromium) and run 'make test' again."
fi
