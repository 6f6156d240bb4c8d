#!/usr/bin/env bash
# Bring the whole suite up on this machine, under supervisord. Running it again
# is harmless: it re-checks everything, applies new migrations and config
# changes, and starts whatever had stopped. (`make restart` restarts all.)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

step "database and migrations"
bash "$SCRIPTS/migrate.sh"  # also the venv and the servers

bash "$SCRIPTS/console.sh"

step "admin user"
mkdir -p "$STATE"
chmod 700 "$STATE"
"$VENV_PY" -m gateway.bootstrap || die "python -m gateway.bootstrap failed (see above)"

write_supervisor_conf
supervisor_apply

URL="$(gateway_url)"
step "waiting until each service's /readyz (database and broker) and the gateway's $URL/ready answer"
# One process polls them all over HTTP; it stops early, with the log, when a program keeps dying.
procs wait --timeout 60 || {
  hint "all logs: make logs     what runs: make status"
  exit 1
}

TOKEN_SHOWN="${ADMIN_TOKEN_FILE#"$ROOT"/}"
ADMIN_PASSWORD_FILE="${CRM_ADMIN_PASSWORD_FILE:-$STATE/admin-password}"
if [ -f "$ADMIN_PASSWORD_FILE" ]; then
  PASSWORD_LINE="password: in ${ADMIN_PASSWORD_FILE#"$ROOT"/} (cat it)"
else
  PASSWORD_LINE="password: set earlier (new one: .venv/bin/python -m gateway.bootstrap --new-admin-password)"
fi
[ -f "$ADMIN_TOKEN_FILE" ] || warn "$TOKEN_SHOWN is missing: gateway.bootstrap wrote no token"

print_box() { # print_box TITLE LINE...: the lines framed, the title in bold
  local line width=0
  for line in "$@"; do
    ((${#line} > width)) && width=${#line}
  done
  local rule
  rule="+$(printf '%*s' $((width + 2)) '' | tr ' ' '-')+"
  printf '\n%s\n' "$rule"
  printf '| %s%-*s%s |\n' "$C_BOLD" "$width" "$1" "$C_OFF"
  shift
  for line in "$@"; do
    printf '| %-*s |\n' "$width" "$line"
  done
  printf '%s\n\n' "$rule"
}

OPS_LINES=()
for name in $SERVICES; do
  OPS_LINES+=("$(printf '  %-10s http://127.0.0.1:%s/readyz  /livez  /metrics' "$name" "$(ops_port "$name")")")
done

print_box "CRM is up" \
  "" \
  "gateway      $URL" \
  "web console  $URL/console/" \
  "  sign in as: admin   $PASSWORD_LINE" \
  "API docs     $URL/api/v1/docs" \
  "metrics      $URL/metrics" \
  "admin token  $ADMIN_TOKEN_FILE" \
  "mail catcher http://$MAILCATCHER_WEB/  (every email sent; make mail lists them;" \
  "             SMTP $MAILCATCHER_SMTP, mail to $MAILBOX_ADDRESS there opens a case)" \
  "" \
  "ops ports of the services:" \
  "${OPS_LINES[@]}" \
  "" \
  "try it:" \
  "  curl -H \"Authorization: Bearer \$(cat $TOKEN_SHOWN)\" $URL/api/v1/leads" \
  "" \
  "status: make status (restarts, readiness)   logs: make logs (follow: make logs FOLLOW=1)" \
  "stop:   make down       restart: make restart"
