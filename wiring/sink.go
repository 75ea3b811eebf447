package wiring

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/client/pkg/flags/sink"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// knownKinds maps the resources kn's sink prefixes name to their kinds, so a
// sink becomes a reference without a discovery round-trip.
var knownKinds = map[schema.GroupVersionResource]string{
	{Group: "serving.knative.dev", Version: "v1", Resource: "services"}:           "Service",
	{Group: "", Version: "v1", Resource: "services"}:                              "Service",
	{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}:           "Broker",
	{Group: "messaging.knative.dev", Version: "v1", Resource: "channels"}:         "Channel",
	{Group: "messaging.knative.dev", Version: "v1", Resource: "inmemorychannels"}: "InMemoryChannel",
	{Group: "flows.knative.dev", Version: "v1", Resource: "sequences"}:            "Sequence",
	{Group: "flows.knative.dev", Version: "v1", Resource: "parallels"}:            "Parallel",
	// Knative's newer sinks (1.15 and later), by the prefixes in sinkMappings.
	{Group: "sinks.knative.dev", Version: "v1alpha1", Resource: "jobsinks"}:           "JobSink",
	{Group: "sinks.knative.dev", Version: "v1alpha1", Resource: "integrationsinks"}:   "IntegrationSink",
	{Group: "eventing.knative.dev", Version: "v1alpha1", Resource: "eventtransforms"}: "EventTransform",
}

// sinkMappings are kn's sink prefixes and three more for Knative's newer
// sinks, named after their kinds as kn names its own (broker, channel):
// jobsink:NAME, integrationsink:NAME, eventtransform:NAME.
var sinkMappings = func() map[string]schema.GroupVersionResource {
	m := map[string]schema.GroupVersionResource{}
	for k, v := range sink.DefaultMappings {
		m[k] = v
	}
	m["jobsink"] = schema.GroupVersionResource{Group: "sinks.knative.dev", Version: "v1alpha1", Resource: "jobsinks"}
	m["integrationsink"] = schema.GroupVersionResource{Group: "sinks.knative.dev", Version: "v1alpha1", Resource: "integrationsinks"}
	m["eventtransform"] = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1alpha1", Resource: "eventtransforms"}
	return m
}()

// sinkPrefixes are the short prefixes SinkString writes back, by kind and apiVersion.
var sinkPrefixes = map[string]string{
	"Broker eventing.knative.dev/v1":               "broker",
	"Channel messaging.knative.dev/v1":             "channel",
	"Service serving.knative.dev/v1":               "ksvc",
	"Service v1":                                   "svc",
	"JobSink sinks.knative.dev/v1alpha1":           "jobsink",
	"IntegrationSink sinks.knative.dev/v1alpha1":   "integrationsink",
	"EventTransform eventing.knative.dev/v1alpha1": "eventtransform",
}

// ParseSink turns kn's sink syntax into a Destination without asking the cluster:
// ksvc:NAME[:NS], svc:NAME[:NS], broker:NAME[:NS], channel:NAME[:NS],
// GROUP/VERSION/RESOURCE:NAME[:NS] (for the resources kn knows), KIND:APIVERSION:NAME,
// or an http(s) URL. namespace is the current namespace.
func ParseSink(field, value, namespace string) (*duckv1.Destination, error) {
	if value == "" {
		return nil, invalid.Errorf(field, "a sink is required")
	}
	if meant, ok := urlTypo(value); ok {
		return nil, invalid.Errorf(field, "%q: did you mean %q?", value, meant)
	}
	if kind, apiVersion, name, ok := kindAPIVersionName(value); ok {
		if _, err := schema.ParseGroupVersion(apiVersion); err != nil || name == "" {
			return nil, invalid.Errorf(field, "%q: want KIND:APIVERSION:NAME", value)
		}
		ref := &duckv1.KReference{Kind: kind, APIVersion: apiVersion, Name: name, Namespace: namespace}
		return &duckv1.Destination{Ref: ref}, checkRef(field, value, ref)
	}
	if strings.HasPrefix(value, "http:") || strings.HasPrefix(value, "https:") {
		u, err := apis.ParseURL(value)
		if err != nil || u.Host == "" {
			return nil, invalid.Errorf(field, "%q is not a valid URL", value)
		}
		return &duckv1.Destination{URI: u}, nil
	}
	ref, err := sink.Parse(value, namespace, sinkMappings)
	if err != nil || ref.KubeReference == nil {
		return nil, invalid.Errorf(field, "%q: want ksvc:NAME, svc:NAME, broker:NAME, channel:NAME, jobsink:NAME, integrationsink:NAME, eventtransform:NAME (each with an optional :NAMESPACE), KIND:APIVERSION:NAME or a URL", value)
	}
	kind, ok := knownKinds[ref.GVR]
	if !ok {
		return nil, invalid.Errorf(field, "%q: unknown sink type %q; use KIND:APIVERSION:NAME for other kinds", value, strings.SplitN(value, ":", 2)[0])
	}
	if parts := strings.SplitN(value, ":", 3); ref.Name == "" || len(parts) == 3 && parts[2] == "" {
		return nil, invalid.Errorf(field, "%q: the name and namespace must not be empty", value)
	}
	kref := &duckv1.KReference{Kind: kind, APIVersion: ref.GVR.GroupVersion().String(), Name: ref.Name, Namespace: ref.Namespace}
	return &duckv1.Destination{Ref: kref}, checkRef(field, value, kref)
}

// urlTypo recognises a URL missing its colon or a slash (http//host,
// http:/host, http:host), which would otherwise be read as a Knative
// Service name (or refused as a URL without a host), and returns the URL
// meant.
func urlTypo(value string) (string, bool) {
	for _, scheme := range []string{"https", "http"} {
		rest, ok := strings.CutPrefix(value, scheme)
		if !ok || strings.HasPrefix(rest, "://") {
			continue
		}
		for _, typo := range []string{"//", ":/", ":"} {
			if host, ok := strings.CutPrefix(rest, typo); ok && host != "" {
				return scheme + "://" + host, true
			}
		}
	}
	return "", false
}

// checkRef refuses a reference the API server would: a name that is not a
// DNS-1123 subdomain, a namespace that is not a DNS-1123 label (which is
// also what an extra ":part" in the sink makes it).
func checkRef(field, value string, ref *duckv1.KReference) error {
	if errs := validation.IsDNS1123Subdomain(ref.Name); len(errs) > 0 {
		return invalid.Errorf(field, "%q: %q is not a valid name: %s", value, ref.Name, shortReason(errs))
	}
	if ref.Namespace == "" {
		return nil
	}
	if errs := validation.IsDNS1123Label(ref.Namespace); len(errs) > 0 {
		if strings.Contains(ref.Namespace, ":") {
			return invalid.Errorf(field, "%q: too many parts: want PREFIX:NAME[:NAMESPACE]", value)
		}
		return invalid.Errorf(field, "%q: %q is not a valid namespace name: %s", value, ref.Namespace, shortReason(errs))
	}
	return nil
}

// kindAPIVersionName recognises KIND:APIVERSION:NAME, whose middle part holds a '/'
// (core "v1" is written as "v1" and so is told apart by a capitalised kind).
func kindAPIVersionName(v string) (kind, apiVersion, name string, ok bool) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 || parts[0] == "" || parts[0][0] < 'A' || parts[0][0] > 'Z' {
		return "", "", "", false
	}
	if !strings.Contains(parts[1], "/") && parts[1] != "v1" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// SinkString renders a Destination in the sink syntax, for tables and describe.
func SinkString(d *duckv1.Destination, namespace string) string {
	if d == nil {
		return ""
	}
	if d.Ref == nil {
		if d.URI != nil {
			return d.URI.String()
		}
		return ""
	}
	prefix, ok := sinkPrefixes[d.Ref.Kind+" "+d.Ref.APIVersion]
	if !ok {
		prefix = d.Ref.Kind + ":" + d.Ref.APIVersion
	}
	s := prefix + ":" + d.Ref.Name
	if d.Ref.Namespace != "" && d.Ref.Namespace != namespace {
		s += ":" + d.Ref.Namespace
	}
	if d.URI != nil {
		s += " (" + d.URI.String() + ")"
	}
	return s
}

// SinkResource is the resource of a sink reference's kind: the one kn knows
// for it, else the kind's plural by convention.
func SinkResource(ref *duckv1.KReference) (schema.GroupVersionResource, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	for r, k := range knownKinds {
		if k == ref.Kind && r.GroupVersion() == gv {
			return r, nil
		}
	}
	return gv.WithResource(strings.ToLower(ref.Kind) + "s"), nil
}
