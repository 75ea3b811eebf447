package wiring

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A missing API is named by the product that serves it, whatever name the
// caller gave the resource; each still matches ErrNotInstalled.
func TestMissingAPINamesItsProduct(t *testing.T) {
	notServed := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 404,
		Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"}}
	for resource, want := range map[string]string{
		"broker":        "Knative Eventing is not installed (eventing.knative.dev/v1 not found)",
		"subscriptions": "Knative Eventing is not installed (messaging.knative.dev/v1 not found)",
		"eventpolicy":   "Knative Eventing is not installed (eventing.knative.dev/v1alpha1 not found)",
		"sinkbinding":   "Knative Eventing's sources API is not installed (sources.knative.dev/v1 not found)",
		"service":       "Knative Serving is not installed (serving.knative.dev/v1 not found)",
		"kafkachannel":  "Knative's Kafka channel is not installed (messaging.knative.dev/v1beta1 not found)",
		"widgets":       "the cluster does not serve the API of widgets: install what provides it ('kubectl kymamesh doctor' lists the Knative APIs served)",
	} {
		err := APIError(notServed, "get", resource, "x", "ns")
		if err.Error() != want {
			t.Errorf("%s: got %q, want %q", resource, err, want)
		}
		var ni *NotInstalledError
		if errors.As(err, &ni) && !errors.Is(err, ErrNotInstalled) {
			t.Errorf("%s: does not match ErrNotInstalled", resource)
		}
	}
}
