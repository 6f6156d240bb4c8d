#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests and screenshots
# (tests/console, make screenshots): found at /usr/bin/chromium (or
# CRM_CHROMIUM), installed with apt-get when missing. Playwright (pinned in
# requirements-dev.txt) drives it; no browser build is ever downloaded.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

CHROMIUM="${CRM_CHROMIUM:-/usr/bin/chromium}"

chromium_version() {
  "$CHROMIUM" --version 2>/dev/null | head -n1
}

if [ -x "$CHROMIUM" ]; then
  ok "chromium: $CHROMIUM ($(chromium_version || echo 'version unknown'))"
  exit 0
fi
if [ -n "${CRM_CHROMIUM:-}" ]; then
  die "CRM_CHROMIUM=$CRM_CHROMIUM is not an executable file; point it at a Chromium, or unset it to use Debian's"
fi

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}
if have apt-get; then
  step "installing chromium (Debian's, for the console's browser tests) with apt-get"
  apt_install chromium 2>/dev/null || { as_root apt-get update -q >/dev/null && apt_install chromium; } ||
    die "apt-get could not install chromium; $(install_hint chromium "--cask chromium")"
  [ -x "$CHROMIUM" ] || die "chromium is still missing at $CHROMIUM after apt-get; $(install_hint chromium "--cask chromium")"
  ok "chromium installed: $CHROMIUM ($(chromium_version || echo 'version unknown'))"
else
  fail "chromium (for the console's browser tests) is missing at $CHROMIUM"
  hint "$(install_hint chromium "--cask chromium")"
  hint "elsewhere, point CRM_CHROMIUM at a Chromium or Chrome binary (the tests drive it with Playwright)"
  exit 1
fi
