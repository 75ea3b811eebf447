#!/usr/bin/env bash
# The demo's mesh as a picture: wires what `make demo` wires on the test bed,
# takes `kubectl kymamesh status -o dot` of it into docs/mesh.dot and renders
# docs/mesh.svg with Debian's graphviz.
# Usage: docs/mesh-picture.sh          rewrite docs/mesh.dot and docs/mesh.svg
#        docs/mesh-picture.sh --check  fail if docs/mesh.dot is not what status prints now
set -euo pipefail
cd "$(dirname "$0")/.."
dot_now=$(mktemp)
trap 'rm -f "$dot_now"' EXIT
bash test/testbed/run.sh -- bash -c '
  set -e
  kubectl create namespace kyma-integration >/dev/null
  kubectl create namespace shop >/dev/null
  kubectl kymamesh wire commerce --to shop --port 18700 \
    --trigger order-created --filter type=order.created --sink http://127.0.0.1:19190/ --wait >/dev/null
  kubectl kymamesh status -n shop -o dot' > "$dot_now" 2>/dev/null
if [ "${1:-}" = "--check" ]; then
  diff -u docs/mesh.dot "$dot_now" || { echo "docs/mesh.dot is not current: run docs/mesh-picture.sh" >&2; exit 1; }
  exit 0
fi
cp "$dot_now" docs/mesh.dot
command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; }
dot -Tsvg docs/mesh.dot > docs/mesh.svg
echo "wrote docs/mesh.dot and docs/mesh.svg"
