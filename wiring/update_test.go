package wiring

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

func TestUpdateTrigger(t *testing.T) {
	tr, err := BuildTrigger(TriggerSpec{Name: "t", Namespace: "ns", Broker: "default", Sink: "ksvc:a",
		Filter: []string{"type=a", "source=s"}, CESQL: []string{"subject = 'x'"}})
	if err != nil {
		t.Fatal(err)
	}
	err = UpdateTrigger(tr, TriggerSpec{Sink: "svc:b", Filter: []string{"type-", "id=1"}, CESQL: []string{"subject = 'x'"},
		Prefix: []string{"type=o."}, Delivery: DeliveryOptions{BackoffPolicy: "linear"}})
	if err != nil {
		t.Fatal(err)
	}
	want := knapi.TriggerSpec{Broker: "default"}
	want.Subscriber = *must(ParseSink("--sink", "svc:b", "ns"))
	// With spec.filters in use, the exact attributes live there (Knative
	// ignores spec.filter then). The repeated CESQL filter is not added twice;
	// the new prefix filter is appended.
	want.Filters = []knapi.SubscriptionsAPIFilter{{Exact: map[string]string{"source": "s", "id": "1"}},
		{CESQL: "subject = 'x'"}, {Prefix: map[string]string{"type": "o."}}}
	policy := "linear"
	want.Delivery = must(ApplyDelivery(nil, DeliveryOptions{BackoffPolicy: policy}, "ns"))
	if diff := cmp.Diff(want, tr.Spec); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if FilterConflict(tr) {
		t.Fatal("spec.filter and spec.filters are both set")
	}
	// Removing the last attribute drops the exact filter.
	if err := UpdateTrigger(tr, TriggerSpec{Filter: []string{"source-", "id-"}}); err != nil || tr.Spec.Filter != nil || len(tr.Spec.Filters) != 2 {
		t.Fatalf("want the exact filter gone, got %+v, %+v, %v", tr.Spec.Filter, tr.Spec.Filters, err)
	}
	// A Trigger made elsewhere with both keeps them when no filter flag is given.
	tr.Spec.Filter = &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}}
	if err := UpdateTrigger(tr, TriggerSpec{Sink: "svc:c"}); err != nil || !FilterConflict(tr) {
		t.Fatalf("an update of the sink moved the filters: %+v, %v", tr.Spec, err)
	}
	if err := UpdateTrigger(tr, TriggerSpec{Broker: "other"}); !errors.Is(err, invalid.Err) {
		t.Fatalf("changing the broker: want an invalid-input error, got %v", err)
	}
}

func TestUpdateSubscription(t *testing.T) {
	sub := must(BuildSubscription(SubscriptionSpec{Name: "s", Namespace: "ns", Channel: "c", Sink: "ksvc:a"}))
	if err := UpdateSubscription(sub, SubscriptionSpec{Channel: "channel:c", Reply: "channel:r"}); err != nil {
		t.Fatal(err)
	}
	want := knapi.SubscriptionSpec{Channel: sub.Spec.Channel, Subscriber: must(ParseSink("", "ksvc:a", "ns")), Reply: must(ParseSink("", "channel:r", "ns"))}
	if diff := cmp.Diff(want, sub.Spec); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if err := UpdateSubscription(sub, SubscriptionSpec{Channel: "imc:c", Sink: "ksvc:b"}); !errors.Is(err, invalid.Err) {
		t.Fatalf("changing the channel kind: want an error, got %v", err)
	}
	if err := UpdateSubscription(sub, SubscriptionSpec{}); !errors.Is(err, invalid.Err) {
		t.Fatalf("empty update: want an error, got %v", err)
	}
}

func TestUpdateBrokerMergesDelivery(t *testing.T) {
	b := must(BuildBroker(BrokerSpec{Name: "b", Namespace: "ns", Delivery: DeliveryOptions{Retry: ptr[int32](2), BackoffDelay: "PT1S"}}))
	if err := UpdateBroker(b, DeliveryOptions{Retry: ptr[int32](5)}); err != nil {
		t.Fatal(err)
	}
	if *b.Spec.Delivery.Retry != 5 || *b.Spec.Delivery.BackoffDelay != "PT1S" {
		t.Fatalf("delivery after update: %+v", b.Spec.Delivery)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// An update through the plugin's types keeps what those types lack: a field
// of a newer Knative in the spec, another tool's top-level field and
// annotation. Only what the update changed is sent.
func TestUpdateKeepsFieldsTheTypesLack(t *testing.T) {
	stored := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
		"metadata": map[string]any{"name": "t", "namespace": "ns", "resourceVersion": "7",
			"annotations": map[string]any{"other.tool/note": "kept"}},
		"spec": map[string]any{"broker": "default", "newerKnativeField": map[string]any{"mode": "x"},
			"subscriber": map[string]any{"uri": "http://a.example"}},
		"otherTool": "kept too",
	}}
	dyn := typedfake.New(stored)
	var sent []byte
	dyn.PrependReactor("patch", "triggers", func(a clienttesting.Action) (bool, runtime.Object, error) {
		sent = a.(clienttesting.PatchAction).GetPatch()
		return false, nil, nil
	})
	c := (&typed.Eventing{Dyn: dyn}).Triggers("ns")
	got, err := Update(t.Context(), Client[*knapi.Trigger, *knapi.TriggerList](c), "t", DryRunNone, func(tr *knapi.Trigger) error {
		return UpdateTrigger(tr, TriggerSpec{Sink: "svc:b"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Subscriber.Ref == nil || got.Spec.Subscriber.Ref.Name != "b" {
		t.Fatalf("the change was not made: %+v", got.Spec.Subscriber)
	}
	u, err := dyn.Resource(knapi.Triggers).Namespace("ns").Get(t.Context(), "t", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(u.Object, "spec", "newerKnativeField", "mode"); v != "x" {
		t.Errorf("spec.newerKnativeField was dropped: %v", u.Object["spec"])
	}
	if u.Object["otherTool"] != "kept too" || u.GetAnnotations()["other.tool/note"] != "kept" {
		t.Errorf("another tool's field or annotation was dropped: %v", u.Object)
	}
	want := `{"metadata":{"resourceVersion":"7"},"spec":{"subscriber":{"ref":{"apiVersion":"v1","kind":"Service","name":"b","namespace":"ns"},"uri":null}}}`
	if string(sent) != want {
		t.Errorf("the patch sent:\n got %s\nwant %s", sent, want)
	}
}
