package wiring

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// ValidateName checks an object name as Kubernetes will (DNS-1123 subdomain),
// before any request is made.
func ValidateName(field, name string) error {
	if name == "" {
		return Invalidf(field, "a name is required")
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return Invalidf(field, "%q is not a valid name: %s", name, shortReason(errs))
	}
	return nil
}

// ValidateNamespaceName checks a namespace name (DNS-1123 label).
func ValidateNamespaceName(field, name string) error {
	if name == "" {
		return Invalidf(field, "a namespace name is required")
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return Invalidf(field, "%q is not a valid namespace name: %s", name, shortReason(errs))
	}
	return nil
}

// shortReason keeps apimachinery's reasons but drops the regular expression they quote.
func shortReason(errs []string) string {
	for i, e := range errs {
		if j := strings.Index(e, " (e.g."); j > 0 {
			errs[i] = e[:j]
		}
	}
	return strings.Join(errs, "; ")
}
