#!/usr/bin/env bash
# Benchmarks (python -m bench) against a fresh database crm_bench and the real
# RabbitMQ, HTTP load driven by wrk (installed with apt-get when missing), the
# console measured in Debian's Chromium (scripts/browser.sh installs it).
# Extra arguments: BENCH_ARGS='...'. Never touches the crm database.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
bash "$SCRIPTS/servers.sh"
bash "$SCRIPTS/console.sh" # the console part loads the built console in Debian's Chromium
bash "$SCRIPTS/browser.sh"

# wrk drives the HTTP load: Python client threads saturate before the server.
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}
if have wrk; then
  ok "wrk: $(command -v wrk)"
elif have apt-get; then
  step "installing wrk (HTTP load generator) with apt-get"
  apt_install wrk 2>/dev/null || { as_root apt-get update -q >/dev/null && apt_install wrk; } ||
    die "apt-get could not install wrk; $(install_hint wrk wrk)"
  have wrk || die "wrk is still missing after apt-get; $(install_hint wrk wrk)"
  ok "wrk installed: $(command -v wrk)"
else
  die "wrk (HTTP load generator) is missing; $(install_hint wrk wrk)"
fi

step "benchmark database crm_bench (dropped and created again)"
recreate_database crm_bench
CRM_BENCH_DATABASE_URL="$(url_with_db "$DATABASE_URL" crm_bench)"
CRM_BENCH_AMQP_URI="$AMQP_URI"
CRM_BENCH_RABBIT_API="$(rabbit_api_url)"
export CRM_BENCH_DATABASE_URL CRM_BENCH_AMQP_URI CRM_BENCH_RABBIT_API
export DATABASE_URL="$CRM_BENCH_DATABASE_URL"
ok "CRM_BENCH_DATABASE_URL=$(url_part "$CRM_BENCH_DATABASE_URL" redacted)"

split_words "${BENCH_ARGS:-}"
step "python -m bench ${BENCH_ARGS:-}"
exec "$VENV_PY" -m bench ${WORDS[@]+"${WORDS[@]}"}
