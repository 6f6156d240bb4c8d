#!/usr/bin/env bash
# The latest emails the suite sent, as a table: what the mail catcher of
# `make up` kept in .crm/mail/ (its web page shows each one in full).
# MAIL_LIMIT=50 shows more.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$VENV_PY" ] || die "no virtualenv yet: run make up first"
"$VENV_PY" "$SCRIPTS/mailcatcher.py" list --dir "$MAIL_DIR" --limit "${MAIL_LIMIT:-20}"
if supervisor_running; then
  info "web page: http://$MAILCATCHER_WEB/   (SMTP $MAILCATCHER_SMTP)"
else
  info "the mail catcher is not running (make up starts it)"
fi
