package wiring

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
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
	CESQL           []string // spec.filters cesql dialect, one entry each (Knative ANDs them)
	CESQLRemove     []string // on update: cesql entries to take out of spec.filters
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
		return invalid.Errorf("--broker", "the broker of a trigger cannot be changed (%q to %q); delete and create it instead", t.Spec.Broker, s.Broker)
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
// attributes ("KEY-") and CESQL expressions.
func applyTriggerFilters(t *knapi.Trigger, s TriggerSpec, update bool) error {
	attrs, remove, err := ParseKeyValues("--filter", s.Filter, update)
	if err != nil {
		return err
	}
	if len(s.FiltersFile) > 0 {
		if len(s.Prefix)+len(s.Suffix)+len(s.CESQL)+len(s.CESQLRemove) > 0 {
			return invalid.Errorf("--filters-file", "cannot be combined with --filter-prefix, --filter-suffix or --cesql")
		}
		if t.Spec.Filters, err = ParseFiltersFile("--filters-file", s.FiltersFile); err != nil {
			return err
		}
	} else {
		if err := removeCESQL(t, s.CESQLRemove); err != nil {
			return err
		}
		filters, err := dialectFilters(s)
		if err != nil {
			return err
		}
		// Flags add to what the Trigger already has, skipping exact repeats.
		for _, f := range filters {
			if !slices.ContainsFunc(t.Spec.Filters, func(g knapi.SubscriptionsAPIFilter) bool { return equalFilter(f, g) }) {
				t.Spec.Filters = append(t.Spec.Filters, f)
			}
		}
	}
	setExactFilters(t, attrs, remove)
	if len(s.Filter)+len(s.Prefix)+len(s.Suffix)+len(s.CESQL)+len(s.CESQLRemove)+len(s.FiltersFile) > 0 {
		placeExactFilters(t)
	}
	return nil
}

// setExactFilters sets and removes --filter's attributes where the Trigger
// keeps its exact filters: spec.filter, or once it has spec.filters, their
// top-level exact entries (a removal takes the key out of both).
func setExactFilters(t *knapi.Trigger, attrs map[string]string, remove []string) {
	if len(attrs)+len(remove) == 0 {
		return
	}
	exact := t.Spec.Filters[:0:0]
	for _, f := range t.Spec.Filters {
		if len(f.Exact) > 0 {
			for k := range attrs { // set replaces: the key is matched once
				delete(f.Exact, k)
			}
			for _, k := range remove {
				delete(f.Exact, k)
			}
			if len(f.Exact) == 0 {
				continue
			}
		}
		exact = append(exact, f)
	}
	t.Spec.Filters = nilIfEmpty(exact)
	if t.Spec.Filter == nil {
		t.Spec.Filter = &knapi.TriggerFilter{}
	}
	if t.Spec.Filter.Attributes == nil {
		t.Spec.Filter.Attributes = knapi.TriggerFilterAttributes{}
	}
	maps.Copy(t.Spec.Filter.Attributes, attrs)
	for _, k := range remove {
		delete(t.Spec.Filter.Attributes, k)
	}
	if len(t.Spec.Filter.Attributes) == 0 {
		t.Spec.Filter = nil
	}
}

// placeExactFilters is the one rule for a Trigger with both kinds of filter:
// Knative ignores spec.filter when spec.filters is non-empty, which would
// deliver events the user filtered out. So once spec.filters is in use, the
// exact attributes go there, as (into the first) top-level "exact" entry,
// and spec.filter is dropped. trigger create and update, wire and tail all
// build their Triggers through it.
func placeExactFilters(t *knapi.Trigger) {
	if !FilterConflict(t) {
		return
	}
	attrs := map[string]string(t.Spec.Filter.Attributes)
	t.Spec.Filter = nil
	for i := range t.Spec.Filters {
		if len(t.Spec.Filters[i].Exact) > 0 {
			maps.Copy(t.Spec.Filters[i].Exact, attrs)
			return
		}
	}
	// First, as it reads on the command line: --filter before the dialects.
	t.Spec.Filters = append([]knapi.SubscriptionsAPIFilter{{Exact: maps.Clone(attrs)}}, t.Spec.Filters...)
}

// removeCESQL takes each expression out of t's top-level cesql filters; one
// the Trigger does not have is an error that lists those it has.
func removeCESQL(t *knapi.Trigger, exprs []string) error {
	for _, expr := range exprs {
		i := slices.IndexFunc(t.Spec.Filters, func(f knapi.SubscriptionsAPIFilter) bool { return f.CESQL == expr })
		if i < 0 {
			var have []string
			for _, f := range t.Spec.Filters {
				if f.CESQL != "" {
					have = append(have, strconv.Quote(f.CESQL))
				}
			}
			if len(have) == 0 {
				return invalid.Errorf("--cesql-remove", "trigger %q has no CESQL filter %q (it has none)", t.Name, expr)
			}
			return invalid.Errorf("--cesql-remove", "trigger %q has no CESQL filter %q (it has: %s)", t.Name, expr, strings.Join(have, ", "))
		}
		t.Spec.Filters = nilIfEmpty(slices.Delete(t.Spec.Filters, i, i+1))
	}
	return nil
}

func nilIfEmpty(f []knapi.SubscriptionsAPIFilter) []knapi.SubscriptionsAPIFilter {
	if len(f) == 0 {
		return nil
	}
	return f
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
	for i, expr := range s.CESQL {
		if err := ValidateCESQL("--cesql", expr); err != nil {
			return nil, err
		}
		if slices.Contains(s.CESQL[:i], expr) {
			return nil, invalid.Errorf("--cesql", "%q given twice", expr)
		}
		out = append(out, knapi.SubscriptionsAPIFilter{CESQL: expr})
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
