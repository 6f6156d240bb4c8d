# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
# Shared helpers for scripts/*.sh. Source it; don't run it.
#
# Sets ROOT (the repository), the state paths under .crm/, the default
# DATABASE_URL / AMQP_URI / GATEWAY_BIND / OPS_PORT_BASE (exported, so every
# child process sees the same values), and helpers for messages, URLs,
# PostgreSQL and supervisor.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
SCRIPTS="$ROOT/scripts"
STATE="${CRM_STATE_DIR:-$ROOT/.crm}" # another directory only for the scripts' own tests
LOGS="$STATE/logs"
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
SUPERVISOR_CONF="$STATE/supervisord.conf"
SUPERVISOR_SOCK="$STATE/supervisor.sock"
RESTARTS_FILE="$STATE/restarts.json"
METRICS_DIR="$STATE/metrics"
ADMIN_TOKEN_FILE="$STATE/admin-token"
# The restarter's policy (scripts/supervisor/restarter.py): the first delay,
# the longest, and how long a run must last to count as healthy (seconds).
RESTART_BASE_SECONDS="${CRM_RESTART_BASE_SECONDS:-1}"
RESTART_MAX_SECONDS="${CRM_RESTART_MAX_SECONDS:-60}"
RESTART_HEALTHY_SECONDS="${CRM_RESTART_HEALTHY_SECONDS:-60}"
# How long a program must run before supervisord calls it RUNNING.
START_SECONDS="${CRM_START_SECONDS:-5}"

# shellcheck source=scripts/components.sh
. "$SCRIPTS/components.sh"

export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/crm}"
export AMQP_URI="${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}"
export GATEWAY_BIND="${GATEWAY_BIND:-127.0.0.1:8080}"
# Each service serves its ops port (/livez, /readyz, /metrics) on its own
# port: OPS_PORT_BASE for the first service of services/registry.txt, then +1.
export OPS_PORT_BASE="${OPS_PORT_BASE:-8091}"

# The local mail catcher (scripts/mailcatcher.py, run by make up): the SMTP
# server every service sends to, its web page, and the IMAP mailbox of the
# support address that the support service polls; what it keeps goes to MAIL_DIR.
MAIL_DIR="$STATE/mail"
MAILCATCHER_SMTP="${MAILCATCHER_SMTP:-127.0.0.1:1025}"
MAILCATCHER_WEB="${MAILCATCHER_WEB:-127.0.0.1:8025}"
MAILCATCHER_IMAP="${MAILCATCHER_IMAP:-127.0.0.1:1143}"
# Each is host:port; a bare port means 127.0.0.1:port.
[[ "$MAILCATCHER_SMTP" == *:* ]] || MAILCATCHER_SMTP="127.0.0.1:$MAILCATCHER_SMTP"
[[ "$MAILCATCHER_WEB" == *:* ]] || MAILCATCHER_WEB="127.0.0.1:$MAILCATCHER_WEB"
[[ "$MAILCATCHER_IMAP" == *:* ]] || MAILCATCHER_IMAP="127.0.0.1:$MAILCATCHER_IMAP"
MAILBOX_ADDRESS="${SUPPORT_ADDRESS:-support@crm.local}"

# ops_port SERVICE: the local ops port of that service.
ops_port() {
  local name offset=0
  for name in $SERVICES; do
    if [ "$name" = "$1" ]; then
      printf '%s' $((OPS_PORT_BASE + offset))
      return 0
    fi
    offset=$((offset + 1))
  done
  return 1
}

# ---------------------------------------------------------------- messages
# Colours only when stdout is a terminal (and NO_COLOR is not set).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  C_OK=$'\033[32m' C_WARN=$'\033[33m' C_FAIL=$'\033[31m' C_BOLD=$'\033[1m' C_OFF=$'\033[0m'
else
  C_OK='' C_WARN='' C_FAIL='' C_BOLD='' C_OFF=''
fi

step() { printf '%s==> %s%s\n' "$C_BOLD" "$*" "$C_OFF"; }
info() { printf '    %s\n' "$*"; }
hint() { printf '    %s\n' "$*" >&2; } # an explanation after fail/warn
ok() { printf '%s ok %s %s\n' "$C_OK" "$C_OFF" "$*"; }
warn() { printf '%swarn%s %s\n' "$C_WARN" "$C_OFF" "$*" >&2; }
fail() { printf '%sFAIL%s %s\n' "$C_FAIL" "$C_OFF" "$*" >&2; }
die() {
  fail "$@"
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# wait_until SECONDS COMMAND...: run COMMAND once a second until it succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 1
  done
}

# Tell the person exactly what to install, in the words of their package manager.
install_hint() { # install_hint APT_PACKAGE BREW_FORMULA
  local sudo='sudo '
  [ "$(id -u)" != 0 ] || sudo=''
  if have apt-get; then
    printf 'install it with: %sapt-get install %s' "$sudo" "$1"
  elif have brew; then
    printf 'install it with: brew install %s' "$2"
  else
    printf 'install it with: %sapt-get install %s (Debian/Ubuntu) or brew install %s (macOS)' "$sudo" "$1" "$2"
  fi
}

# Run something as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    return 1
  fi
}

# ---------------------------------------------------------------- python
# A python3 for the helpers below (any 3.x); the project itself runs in .venv.
host_python() {
  local candidate
  for candidate in "$VENV_PY" python3.11 python3; do
    if have "$candidate"; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  die "python3 not found; $(install_hint python3.11 python@3.11)"
}

# ---------------------------------------------------------------- URLs
# url_part URL host|port|user|password|db|redacted
url_part() {
  "$(host_python)" - "$1" "$2" <<'PY'
import sys
from urllib.parse import unquote, urlsplit

url, field = sys.argv[1], sys.argv[2]
parts = urlsplit(url)
default_ports = {"postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671, "http": 80, "https": 443}
if field == "host":
    value = parts.hostname or ""
elif field == "port":
    value = parts.port or default_ports.get(parts.scheme, "")
elif field == "user":
    value = unquote(parts.username or "")
elif field == "password":
    value = unquote(parts.password or "")
elif field == "db":
    value = unquote(parts.path.lstrip("/"))
elif field == "redacted":
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(":" + parts.password + "@", ":***@", 1)
    value = parts._replace(netloc=netloc).geturl()
else:
    raise SystemExit(f"url_part: unknown field {field}")
print(value)
PY
}

# url_with_db URL NAME: the same connection string, pointing at database NAME.
url_with_db() {
  "$(host_python)" - "$1" "$2" <<'PY'
import sys
from urllib.parse import quote, urlsplit

parts = urlsplit(sys.argv[1])
print(parts._replace(path="/" + quote(sys.argv[2])).geturl())
PY
}

# Local = on this machine, so the scripts may start the server themselves.
is_local_host() {
  case "$1" in
    "" | localhost | 127.* | ::1 | /*) return 0 ;;
    *) return 1 ;;
  esac
}

# tcp_open HOST PORT: something accepts connections there.
tcp_open() {
  "$(host_python)" - "$1" "$2" <<'PY'
import socket, sys

try:
    socket.create_connection((sys.argv[1] or "127.0.0.1", int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

# http_status URL [TIMEOUT]: print the HTTP status of a GET (000 when nothing
# answers); user:password in the URL become basic auth.
http_status() {
  "$(host_python)" - "$1" "${2:-5}" <<'PY'
import base64, sys, urllib.error, urllib.request
from urllib.parse import unquote, urlsplit

parts = urlsplit(sys.argv[1])
host = parts.hostname or "127.0.0.1"
host = f"[{host}]" if ":" in host else host
netloc = f"{host}:{parts.port}" if parts.port else host
request = urllib.request.Request(parts._replace(netloc=netloc).geturl())
if parts.username is not None:
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
try:
    with urllib.request.urlopen(request, timeout=float(sys.argv[2])) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("000")
PY
}

# http_ok URL [TIMEOUT]: a GET answers 2xx.
http_ok() {
  case "$(http_status "$@")" in
    2??) return 0 ;;
    *) return 1 ;;
  esac
}

# The RabbitMQ management API for AMQP_URI's broker (same host and credentials).
rabbit_api_url() {
  local user password host
  user="$(url_part "$AMQP_URI" user)"
  password="$(url_part "$AMQP_URI" password)"
  host="$(url_part "$AMQP_URI" host)"
  case "$host" in *:*) host="[$host]" ;; esac
  printf 'http://%s:%s@%s:%s' "${user:-guest}" "${password:-guest}" "${host:-127.0.0.1}" "${RABBIT_MANAGEMENT_PORT:-15672}"
}

# The URL people and checks use to reach the gateway, from GATEWAY_BIND.
gateway_url() {
  local bind="$GATEWAY_BIND" host port
  case "$bind" in
    unix:*) die "GATEWAY_BIND=$bind: the scripts need host:port" ;;
    *:*) host="${bind%:*}" port="${bind##*:}" ;;
    *) host="$bind" port=8000 ;; # gunicorn's default port
  esac
  case "$host" in
    "" | 0.0.0.0 | "*") host=127.0.0.1 ;;
    "[::]" | "::") host="[::1]" ;;
  esac
  printf 'http://%s:%s' "$host" "$port"
}

# ---------------------------------------------------------------- PostgreSQL
# psql against the maintenance database of DATABASE_URL's server; SQL on stdin.
psql_maintenance() {
  PGCONNECT_TIMEOUT=10 psql "$(url_with_db "$DATABASE_URL" "${PG_MAINTENANCE_DB:-postgres}")" \
    -X -w -q -A -t -v ON_ERROR_STOP=1 "$@"
}

pg_hint() {
  hint "could not run SQL on $(url_part "$DATABASE_URL" redacted)"
  hint "check DATABASE_URL (user, password, host) and that pg_hba.conf lets that user in"
}

# ensure_database NAME: create it when missing; never touches an existing one.
ensure_database() {
  local out
  if ! out="$(psql_maintenance -v db="$1" 2>&1 <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
)"; then
    fail "could not create database $1: $out"
    pg_hint
    return 1
  fi
}

# recreate_database NAME: drop (disconnecting its sessions) and create it again.
# Refuses the application database named in DATABASE_URL.
recreate_database() {
  local out
  if [ "$1" = "$(url_part "$DATABASE_URL" db)" ]; then
    die "refusing to drop $1: it is the database DATABASE_URL points at"
  fi
  if ! out="$(psql_maintenance -v db="$1" 2>&1 <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE);
CREATE DATABASE :"db";
SQL
)"; then
    fail "could not recreate database $1: $out"
    pg_hint
    return 1
  fi
}

# Run every component's migrations (services first, then the gateway).
migrate_components() {
  local name
  for name in $COMPONENTS; do
    "$VENV_PY" -m shared.kit.migrate "$name" || die "migrations of $name failed (see above)"
    ok "migrated $name"
  done
}

# ---------------------------------------------------------------- supervisor
supervisorctl_() {
  "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"
}

supervisor_running() {
  local pid
  [ -f "$SUPERVISOR_CONF" ] && [ -x "$VENV/bin/supervisorctl" ] || return 1
  pid="$(supervisorctl_ pid 2>/dev/null)" || return 1
  case "$pid" in
    '' | *[!0-9]*) return 1 ;;
  esac
}

# render_template FILE KEY=VALUE...: ${KEY} placeholders filled in, with the
# values' % doubled (supervisor expands %(name)s in its values).
render_template() {
  "$(host_python)" - "$@" <<'PY'
import string, sys

path, pairs = sys.argv[1], sys.argv[2:]
values = dict(pair.split("=", 1) for pair in pairs)
with open(path) as handle:
    text = handle.read()
sys.stdout.write(string.Template(text).substitute({k: v.replace("%", "%%") for k, v in values.items()}))
PY
}

# The command line supervisor runs for a component (shell-quoted).
program_command() {
  if [ "$1" = gateway ]; then
    printf '%q ' "$VENV/bin/gunicorn" -c gateway/gunicorn.conf.py 'gateway.app:create_app()'
  else
    printf '%q ' "$VENV_PY" -m shared.kit.run "$1"
  fi
}

# supervisor's environment= value for component NAME: the settings every
# program gets, and its own: a service's OPS_PORT, the gateway's metrics directory.
program_environment() {
  local name value own own_value out='PYTHONUNBUFFERED="1"'
  if [ "$1" = gateway ]; then
    own=PROMETHEUS_MULTIPROC_DIR own_value="$METRICS_DIR/gateway"
  else
    own=OPS_PORT own_value="$(ops_port "$1")"
  fi
  for name in DATABASE_URL AMQP_URI GATEWAY_BIND $(compgen -e | grep -E '^OTEL_' || true) "$own"; do
    if [ "$name" = "$own" ]; then
      value="$own_value"
    else
      value="${!name}"
    fi
    value="${value//\\/\\\\}"
    value="${value//\"/\\\"}"
    out+=",$name=\"$value\""
  done
  if [ "$1" != gateway ]; then
    out+="$(mail_environment "$1")"
  fi
  printf '%s' "$out"
}

# The mail settings of a service under make up: mail goes to the mail catcher,
# and support polls the catcher's mailbox of the support address (unless
# SMTP_HOST / IMAP_HOST are set: then the services' own settings apply).
mail_environment() {
  local smtp_host smtp_port
  if [ -z "${SMTP_HOST:-}" ]; then
    smtp_host="${MAILCATCHER_SMTP%:*}" smtp_port="${MAILCATCHER_SMTP##*:}"
    printf ',SMTP_HOST="%s",SMTP_PORT="%s",SMTP_SECURITY="none"' "$smtp_host" "$smtp_port"
  fi
  if [ "$1" = support ] && [ -z "${IMAP_HOST:-}" ]; then
    printf ',IMAP_HOST="%s",IMAP_PORT="%s",IMAP_SECURITY="none",IMAP_USERNAME="support",IMAP_PASSWORD="support"' \
      "${MAILCATCHER_IMAP%:*}" "${MAILCATCHER_IMAP##*:}"
    printf ',MAIL_POLL_SECONDS="%s"' "${MAIL_POLL_SECONDS:-5}"
  fi
}

# The mail catcher's command line.
mailcatcher_command() {
  printf '%q ' "$VENV_PY" "$SCRIPTS/mailcatcher.py" serve --dir "$MAIL_DIR" --smtp "$MAILCATCHER_SMTP" \
    --web "$MAILCATCHER_WEB" --imap "$MAILCATCHER_IMAP" --mailbox-address "$MAILBOX_ADDRESS" \
    --mailbox-user support --mailbox-password support
}

# The restarter's command line (an event listener of supervisord).
restarter_command() {
  printf '%q ' "$VENV_PY" "$SCRIPTS/supervisor/restarter.py" --state "$RESTARTS_FILE" \
    --log "$LOGS/supervisord.log" --base "$RESTART_BASE_SECONDS" --max "$RESTART_MAX_SECONDS" \
    --healthy "$RESTART_HEALTHY_SECONDS"
}

# Write .crm/supervisord.conf: the restarter and one [program] per component in COMPONENTS.
write_supervisor_conf() {
  local name tmp
  mkdir -p "$LOGS"
  chmod 700 "$STATE"
  tmp="$SUPERVISOR_CONF.tmp"
  {
    render_template "$SCRIPTS/supervisor/supervisord.conf.in" \
      "state=$STATE" "logs=$LOGS" "root=$ROOT" "restarter=$(restarter_command)"
    for name in $COMPONENTS; do
      render_template "$SCRIPTS/supervisor/program.conf.in" \
        "name=$name" "command=$(program_command "$name")" "root=$ROOT" "logs=$LOGS" \
        "environment=$(program_environment "$name")" "startsecs=$START_SECONDS"
    done
    render_template "$SCRIPTS/supervisor/program.conf.in" \
      "name=mailcatcher" "command=$(mailcatcher_command)" "root=$ROOT" "logs=$LOGS" \
      "environment=PYTHONUNBUFFERED=\"1\"" "startsecs=$START_SECONDS"
  } >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$SUPERVISOR_CONF"
}

# The ports the programs listen on: the gateway's and every service's ops port.
program_ports() {
  local name
  printf '%s' "$GATEWAY_BIND"
  for name in $SERVICES; do
    printf ' %s' "$(ops_port "$name")"
  done
  printf ' %s %s %s' "$MAILCATCHER_SMTP" "$MAILCATCHER_WEB" "$MAILCATCHER_IMAP"
}

# procs.py (status, wait) with this run's supervisord, restarts and targets:
# every service's ops port and the gateway's /ready.
procs() {
  local command="$1" name args=()
  shift
  for name in $SERVICES; do
    args+=(--ops "$name=$(ops_port "$name")")
  done
  "$VENV_PY" "$SCRIPTS/procs.py" "$command" --socket "$SUPERVISOR_SOCK" --state "$RESTARTS_FILE" \
    --logs "$LOGS" ${args[@]+"${args[@]}"} --http "gateway=$(gateway_url)/ready" \
    --http "mailcatcher=http://$MAILCATCHER_WEB/healthz" "$@"
}

# Refuse to start when programs of this checkout are still alive without their
# supervisord (it was killed): they would hold the gateway's port and consume beside the new ones.
refuse_leftovers() {
  local pids
  have pgrep || return 0
  local pid candidates
  candidates="$(pgrep -f "^$VENV/bin/python.* (-m shared\.kit\.run |$VENV/bin/gunicorn )" | xargs || true)"
  # Only orphans (parent: init) are leftovers; those of a running pytest or
  # of another supervisord have their parent.
  pids=""
  for pid in $candidates; do
    [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "1" ] && pids="$pids $pid"
  done
  pids="${pids# }"
  if [ -n "$pids" ]; then
    fail "processes of an earlier run are still alive without their supervisord: $pids"
    hint "stop them first (kill $pids): they hold the gateway's port and would run beside the new ones"
    exit 1
  fi
}

# Start supervisord, or make the running one pick up the config and start
# whatever had stopped: running this twice is harmless.
supervisor_apply() {
  if supervisor_running; then
    step "supervisord is running: applying the config (reread + update)"
    supervisorctl_ reread >/dev/null
    supervisorctl_ update
    supervisorctl_ start all >/dev/null 2>&1 || true
  else
    refuse_leftovers
    # shellcheck disable=SC2046 # one word per port
    "$VENV_PY" "$SCRIPTS/procs.py" ports-free $(program_ports) || {
      hint "another checkout's make up, or another program, holds them: stop it, or choose other ports"
      hint "(GATEWAY_BIND=127.0.0.1:18080 OPS_PORT_BASE=18091 make up)"
      exit 1
    }
    # A fresh start: the gateway's workers of an earlier run counted into here.
    rm -rf "$METRICS_DIR"
    step "starting supervisord (config: ${SUPERVISOR_CONF#"$ROOT"/})"
    "$VENV/bin/supervisord" -c "$SUPERVISOR_CONF" ||
      die "supervisord did not start; see ${LOGS#"$ROOT"/}/supervisord.log"
    wait_until 15 supervisor_running ||
      die "supervisord did not answer within 15 s; see ${LOGS#"$ROOT"/}/supervisord.log"
  fi
}

# ---------------------------------------------------------------- arguments
# split_words STRING: fill the array WORDS the way a shell splits STRING
# (quotes group words; nothing is expanded), e.g. PYTEST_ARGS='-k "a and b"'.
split_words() {
  WORDS=()
  local word
  while IFS= read -r -d '' word; do
    WORDS+=("$word")
  done < <("$(host_python)" -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$1")
}
