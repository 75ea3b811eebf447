#!/usr/bin/env bash
# The test bed's one entry point: builds what is missing, starts a real
# kube-apiserver, kube-controller-manager and Knative Eventing as local processes
# inside a private network namespace, runs CMD there and tears everything down.
#
# Usage: test/testbed/run.sh [--keep DIR] -- CMD [ARGS...]
#   --keep DIR  keep state, logs and kubeconfigs in DIR (default: a temporary dir, removed)
# CMD runs with KUBECONFIG (admin), RESTRICTED_KUBECONFIG (a user with no rights),
# KYMAMESH_TESTBED_STATE (the state dir: logs, kubeconfigs), TESTBED_HTTP_PROXY
# (reaches *.svc.cluster.local) and a freshly built kubectl-kymamesh (and the
# cereceiver test subscriber) first on PATH, beside the kubectl kubectl.sh chose
# (the test bed's own start-up uses it too); KYMAMESH_ADAPTER_BIN (the adapter that kubeletlite runs for
# each adapter Deployment).
# Exits with CMD's status.
# Env: KNATIVE_VERSION  the Knative Eventing release to run: v0.50.0 (default) or
#                       v0.45.0 (knative/versions.sh); CMD sees it too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=knative/versions.sh
. "$here/knative/versions.sh"
export KNATIVE_VERSION
repo=$(cd "$here/../.." && pwd)
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--keep DIR] -- CMD [ARGS...]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--keep DIR] -- CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (it makes a network namespace)" >&2; exit 2; }

bash "$here/deps.sh"
kubectl=$(bash "$here/kubectl.sh" | tail -n 1)
t0=$SECONDS
bin=$(bash "$here/build.sh" | tail -n 1)
temporary=""
if [ -n "$keep" ]; then
  mkdir -p "$keep"; state=$(cd "$keep" && pwd)
else
  state=$(mktemp -d /tmp/kymamesh-testbed.XXXXXX)
  temporary=1
fi
mkdir -p "$state/bin"
# The plugin is built before entering the namespace: the module proxy is not
# reachable from inside it.
# The go tool's download and build lines go to a log, shown if the build fails
# (on a fresh machine this downloads the plugin's modules first).
log=${KYMAMESH_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed}/build-plugin.log
mkdir -p "$(dirname "$log")"
echo "testbed: building the plugin, the adapter and the test bed's kubelet and proxy (log: $log) ..." >&2
if ! (cd "$repo" && go build -o "$state/bin/" ./cmd/kubectl-kymamesh ./test/testbed/cereceiver ./cmd/kymamesh-adapter \
  ./test/testbed/kubeletlite ./test/testbed/kproxy) >"$log" 2>&1; then
  echo "testbed: building the plugin failed after $((SECONDS - t0)) s; the end of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
printf '#!/bin/sh\nexec kubectl-kymamesh __complete "$@"\n' > "$state/bin/kubectl_complete-kymamesh"
chmod +x "$state/bin/kubectl_complete-kymamesh"
ln -sfn "$kubectl" "$state/bin/kubectl"
echo "testbed: built in $((SECONDS - t0)) s" >&2
ke=$(cd "$knative_module" && go list -m -f '{{.Dir}}' knative.dev/eventing)
[ -d "$ke/config" ] || (cd "$knative_module" && go mod download knative.dev/eventing)

# The ingress controller (Traefik), for the tests that go through it: built
# (once, long) when KYMAMESH_TESTBED_INGRESS=1, else taken only if built.
if [ "${KYMAMESH_TESTBED_INGRESS:-}" = 1 ]; then
  traefik=$(bash "$here/traefik/build.sh" | tail -n 1)
else
  traefik=$(bash "$here/traefik/build.sh" --cached || true)
fi

# exec: a signal to this script (Ctrl-C, CI's timeout) reaches inside.sh, whose
# trap stops the test bed by PID.
exec unshare --net -- env PATH="$state/bin:$PATH" TESTBED_BIN="$bin" TESTBED_STATE="$state" TESTBED_TEMPORARY="$temporary" \
  TESTBED_EVENTING="$ke" TESTBED_TRAEFIK="$traefik" GOPROXY=off GOFLAGS=-mod=mod bash "$here/lib/inside.sh" "$@"
