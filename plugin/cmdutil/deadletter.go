package cmdutil

import (
	"context"
	"fmt"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/reach"
)

// DeadLetterForwarder is a Factory that reaches a dead-letter store's API
// itself: unit tests serve a real store on 127.0.0.1 that way, where there
// is no API server to port-forward through.
type DeadLetterForwarder interface {
	// ForwardDeadLetterStore returns the base URL of the store's API in
	// namespace ns (on port in its pod) and what ends the connection.
	ForwardDeadLetterStore(ctx context.Context, ns string, port int) (string, func(), error)
}

// DeadLetterStore finds the namespace's dead-letter store and reaches its API
// (on the pod's loopback) by a port-forward to a ready pod of its Service, as
// tail reaches its receiver. A namespace without the store is an error that
// says how to make one. stop ends the port-forward.
func DeadLetterStore(ctx context.Context, f Factory, ns string) (*dlstore.Client, func(), error) {
	m, err := Mesh(f, wiring.DryRunNone)
	if err != nil {
		return nil, nil, err
	}
	port, err := wiring.DeadLetterAPIPort(ctx, m, ns)
	if err != nil {
		return nil, nil, err
	}
	if fw, ok := f.(DeadLetterForwarder); ok {
		base, stop, err := fw.ForwardDeadLetterStore(ctx, ns, port)
		if err != nil {
			return nil, nil, err
		}
		return dlstore.New(base), stop, nil
	}
	pp, err := reach.ResolvePodPort(ctx, m.Core, "http://"+wiring.DeadLetterName+"."+ns+".svc")
	if err != nil {
		return nil, nil, fmt.Errorf("the dead-letter store in namespace %q: %w", ns, err)
	}
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, nil, err
	}
	pp.Port = port
	fwd, err := reach.ForwardPort(cfg, pp)
	if err != nil {
		return nil, nil, fmt.Errorf("port-forward to the dead-letter store's pod %s/%s: %w", pp.Namespace, pp.Pod, err)
	}
	return dlstore.New(fmt.Sprintf("http://127.0.0.1:%d", fwd.Local)), fwd.Stop, nil
}
