package typed

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Clients for each resource the plugin uses, named like client-go's.
type (
	BrokerClient        = Client[*knapi.Broker, *knapi.BrokerList]
	TriggerClient       = Client[*knapi.Trigger, *knapi.TriggerList]
	ChannelClient       = Client[*knapi.Channel, *knapi.ChannelList]
	SubscriptionClient  = Client[*knapi.Subscription, *knapi.SubscriptionList]
	EventPolicyClient   = Client[*knapi.EventPolicy, *knapi.EventPolicyList]
	NamespaceClient     = Client[*corev1.Namespace, *corev1.NamespaceList]
	ConfigMapClient     = Client[*corev1.ConfigMap, *corev1.ConfigMapList]
	ServiceClient       = Client[*corev1.Service, *corev1.ServiceList]
	EndpointSliceClient = Client[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList]
	AccessReviewClient  = Client[*authorizationv1.SelfSubjectAccessReview, *authorizationv1.SelfSubjectAccessReview]
)

// Eventing serves eventing.knative.dev/v1.
type Eventing struct{ Dyn dynamic.Interface }

// Brokers in namespace ns.
func (g *Eventing) Brokers(ns string) *BrokerClient {
	return New[*knapi.Broker, *knapi.BrokerList](g.Dyn, knapi.Brokers, "Broker", ns)
}

// Triggers in namespace ns.
func (g *Eventing) Triggers(ns string) *TriggerClient {
	return New[*knapi.Trigger, *knapi.TriggerList](g.Dyn, knapi.Triggers, "Trigger", ns)
}

// Messaging serves messaging.knative.dev/v1.
type Messaging struct{ Dyn dynamic.Interface }

// Channels in namespace ns.
func (g *Messaging) Channels(ns string) *ChannelClient {
	return New[*knapi.Channel, *knapi.ChannelList](g.Dyn, knapi.Channels, "Channel", ns)
}

// Subscriptions in namespace ns.
func (g *Messaging) Subscriptions(ns string) *SubscriptionClient {
	return New[*knapi.Subscription, *knapi.SubscriptionList](g.Dyn, knapi.Subscriptions, "Subscription", ns)
}

// Policies serves eventing.knative.dev/v1alpha1 EventPolicies.
type Policies struct{ Dyn dynamic.Interface }

// EventPolicies in namespace ns.
func (g *Policies) EventPolicies(ns string) *EventPolicyClient {
	return New[*knapi.EventPolicy, *knapi.EventPolicyList](g.Dyn, knapi.EventPolicies, "EventPolicy", ns)
}

// Core serves the core (v1) resources the plugin uses.
type Core struct{ Dyn dynamic.Interface }

// Namespaces (cluster-scoped).
func (g *Core) Namespaces() *NamespaceClient {
	return New[*corev1.Namespace, *corev1.NamespaceList](g.Dyn, corev1.SchemeGroupVersion.WithResource("namespaces"), "Namespace", "")
}

// ConfigMaps in namespace ns.
func (g *Core) ConfigMaps(ns string) *ConfigMapClient {
	return New[*corev1.ConfigMap, *corev1.ConfigMapList](g.Dyn, corev1.SchemeGroupVersion.WithResource("configmaps"), "ConfigMap", ns)
}

// Services in namespace ns.
func (g *Core) Services(ns string) *ServiceClient {
	return New[*corev1.Service, *corev1.ServiceList](g.Dyn, corev1.SchemeGroupVersion.WithResource("services"), "Service", ns)
}

// EndpointSlices (discovery.k8s.io/v1) in namespace ns.
func (g *Core) EndpointSlices(ns string) *EndpointSliceClient {
	return New[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList](g.Dyn, discoveryv1.SchemeGroupVersion.WithResource("endpointslices"), "EndpointSlice", ns)
}

// SelfSubjectAccessReviews asks what the current user may do (create only).
func (g *Core) SelfSubjectAccessReviews() *AccessReviewClient {
	return New[*authorizationv1.SelfSubjectAccessReview, *authorizationv1.SelfSubjectAccessReview](g.Dyn, authorizationv1.SchemeGroupVersion.WithResource("selfsubjectaccessreviews"), "SelfSubjectAccessReview", "")
}
