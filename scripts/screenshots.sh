#!/usr/bin/env bash
# PNGs of the console's main screens (desktop 1280 px and phone 390 px) in
# .crm/screenshots/: the whole suite is started on a scratch database and a
# RabbitMQ vhost of its own, seeded through the API, and photographed in
# Debian's Chromium (python -m tests.console.screenshots). A running make up
# is not touched. Extra arguments: SCREENSHOTS_ARGS='--only leads,lead'.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
bash "$SCRIPTS/servers.sh"
bash "$SCRIPTS/console.sh"
bash "$SCRIPTS/browser.sh"

# The stack makes (and drops) its own database crm_screenshots_api_<random> on this server.
CRM_SCREENSHOTS_DATABASE_URL="$(url_with_db "$DATABASE_URL" crm_screenshots)"
CRM_SCREENSHOTS_RABBIT_API="$(rabbit_api_url)"
export CRM_SCREENSHOTS_DATABASE_URL CRM_SCREENSHOTS_RABBIT_API

split_words "${SCREENSHOTS_ARGS:-}"
step "screenshots of the console ${SCREENSHOTS_ARGS:-}"
exec "$VENV_PY" -m tests.console.screenshots ${WORDS[@]+"${WORDS[@]}"}
