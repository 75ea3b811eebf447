package wiring

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
)

func sourceObject(gvr schema.GroupVersionResource, kind, name, cond, status string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": gvr.GroupVersion().String(), "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "integ"},
		"status":   map[string]any{"conditions": []any{map[string]any{"type": cond, "status": status}}},
	}}
	return u
}

// The wait follows the objects' changes and ends once the last of them is
// ready, not before.
func TestWaitSourceReadyFollowsChanges(t *testing.T) {
	gvrs := map[string]schema.GroupVersionResource{}
	for _, g := range HTTPSourceGVRs {
		gvrs[g.Resource] = g
	}
	objs := []*unstructured.Unstructured{
		sourceObject(gvrs["channels"], "Channel", "shop", "Ready", "True"),
		sourceObject(gvrs["deployments"], "Deployment", "shop-adapter", "Available", "False"),
		sourceObject(gvrs["services"], "Service", "shop-adapter", "", ""),
		sourceObject(gvrs["sinkbindings"], "SinkBinding", "shop-adapter", "Ready", "Unknown"),
	}
	lists := map[schema.GroupVersionResource]string{}
	var rt []runtime.Object
	for _, o := range objs {
		rt = append(rt, o)
	}
	for _, g := range HTTPSourceGVRs {
		lists[g] = resourceToKind(g.Resource) + "List"
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, rt...)
	done := make(chan error, 1)
	go func() {
		st, err := WaitSourceReady(context.Background(), dyn, "shop", "integ", 10*time.Second)
		if err == nil && !st.Ready() {
			err = context.DeadlineExceeded
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	for _, u := range []*unstructured.Unstructured{
		sourceObject(gvrs["deployments"], "Deployment", "shop-adapter", "Available", "True"),
		sourceObject(gvrs["sinkbindings"], "SinkBinding", "shop-adapter", "Ready", "True"),
	} {
		gvr := gvrs["deployments"]
		if u.GetKind() == "SinkBinding" {
			gvr = gvrs["sinkbindings"]
		}
		if _, err := dyn.Resource(gvr).Namespace("integ").Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if u.GetKind() == "Deployment" {
				t.Fatalf("ready with the SinkBinding still Unknown: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not see the objects become ready")
	}
}
