package knapi

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// Broker is eventing.knative.dev/v1 Broker.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type Broker struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              BrokerSpec   `json:"spec,omitempty"`
	Status            BrokerStatus `json:"status,omitempty"`
}

// BrokerSpec is a Broker's desired state.
type BrokerSpec struct {
	Config   *duckv1.KReference           `json:"config,omitempty"`
	Delivery *eventingduckv1.DeliverySpec `json:"delivery,omitempty"`
}

// BrokerStatus is what Knative reports of a Broker.
type BrokerStatus struct {
	duckv1.Status                             `json:",inline"`
	duckv1.AddressStatus                      `json:",inline"`
	eventingduckv1.DeliveryStatus             `json:",inline"`
	eventingduckv1.AppliedEventPoliciesStatus `json:",inline"`
}

// BrokerList is a list of Brokers.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type BrokerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Broker `json:"items"`
}

// Trigger is eventing.knative.dev/v1 Trigger.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type Trigger struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              TriggerSpec   `json:"spec,omitempty"`
	Status            TriggerStatus `json:"status,omitempty"`
}

// TriggerSpec is a Trigger's desired state.
type TriggerSpec struct {
	Broker     string                       `json:"broker,omitempty"`
	BrokerRef  *duckv1.KReference           `json:"brokerRef,omitempty"`
	Filter     *TriggerFilter               `json:"filter,omitempty"`
	Filters    []SubscriptionsAPIFilter     `json:"filters,omitempty"`
	Subscriber duckv1.Destination           `json:"subscriber"`
	Delivery   *eventingduckv1.DeliverySpec `json:"delivery,omitempty"`
}

// TriggerFilter is the exact-match attribute filter (spec.filter).
type TriggerFilter struct {
	Attributes TriggerFilterAttributes `json:"attributes,omitempty"`
}

// TriggerFilterAttributes maps CloudEvent attributes to the values they must have.
type TriggerFilterAttributes map[string]string

// SubscriptionsAPIFilter is one expression of the new filters (spec.filters).
type SubscriptionsAPIFilter struct {
	All    []SubscriptionsAPIFilter `json:"all,omitempty"`
	Any    []SubscriptionsAPIFilter `json:"any,omitempty"`
	Not    *SubscriptionsAPIFilter  `json:"not,omitempty"`
	Exact  map[string]string        `json:"exact,omitempty"`
	Prefix map[string]string        `json:"prefix,omitempty"`
	Suffix map[string]string        `json:"suffix,omitempty"`
	CESQL  string                   `json:"cesql,omitempty"`
}

// TriggerStatus is what Knative reports of a Trigger.
type TriggerStatus struct {
	duckv1.Status                 `json:",inline"`
	SubscriberURI                 *apis.URL `json:"subscriberUri,omitempty"`
	SubscriberCACerts             *string   `json:"subscriberCACerts,omitempty"`
	SubscriberAudience            *string   `json:"subscriberAudience,omitempty"`
	eventingduckv1.DeliveryStatus `json:",inline"`
	Auth                          *duckv1.AuthStatus `json:"auth,omitempty"`
}

// TriggerConditionSubscriberResolved is the condition Knative sets once it
// found the subscriber's address.
const TriggerConditionSubscriberResolved apis.ConditionType = "SubscriberResolved"

// TriggerList is a list of Triggers.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type TriggerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Trigger `json:"items"`
}

// Channel is messaging.knative.dev/v1 Channel.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type Channel struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ChannelSpec   `json:"spec,omitempty"`
	Status            ChannelStatus `json:"status,omitempty"`
}

// ChannelSpec is a Channel's desired state.
type ChannelSpec struct {
	ChannelTemplate                *ChannelTemplateSpec `json:"channelTemplate,omitempty"`
	eventingduckv1.ChannelableSpec `json:",inline"`
}

// ChannelTemplateSpec names the channel implementation and its spec.
type ChannelTemplateSpec struct {
	metav1.TypeMeta `json:",inline"`
	Spec            *runtime.RawExtension `json:"spec,omitempty"`
}

// ChannelStatus is what Knative reports of a Channel.
type ChannelStatus struct {
	eventingduckv1.ChannelableStatus `json:",inline"`
	Channel                          *duckv1.KReference `json:"channel,omitempty"`
}

// ChannelList is a list of Channels.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type ChannelList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Channel `json:"items"`
}

// Subscription is messaging.knative.dev/v1 Subscription.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type Subscription struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              SubscriptionSpec   `json:"spec"`
	Status            SubscriptionStatus `json:"status,omitempty"`
}

// SubscriptionSpec is a Subscription's desired state.
type SubscriptionSpec struct {
	Channel    duckv1.KReference            `json:"channel"`
	Subscriber *duckv1.Destination          `json:"subscriber,omitempty"`
	Reply      *duckv1.Destination          `json:"reply,omitempty"`
	Delivery   *eventingduckv1.DeliverySpec `json:"delivery,omitempty"`
}

// SubscriptionStatus is what Knative reports of a Subscription.
type SubscriptionStatus struct {
	duckv1.Status        `json:",inline"`
	PhysicalSubscription SubscriptionStatusPhysicalSubscription `json:"physicalSubscription,omitempty"`
	Auth                 *duckv1.AuthStatus                     `json:"auth,omitempty"`
}

// SubscriptionStatusPhysicalSubscription holds the resolved addresses.
type SubscriptionStatusPhysicalSubscription struct {
	SubscriberURI                 *apis.URL `json:"subscriberUri,omitempty"`
	SubscriberCACerts             *string   `json:"subscriberCACerts,omitempty"`
	SubscriberAudience            *string   `json:"subscriberAudience,omitempty"`
	ReplyURI                      *apis.URL `json:"replyUri,omitempty"`
	ReplyCACerts                  *string   `json:"replyCACerts,omitempty"`
	ReplyAudience                 *string   `json:"replyAudience,omitempty"`
	eventingduckv1.DeliveryStatus `json:",inline"`
}

// SubscriptionList is a list of Subscriptions.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type SubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []Subscription `json:"items"`
}

// EventPolicy is eventing.knative.dev/v1alpha1 EventPolicy.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type EventPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              EventPolicySpec   `json:"spec,omitempty"`
	Status            EventPolicyStatus `json:"status,omitempty"`
}

// EventPolicySpec says who may send to what.
type EventPolicySpec struct {
	To      []EventPolicySpecTo      `json:"to,omitempty"`
	From    []EventPolicySpecFrom    `json:"from,omitempty"`
	Filters []SubscriptionsAPIFilter `json:"filters,omitempty"`
}

// EventPolicySpecTo is one receiver the policy applies to.
type EventPolicySpecTo struct {
	Ref      *EventPolicyToReference `json:"ref,omitempty"`
	Selector *EventPolicySelector    `json:"selector,omitempty"`
}

// EventPolicySpecFrom is one allowed sender.
type EventPolicySpecFrom struct {
	Ref *EventPolicyFromReference `json:"ref,omitempty"`
	Sub *string                   `json:"sub,omitempty"`
}

// EventPolicyToReference names a receiver in the policy's namespace.
type EventPolicyToReference struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// EventPolicyFromReference names a sender.
type EventPolicyFromReference struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
}

// EventPolicySelector selects receivers by kind and labels.
type EventPolicySelector struct {
	*metav1.LabelSelector `json:",inline"`
	*metav1.TypeMeta      `json:",inline"`
}

// EventPolicyStatus is what Knative reports of an EventPolicy.
type EventPolicyStatus struct {
	duckv1.Status `json:",inline"`
	From          []string `json:"from,omitempty"`
}

// EventPolicyConditionAuthenticationEnabled is False while Knative's OIDC
// feature is off: the policy is then not enforced.
const EventPolicyConditionAuthenticationEnabled apis.ConditionType = "AuthenticationEnabled"

// EventPolicyList is a list of EventPolicies.
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
type EventPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EventPolicy `json:"items"`
}

// GetStatus gives the wait and status code the common Knative status.
func (b *Broker) GetStatus() *duckv1.Status { return &b.Status.Status }

// GetStatus gives the wait and status code the common Knative status.
func (t *Trigger) GetStatus() *duckv1.Status { return &t.Status.Status }

// GetStatus gives the wait and status code the common Knative status.
func (c *Channel) GetStatus() *duckv1.Status { return &c.Status.Status }

// GetStatus gives the wait and status code the common Knative status.
func (s *Subscription) GetStatus() *duckv1.Status { return &s.Status.Status }

// GetStatus gives the wait and status code the common Knative status.
func (p *EventPolicy) GetStatus() *duckv1.Status { return &p.Status.Status }
