//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestEnableDisableNamespace(t *testing.T) {
	ns := testbed.Namespace(t)

	r := mustKM(t, "enable", "ns", ns, "--channel", "imc", "--injection-label", "--wait", "--wait-timeout", "60s")
	want := "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\nnamespace/" + ns + " configured\n"
	if r.Stdout != want {
		t.Fatalf("enable: want stdout %q, got %q", want, r.Stdout)
	}
	b := getJSON(t, "get", "brokers.eventing.knative.dev", "default", "-n", ns)
	if got := field(b, "spec", "config", "name"); got != "default-kymamesh-channel" {
		t.Fatalf("broker config: got %v", got)
	}
	if got := field(b, "metadata", "annotations", "eventing.knative.dev/broker.class"); got != "MTChannelBasedBroker" {
		t.Fatalf("broker class: got %v", got)
	}
	if got := field(getJSON(t, "get", "namespace", ns), "metadata", "labels", "eventing.knative.dev/injection"); got != "enabled" {
		t.Fatalf("injection label: got %v", got)
	}
	// The broker's trigger channel is the InMemoryChannel the ConfigMap asked for.
	testbed.MustKubectl(t, "get", "inmemorychannels", "-n", ns, "default-kne-trigger")

	// A second run changes nothing and says so.
	r = mustKM(t, "enable", "ns", ns, "--channel", "imc", "--injection-label")
	want = "configmap/default-kymamesh-channel unchanged\nbroker.eventing.knative.dev/default unchanged\nnamespace/" + ns + " unchanged\n"
	if r.Stdout != want {
		t.Fatalf("second enable: want %q, got %q", want, r.Stdout)
	}

	// A Broker the plugin did not create survives disable.
	mustKM(t, "broker", "create", "other", "-n", ns)

	r = mustKM(t, "disable", "ns", ns, "--dry-run=server")
	if !strings.Contains(r.Stdout, "broker.eventing.knative.dev/default deleted (server dry run)\n") || notFound(t, "brokers.eventing.knative.dev", "default", "-n", ns) {
		t.Fatalf("disable --dry-run=server: %s", r)
	}
	r = mustKM(t, "disable", "ns", ns)
	want = "broker.eventing.knative.dev/default deleted\nconfigmap/default-kymamesh-channel deleted\nnamespace/" + ns + " configured\n"
	if r.Stdout != want {
		t.Fatalf("disable: want %q, got %q", want, r.Stdout)
	}
	eventually(t, 30*time.Second, "broker default to go", func() bool { return notFound(t, "brokers.eventing.knative.dev", "default", "-n", ns) })
	if notFound(t, "brokers.eventing.knative.dev", "other", "-n", ns) {
		t.Fatal("disable removed a broker it did not create")
	}
	if got := field(getJSON(t, "get", "namespace", ns), "metadata", "labels", "eventing.knative.dev/injection"); got != nil {
		t.Fatalf("injection label left behind: %v", got)
	}
	r = mustKM(t, "disable", "ns", ns)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "has nothing that 'enable ns' created") {
		t.Fatalf("second disable: %s", r)
	}
}

func TestEnableNamespaceDryRunServerCreatesNothing(t *testing.T) {
	ns := testbed.Namespace(t)
	r := mustKM(t, "enable", "ns", ns, "--dry-run=server")
	if r.Stdout != "broker.eventing.knative.dev/default created (server dry run)\n" {
		t.Fatalf("got %s", r)
	}
	if !notFound(t, "brokers.eventing.knative.dev", "default", "-n", ns) {
		t.Fatal("a server dry run created the broker")
	}
}

func TestEnableMissingNamespace(t *testing.T) {
	r := km(t, "enable", "ns", "no-such-namespace-x")
	wantExit(t, r, 1, `namespace "no-such-namespace-x" not found`)
}

// kube-controller-manager runs in the test bed: deleting a namespace with mesh
// objects in it finishes (Knative's finalizers included) instead of hanging.
func TestNamespaceDeletionCompletes(t *testing.T) {
	ns := "deleted-" + strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000"), ".", ""))
	testbed.MustKubectl(t, "create", "namespace", ns)
	mustKM(t, "enable", "ns", ns, "--wait")
	mustKM(t, "trigger", "create", "t", "-n", ns, "--sink", "http://127.0.0.1:1/", "--wait")
	testbed.MustKubectl(t, "delete", "namespace", ns, "--wait=false")
	eventually(t, 60*time.Second, "namespace "+ns+" to be gone", func() bool { return notFound(t, "namespace", ns) })
}
