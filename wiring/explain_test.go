package wiring

import (
	"reflect"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/eventmatch"
)

// A dead letter's failed delivery is the Trigger that takes the event and
// sends to its knativeerrordest; a Trigger that does not take the event, or
// sends elsewhere, is not named, even with the same subscriber.
func TestFailedAtJoinsTheDestinationToTheTriggers(t *testing.T) {
	x := BrokerExplanation{Triggers: []TriggerExplanation{
		{Trigger: "a", Verdict: eventmatch.Verdict{Takes: true}, Subscriber: "http://h.shop.svc.cluster.local"},
		{Trigger: "b", Verdict: eventmatch.Verdict{Takes: false}, Subscriber: "http://h.shop.svc.cluster.local"},
		{Trigger: "c", Verdict: eventmatch.Verdict{Takes: true}, Subscriber: "http://other.shop.svc.cluster.local"},
	}}
	for dest, want := range map[string][]string{
		"http://h.shop.svc.cluster.local": {"a"},
		"http://gone.shop.svc":            {},
		"":                                {},
	} {
		if got := x.FailedAt(dest); !reflect.DeepEqual(got, want) {
			t.Errorf("FailedAt(%q) = %q, want %q", dest, got, want)
		}
	}
}
