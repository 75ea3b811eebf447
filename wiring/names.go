package wiring

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// ValidateName checks an object name as Kubernetes will (DNS-1123 subdomain),
// before any request is made.
func ValidateName(field, name string) error {
	if name == "" {
		return invalid.Errorf(field, "a name is required")
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return invalid.Errorf(field, "%q is not a valid name: %s", name, shortReason(errs))
	}
	return nil
}

// ValidateNamespaceName checks a namespace name (DNS-1123 label).
func ValidateNamespaceName(field, name string) error {
	if name == "" {
		return invalid.Errorf(field, "a namespace name is required")
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return invalid.Errorf(field, "%q is not a valid namespace name: %s", name, shortReason(errs))
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

// channelServiceSuffix is what Knative's in-memory channel adds to a Channel's
// name for its Service; the adapter's objects add AdapterName's "-adapter".
const channelServiceSuffix = "-kn-channel"

// ValidateAppName checks an application's name for every name derived from
// it, as the API server validates each: its Channel, and the Services made
// from it (APP-adapter, and Knative's APP-kn-channel), which must be DNS-1035
// labels (a letter first, at most 63 characters). Checked before anything is
// created, so that a source is never left half-made.
func ValidateAppName(field, app string) error {
	if err := ValidateName(field, app); err != nil {
		return err
	}
	for _, derived := range []string{AdapterName(app), app + channelServiceSuffix} {
		if errs := validation.IsDNS1035Label(derived); len(errs) > 0 {
			return invalid.Errorf(field, "%q cannot name an application: its Service %q would be refused (%s); use a name that starts with a letter, of at most %d characters",
				app, derived, shortReason(errs), validation.DNS1035LabelMaxLength-len(channelServiceSuffix))
		}
	}
	return nil
}
