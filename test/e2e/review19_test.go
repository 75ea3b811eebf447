//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// A namespace named "on" (a YAML 1.1 boolean, as Knative's parser reads
// its defaults) gets its defaults from Knative's webhook, and disable
// removes its entry: written bare, the key was true to Knative, the Broker
// got the cluster default and the entry outlived disable.
func TestNamespaceDefaultsForANamespaceNamedOn(t *testing.T) {
	const ns = "on"
	testbed.MustKubectl(t, "create", "namespace", ns)
	t.Cleanup(func() {
		if t.Failed() {
			testbed.Dump(t, ns)
		}
		km(t, "disable", "ns", ns)
		testbed.Kubectl(t, "delete", "namespace", ns, "--wait=false")
	})
	mustKM(t, "enable", "ns", ns, "--retry", "4")
	applyYAML(t, `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: theirs, namespace: "on"}
`)
	br := getJSON(t, "get", "brokers.eventing.knative.dev", "theirs", "-n", ns)
	if got := field(br, "spec", "delivery", "retry"); got != float64(4) {
		value, _ := field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config").(string)
		t.Fatalf("a Broker made with kubectl in namespace on got delivery.retry %v, want the namespace default 4; config-br-defaults:\n%s", got, value)
	}
	r := mustKM(t, "disable", "ns", ns)
	if !strings.Contains(r.Stdout, "configmap/config-br-defaults configured (namespaceDefaults.on deleted)\n") {
		t.Fatalf("disable: %s", r)
	}
	value, _ := field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config").(string)
	if strings.Contains(value, "on\":") || strings.Contains(value, "\non:") || strings.Contains(value, " on:") {
		t.Fatalf("disable ns on left its entry:\n%s", value)
	}
}
