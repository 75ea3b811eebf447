//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestBrokerLifecycle(t *testing.T) {
	ns := testbed.Namespace(t)

	r := mustKM(t, "broker", "create", "orders", "-n", ns, "--retry", "2", "--backoff-delay", "200ms", "--wait")
	if r.Stdout != "broker.eventing.knative.dev/orders created\n" {
		t.Fatalf("create: %s", r)
	}
	// The real webhook defaulted the class; our delivery settings arrived as ISO-8601.
	b := getJSON(t, "get", "brokers.eventing.knative.dev", "orders", "-n", ns)
	if got := field(b, "metadata", "annotations", "eventing.knative.dev/broker.class"); got != "MTChannelBasedBroker" {
		t.Fatalf("class not defaulted: %v", got)
	}
	if got := field(b, "spec", "delivery", "backoffDelay"); got != "PT0.2S" {
		t.Fatalf("backoffDelay: %v", got)
	}

	r = mustKM(t, "broker", "list", "-n", ns)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], "orders") || !strings.Contains(lines[1], "True") ||
		!strings.Contains(lines[1], "http://broker-ingress.knative-eventing.svc.cluster.local/"+ns+"/orders") {
		t.Fatalf("list: %s", r)
	}
	r = mustKM(t, "broker", "list", "-n", ns, "-o", "wide", "--no-headers")
	if strings.HasPrefix(r.Stdout, "NAME") || !strings.Contains(r.Stdout, "MTChannelBasedBroker") {
		t.Fatalf("list -o wide --no-headers: %s", r)
	}
	r = mustKM(t, "broker", "list", "-n", ns, "-o", "json")
	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || list.Kind != "List" || len(list.Items) != 1 || list.Items[0].Kind != "Broker" {
		t.Fatalf("list -o json: %v %s", err, r)
	}
	if r := mustKM(t, "broker", "list", "-A", "-o", "name"); !strings.Contains(r.Stdout, "broker.eventing.knative.dev/orders\n") {
		t.Fatalf("list -A -o name: %s", r)
	}

	r = mustKM(t, "broker", "describe", "orders", "-n", ns)
	for _, want := range []string{"Name:", "orders", "Class:", "MTChannelBasedBroker", "Address:", "/" + ns + "/orders", "Conditions:", "Ready", "True"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("describe lacks %q: %s", want, r)
		}
	}

	r = mustKM(t, "broker", "update", "orders", "-n", ns, "--retry", "5", "--backoff-policy", "exponential", "--wait")
	if r.Stdout != "broker.eventing.knative.dev/orders updated\n" {
		t.Fatalf("update: %s", r)
	}
	b = getJSON(t, "get", "brokers.eventing.knative.dev", "orders", "-n", ns)
	if field(b, "spec", "delivery", "retry") != float64(5) || field(b, "spec", "delivery", "backoffPolicy") != "exponential" ||
		field(b, "spec", "delivery", "backoffDelay") != "PT0.2S" {
		t.Fatalf("update did not merge delivery: %v", field(b, "spec", "delivery"))
	}

	r = mustKM(t, "broker", "delete", "orders", "-n", ns)
	if r.Stdout != "broker.eventing.knative.dev/orders deleted\n" {
		t.Fatalf("delete: %s", r)
	}
	eventually(t, 30*time.Second, "broker to go", func() bool { return notFound(t, "brokers.eventing.knative.dev", "orders", "-n", ns) })

	r = km(t, "broker", "list", "-n", ns)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "No brokers found") {
		t.Fatalf("empty list: %s", r)
	}
}

func TestBrokerDryRunServer(t *testing.T) {
	ns := testbed.Namespace(t)
	r := mustKM(t, "broker", "create", "b1", "-n", ns, "--dry-run=server", "-o", "yaml")
	// The server's answer: defaulted by the real webhook, but not stored.
	if !strings.Contains(r.Stdout, "eventing.knative.dev/broker.class: MTChannelBasedBroker") {
		t.Fatalf("server dry run output not defaulted: %s", r)
	}
	if !notFound(t, "brokers.eventing.knative.dev", "b1", "-n", ns) {
		t.Fatal("server dry run created the broker")
	}
}

func TestBrokerWaitTimeoutShowsConditions(t *testing.T) {
	ns := testbed.Namespace(t)
	// A config that does not exist keeps the broker from becoming Ready.
	r := km(t, "broker", "create", "broken", "-n", ns, "--config", "ConfigMap:missing", "--wait", "--wait-timeout", "5s")
	if r.Code != 1 {
		t.Fatalf("want exit 1, got %s", r)
	}
	if !strings.Contains(r.Stderr, "Conditions:") || !strings.Contains(r.Stderr, `broker "broken" is not ready`) {
		t.Fatalf("want conditions on stderr: %s", r)
	}
}

func TestRestrictedUserIsForbidden(t *testing.T) {
	ns := testbed.Namespace(t)
	r := km(t, "broker", "list", "-n", ns, "--kubeconfig", testbed.RestrictedKubeconfig())
	wantExit(t, r, 1, `forbidden: cannot list brokers in namespace "`+ns+`"`)
	r = km(t, "trigger", "create", "t", "-n", ns, "--sink", "http://127.0.0.1:1/", "--kubeconfig", testbed.RestrictedKubeconfig())
	wantExit(t, r, 1, `forbidden: cannot create trigger "t" in namespace "`+ns+`"`)
}
