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
	want := "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\nnamespace/" + ns + " configured\n" +
		"configmap/config-br-defaults configured (namespaceDefaults." + ns + " created)\nconfigmap/default-ch-webhook configured (namespaceDefaults." + ns + " created)\n"
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
	// The broker's trigger channel is the InMemoryChannel the ConfigMap asked for,
	// and status says so: the namespace's persistence and where it comes from.
	testbed.MustKubectl(t, "get", "inmemorychannels", "-n", ns, "default-kne-trigger")
	eventually(t, 30*time.Second, "status to show the Broker's persistence", func() bool {
		return strings.Contains(km(t, "status", "-n", ns).Stdout, "broker default  ok  MTChannelBasedBroker, InMemoryChannel (configmap "+ns+"/default-kymamesh-channel, the namespace's default)\n")
	})

	// A second run changes nothing and says so.
	r = mustKM(t, "enable", "ns", ns, "--channel", "imc", "--injection-label")
	want = "configmap/default-kymamesh-channel unchanged\nbroker.eventing.knative.dev/default unchanged\nnamespace/" + ns + " unchanged\n" +
		"configmap/config-br-defaults unchanged (namespaceDefaults." + ns + ")\nconfigmap/default-ch-webhook unchanged (namespaceDefaults." + ns + ")\n"
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
	// Knative gave "other" the namespace's default config, which is the
	// template enable made: it stays while "other" uses it.
	want = "broker.eventing.knative.dev/default deleted\nconfigmap/default-kymamesh-channel kept: the channel template of broker other\n" +
		"configmap/config-br-defaults configured (namespaceDefaults." + ns + " deleted)\nconfigmap/default-ch-webhook configured (namespaceDefaults." + ns + " deleted)\n" +
		"namespace/" + ns + " configured\n"
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
	// Once "other" is gone, the template goes too; then nothing is left.
	r = mustKM(t, "disable", "ns", ns)
	if r.Stdout != "configmap/default-kymamesh-channel kept: the channel template of broker other\n" {
		t.Fatalf("second disable, other still there: %s", r)
	}
	mustKM(t, "broker", "delete", "other", "-n", ns, "--wait")
	if r = mustKM(t, "disable", "ns", ns); r.Stdout != "configmap/default-kymamesh-channel deleted\n" {
		t.Fatalf("disable after other went: %s", r)
	}
	r = mustKM(t, "disable", "ns", ns)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "has nothing that 'enable ns' created") {
		t.Fatalf("last disable: %s", r)
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
	wantExit(t, r, 1, `namespace "no-such-namespace-x" does not exist: create it with 'kubectl create namespace no-such-namespace-x', or add --create-namespace`)
	ns := missingNamespace(t, "enable")
	r = mustKM(t, "enable", "ns", ns, "--create-namespace", "--wait")
	if r.Stdout != "namespace/"+ns+" created\nbroker.eventing.knative.dev/default created\n" {
		t.Fatalf("enable --create-namespace: %s", r)
	}
}

// missingNamespace names a namespace that does not exist yet, and deletes it
// after the test if something made it.
func missingNamespace(t *testing.T, prefix string) string {
	ns := prefix + "-" + strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
	t.Cleanup(func() {
		if t.Failed() {
			testbed.Dump(t, ns)
		}
		testbed.Kubectl(t, "delete", "namespace", ns, "--wait=false", "--ignore-not-found")
	})
	return ns
}

// On a fresh cluster neither namespace exists: wire refuses a missing user
// namespace before creating anything, creates it with --create-namespace, and
// creates the integration namespace (it belongs to the plugin), which unwire
// removes again once nothing is left in it.
func TestWireIntoNamespacesThatDoNotExist(t *testing.T) {
	integration, user := missingNamespace(t, "integ"), missingNamespace(t, "user")
	args := []string{"wire", "shop", "--to", user, "--integration-namespace", integration}
	r := km(t, args...)
	wantExit(t, r, 1, `namespace "`+user+`" does not exist: create it with 'kubectl create namespace `+user+`', or add --create-namespace`)
	if !notFound(t, "namespace", integration) {
		t.Fatalf("a refused wire created the integration namespace")
	}
	r = mustKM(t, append(args, "--create-namespace", "--wait", "--wait-timeout", "90s")...)
	for _, want := range []string{"namespace/" + user + " created\n", "namespace/" + integration + " created\n", "deployment.apps/shop-adapter created\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("wire output lacks %q: %s", want, r)
		}
	}
	ns := getJSON(t, "get", "namespace", integration)
	if field(ns, "metadata", "labels", "kymamesh.kyma-project.io/created-by") != "kubectl-kymamesh" {
		t.Fatalf("the integration namespace is not marked as the plugin's: %v", field(ns, "metadata", "labels"))
	}
	// A second application keeps the namespace alive when the first is unwired.
	mustKM(t, "source", "create", "http", "other", "--integration-namespace", integration)
	r = mustKM(t, "unwire", "shop", "--from", user, "--integration-namespace", integration)
	if strings.Contains(r.Stdout, "namespace/"+integration+" deleted") ||
		!strings.Contains(r.Stdout, "namespace/"+integration+" kept: it still holds channel.messaging.knative.dev/other, deployment.apps/other-adapter") {
		t.Fatalf("unwire should keep an integration namespace still in use, and say why: %s", r)
	}
	// The last source out (source delete, as unwire) takes the plugin's namespace with it.
	r = mustKM(t, "source", "delete", "other", "--integration-namespace", integration)
	if !strings.HasSuffix(r.Stdout, "namespace/"+integration+" deleted\n") {
		t.Fatalf("source delete of the last source kept the plugin's empty integration namespace: %s", r)
	}
	eventually(t, 60*time.Second, "namespace "+integration+" to be gone", func() bool { return notFound(t, "namespace", integration) })
	// Wired again and unwired: it is made again, is the last thing there, and goes.
	mustKM(t, args...)
	r = mustKM(t, "unwire", "shop", "--from", user, "--integration-namespace", integration)
	if !strings.HasSuffix(r.Stdout, "namespace/"+integration+" deleted\n") {
		t.Fatalf("unwire kept the plugin's empty integration namespace: %s", r)
	}
	eventually(t, 60*time.Second, "namespace "+integration+" to be gone", func() bool { return notFound(t, "namespace", integration) })
	// The user namespace was the user's to ask for: unwire leaves it.
	testbed.MustKubectl(t, "get", "namespace", user)
}

// source create http makes a missing integration namespace too.
func TestSourceCreateMakesTheIntegrationNamespace(t *testing.T) {
	integration := missingNamespace(t, "src")
	r := mustKM(t, "source", "create", "http", "shop", "--integration-namespace", integration)
	if !strings.HasPrefix(r.Stdout, "namespace/"+integration+" created\nserviceaccount/shop-adapter created\n") {
		t.Fatalf("source create: %s", r)
	}
	r = km(t, "source", "create", "http", "shop2", "--integration-namespace", missingNamespace(t, "srv"), "--dry-run=server")
	wantExit(t, r, 1, "a server dry run cannot check objects in a namespace it does not create")
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
