// Package wiring builds the Kubernetes and Knative objects of the mesh and applies,
// waits for and removes them. It holds no cobra and does no printing.
package wiring

import (
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// NewScheme registers every type the plugin reads or writes, so that printers can
// fill in apiVersion and kind (objects built in code, as dry runs print them, have none).
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, knapi.AddToScheme} {
		if err := add(s); err != nil {
			// Registering generated types only fails on programming errors.
			panic(err)
		}
	}
	return s
}

// Labels and annotations that mark what the plugin created, so that removal
// touches exactly that and nothing else.
const (
	// ManagedByLabel is the standard label set on every object the plugin creates.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is this tool's value of ManagedByLabel.
	ManagedByValue = "kubectl-kymamesh"
	// EnabledByLabel marks the objects `enable ns` created in a namespace.
	EnabledByLabel = "kymamesh.kyma-project.io/enabled-by"
	// InjectionAddedAnnotation records that `enable ns` added the injection label.
	InjectionAddedAnnotation = "kymamesh.kyma-project.io/injection-label-added"
	// InjectionLabel is Knative's namespace label for broker injection.
	InjectionLabel = "eventing.knative.dev/injection"
	// BrokerClassAnnotation selects the Broker implementation.
	BrokerClassAnnotation = "eventing.knative.dev/broker.class"
	// DefaultBrokerClass is the multi-tenant channel-based Broker.
	DefaultBrokerClass = "MTChannelBasedBroker"
	// ChannelTemplateKey is the ConfigMap key a channel-based Broker reads its template from.
	ChannelTemplateKey = "channel-template-spec"
)

func managedLabels(extra map[string]string) map[string]string {
	l := map[string]string{ManagedByLabel: ManagedByValue}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// IsManaged says whether obj carries this tool's managed-by label.
func IsManaged(obj runtime.Object) bool {
	m, ok := obj.(interface{ GetLabels() map[string]string })
	return ok && m.GetLabels()[ManagedByLabel] == ManagedByValue
}

// Scheme is built once per process, on first use: commands that print nothing
// never pay for it.
var Scheme = sync.OnceValue(func() *runtime.Scheme { return NewScheme() })

// ResourceName returns kubectl's "<kind>.<group>/<name>" for obj.
func ResourceName(obj runtime.Object) (string, error) {
	kinds, _, err := Scheme().ObjectKinds(obj)
	if err != nil {
		return "", err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", err
	}
	gk := kinds[0].GroupKind()
	return strings.ToLower(gk.Kind) + dotGroup(gk.Group) + "/" + m.GetName(), nil
}

func dotGroup(g string) string {
	if g == "" {
		return ""
	}
	return "." + g
}
