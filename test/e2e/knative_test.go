//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// knativeRelease is the Knative release the test bed runs ("1.23.0"; eventing
// v0.N.P is Knative 1.(N-27).P).
func knativeRelease(t *testing.T) string {
	t.Helper()
	v := testbed.KnativeVersion()
	var minor, patch int
	if _, err := fmt.Sscanf(v, "v0.%d.%d", &minor, &patch); err != nil {
		t.Fatalf("KNATIVE_VERSION %q: %v", v, err)
	}
	return "1." + strconv.Itoa(minor-27) + "." + strconv.Itoa(patch)
}

// doctor says which Knative runs (the release label the test bed's manifests
// carry, as Knative's release manifests do), what the feature flags that
// change the plugin mean, and which Knative kinds have no controller: a CRD
// installed with nothing reconciling it is found by its objects' missing
// status, once they are a minute old.
func TestDoctorReportsKnativeVersionFlagsAndControllers(t *testing.T) {
	ns := testbed.Namespace(t)
	crd := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
"metadata":{"name":"widgets.kymamesh-e2e.knative.dev"},
"spec":{"group":"kymamesh-e2e.knative.dev","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
"versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}`
	applyJSON(t, crd)
	t.Cleanup(func() { testbed.Kubectl(t, "delete", "crd", "widgets.kymamesh-e2e.knative.dev", "--wait=false") })
	testbed.MustKubectl(t, "wait", "--for", "condition=established", "--timeout=30s", "crd/widgets.kymamesh-e2e.knative.dev")
	applyJSON(t, `{"apiVersion":"kymamesh-e2e.knative.dev/v1","kind":"Widget","metadata":{"name":"w","namespace":"`+ns+`"}}`)
	made := time.Now()

	r := mustKM(t, "doctor", "-n", ns)
	for _, want := range []string{
		"PASS  Knative Eventing version: " + knativeRelease(t) + " (knative-eventing's app.kubernetes.io/version label)",
		"PASS  feature transport-encryption: disabled: Brokers and Channels are addressed over HTTP",
		"PASS  feature default-authorization-mode: allow-same-namespace: ",
		"PASS  feature cross-namespace-event-links: disabled: ",
		"PASS  feature eventtype-auto-create: disabled: ",
		"widgets.kymamesh-e2e.knative.dev", // not judged yet: its only object is new
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "feature delivery-timeout: on") && strings.Count(r.Stdout, "feature delivery-timeout") != 1 {
		t.Fatalf("doctor reports delivery-timeout twice:\n%s", r.Stdout)
	}
	// Knative's own kinds with objects have a controller that writes their status.
	mustKM(t, "broker", "create", "b", "-n", ns, "--wait")
	r = mustKM(t, "doctor", "-n", ns)
	if !strings.Contains(r.Stdout, "PASS  controllers: a controller writes the status of ") || !strings.Contains(r.Stdout, "brokers.eventing.knative.dev") {
		t.Fatalf("doctor does not find the Broker's controller:\n%s", r.Stdout)
	}
	time.Sleep(time.Until(made.Add(62 * time.Second)))
	r = mustKM(t, "doctor", "-n", ns)
	if !strings.Contains(r.Stdout, "WARN  controllers: installed, but no controller writes the status of their objects: widgets.kymamesh-e2e.knative.dev (1 object without a status, 1m") {
		t.Fatalf("doctor does not report the CRD without a controller:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stdout, "brokers.eventing.knative.dev (") {
		t.Fatalf("doctor reports the Broker's controller missing:\n%s", r.Stdout)
	}
}

// applyJSON creates or updates an object given as JSON.
func applyJSON(t *testing.T, obj string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(obj); err != nil {
		t.Fatal(err)
	}
	f.Close()
	testbed.MustKubectl(t, "apply", "-f", f.Name())
}

// An update through the plugin's own types keeps what those types lack: a
// field that a newer Knative's schema has (here the Broker CRD's schema is
// given one; the Trigger's spec keeps unknown fields as it is) and another
// tool's annotation. Knative's webhook refuses fields its Go types lack, as a
// newer Knative's webhook would not refuse its own, so the objects live in a
// namespace Knative's webhooks skip (webhooks.knative.dev/exclude).
func TestUpdateKeepsFieldsTheTypesLack(t *testing.T) {
	ns := testbed.Namespace(t)
	testbed.MustKubectl(t, "label", "namespace", ns, "webhooks.knative.dev/exclude=true")
	crd := getJSON(t, "get", "crd", "brokers.eventing.knative.dev")
	versions, _ := field(crd, "spec", "versions").([]any)
	idx := -1
	for i, v := range versions {
		if field(v, "name") == "v1" {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("the Broker CRD has no v1: %v", versions)
	}
	path := fmt.Sprintf("/spec/versions/%d/schema/openAPIV3Schema/properties/spec/properties/kymameshE2EExtra", idx)
	add, _ := json.Marshal([]map[string]any{{"op": "add", "path": path,
		"value": map[string]any{"type": "object", "properties": map[string]any{"note": map[string]any{"type": "string"}}}}})
	testbed.MustKubectl(t, "patch", "crd", "brokers.eventing.knative.dev", "--type", "json", "-p", string(add))
	t.Cleanup(func() {
		testbed.Kubectl(t, "patch", "crd", "brokers.eventing.knative.dev", "--type", "json", "-p", `[{"op":"remove","path":"`+path+`"}]`)
	})

	mustKM(t, "broker", "create", "b", "-n", ns)
	mustKM(t, "trigger", "create", "t", "-n", ns, "--broker", "b", "--sink", "https://t.example/")
	extra := `{"metadata":{"annotations":{"other.tool/note":"kept"}},"spec":{"kymameshE2EExtra":{"note":"kept"}}}`
	// The API server takes the field once the schema is patched (it may take
	// a moment to serve the new schema).
	eventually(t, 30*time.Second, "the Broker to keep spec.kymameshE2EExtra", func() bool {
		testbed.MustKubectl(t, "patch", "brokers.eventing.knative.dev", "b", "-n", ns, "--type", "merge", "-p", extra)
		return field(getJSON(t, "get", "brokers.eventing.knative.dev", "b", "-n", ns), "spec", "kymameshE2EExtra", "note") == "kept"
	})
	testbed.MustKubectl(t, "patch", "triggers.eventing.knative.dev", "t", "-n", ns, "--type", "merge", "-p", extra)

	mustKM(t, "broker", "update", "b", "-n", ns, "--retry", "4")
	mustKM(t, "trigger", "update", "t", "-n", ns, "--sink", "https://u.example/", "--filter", "type=x")
	for _, resource := range []string{"brokers.eventing.knative.dev/b", "triggers.eventing.knative.dev/t"} {
		obj := getJSON(t, "get", resource, "-n", ns)
		if field(obj, "spec", "kymameshE2EExtra", "note") != "kept" {
			t.Errorf("%s: the update dropped spec.kymameshE2EExtra: %v", resource, field(obj, "spec"))
		}
		if field(obj, "metadata", "annotations", "other.tool/note") != "kept" {
			t.Errorf("%s: the update dropped another tool's annotation: %v", resource, field(obj, "metadata", "annotations"))
		}
	}
	b := getJSON(t, "get", "brokers.eventing.knative.dev", "b", "-n", ns)
	if fmt.Sprint(field(b, "spec", "delivery", "retry")) != "4" {
		t.Errorf("broker update did not set the retries: %v", field(b, "spec"))
	}
	tr := getJSON(t, "get", "triggers.eventing.knative.dev", "t", "-n", ns)
	if field(tr, "spec", "subscriber", "uri") != "https://u.example/" || field(tr, "spec", "filter", "attributes", "type") != "x" {
		t.Errorf("trigger update did not make its change: %v", field(tr, "spec"))
	}
}
