package plugin_test

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Tests that a message names the real cause and the fix (issue 21,
// "messages that mislead").

// A mistyped command, at any depth, gets cobra's "did you mean", on the one
// error line; a word close to nothing gets none.
func TestMistypedCommandSuggests(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	for args, msg := range map[string]string{
		"tirgger":                `unknown command "tirgger" for "kubectl kymamesh"; did you mean "trigger"? (see 'kubectl kymamesh -h')`,
		"trigger craete t":       `unknown command "craete" for "kubectl kymamesh trigger"; did you mean "create"? (see 'kubectl kymamesh trigger -h')`,
		"source create htp app":  `unknown command "htp" for "kubectl kymamesh source create"; did you mean "http"? (see 'kubectl kymamesh source create -h')`,
		"enable nss shop":        `unknown command "nss" for "kubectl kymamesh enable"; did you mean "ns"? (see 'kubectl kymamesh enable -h')`,
		"nope":                   `unknown command "nope" for "kubectl kymamesh" (see 'kubectl kymamesh -h')`,
		"subscription delet s":   `unknown command "delet" for "kubectl kymamesh subscription"; did you mean "delete"? (see 'kubectl kymamesh subscription -h')`,
		"policy alow app --to x": `unknown command "alow" for "kubectl kymamesh policy"; did you mean "allow"? (see 'kubectl kymamesh policy -h')`,
	} {
		cmdtest.Expect(t, f, args, 2, "", "error: "+msg+"\n")
	}
	// A group's own bad flag stays a flag error.
	cmdtest.Expect(t, f, "policy --bogus", 2, "", "error: unknown flag: --bogus (see 'kubectl kymamesh policy -h')\n")
}

// A URL sink without its colon (http//host) or with one slash is not taken
// for a Knative Service name: the message shows the URL meant.
func TestURLSinkTypoSuggests(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "trigger create t --sink http//order-handler.shop/in --dry-run=client", 2, "",
		`error: --sink: "http//order-handler.shop/in": did you mean "http://order-handler.shop/in"?`+"\n")
	cmdtest.Expect(t, f, "subscription create s --channel c --sink https:/h.example --dry-run=client", 2, "",
		`error: --sink: "https:/h.example": did you mean "https://h.example"?`+"\n")
	cmdtest.Expect(t, f, "send --to http//h:8080 --type t --dry-run=client", 2, "",
		`error: --to: "http//h:8080": did you mean "http://h:8080"?`+"\n")
}

// notServed is the API server's answer for a resource type it does not serve.
var notServed = &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 404,
	Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"}}

// A sink or target whose API is missing names the product that serves it: a
// ksvc: on a cluster without Knative Serving is not "Knative Eventing is not
// installed".
func TestMissingAPINamesItsProduct(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.Dyn.PrependReactor("get", "services", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, notServed })
	cmdtest.Expect(t, f, "send --to ksvc:handler --type t", 1, "",
		"error: Knative Serving is not installed (serving.knative.dev/v1 not found)\n")
	f = cmdtest.NewFactory("demo")
	f.Dyn.PrependReactor("list", "sinkbindings", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, notServed })
	cmdtest.Expect(t, f, "source list", 1, "",
		"error: Knative Eventing's sources API is not installed (sources.knative.dev/v1 not found)\n")
	f = cmdtest.NewFactory("demo")
	f.Dyn.PrependReactor("create", "triggers", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, notServed })
	cmdtest.Expect(t, f, "trigger create t --sink ksvc:h", 1, "",
		"error: Knative Eventing is not installed (eventing.knative.dev/v1 not found)\n")
}

// A create in a namespace that does not exist says so and how to make it,
// not "trigger not found" (the API server answers NotFound for the namespace).
func TestCreateInMissingNamespaceNamesIt(t *testing.T) {
	f := cmdtest.NewFactory("nope")
	missing := func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "nope")
	}
	for _, r := range []string{"triggers", "brokers", "channels", "subscriptions"} {
		f.Dyn.PrependReactor("create", r, missing)
	}
	const want = "error: namespace \"nope\" does not exist: create it with 'kubectl create namespace nope'\n"
	cmdtest.Expect(t, f, "trigger create t --sink ksvc:h", 1, "", want)
	cmdtest.Expect(t, f, "broker create b", 1, "", want)
	cmdtest.Expect(t, f, "channel create c", 1, "", want)
	cmdtest.Expect(t, f, "subscription create s --channel c --sink ksvc:h", 1, "", want)
	// A missing object is still "not found".
	cmdtest.Expect(t, f, "trigger describe t", 1, "", `error: trigger "t" not found in namespace "nope": triggers.eventing.knative.dev "t" not found`+"\n")
}

// A wait that fails because what the object waits on does not exist names
// that object and how to make it, instead of blaming the Knative controller
// (Knative leaves a Trigger of a missing Broker without any condition).
func TestWaitNamesTheMissingParent(t *testing.T) {
	f := cmdtest.NewFactory("demo", &knapi.Channel{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "demo"}})
	cmdtest.Expect(t, f, "trigger create t --broker missing --sink ksvc:h --wait --wait-timeout 50ms", 1, "trigger.eventing.knative.dev/t created\n",
		`error: trigger "t" is not ready after 50ms: broker "missing" does not exist in namespace "demo": create it with 'kubectl kymamesh enable ns demo --broker missing'`+"\n")
	cmdtest.Expect(t, f, "trigger create t2 --sink ksvc:h --wait --wait-timeout 50ms", 1, "trigger.eventing.knative.dev/t2 created\n",
		`error: trigger "t2" is not ready after 50ms: broker "default" does not exist in namespace "demo": create it with 'kubectl kymamesh enable ns demo'`+"\n")
	cmdtest.Expect(t, f, "subscription create s --channel c --sink broker:missing --wait --wait-timeout 50ms", 1, "subscription.messaging.knative.dev/s created\n",
		`error: subscription "s" is not ready after 50ms: broker "missing" does not exist in namespace "demo": create it with 'kubectl kymamesh enable ns demo --broker missing'`+"\n")
	cmdtest.Expect(t, f, "subscription create s2 --channel imc:gone --sink ksvc:h --wait --wait-timeout 50ms", 1, "subscription.messaging.knative.dev/s2 created\n",
		`error: subscription "s2" is not ready after 50ms: channel "gone" does not exist in namespace "demo": create it with 'kubectl kymamesh channel create gone -n demo --type imc'`+"\n")
	// With everything there, the controller is what is left to blame, and doctor checks it.
	cmdtest.Expect(t, f, "subscription create s3 --channel c --sink ksvc:h --wait --wait-timeout 50ms", 1, "subscription.messaging.knative.dev/s3 created\n",
		`error: subscription "s3" is not ready after 50ms: it has no conditions: no Knative controller has acted on it; 'kubectl kymamesh doctor' checks the installation`+"\n")
}
