package plugin_test

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// clientDryRuns runs every command that takes --dry-run as a client dry run,
// on objects that exist (so that deletes and updates find what they would
// change): "NAMESPACE|ARGS".
var clientDryRuns = map[string]string{
	"broker create":       "shop|broker create b2",
	"broker delete":       "shop|broker delete default",
	"broker migrate":      "shop|broker migrate default --config cm:other",
	"broker update":       "shop|broker update default --retry 3",
	"channel create":      "kyma-integration|channel create c2",
	"channel delete":      "kyma-integration|channel delete shop",
	"deadletter disable":  "shop|deadletter disable",
	"deadletter enable":   "shop|deadletter enable --broker default",
	"disable ns":          "shop|disable ns shop",
	"enable ns":           "shop|enable ns shop2 --create-namespace",
	"policy allow":        "shop|policy allow shop --to shop",
	"policy delete":       "shop|policy delete shop-to-default",
	"send":                "shop|send --to broker:default --type t",
	"source create http":  "shop|source create http other",
	"source delete":       "shop|source delete shop --delete-in-use",
	"source expose":       "shop|source expose shop --host shop.example.com --ingress-class web --integration-namespace kyma-integration",
	"source unexpose":     "shop|source unexpose shop --integration-namespace kyma-integration",
	"source token create": "shop|source token create shop",
	"source token rotate": "shop|source token rotate shop",
	"source token revoke": "shop|source token revoke shop --all",
	"source update http":  "kyma-integration|source update http shop --autoscale 2:5 --integration-namespace kyma-integration",
	"subscription create": "kyma-integration|subscription create s2 --channel shop --sink broker:default:shop",
	"subscription delete": "kyma-integration|subscription delete shop-to-shop",
	"subscription update": "kyma-integration|subscription update shop-to-shop --sink broker:other:shop",
	"trigger create":      "shop|trigger create t2 --sink svc:x",
	"trigger delete":      "shop|trigger delete t1",
	"trigger update":      "shop|trigger update t1 --filter type=b",
	"unwire":              "shop|unwire shop --from shop --delete-in-use",
	"wire":                "shop|wire shop --to shop2 --create-namespace",
}

// A client dry run writes nothing, whatever the command: each one, run on a
// wired mesh, sends no create, update, patch or delete (the fake records every
// request), and every command with --dry-run is in the list.
func TestEveryClientDryRunWritesNothing(t *testing.T) {
	// What wire makes (the fake cannot server-side apply), then a Trigger.
	objs, err := wiring.BuildWire(wiring.WireSpec{Source: wiring.HTTPSourceSpec{App: "shop", Namespace: "kyma-integration", Port: 8080, Image: "example.com/adapter:1"}, To: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		// made by the plugin, as wire makes it: unwire would delete it
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kyma-integration",
			Labels: map[string]string{wiring.ManagedByLabel: wiring.ManagedByValue, wiring.CreatedByLabel: "kubectl-kymamesh"}}},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "web"}})
	f := cmdtest.NewFactory("shop", objs...)
	f.ServeApply()
	for _, args := range []string{
		"trigger create t1 --sink svc:x --filter type=a",
		"policy allow shop --to shop",
		"deadletter enable",
		"source token create shop",
		"source expose shop --host shop.example.com --ingress-class web",
	} {
		if r := cmdtest.Run(t.Context(), f, "", strings.Fields(args)...); r.Code != 0 {
			t.Fatalf("setting up with %q: %+v", args, r)
		}
	}
	root := plugin.NewCmdRootWithFactory(f, genericiooptions.NewTestIOStreamsDiscard(), nil)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		// replay's --dry-run is the store's own (a bool: nothing is sent), not kubectl's
		if fl := c.Flags().Lookup("dry-run"); fl != nil && fl.Value.Type() != "bool" {
			path := strings.TrimPrefix(c.CommandPath(), "kubectl kymamesh ")
			if _, ok := clientDryRuns[path]; !ok {
				t.Errorf("%q takes --dry-run but has no client dry run in this test", path)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for name, args := range clientDryRuns {
		ns, args, _ := strings.Cut(args, "|")
		f.NS = ns
		f.Dyn.ClearActions()
		r := cmdtest.Run(t.Context(), f, "", append(strings.Fields(args), "--dry-run=client")...)
		if r.Code != 0 {
			t.Errorf("%s --dry-run=client: exit %d, stdout %q, stderr %q", name, r.Code, r.Stdout, r.Stderr)
		}
		for _, a := range f.Dyn.Actions() {
			switch a.GetVerb() {
			case "get", "list", "watch":
			default:
				t.Errorf("%s --dry-run=client sent %s %s", name, a.GetVerb(), a.GetResource().Resource)
			}
		}
		// Every command that changes objects takes -o name, as kubectl's do:
		// one resource/name line per object, no operation.
		r = cmdtest.Run(t.Context(), f, "", append(strings.Fields(args), "--dry-run=client", "-o", "name")...)
		if name == "send" || name == "broker migrate" {
			continue // sends an event, not an object; prints a plan, not objects
		}
		if r.Code != 0 || r.Stdout == "" && !strings.Contains(r.Stderr, " kept ") || strings.Contains(r.Stdout, " ") {
			t.Errorf("%s --dry-run=client -o name: exit %d, stdout %q, stderr %q", name, r.Code, r.Stdout, r.Stderr)
		}
	}
}

// A client dry run's output applies whole with kubectl apply -f -: the
// namespaces it would create come first, unmarked (applied over an existing
// namespace they must not make it look like the plugin's).
func TestClientDryRunListsTheNamespacesItWouldCreate(t *testing.T) {
	f := cmdtest.NewFactory("default")
	f.NoCluster = true
	cmdtest.Expect(t, f, "enable ns shop --create-namespace --dry-run=client -o name", 0,
		"namespace/shop\nbroker.eventing.knative.dev/default\n", "")
	cmdtest.Expect(t, f, "wire shop --to orders --create-namespace --dry-run=client -o name", 0,
		"namespace/orders\nnamespace/kyma-integration\nserviceaccount/shop-adapter\nchannel.messaging.knative.dev/shop\n"+
			"deployment.apps/shop-adapter\nservice/shop-adapter\nsinkbinding.sources.knative.dev/shop-adapter\n"+
			"broker.eventing.knative.dev/default\nsubscription.messaging.knative.dev/shop-to-orders\n", "")
	cmdtest.Expect(t, f, "source create http shop --dry-run=client -o name", 0,
		"namespace/kyma-integration\nserviceaccount/shop-adapter\nchannel.messaging.knative.dev/shop\n"+
			"deployment.apps/shop-adapter\nservice/shop-adapter\nsinkbinding.sources.knative.dev/shop-adapter\n", "")
	r := cmdtest.Run(t.Context(), f, "", "wire", "shop", "--to", "orders", "--dry-run=client", "-o", "yaml")
	if r.Code != 0 || strings.Contains(r.Stdout, "created-by: kubectl-kymamesh") {
		t.Fatalf("the dry run's namespaces must carry no mark of the plugin's: %+v", r)
	}
}
