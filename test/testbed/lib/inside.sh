#!/usr/bin/env bash
# Runs inside the test bed's private network namespace (see run.sh): only "lo"
# exists, so every listener and connection stays inside. Starts the control
# plane, runs the command, stops by PID whatever happens.
set -uo pipefail
lib=$(cd "$(dirname "$0")" && pwd)
D=$TESTBED_STATE
ip link set lo up
# Broker and IMC readiness count Endpoints addresses, which may not be loopback;
# this placeholder is put on lo so even a stray dial stays here.
ip addr add "${ENDPOINTS_PLACEHOLDER_IP:-198.18.0.1}/32" dev lo

child=""
stop() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
  bash "$lib/stop.sh" "$D" >&2
  [ -n "${TESTBED_TEMPORARY:-}" ] && rm -rf "$D"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
t0=$(date +%s%N)
if ! bash "$lib/start-kube.sh" "$D" "$TESTBED_BIN" >&2 || ! bash "$lib/start-knative.sh" "$D" "$TESTBED_BIN" "$TESTBED_EVENTING" >&2; then
  echo "testbed: start failed; logs in $D" >&2
  for f in "$D"/*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
  stop; exit 1
fi
# The test bed's kubelet: runs the adapter binary for each adapter (and tail
# receiver) Deployment, as a Pod with its own network namespace and address.
KUBECONFIG=$D/admin.kubeconfig KYMAMESH_ADAPTER_BIN=$D/bin/kymamesh-adapter "$D/bin/kubeletlite" -log-dir "$D" >"$D/kubeletlite.log" 2>&1 &
echo $! >"$D/kubeletlite.pid"
echo "testbed: ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2

export KUBECONFIG=$D/admin.kubeconfig RESTRICTED_KUBECONFIG=$D/restricted.kubeconfig KYMAMESH_TESTBED_STATE=$D
# PATH has $D/bin (the plugin, the test bed's kubectl) first already: run.sh.
export KYMAMESH_ADAPTER_BIN=$D/bin/kymamesh-adapter
# In-cluster names (*.svc.cluster.local) resolve through kproxy's HTTP proxy.
export TESTBED_HTTP_PROXY=http://127.0.0.1:18888
if [ -t 0 ]; then
  # An interactive command (make sandbox) keeps the terminal in the foreground.
  "$@"
  rc=$?
else
  # In the background, so that a TERM to this script is handled at once.
  "$@" <&0 &
  child=$!
  wait "$child"
  rc=$?
  child=""
fi
stop
exit $rc
