#!/usr/bin/env bash
# What supervisord runs, and in which state; "not running" when it is down.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if ! supervisor_running; then
  info "not running (start everything with: make up)"
  exit 0
fi
supervisorctl_ status || true
for name in $SERVICES; do
  info "$("$VENV_PY" -m shared.kit.health "$name" --timeout 3 2>&1 || true)"
done
info "gateway: $(gateway_url)   logs: make logs"
