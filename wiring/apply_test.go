package wiring

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func TestEnableIsIdempotentAndDisableIsExact(t *testing.T) {
	ctx := t.Context()
	dyn := typedfake.New(namespace("shop", nil))
	kube, kn := &typed.Core{Dyn: dyn}, &typed.Eventing{Dyn: dyn}
	m := Mesh{Core: kube, Eventing: kn, Messaging: &typed.Messaging{Dyn: dyn}, Dynamic: dyn}
	spec := EnableSpec{Namespace: "shop", Broker: "default", Class: DefaultBrokerClass, Channel: "imc", InjectionLabel: true}

	ops := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Op)
		}
		return out
	}
	changes, err := Enable(ctx, m, spec, DryRunNone)
	if err != nil || strings.Join(ops(changes), ",") != "created,created,configured" {
		t.Fatalf("first enable: %v %v", ops(changes), err)
	}
	changes, err = Enable(ctx, m, spec, DryRunNone)
	if err != nil || strings.Join(ops(changes), ",") != "unchanged,unchanged,unchanged" {
		t.Fatalf("second enable: %v %v", ops(changes), err)
	}
	// A different channel for an enabled namespace is refused, not silently ignored.
	spec.Channel = "kafka"
	if _, err := Enable(ctx, m, spec, DryRunNone); !errors.Is(err, invalid.Err) {
		t.Fatalf("changing the channel: want an invalid-input error, got %v", err)
	}
	// Objects not made by enable stay.
	foreign := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "mine", Namespace: "shop"}}
	if _, err := kn.Brokers("shop").Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	changes, err = Disable(ctx, m, "shop", DryRunNone, DeleteOptions{})
	if err != nil || strings.Join(ops(changes), ",") != "deleted,deleted,configured" {
		t.Fatalf("disable: %v %v", ops(changes), err)
	}
	left, _ := kn.Brokers("shop").List(ctx, metav1.ListOptions{})
	if len(left.Items) != 1 || left.Items[0].Name != "mine" {
		t.Fatalf("brokers after disable: %+v", left.Items)
	}
	ns, _ := kube.Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	if _, ok := ns.Labels[InjectionLabel]; ok {
		t.Fatal("disable left the injection label it had added")
	}
	if changes, err = Disable(ctx, m, "shop", DryRunNone, DeleteOptions{}); err != nil || len(changes) != 0 {
		t.Fatalf("second disable: %v %v", ops(changes), err)
	}
}

func TestDisableKeepsAnInjectionLabelItDidNotAdd(t *testing.T) {
	dyn := typedfake.New(namespace("shop", map[string]string{InjectionLabel: "enabled"}))
	kube := &typed.Core{Dyn: dyn}
	m := Mesh{Core: kube, Eventing: &typed.Eventing{Dyn: dyn}, Messaging: &typed.Messaging{Dyn: dyn}, Dynamic: dyn}
	changes, err := Enable(t.Context(), m, EnableSpec{Namespace: "shop", Broker: "default", InjectionLabel: true}, DryRunNone)
	if err != nil || changes[len(changes)-1].Op != OpUnchanged {
		t.Fatalf("enable: %+v %v", changes, err)
	}
	if _, err := Disable(t.Context(), m, "shop", DryRunNone, DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, _ := kube.Namespaces().Get(t.Context(), "shop", metav1.GetOptions{})
	if ns.Labels[InjectionLabel] != "enabled" {
		t.Fatal("disable removed a label someone else had set")
	}
}

func TestEnableClientDryRunNeedsNoCluster(t *testing.T) {
	changes, err := Enable(t.Context(), Mesh{}, EnableSpec{Namespace: "shop", Broker: "default"}, DryRunClient)
	if err != nil || len(changes) != 1 {
		t.Fatalf("%+v %v", changes, err)
	}
}

func TestAPIError(t *testing.T) {
	gr := schema.GroupResource{Group: "eventing.knative.dev", Resource: "brokers"}
	missingAPI := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 404,
		Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"}}
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"forbidden": {apierrors.NewForbidden(gr, "", errors.New(`User "u" cannot list resource "brokers"`)),
			`forbidden: cannot list brokers in namespace "shop": brokers.eventing.knative.dev is forbidden: User "u" cannot list resource "brokers"`},
		"missing CRD": {missingAPI, "Knative Eventing is not installed (eventing.knative.dev/v1 not found)"},
		"not found":   {apierrors.NewNotFound(gr, "b"), `brokers not found in namespace "shop"`},
		"other":       {errors.New("connection refused"), `cannot list brokers in namespace "shop": connection refused`},
	} {
		got := APIError(tc.err, "list", "brokers", "", "shop")
		if got == nil || got.Error() != tc.want && !strings.HasPrefix(got.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, got, tc.want)
		}
	}
	if !errors.Is(APIError(missingAPI, "get", "broker", "b", "shop"), ErrNotInstalled) {
		t.Error("a missing CRD must match ErrNotInstalled")
	}
	invalid := invalid.Errorf("--sink", "bad")
	if APIError(invalid, "create", "trigger", "t", "shop") != invalid { //nolint:errorlint // the very same error, unwrapped
		t.Error("input errors pass through unchanged")
	}
}

func readyBroker(b *knapi.Broker, status corev1.ConditionStatus, reason string) *knapi.Broker {
	b = b.DeepCopy()
	b.Status.ObservedGeneration = b.Generation
	b.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionReady, Status: status, Reason: reason, Message: reason + " message"}}
	return b
}

// waitSetup returns a fake client whose watch is driven by the test.
func waitSetup(t *testing.T) (*typed.Eventing, *watch.FakeWatcher, *knapi.Broker) {
	dyn := typedfake.New()
	kn := &typed.Eventing{Dyn: dyn}
	fw := watch.NewFake()
	dyn.PrependWatchReactor("brokers", func(clienttesting.Action) (bool, watch.Interface, error) { return true, fw, nil })
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "ns", Generation: 1, ResourceVersion: "1"}}
	made, err := kn.Brokers("ns").Create(t.Context(), b, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return kn, fw, made
}

func TestWaitReady(t *testing.T) {
	kn, fw, made := waitSetup(t)
	c := kn.Brokers("ns")
	go func() {
		fw.Modify(readyBroker(made, corev1.ConditionUnknown, "Reconciling"))
		ready := readyBroker(made, corev1.ConditionTrue, "")
		_, _ = c.UpdateStatus(context.Background(), ready, metav1.UpdateOptions{})
		fw.Modify(ready)
	}()
	got, err := WaitReady[*knapi.Broker, *knapi.BrokerList](t.Context(), c, "broker", made, 10*time.Second)
	if err != nil || !IsReady(got) {
		t.Fatalf("want ready, got %v %+v", err, got.Status)
	}
}

func TestWaitReadyReportsConditions(t *testing.T) {
	kn, fw, made := waitSetup(t)
	c := kn.Brokers("ns")
	failed := readyBroker(made, corev1.ConditionFalse, "ChannelTemplateFailed")
	if _, err := c.UpdateStatus(t.Context(), failed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	go fw.Modify(failed)
	_, err := WaitReady[*knapi.Broker, *knapi.BrokerList](t.Context(), c, "broker", made, 10*time.Second)
	var nr *NotReadyError
	if !errors.As(err, &nr) || len(nr.Conditions) != 1 || !strings.Contains(err.Error(), "ChannelTemplateFailed") {
		t.Fatalf("want a NotReadyError with the conditions, got %v", err)
	}
}

func TestWaitReadyTimesOut(t *testing.T) {
	kn, _, made := waitSetup(t)
	_, err := WaitReady[*knapi.Broker, *knapi.BrokerList](t.Context(), kn.Brokers("ns"), "broker", made, 300*time.Millisecond)
	var nr *NotReadyError
	if !errors.As(err, &nr) || !errors.Is(err, ErrWaitTimeout) || !strings.Contains(err.Error(), "is not ready after 300ms") {
		t.Fatalf("want a timeout, got %v", err)
	}
}

// After an update, the old generation's Ready=True is not the answer: the
// wait goes on until Ready is True for the generation the update made.
func TestWaitReadyWaitsForTheCurrentGeneration(t *testing.T) {
	kn, fw, made := waitSetup(t)
	c := kn.Brokers("ns")
	updated := made.DeepCopy()
	updated.Generation = 2
	stale := readyBroker(made, corev1.ConditionTrue, "") // observedGeneration 1
	stale.Generation = 2
	fresh := readyBroker(updated, corev1.ConditionTrue, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		fw.Modify(stale)
		time.Sleep(300 * time.Millisecond)
		fw.Modify(fresh)
	}()
	got, err := WaitReady[*knapi.Broker, *knapi.BrokerList](t.Context(), c, "broker", updated, 10*time.Second)
	<-done
	if err != nil || got.Status.ObservedGeneration != 2 {
		t.Fatalf("want the generation-2 Ready, got %v %+v", err, got.Status)
	}
}
