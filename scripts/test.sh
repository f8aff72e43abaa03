#!/usr/bin/env bash
# `npm test`: sets up what is missing (Debian packages, npm packages, the card simulator, the renderer),
# then runs the Node-side suite and the browser end-to-end suite, and prints one closing line for both.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --with-postgres || exit 1
npm run --silent build:sim || exit 1
npm run --silent build:renderer >/dev/null || { echo "renderer build failed" >&2; exit 1; }

logdir=$(mktemp -d)
status=0
echo "» static checks (TypeScript strict, Svelte, lint incl. layer boundaries)"
npm run --silent typecheck >"$logdir/typecheck.log" 2>&1 || { cat "$logdir/typecheck.log"; status=1; }
npm run --silent lint || status=1
npm run --silent lint:electron || status=1   # Electron hardening (electronegativity): no finding left unexplained
echo "» tests (Node: card simulator, card layer, validator, service, app core)"
npm run --silent test:unit 2>&1 | tee "$logdir/unit.tap"; [ "${PIPESTATUS[0]}" = 0 ] || status=1
echo "» tests (end-to-end in Chromium)"
npm run --silent test:e2e 2>&1 | tee "$logdir/e2e.tap"; [ "${PIPESTATUS[0]}" = 0 ] || status=1

sum() { grep -h "^# $1 " "$logdir"/*.tap | awk '{s+=$3} END {print s+0}'; }
pass=$(sum pass); fail=$(( $(sum fail) + $(sum cancelled) )); skip=$(sum skipped)
echo
echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] || status=1
rm -rf "$logdir"
exit $status
