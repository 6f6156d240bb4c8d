#!/usr/bin/env bash
# Stop everything, then remove the local run state in .crm/ (config, socket,
# pid file, logs). Asks nothing and never touches a database. The admin token
# is kept: its user still exists in the database, and a lost token cannot be
# shown again.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/down.sh"
if [ ! -d "$STATE" ]; then
  ok "nothing to clean"
  exit 0
fi
find "$STATE" -mindepth 1 -maxdepth 1 ! -name "$(basename "$ADMIN_TOKEN_FILE")" -exec rm -rf {} +
if [ -f "$ADMIN_TOKEN_FILE" ]; then
  ok "removed ${STATE#"$ROOT"/}/ except ${ADMIN_TOKEN_FILE#"$ROOT"/} (the admin user still exists in the database)"
else
  rmdir "$STATE"
  ok "removed ${STATE#"$ROOT"/}/"
fi
