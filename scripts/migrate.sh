#!/usr/bin/env bash
# Create the database named in DATABASE_URL when missing, then run every
# component's migrations (idempotent, advisory-locked).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
bash "$SCRIPTS/servers.sh"
DB_NAME="$(url_part "$DATABASE_URL" db)"
[ -n "$DB_NAME" ] || die "DATABASE_URL names no database: $(url_part "$DATABASE_URL" redacted)"
ensure_database "$DB_NAME"
ok "database $DB_NAME exists"
migrate_components
