# Operator commands for the CRM suite; `make` alone lists them.
# Every target is a small script under scripts/ (usable without make, too).
# Settings come from the environment: DATABASE_URL, AMQP_URI, GATEWAY_BIND, OPS_PORT_BASE.

.DEFAULT_GOAL := help
.PHONY: help up down restart status logs mail test bench screenshots lint migrate manifests clean

# Hand these to the scripts when given (make logs FOLLOW=1, make test PYTEST_ARGS='-x').
export FOLLOW PYTEST_ARGS BENCH_ARGS SCREENSHOTS_ARGS OVERLAY OUT

help: ## list the targets (this text)
	@printf 'Usage: make <target>\n\n'
	@awk 'BEGIN { FS = ":.*## " } /^[a-z]+:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@printf '\nSettings: DATABASE_URL, AMQP_URI, GATEWAY_BIND, OPS_PORT_BASE (defaults: local PostgreSQL, RabbitMQ,\n'
	@printf '127.0.0.1:8080, services ops ports from 8091 in the order of services/registry.txt)\n'

up: ## check/start PostgreSQL + RabbitMQ, migrate, run all services and the gateway (safe to repeat)
	@bash scripts/up.sh

down: ## stop all services, the gateway and supervisord (harmless when stopped)
	@bash scripts/down.sh

restart: ## down, then up (picks up new code, migrations and settings)
	@bash scripts/down.sh
	@bash scripts/up.sh

status: ## what runs: state, readiness, restarts (count, last exit, next) per program
	@bash scripts/status.sh

logs: ## last 200 lines of every log; FOLLOW=1 keeps following
	@bash scripts/logs.sh

mail: ## the latest emails the suite sent (the mail catcher of make up; web page: http://127.0.0.1:8025/)
	@bash scripts/mail.sh

test: ## ruff, then pytest on a fresh crm_test database; PYTEST_ARGS='...' for pytest
	@bash scripts/test.sh

bench: ## benchmarks on a fresh crm_bench database; BENCH_ARGS='...' for python -m bench
	@bash scripts/bench.sh

screenshots: ## PNGs of the console's screens (desktop, phone) in .crm/screenshots/; SCREENSHOTS_ARGS='--only leads'
	@bash scripts/screenshots.sh

lint: ## ruff check .
	@bash scripts/lint.sh

migrate: ## create the database if missing and run every component's migrations
	@bash scripts/migrate.sh

manifests: ## render and validate the Kubernetes manifests; OVERLAY=deploy/k8s/... (default overlays/example), OUT=file
	@bash scripts/manifests.sh

clean: ## down, then remove local run state in .crm/ (keeps the admin token; never touches databases)
	@bash scripts/clean.sh
