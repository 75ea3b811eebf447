package explain

import (
	"reflect"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// The probe's receiver Trigger has the real Trigger's filters and the mark,
// in the dialect Knative reads: spec.filters when the Trigger has them (its
// spec.filter kept, and ignored as on the Trigger), else spec.filter; the
// real Trigger is not changed.
func TestMarkedFilters(t *testing.T) {
	attrs := &knapi.TriggerFilter{Attributes: map[string]string{"type": "a"}}
	filter, filters := markedFilters(knapi.TriggerSpec{Filter: attrs}, "p1")
	if !reflect.DeepEqual(*filter, knapi.TriggerFilter{Attributes: map[string]string{"type": "a", ProbeExtension: "p1"}}) || filters != nil {
		t.Errorf("spec.filter: got %v %v", filter, filters)
	}
	if len(attrs.Attributes) != 1 {
		t.Errorf("the Trigger's own filter changed: %v", attrs.Attributes)
	}
	if filter, filters = markedFilters(knapi.TriggerSpec{}, "p2"); !reflect.DeepEqual(*filter, knapi.TriggerFilter{Attributes: map[string]string{ProbeExtension: "p2"}}) || filters != nil {
		t.Errorf("no filter: got %v %v", filter, filters)
	}
	own := []knapi.SubscriptionsAPIFilter{{CESQL: "region = 'eu'"}}
	filter, filters = markedFilters(knapi.TriggerSpec{Filter: attrs, Filters: own}, "p3")
	want := []knapi.SubscriptionsAPIFilter{{CESQL: "region = 'eu'"}, {Exact: map[string]string{ProbeExtension: "p3"}}}
	if filter != attrs || !reflect.DeepEqual(filters, want) || len(own) != 1 {
		t.Errorf("spec.filters: got %v %v", filter, filters)
	}
}
