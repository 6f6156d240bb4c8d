#!/usr/bin/env bash
# ruff, then pytest against a fresh database crm_test and the real RabbitMQ.
# Extra pytest arguments: PYTEST_ARGS='-x -k leads' (then one pytest with exactly them).
# CRM_TEST_WORKERS: how many test processes side by side (default 2). Exits non-zero when a pytest did.
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

if [ -n "${PYTEST_ARGS:-}" ]; then # exactly the pytest asked for, one process
  split_words "$PYTEST_ARGS"
  step "pytest $PYTEST_ARGS"
  exec "$VENV_PY" -m pytest ${WORDS[@]+"${WORDS[@]}"}
fi

# The suite in two runs: every test but the outage ones on CRM_TEST_WORKERS
# processes side by side (pytest-xdist; each worker has its own database,
# crm_test_gw0..., and RabbitMQ vhost; a test file stays on one worker, so its
# module's services start once), then the outage tests alone: they restart the
# broker and cut the database off, which nothing else may see. Both must pass.
WORKERS="${CRM_TEST_WORKERS:-2}"
RUN_DIR="$(mktemp -d)"
trap 'rm -rf "$RUN_DIR"' EXIT
# Compiled modules and rewritten test modules are kept in __pycache__ (ignored
# by git): the suite starts a few hundred Python processes.
unset PYTHONDONTWRITEBYTECODE
status=0
step "pytest -n $WORKERS --dist loadfile -m 'not outage'"
CRM_TEST_TALLY="$RUN_DIR/parallel.json" CRM_TEST_OUTAGE_FILES="$RUN_DIR/outage-files" \
  "$VENV_PY" -m pytest -n "$WORKERS" --dist loadfile -m "not outage" || status=$?
# The files that hold outage tests, as the first run found them (all of tests/ if it found none).
OUTAGE_FILES=()
if [ -f "$RUN_DIR/outage-files" ]; then
  mapfile -t OUTAGE_FILES <"$RUN_DIR/outage-files"
fi
outage_status=0
if [ -f "$RUN_DIR/outage-files" ] && [ "${#OUTAGE_FILES[@]}" = 0 ]; then
  ok "no outage tests"
else
  step "pytest -m outage ${OUTAGE_FILES[*]} (alone)"
  CRM_TEST_TALLY="$RUN_DIR/outage.json" "$VENV_PY" -m pytest -m outage ${OUTAGE_FILES[@]+"${OUTAGE_FILES[@]}"} ||
    outage_status=$?
fi
step "both runs"
tallies=("$RUN_DIR/parallel.json")
[ "${#OUTAGE_FILES[@]}" = 0 ] && [ -f "$RUN_DIR/outage-files" ] || tallies+=("$RUN_DIR/outage.json")
"$VENV_PY" -m tests.tally "${tallies[@]}" || true
if [ "$status" != 0 ]; then
  fail "pytest (the tests side by side) exited with $status"
  exit "$status"
fi
if [ "$outage_status" != 0 ]; then
  fail "pytest -m outage exited with $outage_status"
  exit "$outage_status"
fi
