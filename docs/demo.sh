#!/usr/bin/env bash
# The demo `make demo` runs inside the test bed: it wires an application into a
# namespace the way Kyma did (HTTP source adapter and Channel in the integration
# namespace, the namespace's Broker, the Subscription between them), adds a
# Trigger with a filter, watches the Broker with tail, sends events to the
# application and shows which ones tail and the subscriber received; then
# unwires it.
set -euo pipefail
work=$(mktemp -d)
received=$work/received.jsonl
# Bold headings on a terminal only, and never with NO_COLOR set.
bold=""; plain=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

cereceiver -addr 127.0.0.1:19190 -out "$received" &
receiver=$!
trap 'kill $receiver 2>/dev/null; rm -rf "$work"' EXIT
kubectl create namespace kyma-integration >/dev/null
kubectl create namespace shop >/dev/null

step kubectl kymamesh wire commerce --to shop \
  --trigger order-created --filter type=order.created --sink http://127.0.0.1:19190/ --wait
step kubectl kymamesh source describe commerce
step kubectl kymamesh trigger list -n shop
step kubectl kymamesh status -n shop

# tail watches what shop's Broker delivers through a receiver of its own; it
# stops after two events and removes what it made.
printf '\n%s$ kubectl kymamesh tail -n shop --filter type=order.created --count 2 &%s\n' "$bold" "$plain"
kubectl kymamesh tail -n shop --filter type=order.created --count 2 >"$work/tail.out" 2>"$work/tail.err" &
tailing=$!
for _ in $(seq 1 600); do grep -q "watching events" "$work/tail.err" && break; sleep 0.2; done
cat "$work/tail.err"

# send port-forwards to the adapter's pod through the API server, as on any cluster.
step kubectl kymamesh send --to app:commerce --type order.created --id o-1 --data '{"order":1}'
step kubectl kymamesh send --to app:commerce --type order.cancelled --id o-2 --data '{"order":2}'
step kubectl kymamesh send --to app:commerce --type order.created --id o-3 --data '{"order":3}'

for _ in $(seq 1 100); do [ "$(wc -l < "$received" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
sleep 1
wait "$tailing" || { echo "UNEXPECTED: tail failed: $(cat "$work/tail.err")" >&2; exit 1; }
printf '\n%stail printed:%s\n' "$bold" "$plain"
cat "$work/tail.out"
tail -n 1 "$work/tail.err"
printf '\n%sThe subscriber received:%s\n' "$bold" "$plain"
cat "$received"
got=$(cut -d'"' -f4 "$received" | sort | tr '\n' ' ')
if [ "$got" != "o-1 o-3 " ]; then
  echo "UNEXPECTED: received ids: $got" >&2
  exit 1
fi
echo "OK: both order.created events went adapter -> channel -> subscription -> broker -> trigger -> subscriber,"
echo "    with the application's name as their source; the order.cancelled one was filtered out."
step kubectl kymamesh unwire commerce --from shop
