// Package cmdtest runs kymamesh commands in unit tests: a Factory over fake
// clientsets and a helper that executes the command tree with separate stdout
// and stderr buffers, the way main does.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	discoveryv1client "k8s.io/client-go/kubernetes/typed/discovery/v1"
	"k8s.io/client-go/rest"
	eventingfake "knative.dev/eventing/pkg/client/clientset/versioned/fake"
	eventingv1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/eventing/v1"
	eventingv1alpha1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/eventing/v1alpha1"
	messagingv1client "knative.dev/eventing/pkg/client/clientset/versioned/typed/messaging/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
)

// Factory serves fake clientsets; NoCluster makes every client request fail, to
// prove a command did not need one.
type Factory struct {
	NS        string
	Kube      *k8sfake.Clientset
	Knative   *eventingfake.Clientset
	Dyn       dynamic.Interface
	NoCluster bool
}

// NewFactory returns a Factory for namespace ns holding objs (Kubernetes and
// Knative objects may be mixed).
func NewFactory(ns string, objs ...runtime.Object) *Factory {
	var kube, kn []runtime.Object
	for _, o := range objs {
		if strings.HasPrefix(reflect.TypeOf(o).Elem().PkgPath(), "knative.dev/") {
			kn = append(kn, o)
		} else {
			kube = append(kube, o)
		}
	}
	return &Factory{NS: ns, Kube: k8sfake.NewSimpleClientset(kube...), Knative: eventingfake.NewSimpleClientset(kn...)}
}

// Namespace implements cmdutil.Factory.
func (f *Factory) Namespace() (string, error) { return f.NS, nil }

// Core implements cmdutil.Factory.
func (f *Factory) Core() (corev1client.CoreV1Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Kube.CoreV1(), nil
}

// Discovery implements cmdutil.Factory.
func (f *Factory) Discovery() (discoveryv1client.DiscoveryV1Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Kube.DiscoveryV1(), nil
}

// APIDiscovery implements cmdutil.Factory.
func (f *Factory) APIDiscovery() (discovery.DiscoveryInterface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Kube.Discovery(), nil
}

// AccessReviews implements cmdutil.Factory.
func (f *Factory) AccessReviews() (authorizationv1client.SelfSubjectAccessReviewInterface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Kube.AuthorizationV1().SelfSubjectAccessReviews(), nil
}

// Policies implements cmdutil.Factory.
func (f *Factory) Policies() (eventingv1alpha1client.EventingV1alpha1Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Knative.EventingV1alpha1(), nil
}

// Eventing implements cmdutil.Factory.
func (f *Factory) Eventing() (eventingv1client.EventingV1Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Knative.EventingV1(), nil
}

// Messaging implements cmdutil.Factory.
func (f *Factory) Messaging() (messagingv1client.MessagingV1Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Knative.MessagingV1(), nil
}

var errNoCluster = errors.New("no cluster: this command should not have needed one")

// Dynamic implements cmdutil.Factory over a fake dynamic client.
func (f *Factory) Dynamic() (dynamic.Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	if f.Dyn == nil {
		f.Dyn = dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	}
	return f.Dyn, nil
}

// RESTConfig implements cmdutil.Factory; unit tests have no server.
func (f *Factory) RESTConfig() (*rest.Config, error) { return nil, errNoCluster }

// Result is what a command run printed and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
	Err            error
}

// Run executes "kubectl kymamesh ARGS" against f, with stdin, and maps the error
// to an exit code and an "error: ..." line exactly as main does.
func Run(ctx context.Context, f cmdutil.Factory, stdin string, args ...string) Result {
	var out, errOut bytes.Buffer
	s := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	root := plugin.NewCmdRootWithFactory(f, s, nil)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		errOut.WriteString("error: " + cmdutil.OneLine(err) + "\n")
	}
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: cmdutil.ExitCode(err), Err: err}
}
