# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
# What `make up`, `make migrate`, `make status` and the supervisor config run:
# the services listed in services/registry.txt (the one list; see
# docs/adding-a-service.md), then the gateway, which always comes last.
# shared/kit/registry.py reads the same file with the same rules (a test keeps
# the two in step).
_registry="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/services/registry.txt"
SERVICES=""
_number=0
while IFS= read -r _line || [ -n "$_line" ]; do
  _number=$((_number + 1))
  _name="${_line%%#*}"
  _name="${_name//[[:space:]]/}"
  [ -n "$_name" ] || continue
  if ! [[ "$_name" =~ ^[a-z][a-z0-9_]{1,30}$ ]]; then
    printf 'FAIL services/registry.txt:%s: %q is not a service name (lower-case letters, digits and _, starting with a letter)\n' \
      "$_number" "$_name" >&2
    return 1 2>/dev/null || exit 1
  fi
  case " $SERVICES gateway " in
    *" $_name "*)
      printf "FAIL services/registry.txt:%s: '%s' is listed twice or is reserved\n" "$_number" "$_name" >&2
      return 1 2>/dev/null || exit 1
      ;;
  esac
  if [ ! -f "$(dirname "$_registry")/$_name/service.py" ]; then
    printf 'FAIL services/registry.txt:%s: %s is registered but services/%s/service.py does not exist\n' \
      "$_number" "$_name" "$_name" >&2
    return 1 2>/dev/null || exit 1
  fi
  SERVICES="${SERVICES:+$SERVICES }$_name"
done <"$_registry"
unset _registry _number _line _name
COMPONENTS="$SERVICES gateway"
