#!/usr/bin/env bash
# What supervisord runs: per program its state, pid and uptime, whether it is
# ready (each service's ops port /readyz, the gateway's /ready), its restarts
# (count, last exit, next restart) and each service's outbox and dead-letter
# figures; "not running" when supervisord is down.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if ! supervisor_running; then
  info "not running (start everything with: make up)"
  exit 0
fi
procs status || true
info "gateway: $(gateway_url)   ops ports: $(for name in $SERVICES; do printf '%s :%s  ' "$name" "$(ops_port "$name")"; done)"
info "logs: make logs   restarts: ${LOGS#"$ROOT"/}/restarter.log"
