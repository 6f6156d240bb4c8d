#!/usr/bin/env bash
# The last 200 lines of every log under .crm/logs (or of the components named
# as arguments); FOLLOW=1 keeps following them.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

files=()
if [ "$#" -gt 0 ]; then
  for name in "$@"; do
    [ -f "$LOGS/$name.log" ] || die "no log for $name in ${LOGS#"$ROOT"/} (components: $COMPONENTS)"
    files+=("$LOGS/$name.log")
  done
else
  for file in "$LOGS"/*.log; do
    [ -f "$file" ] && files+=("$file")
  done
fi
if [ "${#files[@]}" = 0 ]; then
  info "no logs yet in ${LOGS#"$ROOT"/} (start everything with: make up)"
  exit 0
fi
case "${FOLLOW:-}" in
  1 | yes | true) exec tail -n 200 -F "${files[@]}" ;;
  *) tail -n 200 "${files[@]}" ;;
esac
