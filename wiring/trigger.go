package wiring

import (
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// TriggerSpec is what a user can say about a Trigger. On update, empty fields
// keep what the Trigger has.
type TriggerSpec struct {
	Name, Namespace string
	Broker          string
	Sink            string
	Filter          []string // exact attributes (spec.filter), "k=v"; on update "k-" removes k
	Prefix, Suffix  []string // spec.filters prefix / suffix dialects, "k=v"
	CESQL           string   // spec.filters cesql dialect
	FiltersFile     []byte   // spec.filters as a YAML list, replaces the three above
	Delivery        DeliveryOptions
	Labels          map[string]string
}

// BuildTrigger returns the Trigger for spec.
func BuildTrigger(s TriggerSpec) (*knapi.Trigger, error) {
	if err := ValidateName("NAME", s.Name); err != nil {
		return nil, err
	}
	if err := ValidateName("--broker", s.Broker); err != nil {
		return nil, err
	}
	t := &knapi.Trigger{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: managedLabels(s.Labels)},
		Spec:       knapi.TriggerSpec{Broker: s.Broker},
	}
	dest, err := ParseSink("--sink", s.Sink, s.Namespace)
	if err != nil {
		return nil, err
	}
	t.Spec.Subscriber = *dest
	if err := applyTriggerFilters(t, s, false); err != nil {
		return nil, err
	}
	t.Spec.Delivery, err = ApplyDelivery(nil, s.Delivery, s.Namespace)
	return t, err
}

// UpdateTrigger applies spec's non-empty fields to t. The broker of a Trigger is
// immutable in Knative; asking to change it is an error here, not at the webhook.
func UpdateTrigger(t *knapi.Trigger, s TriggerSpec) error {
	if s.Broker != "" && s.Broker != t.Spec.Broker {
		return Invalidf("--broker", "the broker of a trigger cannot be changed (%q to %q); delete and create it instead", t.Spec.Broker, s.Broker)
	}
	if s.Sink != "" {
		dest, err := ParseSink("--sink", s.Sink, t.Namespace)
		if err != nil {
			return err
		}
		t.Spec.Subscriber = *dest
	}
	if err := applyTriggerFilters(t, s, true); err != nil {
		return err
	}
	d, err := ApplyDelivery(t.Spec.Delivery, s.Delivery, t.Namespace)
	t.Spec.Delivery = d
	return err
}

// applyTriggerFilters sets the filters of s on t; only an update may remove
// attributes ("KEY-").
func applyTriggerFilters(t *knapi.Trigger, s TriggerSpec, update bool) error {
	attrs, remove, err := ParseKeyValues("--filter", s.Filter, update)
	if err != nil {
		return err
	}
	if len(attrs) > 0 || len(remove) > 0 {
		if t.Spec.Filter == nil {
			t.Spec.Filter = &knapi.TriggerFilter{}
		}
		if t.Spec.Filter.Attributes == nil {
			t.Spec.Filter.Attributes = knapi.TriggerFilterAttributes{}
		}
		for k, v := range attrs {
			t.Spec.Filter.Attributes[k] = v
		}
		for _, k := range remove {
			delete(t.Spec.Filter.Attributes, k)
		}
		if len(t.Spec.Filter.Attributes) == 0 {
			t.Spec.Filter = nil
		}
	}
	if len(s.FiltersFile) > 0 {
		if len(s.Prefix)+len(s.Suffix) > 0 || s.CESQL != "" {
			return Invalidf("--filters-file", "cannot be combined with --filter-prefix, --filter-suffix or --cesql")
		}
		t.Spec.Filters, err = ParseFiltersFile("--filters-file", s.FiltersFile)
		return err
	}
	filters, err := dialectFilters(s)
	if err != nil || len(filters) == 0 {
		return err
	}
	// Flags add to what the Trigger already has, skipping exact repeats.
	for _, f := range filters {
		if !slices.ContainsFunc(t.Spec.Filters, func(g knapi.SubscriptionsAPIFilter) bool { return equalFilter(f, g) }) {
			t.Spec.Filters = append(t.Spec.Filters, f)
		}
	}
	return nil
}

func dialectFilters(s TriggerSpec) ([]knapi.SubscriptionsAPIFilter, error) {
	var out []knapi.SubscriptionsAPIFilter
	prefix, _, err := ParseKeyValues("--filter-prefix", s.Prefix, false)
	if err != nil {
		return nil, err
	}
	suffix, _, err := ParseKeyValues("--filter-suffix", s.Suffix, false)
	if err != nil {
		return nil, err
	}
	if len(prefix) > 0 {
		out = append(out, knapi.SubscriptionsAPIFilter{Prefix: prefix})
	}
	if len(suffix) > 0 {
		out = append(out, knapi.SubscriptionsAPIFilter{Suffix: suffix})
	}
	if s.CESQL != "" {
		if err := ValidateCESQL("--cesql", s.CESQL); err != nil {
			return nil, err
		}
		out = append(out, knapi.SubscriptionsAPIFilter{CESQL: s.CESQL})
	}
	return out, nil
}

func equalFilter(a, b knapi.SubscriptionsAPIFilter) bool {
	return a.CESQL == b.CESQL && maps.Equal(a.Prefix, b.Prefix) && maps.Equal(a.Suffix, b.Suffix) &&
		maps.Equal(a.Exact, b.Exact) && len(a.All)+len(a.Any)+len(b.All)+len(b.Any) == 0 && a.Not == nil && b.Not == nil
}

// FilterConflict says whether Knative will ignore spec.filter because spec.filters
// is also set; the CLI warns about it.
func FilterConflict(t *knapi.Trigger) bool {
	return t.Spec.Filter != nil && len(t.Spec.Filter.Attributes) > 0 && len(t.Spec.Filters) > 0
}
