package typed_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// A typed object built in code has no apiVersion or kind; the client sends
// them, and what comes back (create, get, list, watch) is typed again.
func TestClientSendsKindsAndReadsTypes(t *testing.T) {
	dyn := typedfake.New()
	c := (&typed.Eventing{Dyn: dyn}).Triggers("shop")
	in := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "shop"},
		Spec: knapi.TriggerSpec{Broker: "default", Filters: []knapi.SubscriptionsAPIFilter{{CESQL: "type = 'a'"}}}}
	w, err := c.Watch(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	made, err := c.Create(t.Context(), in, metav1.CreateOptions{})
	if err != nil || made.Spec.Filters[0].CESQL != "type = 'a'" || made.Kind != "Trigger" {
		t.Fatalf("create: %+v %v", made, err)
	}
	sent := dyn.Actions()[len(dyn.Actions())-1].(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
	if sent.GetAPIVersion() != "eventing.knative.dev/v1" || sent.GetKind() != "Trigger" {
		t.Fatalf("sent %s %s", sent.GetAPIVersion(), sent.GetKind())
	}
	if in.Kind != "" {
		t.Fatal("Create changed the caller's object")
	}
	e := <-w.ResultChan()
	if got, ok := e.Object.(*knapi.Trigger); e.Type != watch.Added || !ok || got.Name != "t" {
		t.Fatalf("watch event: %v %T", e.Type, e.Object)
	}
	l, err := c.List(t.Context(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 1 || l.Items[0].Spec.Broker != "default" {
		t.Fatalf("list: %+v %v", l, err)
	}
	if _, err := c.Get(t.Context(), "nope", metav1.GetOptions{}); err == nil {
		t.Fatal("get of a missing trigger succeeded")
	}
}
