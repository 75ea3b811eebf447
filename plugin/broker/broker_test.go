package broker_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func ready(gen int64) duckv1.Status {
	return duckv1.Status{ObservedGeneration: gen, Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
}

func TestBrokerCommands(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	cmdtest.Expect(t, f, "broker create b1 --retry 2", 0, "broker.eventing.knative.dev/b1 created\n", "")
	cmdtest.Expect(t, f, "broker create b1", 1, "",
		`error: broker "b1" already exists in namespace "demo": brokers.eventing.knative.dev "b1" already exists`+"\n")
	cmdtest.Expect(t, f, "broker create b2 -o name --class Kafka", 0, "broker.eventing.knative.dev/b2\n", "")

	// Give b1 the status Knative would, then list and describe it.
	c := f.EventingClient().Brokers("demo")
	b, err := c.Get(t.Context(), "b1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Status.Status = ready(0)
	b.Status.Address = &duckv1.Addressable{URL: &apis.URL{Scheme: "http", Host: "ingress.svc", Path: "/demo/b1"}}
	b.CreationTimestamp = metav1.NewTime(time.Now().Add(-90 * time.Second))
	if _, err := c.UpdateStatus(t.Context(), b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "broker list", 0, ""+
		"NAME   URL                          READY     REASON   AGE\n"+
		"b1     http://ingress.svc/demo/b1   True               90s\n"+
		"b2                                  Unknown            <unknown>\n", "")
	cmdtest.Expect(t, f, "broker list -o wide --no-headers", 0, ""+
		"b1   http://ingress.svc/demo/b1   True         90s\n"+
		"b2                                Unknown      <unknown>   Kafka\n", "")
	cmdtest.Expect(t, f, "broker list -o name", 0, "broker.eventing.knative.dev/b1\nbroker.eventing.knative.dev/b2\n", "")
	cmdtest.Expect(t, f, "broker list -o jsonpath={.items[*].metadata.name}", 0, "b1 b2", "")
	cmdtest.Expect(t, f, "broker describe b1", 0, ""+
		"Name:              b1\n"+
		"Namespace:         demo\n"+
		"Age:               90s\n"+
		"Class:             <none>\n"+
		"Config:            <none>\n"+
		"Address:           http://ingress.svc/demo/b1\n"+
		"Dead letter sink:  <none>\n"+
		"Conditions:\n"+
		"  TYPE    STATUS   REASON   MESSAGE   AGE\n"+
		"  Ready   True                        <unknown>\n", "")

	cmdtest.Expect(t, f, "broker update b1 --backoff-policy linear -o jsonpath={.spec.delivery}", 0, `{"backoffPolicy":"linear","retry":2}`, "")
	cmdtest.Expect(t, f, "broker delete b1 b2", 0, "broker.eventing.knative.dev/b1 deleted\nbroker.eventing.knative.dev/b2 deleted\n", "")
	cmdtest.Expect(t, f, "broker delete b1", 1, "", `error: broker "b1" not found in namespace "demo": brokers.eventing.knative.dev "b1" not found`+"\n")
	cmdtest.Expect(t, f, "broker describe b1", 1, "", `error: broker "b1" not found in namespace "demo": brokers.eventing.knative.dev "b1" not found`+"\n")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "broker create b --dry-run", 0, "broker.eventing.knative.dev/b created (dry run)\n", "")
}

// kn users' spellings work as typed: --broker-config.
func TestKnSpellingsAreAccepted(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "broker create b --broker-config ConfigMap:br-config --dry-run=client -o jsonpath={.spec.config.name}", 0, "br-config", "")
}

// Knative's webhook refusing --retry-after-max because its feature flag is
// off says which flag and how to turn it on (the webhook's own words are
// "must not set the field(s)").
func TestFeatureFlagRefusalNamesTheFlag(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.Dyn.PrependReactor("create", "brokers", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 400, Reason: metav1.StatusReasonBadRequest,
			Message: `admission webhook "validation.webhook.eventing.knative.dev" denied the request: validation failed: must not set the field(s): spec.delivery.retryAfterMax`}}
	})
	cmdtest.Expect(t, f, "broker create b --retry-after-max PT5S", 1, "",
		`error: cannot create broker "b" in namespace "demo": --retry-after-max needs Knative's feature delivery-retryafter, which is off; turn it on with: `+
			`kubectl -n knative-eventing patch configmap config-features -p '{"data":{"delivery-retryafter":"enabled"}}', or leave out --retry-after-max `+
			`(admission webhook "validation.webhook.eventing.knative.dev" denied the request: validation failed: must not set the field(s): spec.delivery.retryAfterMax)`+"\n")
}
