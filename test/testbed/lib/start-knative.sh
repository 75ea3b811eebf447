#!/usr/bin/env bash
# Installs Knative Eventing $KNATIVE_VERSION (CRDs, config, upstream RBAC,
# webhooks: all read from the eventing module) into the running API server and
# starts its control and data plane as local processes, each with its upstream
# ServiceAccount's identity.
# Usage: start-knative.sh STATE_DIR BIN_DIR EVENTING_MODULE_DIR
set -euo pipefail
D=${1:?state dir}; B=${2:?bin dir}; KE=${3:?eventing module dir}
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../knative/versions.sh
. "$here/knative/versions.sh"
# The module's manifests say app.kubernetes.io/version: devel; Knative's release
# manifests carry the release there ("1.23.0"), which is how a cluster tells
# which Knative it runs (doctor reads it). The test bed's copy is labelled as
# the release's would be, with the substitution Knative's release script makes;
# nothing else is changed.
C=$D/knative-config
rm -rf "$C"; cp -r "$KE/config" "$C"; chmod -R u+w "$C"
find "$C" -name '*.yaml' -exec sed -i \
  "s|app.kubernetes.io/version: devel|app.kubernetes.io/version: \"$(knative_release "$KNATIVE_VERSION")\"|" {} +
export KUBECONFIG=$D/admin.kubeconfig
PROXY=127.0.0.1:18888
t0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }

# A Knative webhook that cannot bind its port logs it and keeps running; refuse to
# start over a leftover process instead.
for port in 18888 18443 18444 18081 18441 18082 18442 8080 8443; do
  if [ -n "$(ss -Htln "sport = :$port")" ]; then echo "port $port is in use"; exit 1; fi
done

kubectl apply --server-side -f "$C/core/resources/" -f "$C/channels/in-memory-channel/resources/" >/dev/null
kubectl wait --for condition=established --timeout=60s crd --all >/dev/null
kubectl apply -f "$C/core/100-namespace.yaml" >/dev/null
kubectl apply -f "$C/core/configmaps/" -f "$C/channels/in-memory-channel/configmaps/" >/dev/null
# Upstream service accounts and RBAC; aggregated ClusterRoles are filled in by the
# controller manager.
kubectl apply -f "$C/core/200-eventing-serviceaccount.yaml" -f "$C/core/200-webhook-serviceaccount.yaml" \
  -f "$C/core/roles/" -f "$C/channels/in-memory-channel/200-imc-controller-serviceaccount.yaml" \
  -f "$C/channels/in-memory-channel/200-imc-dispatcher-serviceaccount.yaml" -f "$C/channels/in-memory-channel/roles/" \
  -f "$C/brokers/mt-channel-broker/roles/" >/dev/null
sed "s/@PLACEHOLDER_IP@/${ENDPOINTS_PLACEHOLDER_IP:-198.18.0.1}/g" "$here/knative/manifests/10-local-services.yaml" \
  | kubectl apply -f - 2>&1 | grep -v "Endpoints is deprecated" >/dev/null || true
# The IMC reconciler requires its dispatcher Deployment to be Available; the
# dispatcher runs as a local process, so the status is set here.
kubectl apply -f "$C/channels/in-memory-channel/deployments/dispatcher.yaml" >/dev/null
kubectl -n knative-eventing patch deployment imc-dispatcher --subresource=status --type=merge -p \
  '{"status":{"observedGeneration":1,"replicas":1,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1,"conditions":[{"type":"Available","status":"True","reason":"LocalProcess","message":"runs as a local process"}]}}' >/dev/null
kubectl apply -f "$C/core/webhooks/" -f "$C/channels/in-memory-channel/webhooks/" >/dev/null
echo "testbed: knative manifests applied after $(ms) ms"

CA=$(sed -n 's/.*certificate-authority: "\([^"]*\)".*/\1/p' "$KUBECONFIG")
SERVER=$(sed -n 's/.*server: "\([^"]*\)".*/\1/p' "$KUBECONFIG")
for sa in eventing-controller eventing-webhook mt-broker-ingress mt-broker-filter imc-controller imc-dispatcher; do
  tok=$(kubectl -n knative-eventing create token "$sa" --duration=24h)
  cat >"$D/sa-$sa.kubeconfig" <<EOT
apiVersion: v1
kind: Config
clusters: [{name: testbed, cluster: {server: "$SERVER", certificate-authority: "$CA"}}]
users: [{name: $sa, user: {token: "$tok"}}]
contexts: [{name: $sa, context: {cluster: testbed, user: $sa, namespace: knative-eventing}}]
current-context: $sa
EOT
done

common=(SYSTEM_NAMESPACE=knative-eventing CONFIG_LOGGING_NAME=config-logging CONFIG_OBSERVABILITY_NAME=config-observability
  KNATIVE_HEALTH_PROBES_ADDR=127.0.0.1:0 METRICS_PROMETHEUS_HOST=127.0.0.1 PROFILING_PORT=0 METRICS_PROMETHEUS_PORT=0
  HTTP_PROXY="http://$PROXY" http_proxy="http://$PROXY" HTTPS_PROXY="http://$PROXY" https_proxy="http://$PROXY"
  NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost)
start() { # name binary serviceaccount env...
  local name=$1 bin=$2 sa=$3; shift 3
  env "${common[@]}" KUBECONFIG="$D/sa-$sa.kubeconfig" POD_NAME="$name-0" "$@" "$B/$bin" >"$D/$name.log" 2>&1 &
  echo $! >"$D/$name.pid"
}
# kproxy listens on every address of the test bed: the pods reach it on their node's.
"$D/bin/kproxy" -kubeconfig "$KUBECONFIG" -http-proxy ":${PROXY#*:}" -kubernetes-target "${SERVER#https://}" -v >"$D/kproxy.log" 2>&1 &
echo $! >"$D/kproxy.pid"
start eventing-webhook webhook eventing-webhook WEBHOOK_NAME=eventing-webhook WEBHOOK_PORT=18443 \
  METRICS_DOMAIN=knative.dev/eventing SINK_BINDING_SELECTION_MODE=exclusion
start imc-controller channel_controller imc-controller WEBHOOK_NAME=inmemorychannel-webhook WEBHOOK_PORT=18444 \
  METRICS_DOMAIN=knative.dev/inmemorychannel-controller DISPATCHER_IMAGE=local/channel_dispatcher
# AUTH_PROXY_IMAGE: required from v0.50 (IntegrationSink, EventTransform); nothing runs it here.
start eventing-controller controller eventing-controller METRICS_DOMAIN=knative.dev/eventing APISERVER_RA_IMAGE=local/apiserver_receive_adapter \
  AUTH_PROXY_IMAGE=local/auth_proxy
start mt-broker-controller mtchannel_broker eventing-controller METRICS_DOMAIN=knative.dev/eventing
start imc-dispatcher channel_dispatcher imc-dispatcher CONTAINER_NAME=dispatcher METRICS_DOMAIN=knative.dev/inmemorychannel-dispatcher \
  MAX_IDLE_CONNS=1000 MAX_IDLE_CONNS_PER_HOST=1000
start mt-broker-ingress ingress mt-broker-ingress NAMESPACE=knative-eventing CONTAINER_NAME=ingress METRICS_DOMAIN=knative.dev/internal/eventing \
  INGRESS_PORT=18081 INGRESS_PORT_HTTPS=18441
start mt-broker-filter filter mt-broker-filter NAMESPACE=knative-eventing CONTAINER_NAME=filter METRICS_DOMAIN=knative.dev/internal/eventing \
  FILTER_PORT=18082 FILTER_PORT_HTTPS=18442

# Ready when the IMC webhooks admit a dry-run object through the API server and
# the eventing webhook has its CA bundle and rules.
probe='{"apiVersion":"messaging.knative.dev/v1","kind":"InMemoryChannel","metadata":{"name":"probe","namespace":"default"}}'
for _ in $(seq 1 600); do
  for p in "$D"/*.pid; do
    kill -0 "$(cat "$p")" 2>/dev/null || { echo "$(basename "$p" .pid) died:"; tail -n 20 "${p%.pid}.log"; exit 1; }
  done
  if echo "$probe" | kubectl create --dry-run=server -o name -f - >/dev/null 2>&1; then
    cab=$(kubectl get mutatingwebhookconfiguration webhook.eventing.knative.dev -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null || true)
    rules=$(kubectl get mutatingwebhookconfiguration webhook.eventing.knative.dev -o jsonpath='{.webhooks[0].rules}' 2>/dev/null || true)
    if [ -n "$cab" ] && [ -n "$rules" ] && [ "$rules" != "[]" ]; then
      echo "testbed: knative webhooks ready after $(ms) ms"
      exit 0
    fi
  fi
  sleep 0.2
done
echo "testbed: knative webhooks not ready after $(ms) ms"
exit 1
