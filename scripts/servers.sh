#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ (with its management API) answer.
#
# Servers on this machine are started when installed but stopped; when
# DATABASE_URL / AMQP_URI point at another host only reachability is checked.
# Where a server is not installed, say exactly what to install and exit 1.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- PostgreSQL
PG_HOST="$(url_part "$DATABASE_URL" host)"
PG_PORT="$(url_part "$DATABASE_URL" port)"
PG_WHERE="${PG_HOST:-local socket}:$PG_PORT"

pg_ready() {
  pg_isready -d "$DATABASE_URL" -t 3 >/dev/null 2>&1
}

start_debian_clusters() { # the pg_lsclusters/pg_ctlcluster way (Debian, Ubuntu)
  local version cluster port status _rest started=0
  while read -r version cluster port status _rest; do
    [ "$port" = "$PG_PORT" ] || continue
    started=1
    case "$status" in online*) continue ;; esac
    step "starting PostgreSQL cluster $version/$cluster (port $port)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start ||
      warn "pg_ctlcluster $version $cluster start failed; see /var/log/postgresql/postgresql-$version-$cluster.log"
  done < <(pg_lsclusters -h 2>/dev/null)
  if [ "$started" = 0 ]; then
    fail "PostgreSQL is installed but no cluster uses port $PG_PORT (see pg_lsclusters)"
    hint "create one with: sudo pg_createcluster --start --port $PG_PORT <version> main"
    exit 1
  fi
}

start_homebrew_postgres() {
  local formula
  formula="$(brew list --formula 2>/dev/null | grep -E '^postgresql(@[0-9]+)?$' | tail -n 1 || true)"
  step "starting PostgreSQL with: brew services start ${formula:-postgresql}"
  brew services start "${formula:-postgresql}" || true
}

ensure_postgres() {
  if ! have pg_isready || ! have psql; then
    fail "the PostgreSQL client tools (psql, pg_isready) are missing"
    if is_local_host "$PG_HOST"; then
      hint "$(install_hint postgresql postgresql@15)"
    else
      hint "$(install_hint postgresql-client libpq) (DATABASE_URL points at $PG_WHERE)"
    fi
    exit 1
  fi
  if pg_ready; then
    ok "PostgreSQL answers at $PG_WHERE"
    return 0
  fi
  if ! is_local_host "$PG_HOST"; then
    die "PostgreSQL at $PG_WHERE does not answer (DATABASE_URL points at another host, so nothing is started here)"
  fi
  if have pg_lsclusters && have pg_ctlcluster; then
    start_debian_clusters
  elif have pg_ctl && have brew; then
    start_homebrew_postgres
  elif have pg_ctl || have postgres; then
    die "PostgreSQL is installed but not running at $PG_WHERE; start it (for example: pg_ctl -D <data directory> start)"
  else
    fail "PostgreSQL is not installed"
    hint "$(install_hint postgresql postgresql@15)"
    exit 1
  fi
  wait_until 30 pg_ready || die "PostgreSQL did not come up at $PG_WHERE within 30 s; look at its log"
  ok "PostgreSQL started and answers at $PG_WHERE"
}

# ---------------------------------------------------------------- RabbitMQ
MQ_HOST="$(url_part "$AMQP_URI" host)"
MQ_HOST="${MQ_HOST:-127.0.0.1}"
MQ_PORT="$(url_part "$AMQP_URI" port)"
RABBIT_API="$(rabbit_api_url)"
OVERVIEW="$RABBIT_API/api/overview"
API_SHOWN="http://${RABBIT_API#*@}"

amqp_open() {
  tcp_open "$MQ_HOST" "$MQ_PORT"
}

management_ok() {
  http_ok "$OVERVIEW" 3
}

start_rabbitmq() {
  local server
  server="$(command -v rabbitmq-server)"
  step "starting RabbitMQ with: rabbitmq-server -detached"
  if [ "$(id -u)" = 0 ] || [ -w "$server" ]; then # root, or a user-owned (Homebrew) install
    "$server" -detached || true
  else
    as_root "$server" -detached || true
  fi
  wait_until 60 amqp_open ||
    die "RabbitMQ did not open $MQ_HOST:$MQ_PORT within 60 s; look at /var/log/rabbitmq/ (or \$(brew --prefix)/var/log/rabbitmq/)"
  ok "RabbitMQ started and listens at $MQ_HOST:$MQ_PORT"
}

ensure_rabbitmq() {
  if amqp_open; then
    ok "RabbitMQ listens at $MQ_HOST:$MQ_PORT"
  elif ! is_local_host "$MQ_HOST"; then
    die "RabbitMQ at $MQ_HOST:$MQ_PORT does not answer (AMQP_URI points at another host, so nothing is started here)"
  elif have rabbitmq-server; then
    start_rabbitmq
  else
    fail "RabbitMQ is not installed"
    hint "$(install_hint rabbitmq-server rabbitmq)"
    exit 1
  fi

  case "$(http_status "$OVERVIEW" 3)" in
    2??)
      ok "RabbitMQ management API answers at $API_SHOWN"
      return 0
      ;;
    401)
      die "the RabbitMQ management API at $API_SHOWN refused user '$(url_part "$AMQP_URI" user)': fix the credentials in AMQP_URI"
      ;;
  esac
  if ! is_local_host "$MQ_HOST"; then
    die "the RabbitMQ management API does not answer at $API_SHOWN; enable it on that broker: rabbitmq-plugins enable rabbitmq_management"
  fi
  have rabbitmq-plugins || die "rabbitmq-plugins not found; it comes with RabbitMQ: $(install_hint rabbitmq-server rabbitmq)"
  step "enabling the RabbitMQ management plugin"
  if [ "$(id -u)" = 0 ] || [ -w "$(command -v rabbitmq-plugins)" ]; then
    rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  else
    as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  fi
  wait_until 60 management_ok ||
    die "the RabbitMQ management API did not answer at $API_SHOWN within 60 s (are the credentials in AMQP_URI right?)"
  ok "RabbitMQ management API answers at $API_SHOWN"
}

ensure_postgres
ensure_rabbitmq
