# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
# What `make up`, `make migrate` and the supervisor config run: the services
# listed in services/registry.txt (the one list; see docs/adding-a-service.md),
# then the gateway, which always comes last.
SERVICES="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$(dirname "${BASH_SOURCE[0]}")/../services/registry.txt" | grep -v '^$' | xargs)"
COMPONENTS="$SERVICES gateway"
