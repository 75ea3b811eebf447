package wiring

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// ParseKeyValues parses repeated k=v flag values into a map. With allowRemoval a
// value "k-" asks to remove k; those keys are returned separately.
func ParseKeyValues(field string, values []string, allowRemoval bool) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, v := range values {
		if allowRemoval && strings.HasSuffix(v, "-") && !strings.Contains(v, "=") {
			k := strings.TrimSuffix(v, "-")
			if err := validAttributeName(field, k); err != nil {
				return nil, nil, err
			}
			remove = append(remove, k)
			continue
		}
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return nil, nil, invalid.Errorf(field, "%q: want KEY=VALUE", v)
		}
		if err := validAttributeName(field, k); err != nil {
			return nil, nil, err
		}
		if _, dup := set[k]; dup {
			return nil, nil, invalid.Errorf(field, "attribute %q given twice", k)
		}
		if next := commaAttribute(val); next != "" {
			// kn users may write a=b,c=d; here each flag holds one filter, and
			// a value with ",name=" in it is more likely two filters than one.
			return nil, nil, invalid.Errorf(field, "%q: one KEY=VALUE per flag: write %s %s=%s %s %s", v, field, k, val[:strings.Index(val, ","+next)], field, val[strings.Index(val, ","+next)+1:])
		}
		set[k] = val
	}
	return set, remove, nil
}

// commaAttribute returns the attribute name in a value like "a,source=x"
// (kn's comma style), or "".
func commaAttribute(val string) string {
	for _, part := range strings.Split(val, ",")[1:] {
		if k, _, ok := strings.Cut(part, "="); ok && validAttributeName("", k) == nil {
			return k
		}
	}
	return ""
}

// validAttributeName applies Knative's rule for filter attribute names (its
// Trigger webhook): lower-case letters and digits, starting with a letter.
func validAttributeName(field, k string) error {
	if k == "" {
		return invalid.Errorf(field, "empty attribute name")
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return invalid.Errorf(field, "attribute name %q: only lower-case letters and digits are allowed", k)
		}
	}
	if k[0] < 'a' || k[0] > 'z' {
		return invalid.Errorf(field, "attribute name %q: must start with a lower-case letter", k)
	}
	return nil
}

// ParseFiltersFile reads a YAML (or JSON) list of Knative filter dialects and
// checks that each entry uses exactly one known dialect.
func ParseFiltersFile(field string, data []byte) ([]knapi.SubscriptionsAPIFilter, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid.Errorf(field, "the file is empty")
	}
	var filters []knapi.SubscriptionsAPIFilter
	if err := yaml.UnmarshalStrict(data, &filters); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "unknown field "); i >= 0 {
			msg = "unknown filter dialect " + strings.TrimPrefix(msg[i:], "unknown field ") + " (want exact, prefix, suffix, all, any, not or cesql)"
		}
		return nil, invalid.Errorf(field, "%s", msg)
	}
	if len(filters) == 0 {
		return nil, invalid.Errorf(field, "the list of filters is empty")
	}
	for i := range filters {
		if err := validateFilter(fmt.Sprintf("%s: filters[%d]", field, i), filters[i]); err != nil {
			return nil, err
		}
	}
	return filters, nil
}

func validateFilter(path string, f knapi.SubscriptionsAPIFilter) error {
	n := 0
	for _, set := range []bool{len(f.All) > 0, len(f.Any) > 0, f.Not != nil, len(f.Exact) > 0, len(f.Prefix) > 0, len(f.Suffix) > 0, f.CESQL != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalid.Errorf(path, "each filter needs exactly one dialect (exact, prefix, suffix, all, any, not or cesql), found %d", n)
	}
	for _, m := range []map[string]string{f.Exact, f.Prefix, f.Suffix} {
		for k := range m {
			if err := validAttributeName(path, k); err != nil {
				return err
			}
		}
	}
	if f.CESQL != "" {
		return ValidateCESQL(path+".cesql", f.CESQL)
	}
	for i, sub := range append(append([]knapi.SubscriptionsAPIFilter{}, f.All...), f.Any...) {
		if err := validateFilter(fmt.Sprintf("%s[%d]", path, i), sub); err != nil {
			return err
		}
	}
	if f.Not != nil {
		return validateFilter(path+".not", *f.Not)
	}
	return nil
}
