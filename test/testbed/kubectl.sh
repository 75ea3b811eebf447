#!/usr/bin/env bash
# Chooses the kubectl the test bed runs, says which on one line and prints its
# path on the last line. The machine's kubectl when it is 1.26 or newer (plugin
# completion through kubectl_complete-<plugin>, the newest kubectl feature the
# tests use); otherwise kubectl built once from k8s.io/kubernetes at the test
# bed's kube-apiserver version (kubectl/go.mod, kept equal to kube/go.mod) and
# cached. Debian's archive has no kubectl recent enough, so apt is no way.
# The build has its own stamp and folder, apart from build.sh's: each is
# rebuilt only when its own inputs change.
# Env: KYMAMESH_TESTBED_KUBECTL=build  use the built kubectl even when the machine has one
#      KYMAMESH_TESTBED_CACHE          as for build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${KYMAMESH_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed}
min_minor=26

why="the machine has none"
if [ "${KYMAMESH_TESTBED_KUBECTL:-}" = build ]; then
  why="KYMAMESH_TESTBED_KUBECTL=build"
elif own=$(command -v kubectl); then
  v=$(kubectl version --client -o json 2>/dev/null | sed -n 's/^ *"gitVersion": *"\([^"]*\)".*/\1/p' | head -n 1)
  if [[ $v =~ ^v1\.([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge "$min_minor" ]; then
    echo "testbed: kubectl: the machine's ($own, $v)" >&2
    echo "$own"
    exit 0
  fi
  why="the machine's is ${v:-of unknown version}, older than v1.$min_minor"
fi

# The version the test bed's kube-apiserver is built at (build.sh), from the
# same module requirement.
version=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/kubectl/go.mod")
kube=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/kube/go.mod")
[ -n "$version" ] && [ "$version" = "$kube" ] || {
  echo "kubectl.sh: kubectl/go.mod requires k8s.io/kubernetes ${version:-?}, kube/go.mod ${kube:-?}: keep them equal" >&2
  exit 1
}
IFS=. read -r major minor _ <<<"${version#v}"
# kubectl reports its version from these (as kube-apiserver does, build.sh).
ldflags="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
# Static (CGO_ENABLED=0), as kubectl's releases are.
flags=(-trimpath -ldflags "$ldflags")
# The stamp is what goes into the binary: the modules and the build flags (not
# this script's wording, so a comment edit costs no rebuild).
stamp=$(echo "CGO_ENABLED=0 ${flags[*]}" | cat - "$here/kubectl/go.mod" "$here/kubectl/go.sum" | sha256sum | cut -c1-16)
dir=$cache/kubectl-$stamp
if [ ! -x "$dir/kubectl" ]; then
  mkdir -p "$cache"
  log=$cache/build-kubectl.log
  echo "testbed: building kubectl $version ($why), once (a few minutes on 2 cores; cached in $dir); log: $log" >&2
  t0=$SECONDS
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  if ! (cd "$here/kubectl" && CGO_ENABLED=0 go build "${flags[@]}" -o "$dir.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl) >"$log" 2>&1; then
    echo "testbed: building kubectl failed after $((SECONDS - t0)) s; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "testbed: kubectl built in $((SECONDS - t0)) s" >&2
fi
echo "testbed: kubectl: built from k8s.io/kubernetes $version, as $why ($dir/kubectl)" >&2
echo "$dir/kubectl"
