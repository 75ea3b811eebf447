//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestTriggerDeliversMatchingEventsOnly(t *testing.T) {
	ns := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "enable", "ns", ns, "--wait")

	r := mustKM(t, "trigger", "create", "orders", "-n", ns, "--filter", "type=order.created", "--sink", sub.URL, "--wait")
	if r.Stdout != "trigger.eventing.knative.dev/orders created\n" {
		t.Fatalf("create: %s", r)
	}
	for id, typ := range map[string]string{"match-1": "order.created", "other-1": "order.cancelled"} {
		if r := sendKM(t, "--to", "broker:default", "-n", ns, "--via", "direct", "--type", typ, "--id", id, "--data", `{"hello":"mesh"}`); r.Code != 0 {
			t.Fatalf("send to the broker: %s", r)
		}
	}
	ev := sub.WaitFor(t, "match-1", 20*time.Second)
	if ev.Type != "order.created" || ev.Body != `{"hello":"mesh"}` {
		t.Fatalf("delivered event: %+v", ev)
	}
	// The non-matching event was sent after the matching one on the same path;
	// give it the same time to arrive before saying it did not.
	time.Sleep(time.Second)
	if sub.Has("other-1") {
		t.Fatal("the filter let a non-matching event through")
	}

	r = mustKM(t, "trigger", "describe", "orders", "-n", ns)
	for _, want := range []string{"Broker:", "default", "Sink:", sub.URL, "Subscriber URI:", "Filter:", "type=order.created", "Ready"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("describe lacks %q: %s", want, r)
		}
	}
	r = mustKM(t, "trigger", "list", "-n", ns, "-o", "wide")
	if !strings.Contains(r.Stdout, "type=order.created") || !strings.Contains(r.Stdout, "True") {
		t.Fatalf("list -o wide: %s", r)
	}
}

func TestTriggerUpdateFilters(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns)
	mustKM(t, "trigger", "create", "t1", "-n", ns, "--filter", "type=a", "--filter", "source=shop", "--sink", "http://127.0.0.1:1/")

	r := mustKM(t, "trigger", "update", "t1", "-n", ns, "--filter", "type-", "--filter", "subject=x")
	if r.Stdout != "trigger.eventing.knative.dev/t1 updated\n" {
		t.Fatalf("update: %s", r)
	}
	attrs := field(getJSON(t, "get", "triggers", "t1", "-n", ns), "spec", "filter", "attributes").(map[string]any)
	if len(attrs) != 2 || attrs["source"] != "shop" || attrs["subject"] != "x" {
		t.Fatalf("attributes after update: %v", attrs)
	}

	// The new dialects go to spec.filters; Knative then ignores spec.filter,
	// so the exact attributes move there too, as an exact filter.
	r = mustKM(t, "trigger", "update", "t1", "-n", ns, "--cesql", "type LIKE 'order.%'")
	if r.Stderr != "" {
		t.Fatalf("update --cesql: %s", r)
	}
	tr := getJSON(t, "get", "triggers", "t1", "-n", ns)
	filters := field(tr, "spec", "filters").([]any)
	if len(filters) != 2 || field(filters[0], "exact", "subject") != "x" || field(filters[1], "cesql") != "type LIKE 'order.%'" || !emptyFilter(field(tr, "spec", "filter")) {
		t.Fatalf("filters: %v, filter %v", filters, field(tr, "spec", "filter"))
	}

	file := filepath.Join(t.TempDir(), "filters.yaml")
	os.WriteFile(file, []byte("- any:\n  - exact: {type: a}\n  - prefix: {source: shop-}\n- not:\n    suffix: {subject: .tmp}\n"), 0o600)
	mustKM(t, "trigger", "update", "t1", "-n", ns, "--filters-file", file)
	filters = field(getJSON(t, "get", "triggers", "t1", "-n", ns), "spec", "filters").([]any)
	if len(filters) != 2 || field(filters[1], "not", "suffix", "subject") != ".tmp" {
		t.Fatalf("filters from file (it replaces spec.filters, the exact filter too): %v", filters)
	}

	// The broker is immutable: refused before any request.
	r = km(t, "trigger", "update", "t1", "-n", ns, "--broker", "other", "--sink", "http://127.0.0.1:2/")
	wantExit(t, r, 2, "the broker of a trigger cannot be changed")
}

func TestTriggerWebhookRejects(t *testing.T) {
	ns := testbed.Namespace(t)
	// Retry-After support is a feature flag that is off by default; the real
	// validating webhook refuses the field, and the message reaches the user.
	r := km(t, "trigger", "create", "t1", "-n", ns, "--sink", "http://127.0.0.1:1/", "--retry-after-max", "5s")
	wantExit(t, r, 1, "admission webhook")
	if !strings.Contains(r.Stderr, "retryAfterMax") {
		t.Fatalf("want the field named: %s", r)
	}
	if !notFound(t, "triggers", "t1", "-n", ns) {
		t.Fatal("a rejected trigger exists")
	}
}

func TestTriggerDeleteCollectsSubscription(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns, "--wait")
	mustKM(t, "trigger", "create", "t1", "-n", ns, "--sink", "http://127.0.0.1:1/", "--wait")
	subs := testbed.MustKubectl(t, "get", "subscriptions", "-n", ns, "-o", "name")
	if !strings.Contains(subs, "default-t1-") {
		t.Fatalf("the trigger's subscription is missing: %q", subs)
	}
	// --wait returns once the trigger is gone, Knative's finalizer done.
	r := mustKM(t, "trigger", "delete", "t1", "-n", ns, "--wait", "--wait-timeout", "60s")
	if r.Stdout != "trigger.eventing.knative.dev/t1 deleted\n" || !notFound(t, "triggers.eventing.knative.dev", "t1", "-n", ns) {
		t.Fatalf("delete --wait: %s", r)
	}
	// kube-controller-manager's garbage collector removes what Knative made for it.
	eventually(t, 30*time.Second, "the trigger's subscription to be collected", func() bool {
		return !strings.Contains(testbed.MustKubectl(t, "get", "subscriptions", "-n", ns, "-o", "name"), "default-t1-")
	})
}

func TestTriggerDryRuns(t *testing.T) {
	ns := testbed.Namespace(t)
	r := mustKM(t, "trigger", "create", "t1", "-n", ns, "--sink", "svc:handler", "--dry-run=client", "-o", "name")
	if r.Stdout != "trigger.eventing.knative.dev/t1\n" {
		t.Fatalf("client dry run: %s", r)
	}
	r = mustKM(t, "trigger", "create", "t1", "-n", ns, "--sink", "svc:handler", "--dry-run=server")
	if r.Stdout != "trigger.eventing.knative.dev/t1 created (server dry run)\n" {
		t.Fatalf("server dry run: %s", r)
	}
	if !notFound(t, "triggers", "t1", "-n", ns) {
		t.Fatal("a dry run created the trigger")
	}
}

// batch on the test bed: the namespace given to batch applies to every line
// that does not name its own, and each line is created as typed alone.
func TestBatchCreatesTriggers(t *testing.T) {
	ns, other := testbed.Namespace(t), testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	lines := "trigger create b1 --sink " + sub.URL + " --filter type=a\n" +
		"trigger create b2 --sink " + sub.URL + "\n" +
		"trigger create b3 --sink " + sub.URL + " -n " + other + "\n"
	r := testbed.Run(t, nil, "sh", "-c", `printf '%s' "$1" | kubectl kymamesh batch -f - -n "$2"`, "sh", lines, ns)
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 ok: trigger.eventing.knative.dev/b1 created") {
		t.Fatalf("batch: %s", r)
	}
	if got := testbed.MustKubectl(t, "get", "triggers.eventing.knative.dev", "-n", ns, "-o", "name"); got != "trigger.eventing.knative.dev/b1\ntrigger.eventing.knative.dev/b2\n" {
		t.Fatalf("in %s: %q", ns, got)
	}
	if got := testbed.MustKubectl(t, "get", "triggers.eventing.knative.dev", "-n", other, "-o", "name"); got != "trigger.eventing.knative.dev/b3\n" {
		t.Fatalf("in %s: %q", other, got)
	}
}

// emptyFilter says whether a Trigger's spec.filter holds no attribute: absent,
// or the empty object Knative's defaulting leaves.
func emptyFilter(f any) bool {
	m, _ := f.(map[string]any)
	attrs, _ := m["attributes"].(map[string]any)
	return len(attrs) == 0
}
