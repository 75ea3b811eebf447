package cmdutil

import (
	"context"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// ErrDryRunWrite is what a client dry run gets for any write that reaches its
// clients: a bug in a command, stopped before it touches the cluster.
var ErrDryRunWrite = fmt.Errorf("a client dry run writes nothing")

// ReadOnly wraps f so that every client it gives refuses to write: creates,
// updates, patches, applies and deletes fail with ErrDryRunWrite before any
// request leaves. RunE puts it in front of every command run with
// --dry-run=client, so that "a client dry run writes nothing" holds for the
// code path, whatever a command's own logic does. Reads still work: some dry
// runs (unwire, disable) must look at the cluster to say what they would do.
func ReadOnly(f Factory) Factory { return &readOnly{Factory: f} }

type readOnly struct {
	Factory
	dyn dynamic.Interface
}

func (r *readOnly) Dynamic() (dynamic.Interface, error) {
	if r.dyn != nil {
		return r.dyn, nil
	}
	d, err := r.Factory.Dynamic()
	if err != nil {
		return nil, err
	}
	r.dyn = readOnlyDynamic{d}
	return r.dyn, nil
}

func (r *readOnly) Core() (*typed.Core, error) {
	d, err := r.Dynamic()
	return &typed.Core{Dyn: d}, err
}

func (r *readOnly) Eventing() (*typed.Eventing, error) {
	d, err := r.Dynamic()
	return &typed.Eventing{Dyn: d}, err
}

func (r *readOnly) Messaging() (*typed.Messaging, error) {
	d, err := r.Dynamic()
	return &typed.Messaging{Dyn: d}, err
}

func (r *readOnly) Policies() (*typed.Policies, error) {
	d, err := r.Dynamic()
	return &typed.Policies{Dyn: d}, err
}

// RESTConfig refuses writes at the transport, for what is built on the
// connection itself (port-forwards).
func (r *readOnly) RESTConfig() (*rest.Config, error) {
	cfg, err := r.Factory.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(next http.RoundTripper) http.RoundTripper { return readOnlyTransport{next} })
	return cfg, nil
}

type readOnlyTransport struct{ next http.RoundTripper }

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return t.next.RoundTrip(req)
	}
	return nil, fmt.Errorf("%w: refused %s %s", ErrDryRunWrite, req.Method, req.URL.Path)
}

// readOnlyDynamic and readOnlyResource pass reads on and refuse writes.
type readOnlyDynamic struct{ d dynamic.Interface }

func (r readOnlyDynamic) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	res := r.d.Resource(gvr)
	return readOnlyResource{ResourceInterface: res, all: res, gvr: gvr}
}

type readOnlyResource struct {
	dynamic.ResourceInterface
	all dynamic.NamespaceableResourceInterface
	gvr schema.GroupVersionResource
	ns  string
}

func (r readOnlyResource) Namespace(ns string) dynamic.ResourceInterface {
	return readOnlyResource{ResourceInterface: r.all.Namespace(ns), all: r.all, gvr: r.gvr, ns: ns}
}

func (r readOnlyResource) refuse(verb, name string) error {
	where := r.gvr.Resource
	if name != "" {
		where += fmt.Sprintf(" %q", name)
	}
	if r.ns != "" {
		where += fmt.Sprintf(" in namespace %q", r.ns)
	}
	return fmt.Errorf("%w: refused to %s %s", ErrDryRunWrite, verb, where)
}

func (r readOnlyResource) Create(_ context.Context, obj *unstructured.Unstructured, _ metav1.CreateOptions, _ ...string) (*unstructured.Unstructured, error) {
	return nil, r.refuse("create", obj.GetName())
}

func (r readOnlyResource) Update(_ context.Context, obj *unstructured.Unstructured, _ metav1.UpdateOptions, _ ...string) (*unstructured.Unstructured, error) {
	return nil, r.refuse("update", obj.GetName())
}

func (r readOnlyResource) UpdateStatus(_ context.Context, obj *unstructured.Unstructured, _ metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	return nil, r.refuse("update the status of", obj.GetName())
}

func (r readOnlyResource) Delete(_ context.Context, name string, _ metav1.DeleteOptions, _ ...string) error {
	return r.refuse("delete", name)
}

func (r readOnlyResource) DeleteCollection(context.Context, metav1.DeleteOptions, metav1.ListOptions) error {
	return r.refuse("delete the collection of", "")
}

func (r readOnlyResource) Patch(_ context.Context, name string, _ types.PatchType, _ []byte, _ metav1.PatchOptions, _ ...string) (*unstructured.Unstructured, error) {
	return nil, r.refuse("patch", name)
}

func (r readOnlyResource) Apply(_ context.Context, name string, _ *unstructured.Unstructured, _ metav1.ApplyOptions, _ ...string) (*unstructured.Unstructured, error) {
	return nil, r.refuse("apply", name)
}

func (r readOnlyResource) ApplyStatus(_ context.Context, name string, _ *unstructured.Unstructured, _ metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	return nil, r.refuse("apply the status of", name)
}
