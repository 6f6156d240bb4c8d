#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install requirements-dev.txt into it, but
# only when the lock files changed since the last successful install (the
# sha256 of requirements.txt + requirements-dev.txt is kept in .venv/).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

STAMP="$VENV/.requirements.sha256"
PIP_LOG="$VENV/pip-install.log"

python_ok() { # python_ok PYTHON: it is 3.11 or newer
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if have "$candidate" && python_ok "$candidate"; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  fail "Python 3.11 or newer is needed, found: $(python3 --version 2>&1 || echo 'no python3')"
  hint "$(install_hint 'python3.11 python3.11-venv' python@3.11)"
  exit 1
}

lock_hash() {
  (cd "$ROOT" && cat requirements.txt requirements-dev.txt) | "$(host_python)" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}

[ -f "$ROOT/requirements-dev.txt" ] || die "requirements-dev.txt is missing in $ROOT"
[ -f "$ROOT/requirements.txt" ] || die "requirements.txt is missing in $ROOT"

if [ -x "$VENV_PY" ] && ! python_ok "$VENV_PY"; then
  warn "$VENV uses $("$VENV_PY" --version 2>&1); recreating it with Python 3.11+"
  rm -rf "$VENV"
fi

if [ ! -x "$VENV_PY" ]; then
  python="$(pick_python)"
  step "creating .venv with $python ($("$python" --version 2>&1))"
  if ! "$python" -m venv "$VENV"; then
    rm -rf "$VENV"
    fail "could not create the virtual environment"
    hint "$(install_hint 'python3.11-venv' python@3.11)"
    exit 1
  fi
fi

wanted="$(lock_hash)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  exit 0
fi

step "installing requirements-dev.txt into .venv (log: .venv/pip-install.log)"
if ! (cd "$ROOT" && "$VENV_PY" -m pip install --disable-pip-version-check --no-input -q \
  -r requirements-dev.txt) >"$PIP_LOG" 2>&1; then
  tail -n 30 "$PIP_LOG" >&2
  die "pip install -r requirements-dev.txt failed (full log: $PIP_LOG)"
fi
printf '%s\n' "$wanted" >"$STAMP"
ok "dependencies installed"
