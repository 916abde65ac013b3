#!/usr/bin/env bash
# tests/kubernetes/check_kubernetes.sh MODE ROOT NODE_DIR: renders
# deploy/kubernetes/overlays/{dev,production} with `kubectl kustomize` and
# runs check_kubernetes.js MODE on them (MODE: render = the render alone,
# schema, refs). Offline. Exits 77 (ctest SKIP_RETURN_CODE) when kubectl is
# not installed: no Debian, npm or Maven package provides it.
set -euo pipefail
mode=${1:?usage: check_kubernetes.sh render|schema|refs ROOT NODE_DIR}
root=${2:?}
node_dir=${3:-}
if ! command -v kubectl >/dev/null 2>&1; then
  echo "check_kubernetes: SKIP: kubectl is not installed (it renders the kustomize overlays; no package registry here provides it)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for o in dev production; do
  if ! kubectl kustomize "$root/deploy/kubernetes/overlays/$o" >"$out/$o.yaml" 2>"$out/$o.err"; then
    echo "check_kubernetes: kubectl kustomize overlays/$o failed:"
    cat "$out/$o.err"
    exit 1
  fi
  n=$(grep -c '^kind:' "$out/$o.yaml" || true)
  [ "$n" -gt 0 ] || { echo "check_kubernetes: overlays/$o renders nothing"; exit 1; }
  [ "$mode" = render ] && echo "overlays/$o: $n objects"
done
[ "$mode" = render ] && exit 0
[ -d "$node_dir/node_modules/kubernetes-models" ] || { echo "check_kubernetes: $node_dir/node_modules lacks kubernetes-models (scripts/node-deps $node_dir)"; exit 1; }
NODE_PATH="$node_dir/node_modules" node "$root/tests/kubernetes/check_kubernetes.js" "$mode" "$root" "$out/dev.yaml" "$out/production.yaml"
