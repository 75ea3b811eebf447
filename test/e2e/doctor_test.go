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

// doctor on the test bed names the class and channel kind Knative's defaults
// choose and the Brokers use (Knative's own: MTChannelBasedBroker and the
// in-memory channel, warned of as keeping nothing across a restart), says
// plainly when nothing points at a newer sink kind, and names the CRD that
// is missing (or served) for each one a Trigger points at.
func TestDoctorPersistenceAndNewerSinks(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "broker", "create", "b", "-n", ns, "--wait")
	r := mustKM(t, "doctor", "-n", ns)
	for _, want := range []string{
		"PASS  broker class MTChannelBasedBroker: chosen or used by config-br-defaults clusterDefault",
		"; a controller writes the status of its Brokers\n",
		"WARN  channel kind InMemoryChannel: messaging.knative.dev/v1, chosen or used by ",
		"default-ch-webhook clusterDefault",
		"served, a controller writes the status of its objects; it keeps events in memory only: what its dispatcher holds is lost when it restarts\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stdout, "newer sink kinds: ") {
		t.Fatalf("doctor lacks the newer sink kinds:\n%s", r.Stdout)
	}
	kinds := map[string]string{"JobSink": "jobsinks.sinks.knative.dev", "IntegrationSink": "integrationsinks.sinks.knative.dev", "EventTransform": "eventtransforms.eventing.knative.dev"}
	versions := map[string]string{"JobSink": "sinks.knative.dev/v1alpha1", "IntegrationSink": "sinks.knative.dev/v1alpha1", "EventTransform": "eventing.knative.dev/v1alpha1"}
	for kind := range kinds {
		applyYAML(t, `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: to-`+strings.ToLower(kind)+`, namespace: `+ns+`}
spec:
  broker: b
  subscriber: {ref: {apiVersion: `+versions[kind]+`, kind: `+kind+`, name: x}}
`)
	}
	r = mustKM(t, "doctor", "-n", ns)
	line := ""
	for _, l := range strings.Split(r.Stdout, "\n") {
		if strings.Contains(l, "newer sink kinds: ") {
			line = l
		}
	}
	missing, _, _ := strings.Cut(line, "; served: ")
	for kind, crd := range kinds {
		served := testbed.Kubectl(t, "get", "crd", crd).Code == 0
		want := kind + " (" + crd + "/"
		if !strings.Contains(line, want) || !strings.Contains(line, "used by trigger/to-"+strings.ToLower(kind)+" in "+ns) {
			t.Fatalf("doctor does not name %s and its Trigger: %s", kind, line)
		}
		if inMissing := strings.Contains(missing, "CRD missing") && strings.Contains(missing, want); inMissing == served {
			t.Fatalf("%s: CRD served %v, but doctor says: %s", kind, served, line)
		}
	}
	t.Logf("%s", line)
}
