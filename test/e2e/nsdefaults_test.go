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
