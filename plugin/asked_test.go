package plugin_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Tests that a command does exactly what was asked (issue 21).

// "<noun> delete A B C" tries every name, as kubectl delete does: each one
// deleted is printed, each error reported, and the exit code is 1 if any failed.
func TestDeleteTriesEveryName(t *testing.T) {
	tr := func(name string) *knapi.Trigger {
		return &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "demo"}, Spec: knapi.TriggerSpec{Broker: "default"}}
	}
	f := cmdtest.NewFactory("demo", tr("a"), tr("c"))
	cmdtest.Expect(t, f, "trigger delete a nope c gone", 1,
		"trigger.eventing.knative.dev/a deleted\ntrigger.eventing.knative.dev/c deleted\n",
		`error: trigger "nope" not found in namespace "demo": triggers.eventing.knative.dev "nope" not found`+"\n"+
			`error: trigger "gone" not found in namespace "demo": triggers.eventing.knative.dev "gone" not found`+"\n")
	if l, _ := f.EventingClient().Triggers("demo").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("%d triggers left", len(l.Items))
	}
}

// A failed --wait still says what was created, on stdout, before the wait's
// failure: a script with -o name learns the object exists.
func TestFailedWaitPrintsWhatWasMade(t *testing.T) {
	f := cmdtest.NewFactory("demo", &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "demo"}})
	r := cmdtest.Run(t.Context(), f, "", "trigger", "create", "t1", "--sink", "ksvc:h", "--wait", "--wait-timeout", "50ms", "-o", "name")
	if r.Code != 1 || r.Stdout != "trigger.eventing.knative.dev/t1\n" ||
		!strings.HasSuffix(r.Stderr, "error: trigger \"t1\" is not ready after 50ms: it has no conditions: no Knative controller has acted on it; 'kubectl kymamesh doctor' checks the installation\n") {
		t.Fatalf("create --wait that times out: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = cmdtest.Run(t.Context(), f, "", "trigger", "update", "t1", "--sink", "ksvc:h2", "--wait", "--wait-timeout", "50ms")
	if r.Code != 1 || r.Stdout != "trigger.eventing.knative.dev/t1 updated\n" {
		t.Fatalf("update --wait that times out: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	// Formats that show the object's state print it as the wait last read it.
	r = cmdtest.Run(t.Context(), f, "", "broker", "create", "b1", "--wait", "--wait-timeout", "50ms", "-o", "jsonpath={.metadata.name}")
	if r.Code != 1 || r.Stdout != "b1" {
		t.Fatalf("broker create --wait -o jsonpath that times out: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
}

// Every --cesql is kept (each its own entry of spec.filters, which Knative
// ANDs), and --filter given with spec.filters goes into spec.filters as an
// exact filter, where Knative reads it: the same in every command that builds
// a Trigger.
func TestTriggerFiltersAreAllKept(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	cmdtest.Expect(t, f, "trigger|create|t1|--sink|ksvc:h|--cesql|type = 'a'|--cesql|source = 'b'|--dry-run=client|-o|jsonpath={.spec.filters}", 0,
		`[{"cesql":"type = 'a'"},{"cesql":"source = 'b'"}]`, "")
	cmdtest.Expect(t, f, "trigger|create|t1|--sink|ksvc:h|--filter|type=a|--filter-prefix|source=shop|--cesql|subject = 'x'|--dry-run=client|-o|jsonpath={.spec}", 0,
		`{"broker":"default","filters":[{"exact":{"type":"a"}},{"prefix":{"source":"shop"}},{"cesql":"subject = 'x'"}],`+
			`"subscriber":{"ref":{"apiVersion":"serving.knative.dev/v1","kind":"Service","name":"h","namespace":"demo"}}}`, "")
	cmdtest.Expect(t, f, `wire|commerce|--to|shop|--trigger|orders|--sink|ksvc:h|--filter|type=a|--cesql|source = 'x'|--cesql|subject = 'y'|--dry-run=client|-o|jsonpath={.items[?(@.kind=="Trigger")].spec.filter}{.items[?(@.kind=="Trigger")].spec.filters}`, 0,
		`[{"exact":{"type":"a"}},{"cesql":"source = 'x'"},{"cesql":"subject = 'y'"}]`, "")
}
