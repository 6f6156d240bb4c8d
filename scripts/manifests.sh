#!/usr/bin/env bash
# Render the Kubernetes manifests of an overlay with kubectl kustomize, check
# every object with kubernetes-validate --strict, and print them (or write them
# to OUT). OVERLAY=deploy/k8s/overlays/example by default (any kustomize folder
# under deploy/k8s, e.g. deploy/k8s/base).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

OVERLAY="${OVERLAY:-deploy/k8s/overlays/example}"
[ -f "$OVERLAY/kustomization.yaml" ] || die "$OVERLAY has no kustomization.yaml (OVERLAY=deploy/k8s/overlays/<environment>)"
if ! have kubectl; then
  fail "kubectl is not installed: it renders the kustomize folders under deploy/k8s"
  hint "install kubectl 1.27 or newer (kustomize is built in): https://kubernetes.io/docs/tasks/tools/"
  if have apt-get; then
    hint "(Debian/Ubuntu: add the pkgs.k8s.io apt repository, then: apt-get install kubectl; or: snap install kubectl --classic)"
  elif have brew; then
    hint "(macOS: brew install kubectl)"
  fi
  exit 1
fi
bash "$SCRIPTS/venv.sh"

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$OVERLAY" >"$rendered" || die "kubectl kustomize $OVERLAY failed (above)"
"$VENV/bin/kubernetes-validate" --strict --quiet "$rendered" >&2 ||
  die "objects of $OVERLAY are not valid Kubernetes (above)"
objects="$(grep -c '^kind:' "$rendered")"
if [ -n "${OUT:-}" ]; then
  cp "$rendered" "$OUT"
  ok "$objects objects of $OVERLAY, valid (--strict): written to $OUT"
else
  cat "$rendered"
  ok "$objects objects of $OVERLAY, valid (--strict)" >&2
fi
