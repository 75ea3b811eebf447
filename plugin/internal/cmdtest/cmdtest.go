// Package cmdtest runs kymamesh commands in unit tests: a Factory over a fake
// dynamic client (ServeApply lets it answer server-side apply), Run, which
// executes the command tree with separate stdout and stderr buffers and maps
// the error to an exit code the way main does, and Expect, ExpectIn and
// ExpectUsageError, which compare what a run printed and its exit code. The
// nouns' external test packages (plugin/<noun>, package <noun>_test) use it.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// Factory serves a fake dynamic client (under every typed client) and fake
// discovery; NoCluster makes every client request fail, to prove a command
// did not need one. REST, when set, is the REST config RESTConfig returns
// (for port-forwards, which go to a server of the test's own); without it,
// RESTConfig fails as if there were no cluster.
type Factory struct {
	NS        string
	Dyn       *dynamicfake.FakeDynamicClient
	Disc      *fakediscovery.FakeDiscovery
	REST      *rest.Config
	NoCluster bool
	// NSErr, when set, is the error Namespace gives, as a kubeconfig that
	// cannot be read does.
	NSErr error
	// DeadLetterAPI, when set, is the base URL of a dead-letter store's API
	// (a real store on 127.0.0.1) that stands for the port-forward to it.
	DeadLetterAPI string
}

// ForwardDeadLetterStore implements cmdutil.DeadLetterForwarder with DeadLetterAPI.
func (f *Factory) ForwardDeadLetterStore(_ context.Context, _ string, _ int) (string, func(), error) {
	if f.DeadLetterAPI == "" {
		return "", nil, errors.New("no dead-letter store API in this test")
	}
	return f.DeadLetterAPI, func() {}, nil
}

// NewFactory returns a Factory for namespace ns holding objs (Kubernetes and
// Knative objects may be mixed).
func NewFactory(ns string, objs ...runtime.Object) *Factory {
	return &Factory{NS: ns, Dyn: typedfake.New(objs...), Disc: &fakediscovery.FakeDiscovery{Fake: &k8stesting.Fake{}}}
}

// Namespace implements cmdutil.Factory.
func (f *Factory) Namespace() (string, error) { return f.NS, f.NSErr }

// Core implements cmdutil.Factory.
func (f *Factory) Core() (*typed.Core, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.CoreClient(), nil
}

// CoreClient is Core for the test's own checks.
func (f *Factory) CoreClient() *typed.Core { return &typed.Core{Dyn: f.Dyn} }

// EventingClient is Eventing for the test's own checks.
func (f *Factory) EventingClient() *typed.Eventing { return &typed.Eventing{Dyn: f.Dyn} }

// APIDiscovery implements cmdutil.Factory.
func (f *Factory) APIDiscovery() (typed.Discovery, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Disc, nil
}

// AccessReviews implements cmdutil.Factory.
func (f *Factory) AccessReviews() (*typed.AccessReviewClient, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.CoreClient().SelfSubjectAccessReviews(), nil
}

// Policies implements cmdutil.Factory.
func (f *Factory) Policies() (*typed.Policies, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return &typed.Policies{Dyn: f.Dyn}, nil
}

// Eventing implements cmdutil.Factory.
func (f *Factory) Eventing() (*typed.Eventing, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.EventingClient(), nil
}

// Messaging implements cmdutil.Factory.
func (f *Factory) Messaging() (*typed.Messaging, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return &typed.Messaging{Dyn: f.Dyn}, nil
}

var errNoCluster = errors.New("no cluster: this command should not have needed one")

// Dynamic implements cmdutil.Factory.
func (f *Factory) Dynamic() (dynamic.Interface, error) {
	if f.NoCluster {
		return nil, errNoCluster
	}
	return f.Dyn, nil
}

// RESTConfig implements cmdutil.Factory; unit tests have no API server, but
// may give a server of their own in REST.
func (f *Factory) RESTConfig() (*rest.Config, error) {
	if f.NoCluster || f.REST == nil {
		return nil, errNoCluster
	}
	return f.REST, nil
}

// Result is what a command run printed and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
	Err            error
}

// Run executes "kubectl kymamesh ARGS" against f, with stdin, and maps the error
// to an exit code and an "error: ..." line exactly as main does.
func Run(ctx context.Context, f cmdutil.Factory, stdin string, args ...string) Result {
	return run(ctx, f, nil, stdin, args...)
}

// RunWithConnectionFlags is Run with kubectl's connection flags (-n,
// --request-timeout, ...) on the root, as main has them; f still serves the
// clients and the namespace.
func RunWithConnectionFlags(ctx context.Context, f cmdutil.Factory, stdin string, args ...string) Result {
	return run(ctx, f, cmdutil.NewConfigFlags(), stdin, args...)
}

func run(ctx context.Context, f cmdutil.Factory, flags *cmdutil.ConfigFlags, stdin string, args ...string) Result {
	var out, errOut bytes.Buffer
	s := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	root := plugin.NewCmdRootWithFactory(f, s, flags)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	errOut.WriteString(cmdutil.ErrorLine(err))
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: cmdutil.ExitCode(err), Err: err}
}
