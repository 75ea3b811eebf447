package status_test

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// A role for Brokers and Triggers alone (no EventPolicies, which Knative's
// namespaced roles grant but a hand-written one may not): status shows the
// namespace and says it left the policies out, instead of failing.
func TestStatusWithoutEventPolicies(t *testing.T) {
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	trig := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default"}}
	f := cmdtest.NewFactory("shop", b, trig)
	f.Dyn.PrependReactor("list", "eventpolicies", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New(`User "alice" cannot list resource "eventpolicies"`))
	})
	r := cmdtest.Run(t.Context(), f, "", "status")
	if r.Code != 0 || !strings.Contains(r.Stdout, "trigger orders") ||
		!strings.Contains(r.Stdout, `Not shown: eventpolicies in namespace "shop": you may not list them (`) {
		t.Fatalf("status without eventpolicies: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "status", "-A")
	if r.Code != 0 || !strings.Contains(r.Stdout, `Not shown: eventpolicies in any namespace: you may not list them (`) {
		t.Fatalf("status -A without eventpolicies: %+v", r)
	}
}
