package wiring

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// PolicySpec says who may send to a namespace's Broker: an application, whose
// events reach the Broker through its Subscription (the adapter posts to the
// Channel; the Channel's Subscription posts to the Broker, under its own
// OIDC identity when Knative's authentication-oidc feature is on).
type PolicySpec struct {
	App, IntegrationNamespace string
	Namespace, Broker         string
}

// PolicyName is the EventPolicy that lets app send to broker.
func PolicyName(app, broker string) string { return app + "-to-" + broker }

// BuildPolicy returns the EventPolicy for s.
func BuildPolicy(s PolicySpec) (*knapi.EventPolicy, error) {
	if err := ValidateName("APP", s.App); err != nil {
		return nil, err
	}
	if err := ValidateNamespaceName("--to", s.Namespace); err != nil {
		return nil, err
	}
	if err := ValidateName("--broker", s.Broker); err != nil {
		return nil, err
	}
	if err := ValidateNamespaceName("--integration-namespace", s.IntegrationNamespace); err != nil {
		return nil, err
	}
	name := PolicyName(s.App, s.Broker)
	if err := ValidateName("APP", name); err != nil {
		return nil, err
	}
	return &knapi.EventPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: managedLabels(map[string]string{AppLabel: s.App})},
		Spec: knapi.EventPolicySpec{
			To: []knapi.EventPolicySpecTo{{Ref: &knapi.EventPolicyToReference{
				APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: s.Broker}}},
			From: []knapi.EventPolicySpecFrom{{Ref: &knapi.EventPolicyFromReference{
				APIVersion: "messaging.knative.dev/v1", Kind: "Subscription", Name: SubscriptionName(s.App, s.Namespace), Namespace: s.IntegrationNamespace}}},
		},
	}, nil
}
