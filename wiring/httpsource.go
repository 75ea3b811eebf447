package wiring

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"text/template"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

//go:embed manifests/httpsource.yaml
var httpSourceManifest string

// Labels of the objects of an application's HTTP source.
const (
	// AppLabel names the application an object belongs to.
	AppLabel = "kymamesh.kyma-project.io/application"
	// ComponentLabel marks the adapter's objects (the test bed's kubelet looks for it).
	ComponentLabel = "app.kubernetes.io/name"
	// AdapterComponent is ComponentLabel's value on adapter objects.
	AdapterComponent = "kymamesh-adapter"
	// DefaultIntegrationNamespace is where Kyma kept application sources.
	DefaultIntegrationNamespace = "kyma-integration"
	// DefaultAdapterImage is the adapter image the release publishes; the tag
	// is the plugin's version.
	DefaultAdapterImage = "ghcr.io/kubectl-kymamesh/kymamesh-adapter"
)

// HTTPSourceSpec describes an application's HTTP source adapter and Channel.
type HTTPSourceSpec struct {
	App       string
	Namespace string // the integration namespace
	Image     string
	Channel   string // channel type: imc, kafka or GROUP/VERSION/KIND; empty: cluster default
	Port      int    // the adapter's container port
	Labels    map[string]string
	// LegacyEvents makes the adapter take Kyma's events API too (/APP/v1/events).
	LegacyEvents bool
	Scale        Scale // replicas or autoscaler, CPU and memory (scale.go)
}

// AdapterName is the name of an application's adapter Deployment, Service,
// ServiceAccount and SinkBinding.
func AdapterName(app string) string { return app + "-adapter" }

// The resources of an HTTP source.
var (
	DeploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	ServicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	// HTTPSourceGVRs are all of them, in apply order.
	HTTPSourceGVRs = []schema.GroupVersionResource{
		{Version: "v1", Resource: "serviceaccounts"},
		{Group: "messaging.knative.dev", Version: "v1", Resource: "channels"},
		DeploymentsGVR,
		ServicesGVR,
		{Group: "sources.knative.dev", Version: "v1", Resource: "sinkbindings"},
		HPAGVR, // only when autoscaled
		PDBGVR, // only when more than one replica may run
	}
)

// BuildHTTPSource renders the embedded manifests for spec, in apply order.
func BuildHTTPSource(s HTTPSourceSpec) ([]*unstructured.Unstructured, error) {
	if err := ValidateAppName("APP", s.App); err != nil {
		return nil, err
	}
	if len(AdapterName(s.App)) > 63 {
		return nil, invalid.Errorf("APP", "%q is too long: the adapter's Service name %q must fit in 63 characters", s.App, AdapterName(s.App))
	}
	if err := ValidateNamespaceName("--integration-namespace", s.Namespace); err != nil {
		return nil, err
	}
	// The API server takes any image string; the kubelet then fails to pull
	// one that is not a reference (InvalidImageName) and the source never
	// becomes ready. Refused here, by the registries' own grammar.
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return nil, invalid.Errorf("--image", "%q is not an image reference: %v", s.Image, err)
	}
	if s.Port < 1 || s.Port > 65535 {
		return nil, invalid.Errorf("--port", "%d is not a port number", s.Port)
	}
	labels := managedLabels(s.Labels)
	labels[AppLabel] = s.App
	labels[ComponentLabel] = AdapterComponent
	selector := map[string]string{AppLabel: s.App, ComponentLabel: AdapterComponent}
	data := map[string]any{
		"App": quote(s.App), "Name": quote(AdapterName(s.App)), "Namespace": quote(s.Namespace), "Image": quote(s.Image), "Source": quote(s.App),
		"Port": s.Port, "MetricsPort": metricsPort(s.Port), "Labels": inline(labels), "Selector": inline(selector),
		"CredentialsSecret": quote(CredentialsSecretName(s.App)), "LegacyEvents": s.LegacyEvents,
	}
	sd, err := scaleData(s.Scale)
	if err != nil {
		return nil, err
	}
	for k, v := range sd {
		data[k] = v
	}
	if s.Channel != "" {
		tm, err := ParseChannelType("--channel", s.Channel)
		if err != nil {
			return nil, err
		}
		data["ChannelAPIVersion"], data["ChannelKind"] = tm.APIVersion, tm.Kind
	}
	return renderManifests("httpsource", httpSourceManifest, data)
}

// renderManifests renders a manifest template into its objects, in order.
func renderManifests(name, manifest string, data map[string]any) ([]*unstructured.Unstructured, error) {
	var buf bytes.Buffer
	if err := template.Must(template.New(name).Parse(manifest)).Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering the %s manifests: %w", name, err)
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(&buf, 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return nil, fmt.Errorf("decoding the %s manifests: %w", name, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, &u)
		}
	}
	return objs, nil
}

// metricsPort keeps the metrics port next to, and different from, the events port.
func metricsPort(port int) int {
	if port == 9090 {
		return 9091
	}
	return 9090
}

// quote renders a string as a JSON (and so YAML) string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// inline renders a map as a YAML flow mapping.
func inline(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}
