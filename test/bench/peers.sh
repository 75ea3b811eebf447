#!/usr/bin/env bash
# Builds the peers the plugin is weighed against, kn and kn-event (v0.45.0,
# the Knative release the test bed runs), from the Go module proxy, stripped
# as release builds are, into ~/.cache/kubectl-kymamesh/peers (once).
# `go install ...@v0.45.0` cannot be used: the proxy here refuses the version
# list `go install` asks for; the modules themselves are served. Prints the
# directory; a peer that cannot be built is left out with a message.
set -uo pipefail
out=${PEERS_DIR:-$HOME/.cache/kubectl-kymamesh/peers}
mkdir -p "$out"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
export GOWORK=off GOFLAGS=-mod=mod
build() { # NAME MODULE PACKAGE [go mod edit args]
  local name=$1 mod=$2 pkg=$3; shift 3
  [ -x "$out/$name" ] && return 0
  (cd "$src" && go mod download -json "$mod@v0.45.0" > "$name.json") || { echo "peers: $mod@v0.45.0 not served; $name left out" >&2; return 0; }
  local dir
  dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "$src/$name.json")
  cp -r "$dir" "$src/$name" && chmod -R u+w "$src/$name"
  # The release's go.work and replace point at nested modules a module zip
  # does not hold; they are taken from the proxy at the version go.mod pins.
  rm -f "$src/$name/go.work"
  if [ $# -gt 0 ]; then (cd "$src/$name" && go mod edit "$@"); fi
  (cd "$src/$name" && go build -trimpath -ldflags "-s -w" -o "$out/$name" "$pkg") >&2 \
    || echo "peers: $name did not build; left out" >&2
}
# kn's own pkg module, at the version this repository pins (built with v0.45.0).
kpkg=$(cd "$(dirname "$0")/../.." && go list -m -f '{{.Version}}' knative.dev/client/pkg)
build kn knative.dev/client ./cmd/kn -dropreplace knative.dev/client/pkg -require "knative.dev/client/pkg@$kpkg"
build kn-event knative.dev/kn-plugin-event ./cmd/kn-event
echo "$out"
