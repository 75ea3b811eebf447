package eventmatch

import (
	"context"
	"encoding/json"
	"math/rand"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"go.uber.org/zap"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	"knative.dev/eventing/pkg/eventfilter"
	knattributes "knative.dev/eventing/pkg/eventfilter/attributes"
	"knative.dev/eventing/pkg/eventfilter/subscriptionsapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Knative's own broker filter (the test imports it; the plugin does not) and
// this package answer alike: random Trigger specs over a small vocabulary of
// attributes and values, against random events, in every dialect and nested
// all/any/not. A disagreement prints the spec and the event.
func TestAgreesWithKnativesFilter(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	attrs := []string{"type", "source", "subject", "region", "count", "tenant"}
	values := []string{"order.created", "order", ".created", "commerce", "eu", "5", ""}
	pick := func(s []string) string { return s[r.Intn(len(s))] }
	kv := func() map[string]string {
		m := map[string]string{}
		for i := 0; i <= r.Intn(2); i++ {
			m[pick(attrs)] = pick(values)
		}
		return m
	}
	cesqls := []string{"type = 'order.created'", "EXISTS region", "region = 'eu' AND count > 3", "source LIKE 'comm%'", "NOT (subject = 'x')", "false"}
	var filter func(depth int) knapi.SubscriptionsAPIFilter
	filter = func(depth int) knapi.SubscriptionsAPIFilter {
		n := 7
		if depth > 1 {
			n = 4
		}
		switch r.Intn(n) {
		case 0:
			return knapi.SubscriptionsAPIFilter{Exact: kv()}
		case 1:
			return knapi.SubscriptionsAPIFilter{Prefix: kv()}
		case 2:
			return knapi.SubscriptionsAPIFilter{Suffix: kv()}
		case 3:
			return knapi.SubscriptionsAPIFilter{CESQL: pick(cesqls)}
		case 4:
			return knapi.SubscriptionsAPIFilter{All: []knapi.SubscriptionsAPIFilter{filter(depth + 1), filter(depth + 1)}}
		case 5:
			return knapi.SubscriptionsAPIFilter{Any: []knapi.SubscriptionsAPIFilter{filter(depth + 1), filter(depth + 1)}}
		}
		f := filter(depth + 1)
		return knapi.SubscriptionsAPIFilter{Not: &f}
	}
	ctx := context.Background()
	logger := zap.NewNop()
	for i := 0; i < 3000; i++ {
		ev := cloudevents.NewEvent()
		ev.SetID("e")
		ev.SetType(pick([]string{"order.created", "order.paid"}))
		ev.SetSource(pick([]string{"commerce", "erp"}))
		if r.Intn(2) == 0 {
			ev.SetSubject(pick(values[:5]))
		}
		if r.Intn(2) == 0 {
			ev.SetExtension("region", pick([]string{"eu", "us"}))
		}
		if r.Intn(2) == 0 {
			ev.SetExtension("count", r.Intn(8))
		}
		var spec knapi.TriggerSpec
		if r.Intn(3) == 0 {
			spec.Filter = &knapi.TriggerFilter{Attributes: kv()}
		}
		for j := r.Intn(3); j > 0; j-- {
			spec.Filters = append(spec.Filters, filter(0))
		}
		// The same spec as Knative's type.
		var up eventingv1.TriggerSpec
		b, _ := json.Marshal(spec)
		if err := json.Unmarshal(b, &up); err != nil {
			t.Fatal(err)
		}
		var knative eventfilter.FilterResult
		switch {
		case len(up.Filters) > 0:
			// No Cleanup: Knative's panics on a not over a filter it skipped;
			// the few goroutines its all/any filters start end with the test.
			knative = subscriptionsapi.CreateSubscriptionsAPIFilters(logger, up.Filters).Filter(ctx, ev)
		case up.Filter != nil:
			knative = knattributes.NewAttributesFilter(up.Filter.Attributes).Filter(ctx, ev)
		default:
			knative = eventfilter.NoFilter
		}
		got := Trigger(spec, ev)
		if got.Takes != (knative != eventfilter.FailFilter) {
			t.Fatalf("spec %s on event %s: Knative says %s, eventmatch says %+v", b, ev.String(), knative, got)
		}
	}
}
