package wiring

import (
	"context"
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// spec.replicas passes between the plugin and its autoscaler through the
// hand-over manager: before an apply without replicas (the plugin lets go of
// them) the current count is applied by the hand-over manager; before an
// apply with replicas over an autoscaler's (another manager's), it is taken
// by force. The built objects' numbers are float64 (YAML), the server's int64.
func TestHandOverReplicas(t *testing.T) {
	for _, tc := range []struct {
		name     string
		managers []string // of spec.replicas now
		hpa      bool
		build    Scale
		want     string // the hand-over's patch, "" for none
	}{
		{"lets go to an autoscaler", []string{ManagedByValue}, false, Scale{Autoscale: "2:4"}, `replicas 3`},
		{"takes back from its autoscaler", []string{"kube-controller-manager"}, true, Scale{Replicas: ptr(int32(1))}, `replicas 1`},
		{"kubectl scale without an autoscaler: a conflict, not taken", []string{"kubectl"}, false, Scale{Replicas: ptr(int32(1))}, ""},
		{"the plugin's own field: nothing to hand over", []string{ManagedByValue}, false, Scale{Replicas: ptr(int32(2))}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := BuildHTTPSource(HTTPSourceSpec{App: "shop", Namespace: "ns", Image: "x/y:1", Port: 8080, Scale: tc.build})
			if err != nil {
				t.Fatal(err)
			}
			cur := objs[2].DeepCopy() // the Deployment
			if cur.GetKind() != "Deployment" {
				t.Fatalf("objs[2] is a %s", cur.GetKind())
			}
			_ = unstructured.SetNestedField(cur.Object, int64(3), "spec", "replicas")
			var mf []metav1.ManagedFieldsEntry
			for _, m := range tc.managers {
				mf = append(mf, metav1.ManagedFieldsEntry{Manager: m, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:replicas":{}}}`)}})
			}
			cur.SetManagedFields(mf)
			rt := []runtime.Object{cur}
			if tc.hpa {
				hpaObjs, _ := BuildHTTPSource(HTTPSourceSpec{App: "shop", Namespace: "ns", Image: "x/y:1", Port: 8080, Scale: Scale{Autoscale: "2:4"}})
				rt = append(rt, hpaObjs[5]) // the HorizontalPodAutoscaler
			}
			dyn := typedfake.New(rt...)
			got := ""
			dyn.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
				p := a.(k8stesting.PatchActionImpl)
				var body struct {
					Spec struct{ Replicas int } `json:"spec"`
				}
				_ = json.Unmarshal(p.GetPatch(), &body)
				got = "replicas " + itoa(body.Spec.Replicas) // the fake keeps no patch options (manager, force)
				return true, cur, nil
			})
			c := dyn.Resource(DeploymentsGVR).Namespace("ns")
			if err := handOverReplicas(context.Background(), dyn, c, objs[2], cur, DryRunNone); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hand-over %q, want %q", got, tc.want)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
