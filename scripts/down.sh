#!/usr/bin/env bash
# Stop supervisord and everything it runs (graceful: SIGTERM, 30 s each).
# Harmless when nothing runs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if ! supervisor_running; then
  ok "not running"
  exit 0
fi
pid="$(supervisorctl_ pid)"
step "stopping every program and supervisord (pid $pid)"
supervisorctl_ shutdown >/dev/null
stopped() { ! kill -0 "$pid" 2>/dev/null; }
wait_until 45 stopped ||
  die "supervisord (pid $pid) is still running after 45 s; see ${LOGS#"$ROOT"/}/supervisord.log"
ok "stopped"
