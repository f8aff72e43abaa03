#!/usr/bin/env bash
# `npm run test:e2e`: the Playwright suite in Chromium (tests/e2e), against the development bridge, the card
# simulator and the reference service. Builds what is missing first; screenshots go to $CPX_SCREENSHOTS
# (default tests/e2e/screenshots/).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CPX_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "Chromium not found at $chromium: install it (sudo apt-get install chromium) or set CPX_CHROMIUM." >&2
  exit 1
fi

# The simulator: make rebuilds it only when its sources changed.
npm run --silent build:sim

# The renderer: rebuilt when missing or older than its sources (or the shared protocol it imports).
dist=renderer/dist/index.html
if [ ! -f "$dist" ] || [ -n "$(find renderer/src renderer/index.html renderer/pin.html renderer/vite.config.ts protocol -newer "$dist" -type f -print -quit)" ]; then
  npm run --silent build:renderer >/dev/null
fi

export CPX_SCREENSHOTS="${CPX_SCREENSHOTS:-tests/e2e/screenshots}"
mkdir -p "$CPX_SCREENSHOTS"
exec node --import tsx --test --test-concurrency=1 tests/e2e/*.test.ts
