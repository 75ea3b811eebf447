package wiring

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// BrokerSpec is what a user can say about a Broker.
type BrokerSpec struct {
	Name, Namespace string
	Class           string // empty: let the webhook default it
	Config          string // KIND:NAME[:NAMESPACE], e.g. ConfigMap:config-br-default-channel
	Delivery        DeliveryOptions
	Labels          map[string]string
}

// BuildBroker returns the Broker for spec.
func BuildBroker(s BrokerSpec) (*knapi.Broker, error) {
	if err := ValidateName("NAME", s.Name); err != nil {
		return nil, err
	}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: managedLabels(s.Labels)}}
	if s.Class != "" {
		b.Annotations = map[string]string{BrokerClassAnnotation: s.Class}
	}
	if s.Config != "" {
		ref, err := ParseConfigRef("--config", s.Config, s.Namespace)
		if err != nil {
			return nil, err
		}
		b.Spec.Config = ref
	}
	d, err := ApplyDelivery(nil, s.Delivery, s.Namespace)
	if err != nil {
		return nil, err
	}
	b.Spec.Delivery = d
	return b, nil
}

// UpdateBroker applies the delivery changes to an existing Broker; class and
// config are immutable in Knative, so they are not offered.
func UpdateBroker(b *knapi.Broker, d DeliveryOptions) error {
	if d.IsZero() {
		return invalid.Errorf("", "nothing to update: give at least one delivery flag")
	}
	spec, err := ApplyDelivery(b.Spec.Delivery, d, b.Namespace)
	if err != nil {
		return err
	}
	b.Spec.Delivery = spec
	return nil
}

// ParseConfigRef parses KIND:NAME[:NAMESPACE]; ConfigMap (the only kind the
// channel-based Broker reads) may be written cm.
func ParseConfigRef(field, v, namespace string) (*duckv1.KReference, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return nil, invalid.Errorf(field, "%q: want KIND:NAME[:NAMESPACE], e.g. ConfigMap:config-br-default-channel", v)
	}
	ref := &duckv1.KReference{Kind: parts[0], Name: parts[1], Namespace: namespace}
	switch strings.ToLower(ref.Kind) {
	case "cm", "configmap":
		ref.Kind, ref.APIVersion = "ConfigMap", "v1"
	case "secret":
		ref.Kind, ref.APIVersion = "Secret", "v1"
	default:
		return nil, invalid.Errorf(field, "%q: unsupported kind %q (want ConfigMap or Secret)", v, parts[0])
	}
	if len(parts) == 3 {
		if parts[2] == "" {
			return nil, invalid.Errorf(field, "%q: empty namespace", v)
		}
		ref.Namespace = parts[2]
		if err := ValidateNamespaceName(field, ref.Namespace); err != nil {
			return nil, err
		}
	}
	if err := ValidateName(field, ref.Name); err != nil {
		return nil, err
	}
	return ref, nil
}
