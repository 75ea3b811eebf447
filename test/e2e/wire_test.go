//go:build e2e

package e2e

import (
	"encoding/json"
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

	// What a user types: no port, no proxy; send port-forwards to the adapter's
	// pod through the API server.
	args := []string{"wire", "shop", "--to", user, "--integration-namespace", integration,
		"--trigger", "created", "--filter", "type=order.created", "--sink", sub.URL, "--wait", "--wait-timeout", "90s"}
	r := mustKM(t, args...)
	for _, want := range []string{"deployment.apps/shop-adapter created", "sinkbinding.sources.knative.dev/shop-adapter created",
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
	// A measured load through the whole chain: every event acknowledged by the adapter.
	r = km(t, "send", "--to", "app:shop", "--integration-namespace", integration, "--type", "order.created",
		"--count", "200", "--concurrency", "8", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"acknowledged":200`) {
		t.Fatalf("send --count 200: %s", r)
	}
	// Re-running changes nothing.
	r = mustKM(t, args...)
	if strings.Contains(r.Stdout, " created") || strings.Contains(r.Stdout, " configured") {
		t.Fatalf("second wire changed something: %s", r)
	}
	r = mustKM(t, "source", "describe", "shop", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "Ready:        True") || !strings.Contains(r.Stdout, "K_SINK=http://shop-kn-channel."+integration) {
		t.Fatalf("source describe: %s", r)
	}

	r = km(t, "send", "--to", "app:shop", "--integration-namespace", integration, "-v", "--type", "order.created", "--id", "a-1", "--data", `{"n":1}`)
	if r.Code != 0 || !strings.Contains(r.Stderr, "event a-1 accepted by app:shop (HTTP 202)") ||
		!strings.Contains(r.Stderr, "through a port-forward to pod "+integration+"/shop-adapter-") {
		t.Fatalf("send to the app: %s", r)
	}
	r = km(t, "send", "--to", "app:shop", "--integration-namespace", integration, "--type", "order.shipped", "--id", "a-2", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"id":"a-2"`) || !strings.Contains(r.Stdout, `"ack":true`) {
		t.Fatalf("send -o json: %s", r)
	}
	// Structured mode through the chain, sent to the Service's address
	// (--via direct, through the test bed's proxy as from inside the cluster):
	// the adapter decodes it, replaces the source and keeps the extension and
	// the subject.
	r = sendKM(t, "--to", "app:shop", "--integration-namespace", integration, "--via", "direct", "-v", "--mode", "structured",
		"--type", "order.created", "--id", "s-1", "--subject", "o-9", "--ext", "region=eu", "--data", `{"n":2}`)
	if r.Code != 0 || !strings.Contains(r.Stderr, "sending to http://shop-adapter."+integration+".svc.cluster.local/ directly") {
		t.Fatalf("send --via direct --mode structured: %s", r)
	}
	ev := sub.WaitFor(t, "a-1", 20*time.Second)
	eventually(t, 30*time.Second, "the 200 load events to arrive", func() bool { return len(sub.Events()) >= 202 })
	if ev.Source != "shop" || ev.Body != `{"n":1}` {
		t.Fatalf("the adapter did not set the source: %+v", ev)
	}
	ev = sub.WaitFor(t, "s-1", 20*time.Second)
	if ev.Source != "shop" || ev.Body != `{"n":2}` || ev.Header.Get("Ce-Subject") != "o-9" || ev.Header.Get("Ce-Region") != "eu" {
		t.Fatalf("the structured event arrived as %+v", ev)
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
	// A port of the user's choosing: the adapter listens there, the Service targets it.
	port := "8088"
	r := mustKM(t, "source", "create", "http", "crm", "--integration-namespace", integration, "--port", port, "--channel", "imc", "--wait", "--wait-timeout", "90s")
	if !strings.Contains(r.Stdout, "deployment.apps/crm-adapter created") || !strings.Contains(r.Stderr, "is ready") {
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
	// -A, -l and -o as on every list: the source in JSON, found across namespaces.
	r = mustKM(t, "source", "list", "-A", "-l", "kymamesh.kyma-project.io/application=crm", "-o", "json")
	var sources struct {
		Items []struct {
			App, Namespace string
			Ready          bool
			Objects        []struct{ Kind string }
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &sources); err != nil || len(sources.Items) != 1 || sources.Items[0].Namespace != integration ||
		!sources.Items[0].Ready || len(sources.Items[0].Objects) != 4 {
		t.Fatalf("source list -A -l -o json: %v %s", err, r)
	}
	r = mustKM(t, "source", "describe", "crm", "--integration-namespace", integration, "-o", "yaml")
	if !strings.Contains(r.Stdout, "app: crm\n") || !strings.Contains(r.Stdout, "ready: true\n") {
		t.Fatalf("source describe -o yaml: %s", r)
	}
	// A field someone else set since is a conflict, not silently taken back;
	// --force-conflicts takes it over, as kubectl apply does.
	testbed.MustKubectl(t, "scale", "deployment", "crm-adapter", "-n", integration, "--replicas=2")
	again := []string{"source", "create", "http", "crm", "--integration-namespace", integration, "--port", port, "--channel", "imc"}
	r = km(t, again...)
	wantExit(t, r, 1, `conflict applying deployment "crm-adapter" in namespace "`+integration+`"`)
	if !strings.Contains(r.Stderr, `spec.replicas is managed by "kubectl"`) || !strings.Contains(r.Stderr, "add --force-conflicts to take these fields over") {
		t.Fatalf("the conflict does not name the field and the way out: %s", r)
	}
	mustKM(t, append(again, "--force-conflicts")...)
	if got := field(getJSON(t, "get", "deployment", "crm-adapter", "-n", integration), "spec", "replicas"); got != float64(1) {
		t.Fatalf("--force-conflicts did not take replicas back: %v", got)
	}
	r = mustKM(t, "source", "delete", "crm", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "sinkbinding.sources.knative.dev/crm-adapter deleted") {
		t.Fatalf("source delete: %s", r)
	}
	r = km(t, "source", "describe", "crm", "--integration-namespace", integration)
	wantExit(t, r, 1, `source "crm" not found`)
}

// sendKM runs "kubectl kymamesh send" with the test bed's proxy in the
// environment, the way --via direct reaches in-cluster addresses from outside.
func sendKM(t *testing.T, args ...string) testbed.Result {
	t.Helper()
	proxy := testbed.HTTPProxy()
	return testbed.Run(t, []string{"HTTP_PROXY=" + proxy, "http_proxy=" + proxy, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"},
		"kubectl", append([]string{"kymamesh", "send"}, args...)...)
}
