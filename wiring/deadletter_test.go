package wiring

import (
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// What deadletter enable --wait waits for, step by step as Knative reports
// it: the store available, the Broker's dead-letter sink resolved, then each
// Trigger that takes the Broker's delivery Ready with it (its Subscription
// made again); a Trigger with its own delivery is not waited for.
func TestWaitDeadLetterFollowsWhatKnativeReports(t *testing.T) {
	const ns = "shop"
	storeURI, _ := apis.ParseURL("http://kymamesh-deadletter.shop.svc.cluster.local")
	ready := func(st *duckv1.Status, status corev1.ConditionStatus, reason string) {
		st.ObservedGeneration = 1
		st.Conditions = duckv1.Conditions{{Type: apis.ConditionReady, Status: status, Reason: reason}}
	}
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: DeadLetterName, Namespace: ns, Generation: 2},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1}}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns, Generation: 1}}
	b.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: DeadLetterSink(ns)}
	ready(&b.Status.Status, corev1.ConditionTrue, "")
	mine := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t500", Namespace: ns, Generation: 1}, Spec: knapi.TriggerSpec{Broker: "default"}}
	ready(&mine.Status.Status, corev1.ConditionTrue, "") // as before enable: Ready, no dead-letter sink
	own := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "own", Namespace: ns, Generation: 1},
		Spec: knapi.TriggerSpec{Broker: "default", Delivery: &eventingduckv1.DeliverySpec{}}}
	other := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: ns, Generation: 1}, Spec: knapi.TriggerSpec{Broker: "other"}}

	dyn := typedfake.New(deploy, b, mine, own, other)
	m := Mesh{Core: &typed.Core{Dyn: dyn}, Eventing: &typed.Eventing{Dyn: dyn}, Dynamic: dyn}
	pending := func(want string) {
		t.Helper()
		got, _, err := deadLetterPending(t.Context(), m, ns, "default")
		if err != nil || !strings.Contains(got, want) || (want == "") != (got == "") {
			t.Fatalf("pending: got %q, %v; want %q", got, err, want)
		}
	}
	update := func(obj any) {
		t.Helper()
		var err error
		switch o := obj.(type) {
		case *knapi.Broker:
			_, err = m.Eventing.Brokers(ns).Update(t.Context(), o, metav1.UpdateOptions{})
		case *knapi.Trigger:
			_, err = m.Eventing.Triggers(ns).Update(t.Context(), o, metav1.UpdateOptions{})
		case *appsv1.Deployment:
			var obj map[string]any
			if obj, err = runtime.DefaultUnstructuredConverter.ToUnstructured(o); err == nil {
				u := &unstructured.Unstructured{Object: obj}
				u.SetAPIVersion("apps/v1")
				u.SetKind("Deployment")
				_, err = dyn.Resource(DeploymentsGVR).Namespace(ns).Update(t.Context(), u, metav1.UpdateOptions{})
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	pending(`deployment "kymamesh-deadletter" is not available`)
	deploy.Status.AvailableReplicas, deploy.Status.ReadyReplicas = 1, 1
	update(deploy)
	pending(`broker "default" has not resolved the store as its dead-letter sink (status.deadLetterSinkUri none)`)
	b.Status.DeadLetterSinkURI = storeURI
	update(b)
	// The Trigger still as before: no dead-letter sink yet.
	pending(`trigger "t500" is not Ready with the store as its dead-letter sink (status.deadLetterSinkUri none, Ready True)`)
	// Knative's Trigger reconciler: the sink written with the new
	// Subscription, not ready yet. A wait on the URI alone stops here.
	mine.Status.DeadLetterSinkURI = storeURI
	ready(&mine.Status.Status, corev1.ConditionUnknown, "SubscriptionNotConfigured")
	update(mine)
	pending(`trigger "t500" is not Ready with the store as its dead-letter sink (status.deadLetterSinkUri ` + storeURI.String() + `, Ready Unknown (SubscriptionNotConfigured))`)

	// The timeout names what is missing.
	err := WaitDeadLetter(t.Context(), m, ns, "default", 300*time.Millisecond)
	if !errors.Is(err, ErrWaitTimeout) || !strings.Contains(err.Error(), `the store is not taking broker "default"'s dead letters in namespace "shop" after 300ms: trigger "t500"`) {
		t.Fatalf("WaitDeadLetter: %v", err)
	}
	ready(&mine.Status.Status, corev1.ConditionTrue, "")
	update(mine)
	pending("")
	if err := WaitDeadLetter(t.Context(), m, ns, "default", time.Second); err != nil {
		t.Fatal(err)
	}

	// Someone pointed the Broker elsewhere meanwhile: said at once.
	u, _ := apis.ParseURL("http://audit.shop.svc.cluster.local")
	b.Spec.Delivery.DeadLetterSink = &duckv1.Destination{URI: u}
	update(b)
	if err := WaitDeadLetter(t.Context(), m, ns, "default", time.Minute); err == nil || !strings.Contains(err.Error(), "no longer sends its dead letters to the store: its dead-letter sink is http://audit.shop.svc.cluster.local") {
		t.Fatalf("WaitDeadLetter with the sink changed: %v", err)
	}
}

// A subscriber on the Broker's channel that no Subscription has (Knative's
// race puts a deleted one back) is named, with the fix, and ends the wait
// once it has lasted staleWindow.
func TestWaitDeadLetterNamesAStaleChannelSubscriber(t *testing.T) {
	const ns = "shop"
	storeURI, _ := apis.ParseURL("http://kymamesh-deadletter.shop.svc.cluster.local")
	deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: DeadLetterName, Namespace: ns, Generation: 1},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1}}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns, Generation: 1}}
	b.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: DeadLetterSink(ns)}
	b.Status.ObservedGeneration = 1
	b.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}
	b.Status.DeadLetterSinkURI = storeURI
	b.Status.Annotations = map[string]string{"knative.dev/channelAPIVersion": "messaging.knative.dev/v1",
		"knative.dev/channelKind": "InMemoryChannel", "knative.dev/channelName": "default-kne-trigger"}
	sub := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "Subscription",
		"metadata": map[string]any{"name": "default-t1-abc", "namespace": ns, "uid": "new-uid"}}}
	imc := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel",
		"metadata": map[string]any{"name": "default-kne-trigger", "namespace": ns},
		"spec": map[string]any{"subscribers": []any{
			map[string]any{"uid": "new-uid", "name": "default-t1-abc"},
			map[string]any{"uid": "old-uid", "name": "default-t1-abc"},
		}}}}
	dyn := typedfake.New(deploy, b, sub, imc)
	m := Mesh{Core: &typed.Core{Dyn: dyn}, Eventing: &typed.Eventing{Dyn: dyn}, Dynamic: dyn}
	got, stale, err := deadLetterPending(t.Context(), m, ns, "default")
	if err != nil || !stale || !strings.Contains(got, `InMemoryChannel "default-kne-trigger" (broker "default"'s channel) lists subscriber "default-t1-abc" with uid old-uid, which no Subscription has`) ||
		!strings.Contains(got, "kubectl edit inmemorychannel default-kne-trigger -n shop --as=system:serviceaccount:knative-eventing:eventing-controller") {
		t.Fatalf("pending: %q, %v, %v", got, stale, err)
	}
	// doctor fails the Broker for it, with the fix.
	var found bool
	for _, c := range deadLetterChecks(t.Context(), m, ns) {
		if c.Name == "channel subscribers" {
			found = c.Result == Fail && strings.Contains(c.Detail, "uid old-uid, which no Subscription has") && strings.HasPrefix(c.Fix, "remove that entry")
		}
	}
	if !found {
		t.Fatalf("doctor: want a FAIL for the channel: %+v", deadLetterChecks(t.Context(), m, ns))
	}
	defer func(w time.Duration) { staleWindow = w }(staleWindow)
	staleWindow = 300 * time.Millisecond
	err = WaitDeadLetter(t.Context(), m, ns, "default", time.Minute)
	if err == nil || errors.Is(err, ErrWaitTimeout) || !strings.HasPrefix(err.Error(), `the store is not taking all of broker "default"'s dead letters in namespace "shop": InMemoryChannel`) {
		t.Fatalf("WaitDeadLetter with a stale subscriber: %v", err)
	}
	// Taken off the channel: nothing is pending.
	imc.Object["spec"] = map[string]any{"subscribers": []any{map[string]any{"uid": "new-uid", "name": "default-t1-abc"}}}
	if _, err := dyn.Resource(schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "inmemorychannels"}).Namespace(ns).
		Update(t.Context(), imc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WaitDeadLetter(t.Context(), m, ns, "default", time.Second); err != nil {
		t.Fatal(err)
	}
}
