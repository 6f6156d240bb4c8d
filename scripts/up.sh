#!/usr/bin/env bash
# Bring the whole suite up on this machine, under supervisord. Running it again
# is harmless: it re-checks everything, applies new migrations and config
# changes, and starts whatever had stopped. (`make restart` restarts all.)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

step "database and migrations"
bash "$SCRIPTS/migrate.sh"  # also the venv and the servers

step "admin user"
mkdir -p "$STATE"
chmod 700 "$STATE"
"$VENV_PY" -m gateway.bootstrap || die "python -m gateway.bootstrap failed (see above)"

write_supervisor_conf
supervisor_apply

step "waiting for the services to answer their health RPC"
# In slices of 5 s, so a program that supervisor gave up on (FATAL) fails fast.
for name in $SERVICES; do
  deadline=$((SECONDS + 60))
  until answer="$("$VENV_PY" -m shared.kit.health "$name" --wait 5 2>&1)"; do
    if ((SECONDS >= deadline)) || [ "$(program_state "$name")" = FATAL ]; then
      hint "python -m shared.kit.health $name said: ${answer:-(nothing)}"
      show_program_failure "$name"
      exit 1
    fi
  done
  ok "$name is healthy"
done

URL="$(gateway_url)"
gateway_ready() {
  http_ok "$URL/ready" 3
}
step "waiting for the gateway at $URL/ready"
deadline=$((SECONDS + 60))
until gateway_ready; do
  if ((SECONDS >= deadline)) || [ "$(program_state gateway)" = FATAL ]; then
    show_program_failure gateway
    exit 1
  fi
  sleep 1
done
ok "gateway is ready"

TOKEN_SHOWN="${ADMIN_TOKEN_FILE#"$ROOT"/}"
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

print_box "CRM is up" \
  "" \
  "gateway      $URL" \
  "web console  $URL/console/" \
  "API docs     $URL/api/v1/docs" \
  "admin token  $ADMIN_TOKEN_FILE" \
  "" \
  "try it:" \
  "  curl -H \"Authorization: Bearer \$(cat $TOKEN_SHOWN)\" $URL/api/v1/leads" \
  "" \
  "status: make status     logs: make logs (follow: make logs FOLLOW=1)" \
  "stop:   make down       restart: make restart"
