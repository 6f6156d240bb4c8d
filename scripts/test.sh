#!/usr/bin/env bash
# ruff, then pytest against a fresh database crm_test and the real RabbitMQ.
# Extra pytest arguments: PYTEST_ARGS='-x -k leads'. Exits with pytest's status.
# Never touches the crm database; the tests make their own RabbitMQ vhosts.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
bash "$SCRIPTS/servers.sh"

# CRM_TEST_DB names another test database, so two checkouts can test at once.
TEST_DB="${CRM_TEST_DB:-crm_test}"
step "test database $TEST_DB (dropped and created again)"
recreate_database "$TEST_DB"
CRM_TEST_DATABASE_URL="$(url_with_db "$DATABASE_URL" "$TEST_DB")"
CRM_TEST_AMQP_URI="$AMQP_URI"
CRM_TEST_RABBIT_API="$(rabbit_api_url)"
export CRM_TEST_DATABASE_URL CRM_TEST_AMQP_URI CRM_TEST_RABBIT_API
# Anything that falls back to DATABASE_URL lands in the test database too.
export DATABASE_URL="$CRM_TEST_DATABASE_URL"
ok "CRM_TEST_DATABASE_URL=$(url_part "$CRM_TEST_DATABASE_URL" redacted)"

step "ruff check ."
"$VENV/bin/ruff" check . || die "ruff found problems (above); many are fixed by: .venv/bin/ruff check --fix ."

bash "$SCRIPTS/console.sh"
step "console type check (tsc --noEmit)"
(cd "$ROOT/console" && npm run --silent typecheck) || die "the console's TypeScript has errors (above)"
bash "$SCRIPTS/browser.sh" # Debian's Chromium for the browser tests (tests/console)

split_words "${PYTEST_ARGS:-}"
step "pytest ${PYTEST_ARGS:-}"
exec "$VENV_PY" -m pytest ${WORDS[@]+"${WORDS[@]}"}
