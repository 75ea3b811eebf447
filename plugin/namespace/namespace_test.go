package namespace_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestEnableDisableCommands(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	f := cmdtest.NewFactory("default", ns)
	cmdtest.Expect(t, f, "enable ns shop --injection-label", 0,
		"broker.eventing.knative.dev/default created\nnamespace/shop configured\n", "")
	cmdtest.Expect(t, f, "enable ns shop --injection-label", 0,
		"broker.eventing.knative.dev/default unchanged\nnamespace/shop unchanged\n", "")
	cmdtest.Expect(t, f, "enable ns shop --broker other -o name", 0, "broker.eventing.knative.dev/other\n", "")
	// (The fake clientset ignores server dry runs; e2e tests cover those.)
	cmdtest.Expect(t, f, "disable ns shop --dry-run=client", 0,
		"broker.eventing.knative.dev/default deleted (dry run)\nbroker.eventing.knative.dev/other deleted (dry run)\nnamespace/shop configured (dry run)\n", "")
	cmdtest.Expect(t, f, "disable ns shop", 0,
		"broker.eventing.knative.dev/default deleted\nbroker.eventing.knative.dev/other deleted\nnamespace/shop configured\n", "")
	cmdtest.Expect(t, f, "disable ns shop", 0, "", "namespace \"shop\" has nothing that 'enable ns' created\n")
	// A missing namespace: one line that says how to make it, and nothing created.
	cmdtest.Expect(t, f, "enable ns nowhere", 1, "",
		`error: namespace "nowhere" does not exist: create it with 'kubectl create namespace nowhere', or add --create-namespace`+"\n")
	if l, _ := f.EventingClient().Brokers("nowhere").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a Broker was created in a missing namespace: %v", l.Items)
	}
	cmdtest.Expect(t, f, "enable ns nowhere --create-namespace", 0, "namespace/nowhere created\nbroker.eventing.knative.dev/default created\n", "")
	made, err := f.CoreClient().Namespaces().Get(t.Context(), "nowhere", metav1.GetOptions{})
	if err != nil || made.Labels["kymamesh.kyma-project.io/created-by"] != "kubectl-kymamesh" {
		t.Fatalf("the created namespace is not marked as the plugin's: %v %v", err, made)
	}
	// A client dry run shows the namespace change --injection-label would make.
	cmdtest.Expect(t, f, "enable ns other --injection-label --dry-run=client -o name", 0,
		"broker.eventing.knative.dev/default\nnamespace/other\n", "")
	r := cmdtest.Run(t.Context(), f, "", "enable", "ns", "other", "--injection-label", "--dry-run=client", "-o", "yaml")
	if !strings.Contains(r.Stdout, "eventing.knative.dev/injection: enabled") || r.Code != 0 {
		t.Fatalf("enable --injection-label --dry-run=client -o yaml lacks the namespace's label: %+v", r)
	}
}

// "enable ns --channel" where the Broker exists without that channel
// template is refused before anything is created: a Broker's config cannot
// change, so a ConfigMap would be made that nothing uses. Re-running the same
// enable stays idempotent.
func TestEnableChannelOnExistingBrokerIsRefused(t *testing.T) {
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	cmdtest.Expect(t, f, "enable ns shop", 0, "broker.eventing.knative.dev/default created\n", "")
	cmdtest.Expect(t, f, "enable ns shop --channel imc", 2, "",
		`error: --channel: broker "default" in namespace "shop" exists without a channel template from --channel, and a Broker's config cannot change; `+
			`run 'kubectl kymamesh disable ns shop' then 'kubectl kymamesh enable ns shop --channel imc', or give a new Broker name with --broker`+"\n")
	if l, _ := f.CoreClient().ConfigMaps("shop").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a refused enable created %d ConfigMaps", len(l.Items))
	}
	cmdtest.Expect(t, f, "enable ns shop --channel imc --broker b2 --namespace-defaults=false", 0, "configmap/b2-kymamesh-channel created\nbroker.eventing.knative.dev/b2 created\n", "")
	cmdtest.Expect(t, f, "enable ns shop --channel imc --broker b2 --namespace-defaults=false", 0, "configmap/b2-kymamesh-channel unchanged\nbroker.eventing.knative.dev/b2 unchanged\n", "")
}

// A Broker enable did not make is not removed by "disable ns": the message
// names the command that removes it.
func TestEnableChannelOnOthersBrokerNamesBrokerDelete(t *testing.T) {
	f := cmdtest.NewFactory("shop", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	cmdtest.Expect(t, f, "broker create default", 0, "broker.eventing.knative.dev/default created\n", "")
	cmdtest.Expect(t, f, "enable ns shop --channel imc", 2, "",
		`error: --channel: broker "default" in namespace "shop" exists without a channel template from --channel, and a Broker's config cannot change; `+
			`run 'kubectl kymamesh broker delete default -n shop' then 'kubectl kymamesh enable ns shop --channel imc', or give a new Broker name with --broker`+"\n")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "enable ns shop --channel imc --dry-run=client", 0,
		"configmap/default-kymamesh-channel created (dry run)\nbroker.eventing.knative.dev/default created (dry run)\n"+
			"configmap/config-br-defaults would be configured (dry run): namespaceDefaults.shop (or, under the Knative Operator, its KnativeEventing's spec.config)\nconfigmap/default-ch-webhook would be configured (dry run): namespaceDefaults.shop (or, under the Knative Operator, its KnativeEventing's spec.config)\n", "")
}
