#!/usr/bin/env bash
# CI (Linux): installs the .deb that `npm run dist` built and checks what it put on the machine: the app under /opt
# with its native modules unpacked and its fuses set, the cpxlink: scheme handed to the app (xdg-mime), and the
# installed app itself reading a machine policy from /etc/cpx-link/policies (its --diagnostic-report), with the card
# service running in its utility process. Needs root or passwordless sudo. Usage: npm run ci:deb-check
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "deb-check: $*" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

deb=$(ls dist/installers/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb under dist/installers (run npm run dist first)"
pkg=$(dpkg-deb -f "$deb" Package)

# xdg-utils and desktop-file-utils first, so the package's post-install script registers its desktop entry.
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq xdg-utils desktop-file-utils xvfb >/dev/null
$SUDO apt-get install -y -qq "./$deb" >/dev/null
dpkg -s "$pkg" | grep -q '^Status: install ok installed' || fail "$pkg is not installed"
files=$(dpkg -L "$pkg")

exe=$(grep -E '^/opt/[^/]+/cpx-link$' <<<"$files" | head -n 1)
[ -n "$exe" ] || fail "no /opt/*/cpx-link in the package"
dir=$(dirname "$exe")
for f in resources/app.asar \
         resources/app.asar.unpacked/node_modules/pkcs11js/build/Release/pkcs11.node \
         resources/policies/linux/cpx-link.json; do
  [ -f "$dir/$f" ] || fail "missing $dir/$f"
done
echo "✓ $pkg installed in $dir"
node scripts/ci/fuses-check.mjs "$exe"

desktop=$(grep -E '^/usr/share/applications/[^/]+\.desktop$' <<<"$files" | head -n 1)
[ -n "$desktop" ] || fail "no desktop entry in the package"
grep -Eq '^MimeType=(.*;)?x-scheme-handler/cpxlink;' "$desktop" || fail "$desktop does not declare x-scheme-handler/cpxlink"
grep -Eq '^Exec=.* %U$' "$desktop" || fail "$desktop: the link must be the last argument (%U): $(grep '^Exec=' "$desktop")"
handler=$(xdg-mime query default x-scheme-handler/cpxlink)
[ "$handler" = "$(basename "$desktop")" ] || fail "xdg-mime gives cpxlink: to '$handler', not $(basename "$desktop")"
echo "✓ cpxlink: opens with $handler"

# The installed (packaged) app reads the machine policy folder; a bad value is ignored and reported.
policy=/etc/cpx-link/policies/50-ci-check.json
$SUDO mkdir -p /etc/cpx-link/policies
echo '{"serviceUrl":"https://orientation.sante-centre.fr","language":"en","logging":"verbose"}' | $SUDO tee "$policy" >/dev/null
trap '$SUDO rm -f "$policy"' EXIT
mkdir -p dist/ci # kept by the CI job when a step fails
report=$PWD/dist/ci/installed-app-diagnostic-report.json
args=(--diagnostic-report "$report")
[ "$(id -u)" = 0 ] && args+=(--no-sandbox) # Chromium refuses root without it
if [ -n "${DISPLAY:-}" ]; then "$exe" "${args[@]}"; else xvfb-run -a "$exe" "${args[@]}"; fi \
  || fail "the installed app did not write its diagnostic report"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const eq = (a, b, what) => { if (JSON.stringify(a) !== JSON.stringify(b)) { console.error(`deb-check: ${what}: ${JSON.stringify(a)}`); process.exit(1); } };
  eq(r.settings.serviceUrl, { value: "https://orientation.sante-centre.fr", source: "policy", locked: true }, "serviceUrl");
  eq(r.settings.language, { value: "en", source: "policy", locked: true }, "language");
  eq(r.settings.logging.source, "default", "a bad logging value must not apply");
  eq(r.policy.problems.some((p) => /50-ci-check\.json: logging ignored/.test(p)), true, "the bad value reported");
  eq(r.cardService.error ?? null, null, "card service (utility process, pkcs11js rebuilt for Electron)");
  console.log(`✓ the installed app (Electron ${r.app.runtime.electron}) reads /etc/cpx-link/policies; its card service answers`);
' "$report"
