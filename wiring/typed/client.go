// Package typed gives the plugin typed clients for the objects it reads and
// writes, built over client-go's dynamic client: one generic Client instead of
// client-go's and Knative's generated clientsets, whose registration of every
// API group weighed more than the rest of the plugin together
// (docs/benchmarks.md, "Weight").
package typed

import (
	"context"
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// Client reads and writes one resource in one namespace (or cluster-wide) as
// T, listing as L. Its methods match client-go's generated clients.
type Client[T runtime.Object, L runtime.Object] struct {
	r   dynamic.ResourceInterface
	gvk schema.GroupVersionKind
}

// New returns a Client for gvr, whose objects are of kind, in namespace ns
// ("" for cluster-scoped resources).
func New[T runtime.Object, L runtime.Object](dyn dynamic.Interface, gvr schema.GroupVersionResource, kind, ns string) *Client[T, L] {
	var r dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns != "" {
		r = dyn.Resource(gvr).Namespace(ns)
	}
	return &Client[T, L]{r: r, gvk: gvr.GroupVersion().WithKind(kind)}
}

func newOf[O runtime.Object]() O {
	var zero O
	return reflect.New(reflect.TypeOf(zero).Elem()).Interface().(O)
}

// decode turns what the server sent into O.
func decode[O runtime.Object](obj map[string]any) (O, error) {
	out := newOf[O]()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, out); err != nil {
		return out, fmt.Errorf("decoding %T: %w", out, err)
	}
	return out, nil
}

// encode turns obj into what the dynamic client sends, with its apiVersion
// and kind (typed objects built in code usually leave them empty).
func (c *Client[T, L]) encode(obj T) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(c.gvk)
	return u, nil
}

func (c *Client[T, L]) result(u *unstructured.Unstructured, err error) (T, error) {
	if err != nil {
		return newOf[T](), err
	}
	return decode[T](u.Object)
}

// Create creates obj.
func (c *Client[T, L]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	u, err := c.encode(obj)
	if err != nil {
		return newOf[T](), err
	}
	return c.result(c.r.Create(ctx, u, opts))
}

// Update replaces obj.
func (c *Client[T, L]) Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	u, err := c.encode(obj)
	if err != nil {
		return newOf[T](), err
	}
	return c.result(c.r.Update(ctx, u, opts))
}

// UpdateStatus replaces obj's status (the status subresource).
func (c *Client[T, L]) UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	u, err := c.encode(obj)
	if err != nil {
		return newOf[T](), err
	}
	return c.result(c.r.UpdateStatus(ctx, u, opts))
}

// Get reads one object.
func (c *Client[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	return c.result(c.r.Get(ctx, name, opts))
}

// Patch patches one object.
func (c *Client[T, L]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error) {
	return c.result(c.r.Patch(ctx, name, pt, data, opts, subresources...))
}

// List reads the objects opts select.
func (c *Client[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	ul, err := c.r.List(ctx, opts)
	if err != nil {
		return newOf[L](), err
	}
	// The items as plain maps: the converter cannot fill a typed item from an
	// Unstructured value.
	content := make(map[string]any, len(ul.Object)+1)
	for k, v := range ul.Object {
		content[k] = v
	}
	items := make([]any, len(ul.Items))
	for i := range ul.Items {
		items[i] = ul.Items[i].Object
	}
	content["items"] = items
	return decode[L](content)
}

// Delete deletes one object.
func (c *Client[T, L]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return c.r.Delete(ctx, name, opts)
}

// Watch follows the objects opts select; events carry T (Error events keep the
// server's Status, as apierrors.FromObject expects).
func (c *Client[T, L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := c.r.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return watch.Filter(w, func(e watch.Event) (watch.Event, bool) {
		u, ok := e.Object.(*unstructured.Unstructured)
		if !ok || e.Type == watch.Error {
			return e, true
		}
		obj, err := decode[T](u.Object)
		if err != nil {
			return watch.Event{Type: watch.Error, Object: &metav1.Status{Status: metav1.StatusFailure, Message: err.Error()}}, true
		}
		e.Object = obj
		return e, true
	}), nil
}
