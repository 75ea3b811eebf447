// Package cmdutil holds what every kymamesh command shares: the client factory,
// usage errors and exit codes, and the flag groups for dry runs, waiting,
// delivery and output.
package cmdutil

import (
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	discoveryv1client "k8s.io/client-go/kubernetes/typed/discovery/v1"
	"k8s.io/client-go/rest"
	eventingv1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/eventing/v1"
	eventingv1alpha1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/eventing/v1alpha1"
	messagingv1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/messaging/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Factory gives commands their namespace and clients. Clients are made on first
// use, so that a client-side dry run never needs a cluster.
type Factory interface {
	// Namespace is -n, or the kubeconfig context's namespace, or "default".
	Namespace() (string, error)
	Core() (corev1client.CoreV1Interface, error)
	// Discovery is discovery.k8s.io (EndpointSlices), not API discovery.
	Discovery() (discoveryv1client.DiscoveryV1Interface, error)
	// APIDiscovery is the server's version and the groups it serves.
	APIDiscovery() (discovery.DiscoveryInterface, error)
	// AccessReviews asks what the current user may do.
	AccessReviews() (authorizationv1client.SelfSubjectAccessReviewInterface, error)
	Eventing() (eventingv1client.EventingV1Interface, error)
	// Policies serves EventPolicies (eventing.knative.dev/v1alpha1).
	Policies() (eventingv1alpha1client.EventingV1alpha1Interface, error)
	Messaging() (messagingv1client.MessagingV1Interface, error)
	// Dynamic serves the resources without a typed client here (server-side
	// apply of manifests, SinkBindings, Deployments).
	Dynamic() (dynamic.Interface, error)
	// RESTConfig is the connection itself (for port-forwarding).
	RESTConfig() (*rest.Config, error)
}

// NewFactory builds a Factory over kubectl's standard connection flags.
func NewFactory(flags *genericclioptions.ConfigFlags) Factory {
	return &factory{flags: flags}
}

type factory struct {
	flags *genericclioptions.ConfigFlags
}

func (f *factory) Namespace() (string, error) {
	ns, _, err := f.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", err
	}
	// Checked here, once for every command, before any request uses it.
	if f.flags.Namespace != nil && *f.flags.Namespace != "" {
		return ns, wiring.ValidateNamespaceName("--namespace", ns)
	}
	return ns, wiring.ValidateNamespaceName("the kubeconfig context's namespace", ns)
}

func (f *factory) Core() (corev1client.CoreV1Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return corev1client.NewForConfig(cfg)
}

func (f *factory) Discovery() (discoveryv1client.DiscoveryV1Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return discoveryv1client.NewForConfig(cfg)
}

func (f *factory) APIDiscovery() (discovery.DiscoveryInterface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return discovery.NewDiscoveryClientForConfig(cfg)
}

func (f *factory) AccessReviews() (authorizationv1client.SelfSubjectAccessReviewInterface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	// One review per request kind the plugin makes: about fifty, which
	// client-go's default 5 requests/s would spread over ten seconds.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 100
	c, err := authorizationv1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return c.SelfSubjectAccessReviews(), nil
}

func (f *factory) Policies() (eventingv1alpha1client.EventingV1alpha1Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return eventingv1alpha1client.NewForConfig(cfg)
}

func (f *factory) Eventing() (eventingv1client.EventingV1Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return eventingv1client.NewForConfig(cfg)
}

func (f *factory) Messaging() (messagingv1client.MessagingV1Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return messagingv1client.NewForConfig(cfg)
}

func (f *factory) Dynamic() (dynamic.Interface, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return dynamic.NewForConfig(cfg)
}

func (f *factory) RESTConfig() (*rest.Config, error) { return f.flags.ToRESTConfig() }

// Mesh gathers the clients the mesh operations use; a client dry run needs
// none and gets an empty Mesh.
func Mesh(f Factory, dry wiring.DryRun) (wiring.Mesh, error) {
	var m wiring.Mesh
	if dry == wiring.DryRunClient {
		return m, nil
	}
	var err error
	if m.Core, err = f.Core(); err != nil {
		return m, err
	}
	if m.Eventing, err = f.Eventing(); err != nil {
		return m, err
	}
	if m.Messaging, err = f.Messaging(); err != nil {
		return m, err
	}
	if m.Policies, err = f.Policies(); err != nil {
		return m, err
	}
	m.Dynamic, err = f.Dynamic()
	return m, err
}
