#!/usr/bin/env bash
# Builds the test bed's binaries into the cache folder, once: kube-apiserver and
# kube-controller-manager (k8s.io/kubernetes v1.34.4), the Knative Eventing v0.45.0
# components. A stamp made from the module files decides
# whether a cached build is still of the right version.
# Usage: build.sh            prints the bin folder on its last line
# Env:   KYMAMESH_TESTBED_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${KYMAMESH_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed}
stamp=$(cat "$here"/kube/go.sum "$here"/knative/go.sum "$here"/knative/overlay/*.go "$here/build.sh" | sha256sum | cut -c1-16)
bin=$cache/bin-$stamp
need=(kube-apiserver kube-controller-manager controller webhook mtchannel_broker ingress filter
  channel_controller channel_dispatcher)
missing=0
for b in "${need[@]}"; do [ -x "$bin/$b" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "$bin"; exit 0; fi
mkdir -p "$bin.tmp"
t0=$SECONDS
# Say first what happens and how long it takes; the go tool's download and build
# lines go to a log, which is shown if a stage fails.
log=$cache/build.log
: > "$log"
echo "testbed: building kube-apiserver, kube-controller-manager v1.34.4 and Knative Eventing v0.45.0" >&2
echo "testbed: from the Go module proxy, once (about 15 minutes on 2 cores; cached in $cache); log: $log" >&2
stage() { # stage N/M WHAT COMMAND...: runs COMMAND with its output in the log
  local n=$1 what=$2 s0=$SECONDS
  shift 2
  echo "testbed: [$n] $what ..." >&2
  if ! "$@" >> "$log" 2>&1; then
    echo "testbed: [$n] $what failed after $((SECONDS - s0)) s; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "testbed: [$n] $what done in $((SECONDS - s0)) s" >&2
}

# kube-apiserver reports its version from ldflags; Knative refuses "v0.0.0-master".
build_kube() {
  cd "$here/kube" && go build -trimpath -ldflags "-s -w \
    -X k8s.io/component-base/version.gitVersion=v1.34.4 -X k8s.io/component-base/version.gitMajor=1 \
    -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$bin.tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
}
stage 1/2 "kubernetes (kube-apiserver, kube-controller-manager)" build_kube

# Every sharedmain process binds its health probes on the fixed :8080, which
# collides when all of them share one host. knative.dev/pkg has no setting for it,
# so the build uses a copy of that module (hard links into the module cache, made
# under the cache folder, never committed) with health_check.go's listen address
# routed through overlay/health_probe_addr.go. The upstream mains are unchanged.
cd "$here/knative"
pkgdir=$(go list -m -f '{{.Dir}}' knative.dev/pkg 2>/dev/null || true)
[ -n "$pkgdir" ] || { go mod download knative.dev/pkg >> "$log" 2>&1; pkgdir=$(go list -m -f '{{.Dir}}' knative.dev/pkg); }
work=$bin.tmp/work
rm -rf "$work"; mkdir -p "$work"
cp -al "$pkgdir" "$work/knative-pkg"
chmod u+w "$work/knative-pkg/injection"
rm "$work/knative-pkg/injection/health_check.go"
sed 's/Addr: ":" + strconv.Itoa(port)}/Addr: healthProbeAddr(strconv.Itoa(port))}/' "$pkgdir/injection/health_check.go" \
  > "$work/knative-pkg/injection/health_check.go"
grep -q 'healthProbeAddr(' "$work/knative-pkg/injection/health_check.go" \
  || { echo "build.sh: knative.dev/pkg's health_check.go changed; update the test bed's overlay" >&2; exit 1; }
cp "$here/knative/overlay/health_probe_addr.go" "$work/knative-pkg/injection/"
cp go.mod "$work/go.mod"; cp go.sum "$work/go.sum"
go mod edit -modfile="$work/go.mod" -replace=knative.dev/pkg="$work/knative-pkg"
stage 2/2 "Knative Eventing (controller, webhook, broker, in-memory channel)" \
  go build -modfile="$work/go.mod" -trimpath -ldflags "-s -w" -o "$bin.tmp/" \
  knative.dev/eventing/cmd/controller knative.dev/eventing/cmd/webhook knative.dev/eventing/cmd/mtchannel_broker \
  knative.dev/eventing/cmd/broker/ingress knative.dev/eventing/cmd/broker/filter \
  knative.dev/eventing/cmd/in_memory/channel_controller knative.dev/eventing/cmd/in_memory/channel_dispatcher
rm -rf "$work" "$bin"; mv "$bin.tmp" "$bin"
echo "test bed built in $((SECONDS - t0)) s" >&2
echo "$bin"
