// Package eventmatch decides, as Knative's broker filter does, whether a
// Trigger takes an event, and when it does not, names the first clause that
// refuses it: the exact spec.filter attributes, each spec.filters dialect
// (exact, prefix, suffix, all, any, not, cesql), and Knative's rule that a
// non-empty spec.filters makes spec.filter ignored. It is pure logic: no
// cluster, so "would this Trigger take this event" runs in CI.
package eventmatch

import (
	"fmt"
	"sort"
	"strings"

	cesql "github.com/cloudevents/sdk-go/sql/v2"
	cesqlparser "github.com/cloudevents/sdk-go/sql/v2/parser"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// result is a filter's answer, with Knative's three values: a filter that
// does not apply (empty, or one Knative cannot build and skips) passes.
type result int

const (
	noFilter result = iota
	pass
	fail
	// skipped is a filter Knative cannot build (an empty exact value, CESQL
	// that does not parse, no dialect): it leaves it out of its list.
	skipped
)

// Verdict says whether a Trigger takes an event; when it does not, Clause is
// where in the Trigger ("filters[1].any[0].exact.type") and Why what failed.
type Verdict struct {
	Takes  bool   `json:"takes"`
	Clause string `json:"clause,omitempty"`
	Why    string `json:"why,omitempty"`
	// Note is said whether or not the event is taken (spec.filter ignored,
	// a filter Knative skips).
	Note string `json:"note,omitempty"`
}

// Trigger decides for a Trigger's spec.
func Trigger(spec knapi.TriggerSpec, ev cloudevents.Event) Verdict {
	var v Verdict
	switch {
	case len(spec.Filters) > 0:
		if spec.Filter != nil && len(spec.Filter.Attributes) > 0 {
			v.Note = "spec.filter is ignored: Knative applies spec.filters alone when it is set"
		}
		var notes []string
		for i, f := range spec.Filters {
			r, clause, why, note := one(f, ev, fmt.Sprintf("filters[%d]", i))
			if note != "" {
				notes = append(notes, note)
			}
			if r == fail {
				v.Clause, v.Why = clause, why
				break
			}
		}
		v.Note = strings.Join(append(nonEmpty(v.Note), notes...), "; ")
		v.Takes = v.Clause == ""
	case spec.Filter != nil:
		v.Clause, v.Why = attributes(spec.Filter.Attributes, ev)
		v.Takes = v.Clause == ""
	default:
		v.Takes = true
	}
	return v
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// attributes is spec.filter: every attribute must be present; an empty value
// matches any non-empty one; values compare as they are held, so an
// extension that arrived as a number never equals a string.
func attributes(attrs map[string]string, ev cloudevents.Event) (string, string) {
	for _, k := range sortedKeys(attrs) {
		want := attrs[k]
		clause := "filter.attributes." + k
		got, ok := lookup(ev, k)
		switch {
		case !ok:
			return clause, fmt.Sprintf("the event has no %s", k)
		case want == "" && got == "":
			return clause, fmt.Sprintf("%s is empty (the filter asks for any non-empty value)", k)
		case want == "":
		case got != want:
			if s, isString := got.(string); isString {
				return clause, fmt.Sprintf("%s is %q, not %q", k, s, want)
			}
			return clause, fmt.Sprintf("%s is the %T %v, and spec.filter matches strings only (use spec.filters exact)", k, got, got)
		}
	}
	return "", ""
}

// one evaluates a spec.filters entry. Like Knative, it takes the first
// dialect set in the order exact, prefix, suffix, all, any, not, cesql.
func one(f knapi.SubscriptionsAPIFilter, ev cloudevents.Event, at string) (result, string, string, string) {
	switch {
	case len(f.Exact) > 0:
		return compare(f.Exact, ev, at+".exact", "", func(got, want string) bool { return got == want })
	case len(f.Prefix) > 0:
		return compare(f.Prefix, ev, at+".prefix", "does not start with", strings.HasPrefix)
	case len(f.Suffix) > 0:
		return compare(f.Suffix, ev, at+".suffix", "does not end with", strings.HasSuffix)
	case len(f.All) > 0:
		res, notes := noFilter, []string(nil)
		for i, g := range f.All {
			r, clause, why, note := one(g, ev, fmt.Sprintf("%s.all[%d]", at, i))
			notes = append(notes, nonEmpty(note)...)
			if r == fail {
				return fail, clause, why, strings.Join(notes, "; ")
			}
			if r != skipped {
				res = r
			}
		}
		return res, "", "", strings.Join(notes, "; ")
	case len(f.Any) > 0:
		res, whys, notes := noFilter, []string(nil), []string(nil)
		for i, g := range f.Any {
			r, clause, why, note := one(g, ev, fmt.Sprintf("%s.any[%d]", at, i))
			notes = append(notes, nonEmpty(note)...)
			if r == pass {
				return pass, "", "", strings.Join(notes, "; ")
			}
			if r != skipped {
				res = r
			}
			if r == fail {
				whys = append(whys, clause+": "+why)
			}
		}
		if res == fail {
			return fail, at + ".any", "no alternative matches (" + strings.Join(whys, "; ") + ")", strings.Join(notes, "; ")
		}
		return res, "", "", strings.Join(notes, "; ")
	case f.Not != nil:
		r, _, _, note := one(*f.Not, ev, at+".not")
		switch r {
		case pass:
			return fail, at + ".not", "the filter under not matches the event", note
		case fail:
			return pass, "", "", note
		}
		return noFilter, "", "", note // Knative's not over nothing, or over a skipped filter
	case f.CESQL != "":
		expr, err := parse(f.CESQL)
		if err != nil {
			return skipped, "", "", fmt.Sprintf("%s.cesql does not parse, and Knative skips it: %v", at, err)
		}
		got, err := expr.Evaluate(ev)
		if err != nil {
			return fail, at + ".cesql", fmt.Sprintf("%q fails on this event: %v", f.CESQL, err), ""
		}
		if b, ok := got.(bool); !ok || !b {
			return fail, at + ".cesql", fmt.Sprintf("%q is false for this event", f.CESQL), ""
		}
		return pass, "", "", ""
	}
	return skipped, "", "", at + " names no dialect, and Knative skips it"
}

// parse parses a CESQL expression. The SDK's parser panics on some invalid
// input (Knative's webhook refuses such a Trigger first); here it is an error.
func parse(expr string) (e cesql.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return cesqlparser.Parse(expr)
}

// compare is the exact, prefix and suffix dialects: each attribute present,
// its value (any type, as text) matching.
func compare(m map[string]string, ev cloudevents.Event, at, verb string, ok func(got, want string) bool) (result, string, string, string) {
	for k, v := range m {
		if k == "" || v == "" {
			return skipped, "", "", at + " has an empty attribute or value, and Knative skips it"
		}
	}
	for _, k := range sortedKeys(m) {
		got, found := lookup(ev, k)
		if !found {
			return fail, at + "." + k, fmt.Sprintf("the event has no %s", k), ""
		}
		s, isString := got.(string)
		if !isString {
			s = fmt.Sprintf("%v", got)
		}
		if !ok(s, m[k]) {
			if verb == "" {
				return fail, at + "." + k, fmt.Sprintf("%s is %q, not %q", k, s, m[k]), ""
			}
			return fail, at + "." + k, fmt.Sprintf("%s %q %s %q", k, s, verb, m[k]), ""
		}
	}
	return pass, "", "", ""
}

// lookup reads an attribute the way Knative's filters do: the context
// attributes always exist (empty when unset), an extension only when set.
func lookup(ev cloudevents.Event, attr string) (any, bool) {
	switch attr {
	case "specversion":
		return ev.SpecVersion(), true
	case "type":
		return ev.Type(), true
	case "source":
		return ev.Source(), true
	case "subject":
		return ev.Subject(), true
	case "id":
		return ev.ID(), true
	case "time":
		b, err := ev.Time().MarshalText()
		if err != nil {
			return nil, false
		}
		return string(b), true
	case "dataschema", "schemaurl":
		return ev.DataSchema(), true
	case "datacontenttype":
		return ev.DataContentType(), true
	case "datamediatype":
		return ev.DataMediaType(), true
	case "datacontentencoding":
		return ev.DeprecatedDataContentEncoding(), true
	}
	v, ok := ev.Extensions()[attr]
	return v, ok
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
