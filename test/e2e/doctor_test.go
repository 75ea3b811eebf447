//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// doctor is green for the admin, and lists exactly what the restricted user
// may not do (the test bed's restricted kubeconfig has no rights at all).
func TestDoctor(t *testing.T) {
	ns := testbed.Namespace(t)
	r := mustKM(t, "doctor", "-n", ns)
	for _, want := range []string{"PASS  API server: Kubernetes v1.34", "PASS  Knative API eventing.knative.dev/v1: brokers, triggers",
		"PASS  Knative API messaging.knative.dev/v1:", "PASS  Knative API sources.knative.dev/v1:", "PASS  eventing webhook: a Broker was admitted",
		"PASS  default broker class: MTChannelBasedBroker", "PASS  permissions: all ", "PASS  adapter image: "} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("doctor as admin lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "FAIL") {
		t.Fatalf("doctor as admin failed a check:\n%s", r.Stdout)
	}
	r = km(t, "doctor", "-n", ns, "--kubeconfig", testbed.RestrictedKubeconfig())
	wantExit(t, r, 1, "checks failed")
	for _, want := range []string{"FAIL  permissions: ", "triggers.eventing.knative.dev in " + ns + " (get, list, watch, create, update, delete)",
		"deployments.apps in kyma-integration (get, list, patch, delete)", "pods/portforward in kyma-integration (create)", "namespaces (get, create, patch)", "fix: ask a cluster admin"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("doctor as the restricted user lacks %q:\n%s", want, r.Stdout)
		}
	}
}
