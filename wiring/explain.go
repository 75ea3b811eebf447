package wiring

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/rickb777/date/period"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/eventmatch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// TriggerExplanation is what happens to one event at one Trigger: whether it
// takes it (and if not, the clause that refuses it), where it goes, and what
// Knative does when that fails.
type TriggerExplanation struct {
	Trigger string `json:"trigger"`
	eventmatch.Verdict
	Subscriber string `json:"subscriber,omitempty"`
	Ready      string `json:"ready"`
	Reason     string `json:"reason,omitempty"`
	Delivery   string `json:"delivery"`
}

// BrokerExplanation is one event at a Broker and each of its Triggers.
type BrokerExplanation struct {
	Broker    string               `json:"broker"`
	Namespace string               `json:"namespace"`
	Ready     string               `json:"ready"`
	Reason    string               `json:"reason,omitempty"`
	Triggers  []TriggerExplanation `json:"triggers"`
	// Taken counts the Triggers that take the event.
	Taken int `json:"taken"`
	// Auth is whether Knative's OIDC lets the sender in; nil while OIDC is
	// off and no sender was named.
	Auth *AuthExplanation `json:"auth,omitempty"`
}

// ExplainBroker reads the Broker and its Triggers (two requests; with OIDC,
// config-features and the applied EventPolicies too) and says, for each
// Trigger, what happens to ev there, and whether sender gets in.
func ExplainBroker(ctx context.Context, m Mesh, namespace, broker string, ev cloudevents.Event, sender Sender) (BrokerExplanation, error) {
	out := BrokerExplanation{Broker: broker, Namespace: namespace, Triggers: []TriggerExplanation{}}
	b, err := m.Eventing.Brokers(namespace).Get(ctx, broker, metav1.GetOptions{})
	if err != nil {
		return out, APIError(err, "get", "broker", broker, namespace)
	}
	out.Ready, out.Reason = readyOf(apis.Conditions(b.Status.Conditions))
	auth, err := ExplainAuth(ctx, m, b, sender, ev)
	if err != nil {
		return out, err
	}
	if auth.OIDC || sender.Given {
		out.Auth = &auth
	}
	l, err := m.Eventing.Triggers(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return out, APIError(err, "list", "triggers", "", namespace)
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].Name < l.Items[j].Name })
	for i := range l.Items {
		t := &l.Items[i]
		if t.Spec.Broker != broker {
			continue
		}
		x := TriggerExplanation{Trigger: t.Name, Verdict: eventmatch.Trigger(t.Spec, ev), Subscriber: SinkString(&t.Spec.Subscriber, t.Namespace)}
		if t.Status.SubscriberURI != nil {
			x.Subscriber = t.Status.SubscriberURI.String()
		}
		x.Ready, x.Reason = readyOf(apis.Conditions(t.Status.Conditions))
		delivery, whose := t.Spec.Delivery, "the Trigger's"
		if delivery == nil {
			delivery, whose = b.Spec.Delivery, "the Broker's"
		}
		x.Delivery = DescribeDelivery(delivery, whose, t.Namespace)
		if x.Takes {
			out.Taken++
		}
		out.Triggers = append(out.Triggers, x)
	}
	return out, nil
}

// FailedAt names the Triggers whose delivery a dead letter records: those
// that take the event and whose subscriber is the failed destination
// (knativeerrordest). None when the Triggers changed since.
func (x BrokerExplanation) FailedAt(destination string) []string {
	out := []string{}
	for _, t := range x.Triggers {
		if t.Takes && destination != "" && t.Subscriber == destination {
			out = append(out, t.Trigger)
		}
	}
	return out
}

func readyOf(conds apis.Conditions) (string, string) {
	for _, c := range conds {
		if c.Type == apis.ConditionReady {
			return string(c.Status), c.Reason
		}
	}
	return "Unknown", ""
}

// DescribeDelivery says what Knative does when a delivery fails, as a
// timeline: "3 attempts over about 1.4s (the Broker's), then to the
// dead-letter sink svc:dls" or "... then dropped: no dead-letter sink".
// Knative waits backoffDelay × n between tries (linear) or × 2^n
// (exponential), n counting from 1.
func DescribeDelivery(d *eventingduckv1.DeliverySpec, whose, namespace string) string {
	if d == nil {
		return "1 attempt (no delivery settings), then dropped: no dead-letter sink"
	}
	retries := 0
	if d.Retry != nil {
		retries = int(*d.Retry)
	}
	var wait time.Duration
	if d.BackoffDelay != nil && d.BackoffPolicy != nil {
		// Parsed as Knative parses it.
		if p, err := period.Parse(*d.BackoffDelay); err == nil {
			base, _ := p.Duration()
			for n := 1; n <= retries; n++ {
				f := float64(n)
				if *d.BackoffPolicy == eventingduckv1.BackoffPolicyExponential {
					f = math.Exp2(float64(n))
				}
				wait += time.Duration(f * float64(base))
			}
		}
	}
	s := fmt.Sprintf("%d attempt", retries+1)
	if retries > 0 {
		s += fmt.Sprintf("s over about %s", wait.Round(100*time.Millisecond))
		if d.Timeout != nil {
			s += " plus up to " + *d.Timeout + " each"
		}
	}
	s += " (" + whose + ")"
	if d.DeadLetterSink != nil {
		return s + ", then to the dead-letter sink " + SinkString(d.DeadLetterSink, namespace)
	}
	return s + ", then dropped: no dead-letter sink"
}

// ExplainOffline is a Trigger given by its filters alone (no cluster): would
// it take the event.
func ExplainOffline(s TriggerSpec, ev cloudevents.Event) (eventmatch.Verdict, error) {
	t := &knapi.Trigger{}
	if err := applyTriggerFilters(t, s, false); err != nil {
		return eventmatch.Verdict{}, err
	}
	return eventmatch.Trigger(t.Spec, ev), nil
}

// AppExplanation is one event sent by an application: its source's objects,
// each Subscription from its Channel, and each Broker those reach.
type AppExplanation struct {
	App           string                    `json:"app"`
	Namespace     string                    `json:"namespace"`
	Source        SourceStatus              `json:"source"`
	Subscriptions []SubscriptionExplanation `json:"subscriptions"`
	Brokers       []BrokerExplanation       `json:"brokers"`
	// Taken counts the Triggers, over all Brokers, that take the event.
	Taken int `json:"taken"`
}

// SubscriptionExplanation is one Subscription from the application's Channel.
type SubscriptionExplanation struct {
	Name   string `json:"name"`
	Ready  string `json:"ready"`
	Reason string `json:"reason,omitempty"`
	To     string `json:"to"`
}

// ExplainApp follows ev from an application: its adapter, SinkBinding and
// Channel, each Subscription from the Channel, and each Broker one reaches,
// Trigger by Trigger. The adapter sends every event with the application's
// name as its source, so ev is asked with that source.
func ExplainApp(ctx context.Context, m Mesh, app, namespace string, ev cloudevents.Event) (AppExplanation, error) {
	out := AppExplanation{App: app, Namespace: namespace, Subscriptions: []SubscriptionExplanation{}, Brokers: []BrokerExplanation{}}
	st, err := GetSourceStatus(ctx, m.Dynamic, app, namespace)
	if err != nil {
		return out, err
	}
	out.Source = st
	subs, err := m.Messaging.Subscriptions(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return out, APIError(err, "list", "subscriptions", "", namespace)
	}
	ev.SetSource(app)
	for i := range subs.Items {
		s := &subs.Items[i]
		if s.Spec.Channel.Name != app || s.Spec.Subscriber == nil {
			continue
		}
		x := SubscriptionExplanation{Name: s.Name, To: SinkString(s.Spec.Subscriber, namespace)}
		x.Ready, x.Reason = readyOf(apis.Conditions(s.Status.Conditions))
		out.Subscriptions = append(out.Subscriptions, x)
		ref := s.Spec.Subscriber.Ref
		if ref == nil || ref.Kind != "Broker" {
			continue
		}
		ns := ref.Namespace
		if ns == "" {
			ns = namespace
		}
		b, err := ExplainBroker(ctx, m, ns, ref.Name, ev, subscriptionSender(s))
		if err != nil {
			return out, err
		}
		out.Taken += b.Taken
		out.Brokers = append(out.Brokers, b)
	}
	return out, nil
}

// subscriptionSender is a Subscription's OIDC identity: the sender of what
// it posts to its subscriber.
func subscriptionSender(s *knapi.Subscription) Sender {
	if a := s.Status.Auth; a != nil && a.ServiceAccountName != nil && *a.ServiceAccountName != "" {
		return Sender{Subject: ServiceAccountSubject(s.Namespace, *a.ServiceAccountName)}
	}
	return Sender{Unknown: fmt.Sprintf("subscription %s has no OIDC identity in its status.auth yet", s.Name)}
}
