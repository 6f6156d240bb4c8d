#!/usr/bin/env bash
# Benchmarks (python -m bench) against a fresh database crm_bench and the real
# RabbitMQ. Extra arguments: BENCH_ARGS='...'. Never touches the crm database.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
bash "$SCRIPTS/servers.sh"

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
