#!/usr/bin/env bash
# The demo `make demo` runs inside the test bed: it wires an application's
# channel in the integration namespace to a user namespace's Broker the way Kyma
# did, adds a Trigger with a filter, sends events and shows which ones the
# subscriber received.
set -euo pipefail
work=$(mktemp -d)
received=$work/received.jsonl
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

cereceiver -addr 127.0.0.1:19190 -out "$received" &
receiver=$!
trap 'kill $receiver 2>/dev/null; rm -rf "$work"' EXIT

kubectl create namespace kyma-integration >/dev/null
kubectl create namespace shop >/dev/null
step kubectl kymamesh enable ns shop --wait
step kubectl kymamesh channel create commerce -n kyma-integration --type imc --wait
step kubectl kymamesh subscription create commerce-shop -n kyma-integration --channel commerce --sink broker:default:shop --wait
step kubectl kymamesh trigger create order-created -n shop --filter type=order.created --sink http://127.0.0.1:19190/ --wait
step kubectl kymamesh trigger list -n shop
step kubectl kymamesh subscription describe commerce-shop -n kyma-integration

url=$(kubectl get channels.messaging.knative.dev commerce -n kyma-integration -o jsonpath='{.status.address.url}')
send() { # id type
  curl -sS -o /dev/null -w "  sent $1 ($2): HTTP %{http_code}\n" -x "$TESTBED_HTTP_PROXY" -X POST "$url" \
    -H "Ce-Specversion: 1.0" -H "Ce-Id: $1" -H "Ce-Type: $2" -H "Ce-Source: /apps/commerce" \
    -H "Content-Type: application/json" -d "{\"order\":\"$1\"}"
}
printf '\n\033[1mSending three events to the application channel %s\033[0m\n' "$url"
send o-1 order.created
send o-2 order.cancelled
send o-3 order.created

for _ in $(seq 1 100); do [ "$(wc -l < "$received" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
sleep 1
printf '\n\033[1mThe subscriber received:\033[0m\n'
cat "$received"
got=$(cut -d'"' -f4 "$received" | sort | tr '\n' ' ')
if [ "$got" = "o-1 o-3 " ]; then
  echo "OK: both order.created events arrived through channel -> subscription -> broker -> trigger; the order.cancelled one was filtered out."
else
  echo "UNEXPECTED: received ids: $got" >&2
  exit 1
fi
