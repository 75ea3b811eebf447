//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// --retry-after-max on a cluster where Knative's delivery-retryafter feature
// is off (its default): the real webhook refuses it, and the user reads which
// feature and how to turn it on; doctor reports the delivery features read
// from config-features; with the feature on, the same create is taken and
// doctor says so (issue 21).
func TestRetryAfterMaxNamesItsFeatureFlag(t *testing.T) {
	ns := testbed.Namespace(t)
	r := mustKM(t, "doctor", "-n", ns)
	for _, want := range []string{
		"WARN  feature delivery-retryafter: off: Knative refuses --retry-after-max (delivery.retryAfterMax)",
		"fix: set delivery-retryafter: enabled in config-features (knative-eventing) to use it",
		"PASS  feature delivery-timeout: on: Knative takes --delivery-timeout",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = km(t, "broker", "create", "b", "-n", ns, "--retry-after-max", "PT5S")
	wantExit(t, r, 1, `cannot create broker "b" in namespace "`+ns+`": --retry-after-max needs Knative's feature delivery-retryafter, which is off; `+
		`turn it on with: kubectl -n knative-eventing patch configmap config-features -p '{"data":{"delivery-retryafter":"enabled"}}', or leave out --retry-after-max (`)

	// The command the message gives, as a cluster admin would run it.
	t.Cleanup(func() {
		testbed.MustKubectl(t, "-n", "knative-eventing", "patch", "configmap", "config-features", "-p", `{"data":{"delivery-retryafter":"disabled"}}`)
	})
	testbed.MustKubectl(t, "-n", "knative-eventing", "patch", "configmap", "config-features", "-p", `{"data":{"delivery-retryafter":"enabled"}}`)
	// The webhook reads config-features through a watch: it may take a moment.
	eventually(t, 60*time.Second, "the webhook to take --retry-after-max", func() bool {
		return km(t, "broker", "create", "b", "-n", ns, "--retry-after-max", "PT5S").Code == 0
	})
	if r = mustKM(t, "doctor", "-n", ns); !strings.Contains(r.Stdout, "PASS  feature delivery-retryafter: on: Knative takes --retry-after-max") {
		t.Fatalf("doctor does not say delivery-retryafter is on:\n%s", r.Stdout)
	}
}

// Messages that name the real cause on a real API server and Knative: a
// create in a namespace that does not exist, a ksvc: target on the test bed
// (which has no Knative Serving), a Trigger of a Broker that does not exist
// (Knative leaves it without conditions), a mistyped command (issue 21).
func TestMessagesNameTheRealCause(t *testing.T) {
	ns := testbed.Namespace(t)
	r := km(t, "trigger", "create", "t", "-n", "kymamesh-no-such-namespace", "--sink", "http://127.0.0.1:1/")
	wantExit(t, r, 1, `namespace "kymamesh-no-such-namespace" does not exist: create it with 'kubectl create namespace kymamesh-no-such-namespace'`)
	r = km(t, "send", "--to", "ksvc:handler", "-n", ns, "--type", "t")
	wantExit(t, r, 1, "Knative Serving is not installed (serving.knative.dev/v1 not found)")
	r = km(t, "trigger", "create", "t", "-n", ns, "--broker", "missing", "--sink", "http://127.0.0.1:1/", "--wait", "--wait-timeout", "5s")
	wantExit(t, r, 1, `trigger "t" is not ready after 5s: broker "missing" does not exist in namespace "`+ns+
		`": create it with 'kubectl kymamesh enable ns `+ns+` --broker missing'`)
	r = km(t, "tirgger", "list")
	wantExit(t, r, 2, `unknown command "tirgger" for "kubectl kymamesh"; did you mean "trigger"?`)
}
