package wiring

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// SubscriptionSpec is what a user can say about a Subscription. On update, empty
// fields keep what the Subscription has.
type SubscriptionSpec struct {
	Name, Namespace string
	Channel         string
	Sink, Reply     string
	Delivery        DeliveryOptions
	Labels          map[string]string
}

// BuildSubscription returns the Subscription for spec.
func BuildSubscription(s SubscriptionSpec) (*knapi.Subscription, error) {
	if err := ValidateName("NAME", s.Name); err != nil {
		return nil, err
	}
	if s.Channel == "" {
		return nil, invalid.Errorf("--channel", "a channel is required")
	}
	ch, err := ParseChannelRef("--channel", s.Channel)
	if err != nil {
		return nil, err
	}
	sub := &knapi.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: managedLabels(s.Labels)},
		Spec:       knapi.SubscriptionSpec{Channel: ch},
	}
	if sub.Spec.Subscriber, err = ParseSink("--sink", s.Sink, s.Namespace); err != nil {
		return nil, err
	}
	if s.Reply != "" {
		if sub.Spec.Reply, err = ParseSink("--reply", s.Reply, s.Namespace); err != nil {
			return nil, err
		}
	}
	sub.Spec.Delivery, err = ApplyDelivery(nil, s.Delivery, s.Namespace)
	return sub, err
}

// UpdateSubscription applies spec's non-empty fields to sub. spec.channel is
// immutable in Knative.
func UpdateSubscription(sub *knapi.Subscription, s SubscriptionSpec) error {
	if s.Channel != "" {
		ch, err := ParseChannelRef("--channel", s.Channel)
		if err != nil {
			return err
		}
		if ch.Name != sub.Spec.Channel.Name || ch.Kind != sub.Spec.Channel.Kind {
			return invalid.Errorf("--channel", "the channel of a subscription cannot be changed; delete and create it instead")
		}
	}
	if s.Sink == "" && s.Reply == "" && s.Delivery.IsZero() {
		return invalid.Errorf("", "nothing to update: give --sink, --reply or a delivery flag")
	}
	var err error
	if s.Sink != "" {
		if sub.Spec.Subscriber, err = ParseSink("--sink", s.Sink, sub.Namespace); err != nil {
			return err
		}
	}
	if s.Reply != "" {
		if sub.Spec.Reply, err = ParseSink("--reply", s.Reply, sub.Namespace); err != nil {
			return err
		}
	}
	sub.Spec.Delivery, err = ApplyDelivery(sub.Spec.Delivery, s.Delivery, sub.Namespace)
	return err
}
