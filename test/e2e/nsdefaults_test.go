//go:build e2e

package e2e

import (
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// enable ns writes the namespace's entries in Knative's own defaults, and
// Knative's webhook gives them to Brokers and Channels that others create
// there without saying which: "different persistence per namespace" for
// objects the plugin does not make. Two namespaces enabled at once both keep
// their entries (each write is a read-modify-write retried on conflict), and
// disable ns removes exactly its namespace's.
func TestNamespaceDefaultsReachKnative(t *testing.T) {
	a, b := testbed.Namespace(t), testbed.Namespace(t)
	var wg sync.WaitGroup
	results := make([]testbed.Result, 2)
	for i, ns := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = km(t, "enable", "ns", ns, "--channel", "kafka", "--retry", "4")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || !strings.Contains(r.Stdout, "configmap/config-br-defaults configured (namespaceDefaults.") {
			t.Fatalf("enable %d: %s", i, r)
		}
	}
	cm := getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing")
	value, _ := field(cm, "data", "default-br-config").(string)
	for _, ns := range []string{a, b} {
		if !strings.Contains(value, ns+":") {
			t.Fatalf("config-br-defaults lacks %s's entry after concurrent enables:\n%s", ns, value)
		}
	}

	// A Broker and a Channel someone else makes in the namespace, saying
	// nothing of config or channel kind, get the namespace's defaults.
	applyYAML(t, `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: theirs, namespace: `+a+`}
`)
	br := getJSON(t, "get", "brokers.eventing.knative.dev", "theirs", "-n", a)
	if got := field(br, "spec", "config", "name"); got != "default-kymamesh-channel" {
		t.Fatalf("a Broker made with kubectl got config %v, want the namespace default default-kymamesh-channel: %v", got, br)
	}
	if got := field(br, "spec", "delivery", "retry"); got != float64(4) {
		t.Fatalf("a Broker made with kubectl got delivery.retry %v, want the namespace default 4", got)
	}
	applyYAML(t, `apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: theirs, namespace: `+a+`}
`)
	if got := field(getJSON(t, "get", "channels.messaging.knative.dev", "theirs", "-n", a), "spec", "channelTemplate", "kind"); got != "KafkaChannel" {
		t.Fatalf("a Channel made with kubectl got channel kind %v, want the namespace default KafkaChannel", got)
	}

	r := mustKM(t, "disable", "ns", a)
	if !strings.Contains(r.Stdout, "configmap/config-br-defaults configured (namespaceDefaults."+a+" deleted)\n") {
		t.Fatalf("disable: %s", r)
	}
	value, _ = field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config").(string)
	if strings.Contains(value, a+":") || !strings.Contains(value, b+":") || !strings.Contains(value, "clusterDefault:") {
		t.Fatalf("disable ns %s must remove its entry and only that:\n%s", a, value)
	}
	mustKM(t, "disable", "ns", b)
}

// Where the Knative Operator manages Knative (a KnativeEventing exists),
// enable ns writes the namespace's entries into the KnativeEventing's
// spec.config, which the Operator's CRD holds as a map of ConfigMap name to
// data key to string; the API server checks that form. The test bed runs no
// Operator controller: nothing copies spec.config into the ConfigMaps here,
// which is why the ConfigMap must stay as it was. Two enables at once keep
// both entries (read-modify-write with the resourceVersion, retried on
// conflict); a server dry run writes nothing; disable ns removes exactly its
// entry, and the last one takes out the value the plugin made.
func TestNamespaceDefaultsIntoKnativeEventing(t *testing.T) {
	crd := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
"metadata":{"name":"knativeeventings.operator.knative.dev"},
"spec":{"group":"operator.knative.dev","scope":"Namespaced","names":{"plural":"knativeeventings","singular":"knativeeventing","kind":"KnativeEventing","listKind":"KnativeEventingList","shortNames":["ke"]},
"versions":[{"name":"v1beta1","served":true,"storage":true,"subresources":{"status":{}},
"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
"properties":{"config":{"type":"object","additionalProperties":{"type":"object","additionalProperties":{"type":"string"}}}}},
"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}`
	applyJSON(t, crd)
	t.Cleanup(func() { testbed.Kubectl(t, "delete", "crd", "knativeeventings.operator.knative.dev", "--wait=false") })
	testbed.MustKubectl(t, "wait", "--for", "condition=established", "--timeout=30s", "crd/knativeeventings.operator.knative.dev")
	applyJSON(t, `{"apiVersion":"operator.knative.dev/v1beta1","kind":"KnativeEventing","metadata":{"name":"knative-eventing","namespace":"knative-eventing"},
"spec":{"config":{"features":{"new-apiserversource-filters":"enabled"}}}}`)
	before := field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config")
	config := func() map[string]any {
		c, _ := field(getJSON(t, "get", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing"), "spec", "config").(map[string]any)
		return c
	}

	a, b := testbed.Namespace(t), testbed.Namespace(t)
	r := mustKM(t, "enable", "ns", a, "--channel", "kafka", "--dry-run=server")
	if !strings.Contains(r.Stdout, "knativeeventing.operator.knative.dev/knative-eventing configured (server dry run) (spec.config.config-br-defaults.default-br-config: namespaceDefaults."+a+" created)") {
		t.Fatalf("server dry run: %s", r)
	}
	if c := config(); len(c) != 1 {
		t.Fatalf("a server dry run wrote spec.config: %v", c)
	}
	var wg sync.WaitGroup
	results := make([]testbed.Result, 2)
	for i, ns := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = km(t, "enable", "ns", ns, "--channel", "kafka", "--retry", "4")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Code != 0 || !strings.Contains(r.Stdout, "knativeeventing.operator.knative.dev/knative-eventing configured (spec.config.default-ch-webhook.default-ch-config: namespaceDefaults.") {
			t.Fatalf("enable %d: %s", i, r)
		}
	}
	br, _ := field(config(), "config-br-defaults", "default-br-config").(string)
	ch, _ := field(config(), "default-ch-webhook", "default-ch-config").(string)
	for _, ns := range []string{a, b} {
		if !strings.Contains(br, ns+":") || !strings.Contains(ch, ns+":\n    apiVersion: messaging.knative.dev/v1beta1\n    kind: KafkaChannel") {
			t.Fatalf("spec.config lacks %s's entries after concurrent enables:\n%s\n%s", ns, br, ch)
		}
	}
	if !strings.Contains(br, "clusterDefault:") {
		t.Fatalf("spec.config's value must start from the ConfigMap's (its clusterDefault):\n%s", br)
	}
	if after := field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config"); after != before {
		t.Fatalf("config-br-defaults changed under the Operator's KnativeEventing:\n%v", after)
	}

	r = mustKM(t, "disable", "ns", a)
	if !strings.Contains(r.Stdout, "knativeeventing.operator.knative.dev/knative-eventing configured (spec.config.config-br-defaults.default-br-config: namespaceDefaults."+a+" deleted)\n") {
		t.Fatalf("disable: %s", r)
	}
	br, _ = field(config(), "config-br-defaults", "default-br-config").(string)
	if strings.Contains(br, a+":") || !strings.Contains(br, b+":") {
		t.Fatalf("disable ns %s must remove its entry and only that:\n%s", a, br)
	}
	mustKM(t, "disable", "ns", b)
	if c := config(); len(c) != 1 || c["features"] == nil {
		t.Fatalf("after the last disable spec.config must be as it was: %v", c)
	}
	ke := getJSON(t, "get", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing")
	ann, _ := field(ke, "metadata", "annotations").(map[string]any)
	for k := range ann {
		if strings.HasPrefix(k, "kymamesh.") {
			t.Fatalf("the KnativeEventing keeps the plugin's annotations: %v", ann)
		}
	}
}
