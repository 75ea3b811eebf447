// Package cmdutil holds what every kymamesh command shares: the command shape
// and RunE (Complete, Validate, Run; a client dry run gets clients that refuse
// every write), the clients' factory over kubectl's connection flags, exit
// codes, completions, create/update/list/describe/delete written once over a
// Kind (a file per verb), and the mesh operations written once as a ChangeSet
// (change.go). The flag groups, -o among them, are in plugin/flags; what is
// printed is written by output.
package cmdutil

import (
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// Factory gives commands their namespace and clients. Clients are made on first
// use, so that a client-side dry run never needs a cluster.
type Factory interface {
	// Namespace is -n, or the kubeconfig context's namespace, or "default".
	Namespace() (string, error)
	// Core serves namespaces, config maps, services and endpoint slices.
	Core() (*typed.Core, error)
	// APIDiscovery is the server's version and the resources it serves.
	APIDiscovery() (typed.Discovery, error)
	// AccessReviews asks what the current user may do.
	AccessReviews() (*typed.AccessReviewClient, error)
	Eventing() (*typed.Eventing, error)
	// Policies serves EventPolicies (eventing.knative.dev/v1alpha1).
	Policies() (*typed.Policies, error)
	Messaging() (*typed.Messaging, error)
	// Dynamic serves what has no type here (server-side apply of manifests,
	// SinkBindings, Deployments); the typed clients are built over it.
	Dynamic() (dynamic.Interface, error)
	// RESTConfig is the connection itself (for port-forwarding).
	RESTConfig() (*rest.Config, error)
}

// NewFactory builds a Factory over kubectl's standard connection flags.
func NewFactory(flags *ConfigFlags) Factory {
	return &factory{flags: flags}
}

type factory struct {
	flags *ConfigFlags
	dyn   dynamic.Interface // made once, shared by every typed client
}

func (f *factory) Namespace() (string, error) {
	ns, _, err := f.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", err
	}
	// Checked here, once for every command, before any request uses it.
	if f.flags.NamespaceSet() {
		return ns, wiring.ValidateNamespaceName("--namespace", ns)
	}
	return ns, wiring.ValidateNamespaceName("the kubeconfig context's namespace", ns)
}

func (f *factory) Dynamic() (dynamic.Interface, error) {
	if f.dyn != nil {
		return f.dyn, nil
	}
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	f.dyn, err = dynamic.NewForConfig(cfg)
	return f.dyn, err
}

func (f *factory) Core() (*typed.Core, error) {
	dyn, err := f.Dynamic()
	return &typed.Core{Dyn: dyn}, err
}

func (f *factory) Eventing() (*typed.Eventing, error) {
	dyn, err := f.Dynamic()
	return &typed.Eventing{Dyn: dyn}, err
}

func (f *factory) Messaging() (*typed.Messaging, error) {
	dyn, err := f.Dynamic()
	return &typed.Messaging{Dyn: dyn}, err
}

func (f *factory) Policies() (*typed.Policies, error) {
	dyn, err := f.Dynamic()
	return &typed.Policies{Dyn: dyn}, err
}

func (f *factory) APIDiscovery() (typed.Discovery, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return typed.NewDiscovery(cfg)
}

func (f *factory) AccessReviews() (*typed.AccessReviewClient, error) {
	cfg, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	// One review per request kind the plugin makes: about fifty, which
	// client-go's default 5 requests/s would spread over ten seconds.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 100
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return (&typed.Core{Dyn: dyn}).SelfSubjectAccessReviews(), nil
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
	if m.Discovery, err = f.APIDiscovery(); err != nil {
		return m, err
	}
	m.Dynamic, err = f.Dynamic()
	return m, err
}
