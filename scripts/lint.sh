#!/usr/bin/env bash
# ruff check . in the project's virtual environment.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash "$SCRIPTS/venv.sh"
"$VENV/bin/ruff" check . || die "ruff found problems (above); many are fixed by: .venv/bin/ruff check --fix ."
