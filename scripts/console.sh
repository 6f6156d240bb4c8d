#!/usr/bin/env bash
# Build the web console (console/ -> console/dist) when its sources, its lock
# file or the build are missing or newer. Needs Node.js >= 20.19 with npm:
# checked here, and what to install is said when they are missing.
# The front-end packages come from console/package-lock.json (npm ci).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

CONSOLE="$ROOT/console"
NODE_MIN="20.19.0"

node_hint() {
  hint "the console is built with Node.js >= $NODE_MIN and npm (any newer LTS works)."
  if have apt-get; then
    hint "Debian/Ubuntu: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs"
    hint "(Debian's own 'nodejs' package is too old before Debian 13: check 'apt-cache policy nodejs')"
  elif have brew; then
    hint "macOS: brew install node@22"
  fi
  hint "or any way from https://nodejs.org/en/download; then run this again."
}

version_ge() { # version_ge A B: A >= B (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

step "web console (console/)"
have node || { fail "node is not installed"; node_hint; exit 1; }
have npm || { fail "npm is not installed (it comes with Node.js)"; node_hint; exit 1; }
NODE_VERSION="$(node --version | sed 's/^v//')"
version_ge "$NODE_VERSION" "$NODE_MIN" || { fail "node $NODE_VERSION is too old"; node_hint; exit 1; }

cd "$CONSOLE"
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
STAMP="node_modules/.crm-lock-sha256"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ]; then
  info "installing the front-end packages from package-lock.json (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || {
    fail "npm ci failed (above)"
    hint "the npm registry must be reachable (npm config get registry: $(npm config get registry 2>/dev/null))"
    exit 1
  }
  printf '%s\n' "$LOCK_SUM" >"$STAMP"
fi

# Rebuild when anything the build reads is newer than the built index.html.
if [ ! -f dist/index.html ] || [ -n "$(find src index.html vite.config.ts tsconfig.json package-lock.json \
  -newer dist/index.html -print -quit 2>/dev/null)" ]; then
  info "building (vite build)"
  npm run --silent build >/tmp/crm-console-build.$$ 2>&1 || {
    cat /tmp/crm-console-build.$$ >&2
    rm -f /tmp/crm-console-build.$$
    die "the console build failed (above)"
  }
  rm -f /tmp/crm-console-build.$$
fi
ok "console built: console/dist ($(du -sh dist | cut -f1), node $NODE_VERSION)"
