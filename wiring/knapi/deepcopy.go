package knapi

import (
	"k8s.io/apimachinery/pkg/runtime"
)

// Deep copies, written out as deepcopy-gen would write them: the fake clients
// in tests and the scheme need them. roundtrip_test.go checks each copy marshals
// as its original.

func copyStrings(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func copyString(in *string) *string {
	if in == nil {
		return nil
	}
	s := *in
	return &s
}

// copyItems deep-copies a list's items.
func copyItems[T any, P interface {
	*T
	DeepCopyInto(*T)
}](in []T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i := range in {
		P(&in[i]).DeepCopyInto(&out[i])
	}
	return out
}

// DeepCopyInto copies f into out.
func (f *SubscriptionsAPIFilter) DeepCopyInto(out *SubscriptionsAPIFilter) {
	*out = *f
	out.All = copyFilters(f.All)
	out.Any = copyFilters(f.Any)
	if f.Not != nil {
		out.Not = new(SubscriptionsAPIFilter)
		f.Not.DeepCopyInto(out.Not)
	}
	out.Exact = copyStrings(f.Exact)
	out.Prefix = copyStrings(f.Prefix)
	out.Suffix = copyStrings(f.Suffix)
}

func copyFilters(in []SubscriptionsAPIFilter) []SubscriptionsAPIFilter {
	if in == nil {
		return nil
	}
	out := make([]SubscriptionsAPIFilter, len(in))
	for i := range in {
		in[i].DeepCopyInto(&out[i])
	}
	return out
}

// DeepCopyInto copies b into out.
func (b *Broker) DeepCopyInto(out *Broker) {
	*out = *b
	b.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Config = b.Spec.Config.DeepCopy()
	out.Spec.Delivery = b.Spec.Delivery.DeepCopy()
	b.Status.Status.DeepCopyInto(&out.Status.Status)
	b.Status.AddressStatus.DeepCopyInto(&out.Status.AddressStatus)
	b.Status.DeliveryStatus.DeepCopyInto(&out.Status.DeliveryStatus)
	b.Status.AppliedEventPoliciesStatus.DeepCopyInto(&out.Status.AppliedEventPoliciesStatus)
}

// DeepCopyObject implements runtime.Object.
func (b *Broker) DeepCopyObject() runtime.Object {
	out := new(Broker)
	b.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *BrokerList) DeepCopyObject() runtime.Object {
	out := &BrokerList{TypeMeta: l.TypeMeta, Items: copyItems(l.Items)}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	return out
}

// DeepCopyInto copies t into out.
func (t *Trigger) DeepCopyInto(out *Trigger) {
	*out = *t
	t.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.BrokerRef = t.Spec.BrokerRef.DeepCopy()
	if t.Spec.Filter != nil {
		out.Spec.Filter = &TriggerFilter{Attributes: copyStrings(t.Spec.Filter.Attributes)}
	}
	out.Spec.Filters = copyFilters(t.Spec.Filters)
	t.Spec.Subscriber.DeepCopyInto(&out.Spec.Subscriber)
	out.Spec.Delivery = t.Spec.Delivery.DeepCopy()
	t.Status.Status.DeepCopyInto(&out.Status.Status)
	out.Status.SubscriberURI = t.Status.SubscriberURI.DeepCopy()
	out.Status.SubscriberCACerts = copyString(t.Status.SubscriberCACerts)
	out.Status.SubscriberAudience = copyString(t.Status.SubscriberAudience)
	t.Status.DeliveryStatus.DeepCopyInto(&out.Status.DeliveryStatus)
	out.Status.Auth = t.Status.Auth.DeepCopy()
}

// DeepCopyObject implements runtime.Object.
func (t *Trigger) DeepCopyObject() runtime.Object {
	out := new(Trigger)
	t.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *TriggerList) DeepCopyObject() runtime.Object {
	out := &TriggerList{TypeMeta: l.TypeMeta, Items: copyItems(l.Items)}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	return out
}

// DeepCopyInto copies c into out.
func (c *Channel) DeepCopyInto(out *Channel) {
	*out = *c
	c.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if c.Spec.ChannelTemplate != nil {
		out.Spec.ChannelTemplate = &ChannelTemplateSpec{TypeMeta: c.Spec.ChannelTemplate.TypeMeta, Spec: c.Spec.ChannelTemplate.Spec.DeepCopy()}
	}
	c.Spec.ChannelableSpec.DeepCopyInto(&out.Spec.ChannelableSpec)
	c.Status.ChannelableStatus.DeepCopyInto(&out.Status.ChannelableStatus)
	out.Status.Channel = c.Status.Channel.DeepCopy()
}

// DeepCopyObject implements runtime.Object.
func (c *Channel) DeepCopyObject() runtime.Object {
	out := new(Channel)
	c.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *ChannelList) DeepCopyObject() runtime.Object {
	out := &ChannelList{TypeMeta: l.TypeMeta, Items: copyItems(l.Items)}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	return out
}

// DeepCopyInto copies s into out.
func (s *Subscription) DeepCopyInto(out *Subscription) {
	*out = *s
	s.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	s.Spec.Channel.DeepCopyInto(&out.Spec.Channel)
	out.Spec.Subscriber = s.Spec.Subscriber.DeepCopy()
	out.Spec.Reply = s.Spec.Reply.DeepCopy()
	out.Spec.Delivery = s.Spec.Delivery.DeepCopy()
	s.Status.Status.DeepCopyInto(&out.Status.Status)
	p, q := &s.Status.PhysicalSubscription, &out.Status.PhysicalSubscription
	q.SubscriberURI = p.SubscriberURI.DeepCopy()
	q.SubscriberCACerts = copyString(p.SubscriberCACerts)
	q.SubscriberAudience = copyString(p.SubscriberAudience)
	q.ReplyURI = p.ReplyURI.DeepCopy()
	q.ReplyCACerts = copyString(p.ReplyCACerts)
	q.ReplyAudience = copyString(p.ReplyAudience)
	p.DeliveryStatus.DeepCopyInto(&q.DeliveryStatus)
	out.Status.Auth = s.Status.Auth.DeepCopy()
}

// DeepCopyObject implements runtime.Object.
func (s *Subscription) DeepCopyObject() runtime.Object {
	out := new(Subscription)
	s.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *SubscriptionList) DeepCopyObject() runtime.Object {
	out := &SubscriptionList{TypeMeta: l.TypeMeta, Items: copyItems(l.Items)}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	return out
}

// DeepCopyInto copies p into out.
func (p *EventPolicy) DeepCopyInto(out *EventPolicy) {
	*out = *p
	p.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if p.Spec.To != nil {
		out.Spec.To = make([]EventPolicySpecTo, len(p.Spec.To))
		for i, to := range p.Spec.To {
			if to.Ref != nil {
				r := *to.Ref
				out.Spec.To[i].Ref = &r
			}
			if to.Selector != nil {
				sel := &EventPolicySelector{LabelSelector: to.Selector.LabelSelector.DeepCopy()}
				if to.Selector.TypeMeta != nil {
					tm := *to.Selector.TypeMeta
					sel.TypeMeta = &tm
				}
				out.Spec.To[i].Selector = sel
			}
		}
	}
	if p.Spec.From != nil {
		out.Spec.From = make([]EventPolicySpecFrom, len(p.Spec.From))
		for i, from := range p.Spec.From {
			if from.Ref != nil {
				r := *from.Ref
				out.Spec.From[i].Ref = &r
			}
			out.Spec.From[i].Sub = copyString(from.Sub)
		}
	}
	out.Spec.Filters = copyFilters(p.Spec.Filters)
	p.Status.Status.DeepCopyInto(&out.Status.Status)
	if p.Status.From != nil {
		out.Status.From = append([]string(nil), p.Status.From...)
	}
}

// DeepCopyObject implements runtime.Object.
func (p *EventPolicy) DeepCopyObject() runtime.Object {
	out := new(EventPolicy)
	p.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (l *EventPolicyList) DeepCopyObject() runtime.Object {
	out := &EventPolicyList{TypeMeta: l.TypeMeta, Items: copyItems(l.Items)}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	return out
}

// DeepCopy returns a copy of b.
func (b *Broker) DeepCopy() *Broker { return b.DeepCopyObject().(*Broker) }

// DeepCopy returns a copy of t.
func (t *Trigger) DeepCopy() *Trigger { return t.DeepCopyObject().(*Trigger) }

// DeepCopy returns a copy of c.
func (c *Channel) DeepCopy() *Channel { return c.DeepCopyObject().(*Channel) }

// DeepCopy returns a copy of s.
func (s *Subscription) DeepCopy() *Subscription { return s.DeepCopyObject().(*Subscription) }

// DeepCopy returns a copy of p.
func (p *EventPolicy) DeepCopy() *EventPolicy { return p.DeepCopyObject().(*EventPolicy) }
