#!/usr/bin/env bash
# What each dependency costs the plugin: builds a tiny program over a base
# (cobra + client-go's kubeconfig loader and REST client, which every kubectl
# plugin needs) and the same program plus one package, and reports the
# stripped size and the start-up time and peak RSS each package adds (its
# package initialisation: type registration, scheme building, metrics).
# Medians of ROUNDS runs, interleaved; nothing asserted.
# Usage: test/bench/depcost.sh   (env: ROUNDS=10)
set -euo pipefail
ROUNDS=${ROUNDS:-10}
repo=$(cd "$(dirname "$0")/../.." && pwd)
# A copy of the module's go.mod and go.sum, so the probes build against its
# pinned versions; packages the plugin no longer imports (genericclioptions)
# need sums go.sum no longer holds: they are added to the copy only, without
# the checksum database (unreachable here; this is a measurement, not a build).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$repo/go.mod" "$repo/go.sum" "$work/"
export GOFLAGS=-mod=mod GOSUMDB=off GOWORK=off

# name | import line | a use of it
probes=$(cat <<'P'
base|_ "k8s.io/client-go/rest"|
dynamic client|"k8s.io/client-go/dynamic"|_ = dynamic.NewForConfig
Knative duck types (pkg, eventing)|duckv1 "knative.dev/eventing/pkg/apis/duck/v1"|_ = duckv1.DeliverySpec{}
kn sink flag parser|"knative.dev/client/pkg/flags/sink"|_ = sink.Parse
CloudEvents sdk-go|ce "github.com/cloudevents/sdk-go/v2"|_ = ce.NewEvent()
tablewriter|"github.com/olekukonko/tablewriter"|_ = tablewriter.NewWriter(os.Stdout)
cli-runtime printers|"k8s.io/cli-runtime/pkg/printers"|_ = printers.NewTypeSetter
port-forward (spdy)|"k8s.io/client-go/tools/portforward"|_ = portforward.New
k8s.io/api core/v1 types|corev1 "k8s.io/api/core/v1"|_ = corev1.AddToScheme
client-go discovery client|"k8s.io/client-go/discovery"|_ = discovery.NewDiscoveryClientForConfig
client-go typed core/v1 client|corev1c "k8s.io/client-go/kubernetes/typed/core/v1"|_ = corev1c.NewForConfig
client-go gentype (generic typed clients)|"k8s.io/client-go/gentype"|_ = gentype.NewClient[*metav1.PartialObjectMetadata]
cli-runtime genericclioptions|"k8s.io/cli-runtime/pkg/genericclioptions"|_ = genericclioptions.NewConfigFlags(true)
Knative eventing v1 API types|eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"|_ = eventingv1.AddToScheme
Knative eventing clientset|knc "knative.dev/eventing/pkg/client/clientset/versioned"|_ = knc.NewForConfig
P
)

i=0
while IFS='|' read -r name imp use; do
  i=$((i + 1))
  mkdir -p "$work/p$i"
  cat > "$work/p$i/main.go" <<GO
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	$imp
)

var _ metav1.Object
var _ runtime.Object

func main() {
	$use
	cmd := &cobra.Command{Use: "probe", Run: func(*cobra.Command, []string) {
		_, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
		fmt.Fprintln(os.Stdout, "probe", err == nil)
	}}
	_ = cmd.Execute()
}
GO
  echo "$name" > "$work/p$i/name"
  (cd "$work" && go build -trimpath -ldflags "-s -w" -o "$work/p$i/bin" "./p$i") \
    || { echo "depcost: probe '$name' does not build" >&2; rm -rf "$work/p$i"; }
done <<< "$probes"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for _ in $(seq 1 "$ROUNDS"); do
  for d in "$work"/p*/; do
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$d/rss1" "$d/bin" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >> "$d/us"
    cat "$d/rss1" >> "$d/rss"
  done
done

base="$work/p1"
bsize=$(stat -c %s "$base/bin"); bus=$(median < "$base/us"); brss=$(median < "$base/rss")
echo "| package (alone, over the base) | stripped MB added | start-up ms added | peak RSS MiB added |"
echo "|---|---|---|---|"
awk -v s="$bsize" -v u="$bus" -v r="$brss" 'BEGIN {printf "| base: cobra, clientcmd, rest (absolute) | %.1f | %.1f | %.1f |\n", s/1e6, u/1000, r/1024}'
for d in $(ls -d "$work"/p*/ | sort -V | tail -n +2); do
  awk -v n="$(cat "$d/name")" -v s="$(stat -c %s "$d/bin")" -v u="$(median < "$d/us")" -v r="$(median < "$d/rss")" \
    -v bs="$bsize" -v bu="$bus" -v br="$brss" \
    'BEGIN {printf "| %s | %+.1f | %+.1f | %+.1f |\n", n, (s-bs)/1e6, (u-bu)/1000, (r-br)/1024}'
done
