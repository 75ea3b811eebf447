package wiring

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// ErrNotInstalled says the Knative Eventing API is missing on the cluster; the
// message starts with the product's name, hence the capital letter. Every
// NotInstalledError matches it with errors.Is, whichever API is missing.
var ErrNotInstalled = &NotInstalledError{Product: "Knative Eventing", GroupVersion: "eventing.knative.dev/v1"}

// NotInstalledError names the API a request needed that the cluster does not
// serve, by the product that brings it: a missing Knative Serving is not
// reported as a missing Knative Eventing.
type NotInstalledError struct {
	Product      string // "Knative Serving"
	GroupVersion string // "serving.knative.dev/v1"
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("%s is not installed (%s not found)", e.Product, e.GroupVersion)
}

// Is makes every NotInstalledError match ErrNotInstalled.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// apiOf is the group version of each Knative resource the plugin asks for,
// by the names APIError is given (kind or resource, singular or plural).
// Core and apps resources are always served and are not listed; "service"
// is therefore Knative Serving's.
var apiOf = func() map[string]schema.GroupVersion {
	m := map[string]schema.GroupVersion{}
	add := func(gv schema.GroupVersion, names ...string) {
		for _, n := range names {
			m[n] = gv
		}
	}
	eventing := schema.GroupVersion{Group: "eventing.knative.dev", Version: "v1"}
	messaging := schema.GroupVersion{Group: "messaging.knative.dev", Version: "v1"}
	sources := schema.GroupVersion{Group: "sources.knative.dev", Version: "v1"}
	add(eventing, "broker", "brokers", "trigger", "triggers")
	add(schema.GroupVersion{Group: "eventing.knative.dev", Version: "v1alpha1"}, "eventpolicy", "eventpolicies")
	add(messaging, "channel", "channels", "subscription", "subscriptions", "inmemorychannel", "inmemorychannels")
	add(schema.GroupVersion{Group: "messaging.knative.dev", Version: "v1beta1"}, "kafkachannel", "kafkachannels")
	add(schema.GroupVersion{Group: "flows.knative.dev", Version: "v1"}, "sequence", "sequences", "parallel", "parallels")
	add(sources, "sinkbinding", "sinkbindings", "pingsource", "pingsources", "apiserversource", "apiserversources",
		"containersource", "containersources")
	add(schema.GroupVersion{Group: "serving.knative.dev", Version: "v1"}, "service", "services", "ksvc")
	return m
}()

// notInstalled names the product that serves resource's API.
func notInstalled(resource string) error {
	gv, ok := apiOf[strings.ToLower(resource)]
	if !ok {
		return fmt.Errorf("the cluster does not serve the API of %s: install what provides it ('kubectl kymamesh doctor' lists the Knative APIs served)", resource)
	}
	product := "Knative Eventing"
	switch {
	case gv.Group == "serving.knative.dev":
		product = "Knative Serving"
	case gv.Group == "sources.knative.dev":
		product = "Knative Eventing's sources API"
	case strings.HasPrefix(resource, "kafkachannel"):
		product = "Knative's Kafka channel"
	}
	return &NotInstalledError{Product: product, GroupVersion: gv.String()}
}

// ErrWaitTimeout is returned when an object did not become Ready in time.
var ErrWaitTimeout = errors.New("timed out waiting for the condition")

// APIError turns an API failure into a one-line message that names the verb,
// resource and namespace; a missing Knative CRD becomes ErrNotInstalled.
func APIError(err error, verb, resource, name, namespace string) error {
	if err == nil || errors.Is(err, invalid.Err) {
		return err
	}
	what := resource
	if name != "" {
		what = fmt.Sprintf("%s %q", resource, name)
	}
	where := ""
	if namespace != "" {
		where = fmt.Sprintf(" in namespace %q", namespace)
	}
	switch {
	case isMissingAPI(err):
		return notInstalled(resource)
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "because it is being terminated"):
		// The API server says "forbidden", but nothing is: the namespace is
		// being deleted (unwire may just have removed it).
		return fmt.Errorf("cannot %s %s%s: the namespace is being deleted; wait until it is gone (kubectl wait --for=delete namespace/NAME), then run again: %w",
			verb, what, where, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: cannot %s %s%s: %w", verb, what, where, trimForbidden(err))
	case missingNamespace(err, resource) != "":
		ns := missingNamespace(err, resource)
		return &wrapped{fmt.Sprintf("namespace %q does not exist: create it with 'kubectl create namespace %s'", ns, ns), err}
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s not found%s: %w", what, where, err)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s already exists%s: %w", what, where, err)
	case featureOff(err) != nil:
		// Worded as policy allow's refusal for OIDC, the other feature flag;
		// Knative's own words follow, in parentheses.
		f := featureOff(err)
		return fmt.Errorf("cannot %s %s%s: %s needs Knative's feature %s, which is off; turn it on with: "+
			`kubectl -n knative-eventing patch configmap config-features -p '{"data":{"%s":"enabled"}}', or leave out %s (%w)`,
			verb, what, where, f.Flag, f.Name, f.Name, f.Flag, err)
	}
	return fmt.Errorf("cannot %s %s%s: %w", verb, what, where, err)
}

// feature is one of Knative Eventing's feature flags (config-features in
// knative-eventing) that decides whether Knative takes a delivery field the
// plugin sets, with the plugin's flag for it.
type feature struct {
	Name    string // "delivery-retryafter"
	Field   string // the field Knative refuses while it is off: "retryAfterMax"
	Flag    string // "--retry-after-max"
	Default bool   // Knative's default when config-features does not say
}

// deliveryFeatures are the feature flags that gate delivery fields (Knative
// v1.x's pkg/apis/feature defaults).
func deliveryFeatures() []feature {
	return []feature{
		{Name: "delivery-retryafter", Field: "retryAfterMax", Flag: "--retry-after-max"},
		{Name: "delivery-timeout", Field: "timeout", Flag: "--delivery-timeout", Default: true},
	}
}

// featureOff recognises Knative's webhook refusing a delivery field because
// its feature flag is off ("must not set the field(s): spec.delivery.retryAfterMax"),
// a raw refusal that does not say a flag would allow it.
func featureOff(err error) *feature {
	msg := err.Error()
	i := strings.Index(msg, "must not set the field(s):")
	if i < 0 {
		return nil
	}
	for _, f := range deliveryFeatures() {
		if strings.Contains(msg[i:], "delivery."+f.Field) {
			return &f
		}
	}
	return nil
}

// missingNamespace returns the namespace a NotFound is about when it is not
// the object asked for but its namespace: the API server refuses a create
// in a namespace that does not exist with NotFound for "namespaces", which
// would otherwise read "trigger not found".
func missingNamespace(err error, resource string) string {
	var st apierrors.APIStatus
	if resource == "namespace" || resource == "namespaces" || !errors.As(err, &st) || !apierrors.IsNotFound(err) {
		return ""
	}
	if d := st.Status().Details; d != nil && d.Group == "" && d.Kind == "namespaces" {
		return d.Name
	}
	return ""
}

// wrapped is an error with its own message that still matches what it wraps
// (errors.Is(err, NotFound) and the like).
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// isMissingAPI tells a 404 for the resource type (no CRD) from one for a named object.
func isMissingAPI(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	// An object that does not exist is named in the message; a missing resource
	// type gets the API server's generic answer instead.
	s := st.Status()
	return s.Code == 404 && s.Reason == metav1.StatusReasonNotFound &&
		strings.Contains(s.Message, "could not find the requested resource")
}

// trimForbidden keeps the API server's reason but drops its long prefix.
func trimForbidden(err error) error {
	// Still the API server's error underneath: callers that degrade on a
	// refusal (status, doctor) ask apierrors.IsForbidden.
	return &wrapped{strings.TrimSpace(strings.TrimPrefix(err.Error(), "forbidden:")), err}
}
