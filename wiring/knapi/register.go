package knapi

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The group versions and resources of the types here.
var (
	EventingV1       = schema.GroupVersion{Group: "eventing.knative.dev", Version: "v1"}
	EventingV1alpha1 = schema.GroupVersion{Group: "eventing.knative.dev", Version: "v1alpha1"}
	MessagingV1      = schema.GroupVersion{Group: "messaging.knative.dev", Version: "v1"}

	Brokers       = EventingV1.WithResource("brokers")
	Triggers      = EventingV1.WithResource("triggers")
	Channels      = MessagingV1.WithResource("channels")
	Subscriptions = MessagingV1.WithResource("subscriptions")
	EventPolicies = EventingV1alpha1.WithResource("eventpolicies")
)

// AddToScheme registers the types with their kinds.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(EventingV1, &Broker{}, &BrokerList{}, &Trigger{}, &TriggerList{})
	s.AddKnownTypes(MessagingV1, &Channel{}, &ChannelList{}, &Subscription{}, &SubscriptionList{})
	s.AddKnownTypes(EventingV1alpha1, &EventPolicy{}, &EventPolicyList{})
	for _, gv := range []schema.GroupVersion{EventingV1, MessagingV1, EventingV1alpha1} {
		metav1.AddToGroupVersion(s, gv)
	}
	return nil
}
