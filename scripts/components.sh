# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
# The one list of what `make up`, `make migrate` and the supervisor config run.
# Add a service here (space separated) once services/<name>/ can be run with
# `python -m shared.kit.run <name>`; the gateway always comes last.
SERVICES="leads sales"
COMPONENTS="$SERVICES gateway"
