#!/usr/bin/env bash
# Builds the test bed's binaries into the cache folder, once: kube-apiserver and
# kube-controller-manager (k8s.io/kubernetes v1.34.4, the same for every Knative
# release) and the Knative Eventing components of KNATIVE_VERSION (default
# v0.50.0; knative/versions.sh lists them).
# Each part has a stamp made from what goes into its binaries (the modules, the
# overlay, the build flags; not this script's wording, so a comment edit costs no
# rebuild) and is cached once: kube-<stamp>/ for kubernetes, bin-<version>-<stamp>/
# for a Knative release, which also holds the kubernetes binaries (hard links).
# Usage: build.sh            prints the version's bin folder on its last line
# Env:   KNATIVE_VERSION        v0.50.0 (default) or v0.45.0
#        KYMAMESH_TESTBED_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=knative/versions.sh
. "$here/knative/versions.sh"
cache=${KYMAMESH_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed}
mkdir -p "$cache"
hash16() { sha256sum | cut -c1-16; }

kube_version=v1.34.4
# kube-apiserver reports its version from ldflags; Knative refuses "v0.0.0-master".
kube_flags=(-trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 \
-X k8s.io/component-base/version.gitTreeState=clean")
kube_cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
kube_stamp=$(echo "${kube_flags[*]} ${kube_cmds[*]}" | cat - "$here/kube/go.mod" "$here/kube/go.sum" | hash16)
kube=$cache/kube-$kube_stamp

# Every sharedmain process binds its health probes on the fixed :8080, which
# collides when all of them share one host. knative.dev/pkg has no setting for it,
# so the build uses a copy of that module (hard links into the module cache, made
# under the cache folder, never committed) with health_check.go's listen address
# routed through overlay/health_probe_addr.go. The upstream mains are unchanged.
health_sed='s/Addr: ":" + strconv.Itoa(port)}/Addr: healthProbeAddr(strconv.Itoa(port))}/'
kn_flags=(-trimpath -ldflags "-s -w")
kn_cmds=(knative.dev/eventing/cmd/controller knative.dev/eventing/cmd/webhook knative.dev/eventing/cmd/mtchannel_broker
  knative.dev/eventing/cmd/broker/ingress knative.dev/eventing/cmd/broker/filter
  knative.dev/eventing/cmd/in_memory/channel_controller knative.dev/eventing/cmd/in_memory/channel_dispatcher)
kn_stamp=$(echo "$kube_stamp ${kn_flags[*]} ${kn_cmds[*]} $health_sed" |
  cat - "$knative_module/go.mod" "$knative_module/go.sum" "$here"/knative/overlay/*.go | hash16)
bin=$cache/bin-$KNATIVE_VERSION-$kn_stamp
need=(kube-apiserver kube-controller-manager controller webhook mtchannel_broker ingress filter
  channel_controller channel_dispatcher)
complete() { # complete DIR NAME...: every NAME is an executable in DIR
  local d=$1 b; shift
  for b in "$@"; do [ -x "$d/$b" ] || return 1; done
}
if complete "$bin" "${need[@]}"; then echo "$bin"; exit 0; fi
# One build per release at a time (make test-e2e builds the oldest in the
# background while the newest is tested; worktrees share the cache): a second
# build.sh waits here, then finds the folder made.
exec 9>"$cache/build-$KNATIVE_VERSION.lock"
flock 9
if complete "$bin" "${need[@]}"; then echo "$bin"; exit 0; fi

# Before the test bed ran more than one Knative release, this script made one
# folder for v0.45.0, bin-49987c0a0c9bd0e9 (its stamp hashed this script's text
# too). It was built from exactly these inputs when they hash to legacy_inputs
# below (the same go.sums and overlay; the flags and mains are the same as
# here), so its binaries are taken (hard links) instead of 10 minutes of
# building them again.
legacy=$cache/bin-49987c0a0c9bd0e9
legacy_inputs=5e6d19488d641d7c
if [ "$KNATIVE_VERSION" = v0.45.0 ] && complete "$legacy" "${need[@]}" &&
  [ "$(cat "$here/kube/go.sum" "$knative_module/go.sum" "$here"/knative/overlay/*.go | hash16)" = "$legacy_inputs" ]; then
  exec 8>"$cache/build-kube.lock"
  flock 8
  if ! complete "$kube" "${need[@]:0:2}"; then
    rm -rf "$kube.tmp"; mkdir -p "$kube.tmp"; cp -l "$legacy"/kube-* "$kube.tmp/"; rm -rf "$kube"; mv "$kube.tmp" "$kube"
  fi
  flock -u 8
  rm -rf "$bin.tmp"; mkdir -p "$bin.tmp"; cp -l "$legacy"/* "$bin.tmp/"; rm -rf "$bin"; mv "$bin.tmp" "$bin"
  echo "testbed: Knative Eventing $KNATIVE_VERSION: the binaries of $legacy (same inputs), now in $bin" >&2
  echo "$bin"
  exit 0
fi

t0=$SECONDS
# Say first what happens and how long it takes; the go tool's download and build
# lines go to a log, which is shown if a stage fails.
log=$cache/build-$KNATIVE_VERSION.log
: > "$log"
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

rm -rf "$bin.tmp"; mkdir -p "$bin.tmp"
exec 8>"$cache/build-kube.lock"
flock 8
if complete "$kube" "${need[@]:0:2}"; then
  echo "testbed: building Knative Eventing $KNATIVE_VERSION (kubernetes $kube_version is cached in $kube)" >&2
  echo "testbed: from the Go module proxy, once (about 4 minutes on 2 idle cores; cached in $bin); log: $log" >&2
else
  echo "testbed: building kube-apiserver, kube-controller-manager $kube_version and Knative Eventing $KNATIVE_VERSION" >&2
  echo "testbed: from the Go module proxy, once (about 10 minutes on 2 idle cores; cached in $cache); log: $log" >&2
  build_kube() {
    rm -rf "$kube.tmp"; mkdir -p "$kube.tmp"
    (cd "$here/kube" && go build "${kube_flags[@]}" -o "$kube.tmp/" "${kube_cmds[@]}") || return 1
    rm -rf "$kube"; mv "$kube.tmp" "$kube"
  }
  stage 1/2 "kubernetes (kube-apiserver, kube-controller-manager)" build_kube
fi
cp -l "$kube"/* "$bin.tmp/"
flock -u 8

cd "$knative_module"
pkgdir=$(go list -m -f '{{.Dir}}' knative.dev/pkg 2>/dev/null || true)
[ -n "$pkgdir" ] || { go mod download knative.dev/pkg >> "$log" 2>&1; pkgdir=$(go list -m -f '{{.Dir}}' knative.dev/pkg); }
work=$bin.tmp/work
rm -rf "$work"; mkdir -p "$work"
cp -al "$pkgdir" "$work/knative-pkg"
chmod u+w "$work/knative-pkg/injection"
rm "$work/knative-pkg/injection/health_check.go"
sed "$health_sed" "$pkgdir/injection/health_check.go" > "$work/knative-pkg/injection/health_check.go"
grep -q 'healthProbeAddr(' "$work/knative-pkg/injection/health_check.go" \
  || { echo "build.sh: knative.dev/pkg's health_check.go changed; update the test bed's overlay" >&2; exit 1; }
cp "$here/knative/overlay/health_probe_addr.go" "$work/knative-pkg/injection/"
cp go.mod "$work/go.mod"; cp go.sum "$work/go.sum"
go mod edit -modfile="$work/go.mod" -replace=knative.dev/pkg="$work/knative-pkg"
stage 2/2 "Knative Eventing $KNATIVE_VERSION (controller, webhook, broker, in-memory channel)" \
  go build -modfile="$work/go.mod" "${kn_flags[@]}" -o "$bin.tmp/" "${kn_cmds[@]}"
rm -rf "$work" "$bin"; mv "$bin.tmp" "$bin"
echo "test bed built in $((SECONDS - t0)) s" >&2
echo "$bin"
