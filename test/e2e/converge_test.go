//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// wire makes the cluster match what it wires, as kubectl apply does: a changed
// filter, sink and image are applied and reported configured; an unchanged
// re-run reports unchanged; a Channel deleted by hand is made again; a field
// another tool changed is a conflict naming field and manager until
// --force-conflicts; a SinkBinding sink another tool set to a URL stops wire
// before it applies anything.
func TestWireConverges(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	in := []string{"--to", user, "--integration-namespace", integration}
	wire := func(extra ...string) testbed.Result {
		return km(t, append(append([]string{"wire", "conv"}, in...), extra...)...)
	}
	if r := wire("--trigger", "t", "--filter", "type=a", "--sink", "http://a.example.invalid/"); r.Code != 0 {
		t.Fatal(r)
	}
	r := wire("--trigger", "t", "--filter", "type=b", "--sink", "http://b.example.invalid/", "--image", "example.com/adapter:2")
	if r.Code != 0 || !strings.Contains(r.Stdout, "trigger.eventing.knative.dev/t configured\n") ||
		!strings.Contains(r.Stdout, "deployment.apps/conv-adapter configured\n") || !strings.Contains(r.Stdout, "channel.messaging.knative.dev/conv unchanged\n") {
		t.Fatalf("a changed filter, sink and image should be applied: %s", r)
	}
	trig := getJSON(t, "get", "triggers.eventing.knative.dev", "t", "-n", user)
	if field(trig, "spec", "filter", "attributes", "type") != "b" || field(trig, "spec", "subscriber", "uri") != "http://b.example.invalid/" {
		t.Fatalf("the trigger did not converge: %v", field(trig, "spec"))
	}
	dep := getJSON(t, "get", "deployment", "conv-adapter", "-n", integration)
	if !strings.Contains(testbed.MustKubectl(t, "get", "deployment", "conv-adapter", "-n", integration, "-o", "jsonpath={.spec.template.spec.containers[0].image}"), "example.com/adapter:2") {
		t.Fatalf("the image did not converge: %v", field(dep, "spec", "template"))
	}
	same := []string{"--trigger", "t", "--filter", "type=b", "--sink", "http://b.example.invalid/", "--image", "example.com/adapter:2"}
	if r := wire(same...); r.Code != 0 || strings.Contains(r.Stdout, " configured") || strings.Contains(r.Stdout, " created") {
		t.Fatalf("the same wire again should change nothing: %s", r)
	}

	// A Channel deleted by hand is made again.
	testbed.MustKubectl(t, "delete", "channels.messaging.knative.dev", "conv", "-n", integration, "--wait=true")
	if r := wire(same...); r.Code != 0 || !strings.Contains(r.Stdout, "channel.messaging.knative.dev/conv created\n") {
		t.Fatalf("wire should make the deleted Channel again: %s", r)
	}

	// Another tool repoints the Subscription: a conflict naming field and
	// manager, nothing changed; --force-conflicts takes it back.
	testbed.MustKubectl(t, "patch", "subscriptions.messaging.knative.dev", "conv-to-"+user, "-n", integration, "--type=merge",
		"-p", `{"spec":{"subscriber":{"ref":{"name":"elsewhere"}}}}`)
	// status names the repointed link, and --exit-code fails on it.
	r = km(t, "status", "-n", user, "--integration-namespace", integration, "--exit-code")
	if r.Code != 3 || !strings.Contains(r.Stdout, "subscription "+integration+"/conv-to-"+user+": delivers to broker "+user+"/elsewhere, which does not exist") {
		t.Fatalf("status --exit-code should name the repointed Subscription and exit 3: %s", r)
	}
	r = wire(same...)
	wantExit(t, r, 1, `conflict applying subscription "conv-to-`+user+`"`)
	if !strings.Contains(r.Stderr, `spec.subscriber.ref.name is managed by "kubectl-patch"`) || !strings.Contains(r.Stderr, "--force-conflicts") {
		t.Fatalf("the conflict should name the field and its manager: %s", r)
	}
	if r := wire(append(same, "--force-conflicts")...); r.Code != 0 || !strings.Contains(r.Stdout, "subscription.messaging.knative.dev/conv-to-"+user+" configured\n") {
		t.Fatalf("--force-conflicts should take the subscriber back: %s", r)
	}
	sub := getJSON(t, "get", "subscriptions.messaging.knative.dev", "conv-to-"+user, "-n", integration)
	if field(sub, "spec", "subscriber", "ref", "name") != "default" {
		t.Fatalf("subscriber after --force-conflicts: %v", field(sub, "spec", "subscriber"))
	}
	// Repointed to a URL (as kn subscription update --sink URL does): status
	// says the namespace gets nothing; wire refuses to leave both ways set
	// and --force-conflicts puts the Broker back.
	testbed.MustKubectl(t, "patch", "subscriptions.messaging.knative.dev", "conv-to-"+user, "-n", integration, "--type=merge",
		"-p", `{"spec":{"subscriber":{"ref":null,"uri":"http://elsewhere.example.invalid/"}}}`)
	r = km(t, "status", "-n", user, "--integration-namespace", integration, "--exit-code")
	if r.Code != 3 || !strings.Contains(r.Stdout, "was wired to namespace "+user+" but delivers to http://elsewhere.example.invalid/") {
		t.Fatalf("status --exit-code should name the Subscription repointed to a URL: %s", r)
	}
	wantExit(t, wire(same...), 1, `spec.subscriber.uri (http://elsewhere.example.invalid/) was set by "kubectl-patch"`)
	if r := wire(append(same, "--force-conflicts")...); r.Code != 0 || !strings.Contains(r.Stdout, "subscription.messaging.knative.dev/conv-to-"+user+" configured\n") {
		t.Fatalf("--force-conflicts should put the Broker back: %s", r)
	}
	sub = getJSON(t, "get", "subscriptions.messaging.knative.dev", "conv-to-"+user, "-n", integration)
	if field(sub, "spec", "subscriber", "uri") != nil || field(sub, "spec", "subscriber", "ref", "name") != "default" {
		t.Fatalf("subscriber after the second --force-conflicts: %v", field(sub, "spec", "subscriber"))
	}

	// Another tool sets the SinkBinding's sink to a URL: wire stops before it
	// applies anything, naming field and manager; --force-conflicts replaces it.
	testbed.MustKubectl(t, "patch", "sinkbindings.sources.knative.dev", "conv-adapter", "-n", integration, "--type=merge",
		"-p", `{"spec":{"sink":{"ref":null,"uri":"http://elsewhere.example.invalid/"}}}`)
	r = wire(append(same[:len(same)-1], "example.com/adapter:3")...)
	wantExit(t, r, 1, `spec.sink.uri (http://elsewhere.example.invalid/) was set by "kubectl-patch", where the plugin sets spec.sink.ref`)
	if r.Stdout != "" || !strings.Contains(testbed.MustKubectl(t, "get", "deployment", "conv-adapter", "-n", integration, "-o", "jsonpath={.spec.template.spec.containers[0].image}"), "adapter:2") {
		t.Fatalf("wire applied something before stopping: %s", r)
	}
	if r := wire(append(same, "--force-conflicts")...); r.Code != 0 || !strings.Contains(r.Stdout, "sinkbinding.sources.knative.dev/conv-adapter configured\n") {
		t.Fatalf("--force-conflicts should replace the sink: %s", r)
	}
	sb := getJSON(t, "get", "sinkbindings.sources.knative.dev", "conv-adapter", "-n", integration)
	if field(sb, "spec", "sink", "uri") != nil || field(sb, "spec", "sink", "ref", "name") != "conv" {
		t.Fatalf("sink after --force-conflicts: %v", field(sb, "spec", "sink"))
	}
}
