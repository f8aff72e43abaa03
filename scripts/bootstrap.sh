#!/usr/bin/env bash
# Installs what CPx Link needs on a fresh Debian/Ubuntu machine with Node: the Debian packages (as root or with
# sudo), then the npm packages when node_modules is missing or older than the lockfile. Idempotent and quiet when
# everything is there. Sourced by demo.sh and test.sh; `--with-postgres` adds the PostgreSQL server the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

want_pg=0
for a in "$@"; do [ "$a" = "--with-postgres" ] && want_pg=1; done

# command or file that proves each package is installed → Debian package name
declare -A NEED=(
  [/usr/lib/softhsm/libsofthsm2.so]=softhsm2
  [pkcs11-tool]=opensc
  [pcscd]=pcscd
  [chromium]=chromium
  [cc]=gcc
  [make]=make
  [/usr/include/p11-kit-1/p11-kit/pkcs11.h]=libp11-kit-dev
  [xvfb-run]=xvfb
)
[ "$want_pg" = 1 ] && NEED[/usr/lib/postgresql]=postgresql

missing=()
for probe in "${!NEED[@]}"; do
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] || missing+=("${NEED[$probe]}")
  else command -v "$probe" >/dev/null 2>&1 || [ -x "/usr/sbin/$probe" ] || missing+=("${NEED[$probe]}"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    echo "CPx Link a besoin de paquets Debian absents : $pkgs" >&2
    echo "Installez-les puis relancez :  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
    exit 1
  fi
  echo "» apt-get install $pkgs"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "» npm ci"
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-fund --no-audit --loglevel=error
fi
