//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// Issue 21, "does exactly what was asked", on the real API server and Knative.

// --filter with --cesql: Knative ignores spec.filter once spec.filters is set,
// so the exact filter goes into spec.filters and both apply: an event of the
// wrong type is not delivered. The same for trigger update --cesql.
func TestExactAndCESQLFiltersBothApply(t *testing.T) {
	ns := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "enable", "ns", ns, "--wait")
	r := mustKM(t, "trigger", "create", "both", "-n", ns, "--filter", "type=order.created", "--cesql", "source = 'shop'", "--sink", sub.URL, "--wait")
	if r.Stdout != "trigger.eventing.knative.dev/both created\n" || r.Stderr != "" {
		t.Fatalf("create: %s", r)
	}
	mustKM(t, "trigger", "create", "upd", "-n", ns, "--filter", "type=order.updated", "--sink", sub.URL, "--wait")
	if r := mustKM(t, "trigger", "update", "upd", "-n", ns, "--cesql", "source = 'shop'", "--wait"); r.Stderr != "" {
		t.Fatalf("update: %s", r)
	}
	send := func(id, typ, source string) {
		if r := sendKM(t, "--to", "broker:default", "-n", ns, "--via", "direct", "--type", typ, "--source", source, "--id", id); r.Code != 0 {
			t.Fatalf("send %s: %s", id, r)
		}
	}
	send("wrong-type", "order.cancelled", "shop")
	send("wrong-source", "order.created", "elsewhere")
	send("upd-wrong-source", "order.updated", "elsewhere")
	send("match", "order.created", "shop")
	send("upd-match", "order.updated", "shop")
	sub.WaitFor(t, "match", 20*time.Second)
	sub.WaitFor(t, "upd-match", 20*time.Second)
	time.Sleep(time.Second) // the others were sent first on the same path
	for _, id := range []string{"wrong-type", "wrong-source", "upd-wrong-source"} {
		if sub.Has(id) {
			t.Errorf("event %s was delivered although a filter excludes it", id)
		}
	}
}

// enable ns --channel where the Broker exists: refused, nothing created.
func TestEnableChannelOnExistingBroker(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns)
	r := km(t, "enable", "ns", ns, "--channel", "imc")
	wantExit(t, r, 2, "a Broker's config cannot change")
	if !notFound(t, "configmap", "default-kymamesh-channel", "-n", ns) {
		t.Fatal("a refused enable created the channel template ConfigMap")
	}
}

// delete A B C tries every name; a failed --wait still prints what was made.
func TestDeleteEveryNameAndFailedWaitPrints(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns)
	r := km(t, "trigger", "create", "slow", "-n", ns, "--sink", "ksvc:nowhere", "--wait", "--wait-timeout", "3s", "-o", "name")
	if r.Code != 1 || r.Stdout != "trigger.eventing.knative.dev/slow\n" || !strings.Contains(r.Stderr, "is not ready") {
		t.Fatalf("create --wait that fails: %s", r)
	}
	mustKM(t, "trigger", "create", "other", "-n", ns, "--sink", "ksvc:nowhere")
	r = km(t, "trigger", "delete", "slow", "nope", "other", "-n", ns)
	if r.Code != 1 || r.Stdout != "trigger.eventing.knative.dev/slow deleted\ntrigger.eventing.knative.dev/other deleted\n" ||
		!strings.Contains(r.Stderr, `trigger "nope" not found`) {
		t.Fatalf("delete with a missing name: %s", r)
	}
	if !notFound(t, "triggers.eventing.knative.dev", "other", "-n", ns) {
		t.Fatal("the name after the missing one was not deleted")
	}
}
