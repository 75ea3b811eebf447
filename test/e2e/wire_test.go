//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// The whole Kyma chain, for real: the adapter (run by the test bed's kubelet
// with the K_SINK the SinkBinding webhook injected) → the application's Channel
// → the Subscription → the namespace's Broker → the Trigger → the subscriber.
func TestWireSendUnwire(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	port := freePort(t)

	args := []string{"wire", "shop", "--to", user, "--integration-namespace", integration, "--port", port,
		"--trigger", "created", "--filter", "type=order.created", "--sink", sub.URL, "--wait", "--wait-timeout", "90s"}
	r := mustKM(t, args...)
	for _, want := range []string{"deployment.apps/shop-adapter serverside-applied", "sinkbinding.sources.knative.dev/shop-adapter serverside-applied",
		"broker.eventing.knative.dev/default created", "subscription.messaging.knative.dev/shop-to-" + user + " created",
		"trigger.eventing.knative.dev/created created"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("wire output lacks %q: %s", want, r)
		}
	}
	// The Subscription points at the Broker by reference, not by URL.
	s := getJSON(t, "get", "subscriptions", "shop-to-"+user, "-n", integration)
	if field(s, "spec", "subscriber", "ref", "kind") != "Broker" || field(s, "spec", "subscriber", "uri") != nil {
		t.Fatalf("subscriber: %v", field(s, "spec", "subscriber"))
	}
	// Re-running changes nothing.
	r = mustKM(t, args...)
	if strings.Contains(r.Stdout, " created") || strings.Contains(r.Stdout, "serverside-applied") {
		t.Fatalf("second wire changed something: %s", r)
	}
	r = mustKM(t, "source", "describe", "shop", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "Ready:        True") || !strings.Contains(r.Stdout, "K_SINK=http://shop-kn-channel."+integration) {
		t.Fatalf("source describe: %s", r)
	}

	appURL := "http://shop-adapter." + integration + ".svc.cluster.local/"
	if code := postEvent(t, appURL, "a-1", "order.created"); code != 202 {
		t.Fatalf("adapter answered %d", code)
	}
	if code := postEvent(t, appURL, "a-2", "order.shipped"); code != 202 {
		t.Fatalf("adapter answered %d", code)
	}
	ev := sub.WaitFor(t, "a-1", 20*time.Second)
	if ev.Source != "shop" {
		t.Fatalf("the adapter did not set the source: %+v", ev)
	}
	time.Sleep(time.Second)
	if sub.Has("a-2") {
		t.Fatal("the trigger let a non-matching event through")
	}

	r = mustKM(t, "unwire", "shop", "--from", user, "--integration-namespace", integration)
	for _, want := range []string{"trigger.eventing.knative.dev/created deleted", "subscription.messaging.knative.dev/shop-to-" + user + " deleted",
		"deployment.apps/shop-adapter deleted", "channel.messaging.knative.dev/shop deleted", "broker.eventing.knative.dev/default deleted"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("unwire output lacks %q: %s", want, r)
		}
	}
	eventually(t, 60*time.Second, "unwire to leave nothing behind", func() bool {
		left := testbed.MustKubectl(t, "get", "-n", integration, "-o", "name",
			"deployments,services,serviceaccounts,sinkbindings,channels.messaging.knative.dev,subscriptions,inmemorychannels") +
			testbed.MustKubectl(t, "get", "-n", user, "-o", "name", "brokers,triggers")
		// The namespace's own default ServiceAccount is not ours.
		left = strings.ReplaceAll(left, "serviceaccount/default\n", "")
		return strings.TrimSpace(left) == ""
	})
	r = mustKM(t, "unwire", "shop", "--from", user, "--integration-namespace", integration)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "nothing to unwire") {
		t.Fatalf("second unwire: %s", r)
	}
}

func TestSourceCreateListDelete(t *testing.T) {
	integration := testbed.Namespace(t)
	port := freePort(t)
	r := mustKM(t, "source", "create", "http", "crm", "--integration-namespace", integration, "--port", port, "--channel", "imc", "--wait", "--wait-timeout", "90s")
	if !strings.Contains(r.Stdout, "deployment.apps/crm-adapter serverside-applied") || !strings.Contains(r.Stderr, "is ready") {
		t.Fatalf("source create: %s", r)
	}
	d := getJSON(t, "get", "deployment", "crm-adapter", "-n", integration)
	sc := field(d, "spec", "template", "spec", "containers").([]any)[0]
	if field(sc, "securityContext", "readOnlyRootFilesystem") != true || field(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Fatalf("the adapter is not locked down: %v", sc)
	}
	r = mustKM(t, "source", "list", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "crm") || !strings.Contains(r.Stdout, "True") {
		t.Fatalf("source list: %s", r)
	}
	r = mustKM(t, "source", "delete", "crm", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "sinkbinding.sources.knative.dev/crm-adapter deleted") {
		t.Fatalf("source delete: %s", r)
	}
	r = km(t, "source", "describe", "crm", "--integration-namespace", integration)
	wantExit(t, r, 1, `source "crm" not found`)
}
