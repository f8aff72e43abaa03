#!/usr/bin/env bash
# `npm run demo`: the app's main job on its embedded defaults — a simulated CPx card in a simulated reader, the
# reference account service on PGlite with the demo accounts, and the app (Electron when its binary is installed,
# otherwise the same UI in the browser through the development bridge). It prints the service's login page: the
# journey starts there, with "Se connecter par carte CPx", as it does for a professional.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build:sim
npm run --silent build:renderer >/dev/null

mkdir -p .cache
eval "$(npm run --silent cards -- env)"
card=${CPX_DEMO_CARD:-cpe}
npm run --silent cards -- insert "$card" --reader 0 >/dev/null
echo
echo "Carte de démonstration « $card » insérée dans le lecteur simulé. Ce que voit la couche carte (PKCS#11) :"
echo
npx --no-install cpx-link card
echo

port=${CPX_DEMO_PORT:-8531}
log=.cache/demo-server.log
npm run --silent server -- --port "$port" --data-dir .cache/demo-server-data --seed >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; [ -n "${app:-}" ] && kill $app 2>/dev/null; true' EXIT INT TERM
for _ in $(seq 1 60); do grep -q 'listening on' "$log" && break; kill -0 $server 2>/dev/null || break; sleep 0.5; done
grep -q 'listening on' "$log" || { echo "Le service de référence n'a pas démarré :"; cat "$log"; exit 1; }
service="http://127.0.0.1:$port"
echo "Service de référence : $service (comptes de démonstration : voir README ; code porteur des cartes simulées : 1234)"

export CPX_SERVICE_URL=$service
echo
echo "Connexion par carte depuis votre navigateur, comme le professionnel au quotidien :"
echo "  1. ouvrez $service/ et cliquez sur « Se connecter par carte CPx » ;"
if [ -x node_modules/electron/dist/electron ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  npm run --silent build:electron
  # In a checkout pkcs11js is built for Node, not Electron: the card service runs under this Node instead.
  export CPX_CARD_SERVICE_NODE=$(command -v node)
  sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)   # Chromium refuses its sandbox as root
  echo "  2. CPx Link n'est pas installé sur ce poste (le schéma cpxlink: n'y est pas enregistré) : copiez le lien"
  echo "     « CPx Link ne s'ouvre pas ? Cliquez ici » de la page, et donnez-le à l'application comme le ferait le système :"
  echo "       node_modules/electron/dist/electron ${sandbox[*]} dist/electron/main.cjs '<le lien>'"
  echo "  3. CPx Link dit quel service demande, puis votre code porteur (1234) ; votre navigateur est alors connecté."
  echo
  node_modules/electron/dist/electron "${sandbox[@]}" dist/electron/main.cjs & app=$!
  wait $app
else
  ui_port=${CPX_DEMO_UI_PORT:-8532}
  echo "  2. le binaire Electron est absent (ou pas d'écran) : le pont de développement tient le rôle de l'application,"
  echo "     dans votre navigateur à http://127.0.0.1:$ui_port/ (gardez cet onglet ouvert : la fenêtre « Code porteur » s'y ouvre) ;"
  echo "     ce poste n'a pas le schéma cpxlink: enregistré : copiez le lien « CPx Link ne s'ouvre pas ? Cliquez ici » de la page,"
  echo "     puis, dans un autre terminal :  npm run --silent bridge -- --open '<le lien>'"
  echo "  3. CPx Link dit quel service demande, puis votre code porteur (1234) ; votre navigateur est alors connecté."
  echo
  npm run --silent bridge -- --service "$service" --port "$ui_port" & app=$!
  wait $app
fi
