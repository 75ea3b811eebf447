#!/usr/bin/env bash
# Starts etcd, kube-apiserver and kube-controller-manager on 127.0.0.1 with RBAC,
# two token users (admin; "restricted" with no rights) and their kubeconfigs.
# Usage: start-kube.sh STATE_DIR BIN_DIR
set -euo pipefail
D=${1:?state dir}; B=${2:?bin dir}
KAS_PORT=${KAS_PORT:-16443}
mkdir -p "$D/certs"
t0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }

# Keys and certificates: a service-account key pair, a CA and a serving cert that
# also names the "kubernetes" Service's loopback ClusterIP and the node's
# address on the pod network (10.244.0.1, kubeletlite's), where pods reach it.
c=$D/certs
if [ ! -f "$c/sa.key" ]; then
  openssl genrsa -out "$c/sa.key" 2048 2>/dev/null
  openssl rsa -in "$c/sa.key" -pubout -out "$c/sa.pub" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=testbed-ca" -keyout "$c/ca.key" -out "$c/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$c/apiserver.key" -out "$c/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:127.100.0.1,DNS:kubernetes.default.svc,IP:10.244.0.1\nextendedKeyUsage=serverAuth\n' > "$c/ext.cnf"
  openssl x509 -req -in "$c/apiserver.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial -days 3650 \
    -extfile "$c/ext.cnf" -out "$c/apiserver.crt" 2>/dev/null
fi
token() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
admin_token=$(token); user_token=$(token)
printf '%s,admin,admin-uid,"system:masters"\n%s,restricted,restricted-uid,"restricted-group"\n' "$admin_token" "$user_token" > "$D/tokens.csv"

kubeconfig() { # name token
  cat > "$D/$1.kubeconfig" <<EOT
apiVersion: v1
kind: Config
clusters: [{name: testbed, cluster: {server: "https://127.0.0.1:$KAS_PORT", certificate-authority: "$c/ca.crt"}}]
users: [{name: $1, user: {token: "$2"}}]
contexts: [{name: $1, context: {cluster: testbed, user: $1, namespace: default}}]
current-context: $1
EOT
}
kubeconfig admin "$admin_token"
kubeconfig restricted "$user_token"

etcd --name default --data-dir "$D/etcd-data" \
  --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
  --listen-peer-urls http://127.0.0.1:23791 --initial-advertise-peer-urls http://127.0.0.1:23791 \
  --initial-cluster default=http://127.0.0.1:23791 --listen-metrics-urls "" \
  --quota-backend-bytes 2147483648 --unsafe-no-fsync >"$D/etcd.log" 2>&1 &
echo $! > "$D/etcd.pid"

# The loopback service range makes every ClusterIP a 127/8 address that kproxy serves.
"$B/kube-apiserver" --etcd-servers=http://127.0.0.1:23790 \
  --bind-address=0.0.0.0 --secure-port="$KAS_PORT" --advertise-address=127.0.0.1 \
  --tls-cert-file="$c/apiserver.crt" --tls-private-key-file="$c/apiserver.key" --client-ca-file="$c/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$c/sa.pub" --service-account-signing-key-file="$c/sa.key" \
  --service-cluster-ip-range=127.100.0.0/16 --authorization-mode=Node,RBAC --token-auth-file="$D/tokens.csv" \
  --allow-privileged=true --endpoint-reconciler-type=none --profiling=false >"$D/kube-apiserver.log" 2>&1 &
echo $! > "$D/kube-apiserver.pid"

for _ in $(seq 1 600); do
  if curl -sf --cacert "$c/ca.crt" -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$KAS_PORT/readyz" >/dev/null 2>&1; then
    echo "testbed: kube-apiserver ready after $(ms) ms"
    break
  fi
  kill -0 "$(cat "$D/kube-apiserver.pid")" 2>/dev/null || { echo "kube-apiserver died"; tail -n 30 "$D/kube-apiserver.log"; exit 1; }
  sleep 0.1
done
curl -sf --cacert "$c/ca.crt" -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$KAS_PORT/readyz" >/dev/null

# Garbage collection, namespace deletion, ClusterRole aggregation, service
# accounts and EndpointSlices come from the real controller manager. Controllers
# that need a cloud or a full node are off; kubeletlite (the test bed's kubelet)
# makes the Pods of the Deployments it runs, so the Deployment and ReplicaSet
# controllers are off too. The PersistentVolume controller is on: it binds
# claims to the volumes kubeletlite provisions (a directory per claim).
"$B/kube-controller-manager" --kubeconfig="$D/admin.kubeconfig" \
  --authentication-kubeconfig="$D/admin.kubeconfig" --authorization-kubeconfig="$D/admin.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port=10257 \
  --service-account-private-key-file="$c/sa.key" --root-ca-file="$c/ca.crt" --use-service-account-credentials=false \
  --controllers='*,-node-ipam-controller,-node-lifecycle-controller,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller,-persistentvolume-expander-controller,-persistentvolume-attach-detach-controller,-ttl-controller,-taint-eviction-controller,-device-taint-eviction-controller,-horizontal-pod-autoscaler-controller,-disruption-controller,-endpoints-controller,-endpointslice-mirroring-controller,-deployment-controller,-replicaset-controller' \
  >"$D/kube-controller-manager.log" 2>&1 &
echo $! > "$D/kube-controller-manager.pid"
