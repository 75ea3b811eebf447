# The Knative Eventing releases the test bed runs, sourced by build.sh and
# run.sh. KNATIVE_VERSION (in the environment) chooses one; each has its module
# folder here (knative/<version>/: go.mod, go.sum, tools.go) and its own cache
# folder. The default is the newest release the Go module proxy serves, the
# oldest the oldest the plugin supports; CI runs the e2e suite on both.
KNATIVE_DEFAULT_VERSION=v0.50.0   # Knative 1.23
KNATIVE_OLDEST_VERSION=v0.45.0    # Knative 1.18
KNATIVE_VERSION=${KNATIVE_VERSION:-$KNATIVE_DEFAULT_VERSION}
knative_module=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$KNATIVE_VERSION
if [ ! -f "$knative_module/go.mod" ]; then
  echo "KNATIVE_VERSION=$KNATIVE_VERSION: the test bed has no module for it (test/testbed/knative/<version>/); it has: $(cd "$(dirname "${BASH_SOURCE[0]}")" && ls -d v*/ | tr -d / | tr '\n' ' ')" >&2
  exit 2
fi
# The Knative release a module version is (eventing v0.N.P is Knative 1.(N-27).P),
# as Knative's release manifests write it in their app.kubernetes.io/version labels.
knative_release() { local v=${1#v0.}; echo "1.$((${v%%.*} - 27)).${v#*.}"; }
