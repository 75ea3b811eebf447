package eventmatch

import (
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

func event() cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID("e1")
	ev.SetType("order.created")
	ev.SetSource("commerce")
	ev.SetTime(time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC))
	ev.SetExtension("region", "eu")
	ev.SetExtension("count", 5) // the SDK keeps it as an int32, as from structured JSON
	return ev
}

type filters = []knapi.SubscriptionsAPIFilter

// Each case is a Trigger spec, whether Knative's broker filter would deliver
// the event to it, and the clause that refuses it.
func TestTriggerAsKnativeFilters(t *testing.T) {
	attrs := func(kv ...string) *knapi.TriggerFilter {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return &knapi.TriggerFilter{Attributes: m}
	}
	for name, c := range map[string]struct {
		spec        knapi.TriggerSpec
		takes       bool
		clause, why string
		note        string
	}{
		"no filter takes all":                  {knapi.TriggerSpec{}, true, "", "", ""},
		"empty attributes take all":            {knapi.TriggerSpec{Filter: attrs()}, true, "", "", ""},
		"attribute equal":                      {knapi.TriggerSpec{Filter: attrs("type", "order.created", "region", "eu")}, true, "", "", ""},
		"attribute differs":                    {knapi.TriggerSpec{Filter: attrs("type", "order.paid")}, false, "filter.attributes.type", `type is "order.created", not "order.paid"`, ""},
		"attribute any value":                  {knapi.TriggerSpec{Filter: attrs("region", "")}, true, "", "", ""},
		"any value of an unset subject":        {knapi.TriggerSpec{Filter: attrs("subject", "")}, false, "filter.attributes.subject", "subject is empty (the filter asks for any non-empty value)", ""},
		"missing extension":                    {knapi.TriggerSpec{Filter: attrs("tenant", "a")}, false, "filter.attributes.tenant", "the event has no tenant", ""},
		"numeric extension never equals":       {knapi.TriggerSpec{Filter: attrs("count", "5")}, false, "filter.attributes.count", "count is the int32 5, and spec.filter matches strings only (use spec.filters exact)", ""},
		"exact as text":                        {knapi.TriggerSpec{Filters: filters{{Exact: map[string]string{"count": "5"}}}}, true, "", "", ""},
		"time as Knative renders it":           {knapi.TriggerSpec{Filters: filters{{Exact: map[string]string{"time": "2026-12-02T06:00:00Z"}}}}, true, "", "", ""},
		"prefix fails":                         {knapi.TriggerSpec{Filters: filters{{Prefix: map[string]string{"type": "invoice."}}}}, false, "filters[0].prefix.type", `type "order.created" does not start with "invoice."`, ""},
		"suffix passes":                        {knapi.TriggerSpec{Filters: filters{{Suffix: map[string]string{"type": ".created"}}}}, true, "", "", ""},
		"second filter fails":                  {knapi.TriggerSpec{Filters: filters{{Exact: map[string]string{"region": "eu"}}, {CESQL: "source = 'erp'"}}}, false, "filters[1].cesql", `"source = 'erp'" is false for this event`, ""},
		"filters make filter ignored":          {knapi.TriggerSpec{Filter: attrs("type", "nope"), Filters: filters{{CESQL: "region = 'eu'"}}}, true, "", "", "spec.filter is ignored: Knative applies spec.filters alone when it is set"},
		"all stops at the first failure":       {knapi.TriggerSpec{Filters: filters{{All: filters{{Exact: map[string]string{"type": "order.created"}}, {Exact: map[string]string{"region": "us"}}}}}}, false, "filters[0].all[1].exact.region", `region is "eu", not "us"`, ""},
		"any passes on one":                    {knapi.TriggerSpec{Filters: filters{{Any: filters{{Exact: map[string]string{"region": "us"}}, {Prefix: map[string]string{"type": "order."}}}}}}, true, "", "", ""},
		"any fails on none":                    {knapi.TriggerSpec{Filters: filters{{Any: filters{{Exact: map[string]string{"region": "us"}}, {CESQL: "false"}}}}}, false, "filters[0].any", `no alternative matches (filters[0].any[0].exact.region: region is "eu", not "us"; filters[0].any[1].cesql: "false" is false for this event)`, ""},
		"not inverts":                          {knapi.TriggerSpec{Filters: filters{{Not: &knapi.SubscriptionsAPIFilter{Exact: map[string]string{"region": "eu"}}}}}, false, "filters[0].not", "the filter under not matches the event", ""},
		"not of a failure passes":              {knapi.TriggerSpec{Filters: filters{{Not: &knapi.SubscriptionsAPIFilter{Exact: map[string]string{"region": "us"}}}}}, true, "", "", ""},
		"first dialect wins":                   {knapi.TriggerSpec{Filters: filters{{Exact: map[string]string{"region": "eu"}, CESQL: "false"}}}, true, "", "", ""},
		"cesql on a missing attribute":         {knapi.TriggerSpec{Filters: filters{{CESQL: "EXISTS tenant"}}}, false, "filters[0].cesql", `"EXISTS tenant" is false for this event`, ""},
		"cesql that does not parse is skipped": {knapi.TriggerSpec{Filters: filters{{CESQL: "type ="}}}, true, "", "", "filters[0].cesql does not parse, and Knative skips it"},
		"an empty exact value is skipped":      {knapi.TriggerSpec{Filters: filters{{Exact: map[string]string{"type": ""}}}}, true, "", "", "filters[0].exact has an empty attribute or value, and Knative skips it"},
	} {
		v := Trigger(c.spec, event())
		if v.Takes != c.takes || v.Clause != c.clause || v.Why != c.why {
			t.Errorf("%s: got %+v, want takes=%v clause=%q why=%q", name, v, c.takes, c.clause, c.why)
		}
		if c.note != "" && (len(v.Note) < len(c.note) || v.Note[:len(c.note)] != c.note) {
			t.Errorf("%s: note %q, want it to start with %q", name, v.Note, c.note)
		}
	}
}
