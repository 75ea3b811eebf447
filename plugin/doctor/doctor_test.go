package doctor_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// doctor's checks over fakes: a user who may do everything but touch
// Deployments gets one FAIL naming exactly those verbs, and exit code 1.
func TestDoctorNamesMissingPermissions(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers"}, {Name: "triggers"}, {Name: "brokers/status"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}, {Name: "subscriptions"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	f.Dyn.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		resource, _, _ := unstructured.NestedString(r.Object, "spec", "resourceAttributes", "resource")
		if err := unstructured.SetNestedField(r.Object, resource != "deployments", "status", "allowed"); err != nil {
			return true, nil, err
		}
		return true, r, nil
	})
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"PASS  Knative API eventing.knative.dev/v1: brokers, triggers\n",
		"PASS  eventing webhook: a Broker was admitted (server dry run in namespace shop)\n",
		"FAIL  permissions: 7 missing: deployments.apps in kyma-integration (get, list, patch, delete); deployments.apps in shop (get, create, delete)\n      fix: ask a cluster admin",
		"WARN  integration namespace: \"kyma-integration\" does not exist yet\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "error: 1 of ") {
		t.Fatalf("want exit 1 and the count of failed checks, got %d %q", r.Code, r.Stderr)
	}
}

// doctor reports the feature flags that change what the plugin can do, read
// from config-features (a flag it does not list has Knative's default).
func TestDoctorReportsFeatureFlags(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-features", Namespace: "knative-eventing"},
		Data: map[string]string{"delivery-retryafter": "disabled", "authentication-oidc": "enabled"}}
	f := cmdtest.NewFactory("shop", cm)
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"PASS  OIDC authentication: on: EventPolicies (policy allow) are enforced\n",
		"WARN  feature delivery-retryafter: off: Knative refuses --retry-after-max (delivery.retryAfterMax)\n" +
			"      fix: set delivery-retryafter: enabled in config-features (knative-eventing) to use it\n",
		"PASS  feature delivery-timeout: on: Knative takes --delivery-timeout\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
}
