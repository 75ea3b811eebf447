package wiring

import (
	"context"
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/util/retry"
)

// Client is the part of a generated typed client (Brokers(ns), Triggers(ns), ...)
// that the plugin uses; every typed client satisfies it as is.
type Client[T runtime.Object, L runtime.Object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// DryRun is kubectl's --dry-run strategy.
type DryRun int

const (
	// DryRunNone sends requests for real.
	DryRunNone DryRun = iota
	// DryRunClient builds objects and sends nothing.
	DryRunClient
	// DryRunServer sends requests that the API server validates, admits and discards.
	DryRunServer
)

// Suffix is what kubectl adds to the "<kind>/<name> <operation>" line.
func (d DryRun) Suffix() string {
	switch d {
	case DryRunClient:
		return "(dry run)"
	case DryRunServer:
		return "(server dry run)"
	}
	return ""
}

func (d DryRun) serverFlag() []string {
	if d == DryRunServer {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// Create sends obj (unless a client dry run) and returns what the server made of it.
func Create[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], obj T, dry DryRun) (T, error) {
	if dry == DryRunClient {
		return obj, nil
	}
	return c.Create(ctx, obj, metav1.CreateOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue})
}

// Update reads the named object, lets mutate change it and writes back only
// what mutate changed, retrying on conflicts. A client dry run reads but does
// not write.
//
// What goes back is a JSON merge patch from the object as read to the object
// as changed, both through the plugin's types, with the resourceVersion read
// (so a concurrent change is a conflict, and the read is retried). The server
// applies it to the object it holds, so what the plugin's types lack (a field
// of a newer Knative, another tool's field) is kept: a whole-object update
// would have sent the object without it, and the field would be gone. The
// limit: a list the plugin changes (a Trigger's spec.filters) is sent whole,
// as the plugin's types hold it.
func Update[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], name string, dry DryRun, mutate func(T) error) (T, error) {
	var out T
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := c.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		before, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		if err := mutate(cur); err != nil {
			return err
		}
		if dry == DryRunClient {
			out = cur
			return nil
		}
		patch, err := changePatch(before, cur)
		if err != nil {
			return err
		}
		out, err = c.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue})
		return err
	})
	return out, err
}

// changePatch is the JSON merge patch from before to after, carrying after's
// resourceVersion as a precondition (a merge patch with one fails with a
// conflict when the object changed since).
func changePatch(before []byte, after runtime.Object) ([]byte, error) {
	a, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	diff, err := jsonpatch.CreateMergePatch(before, a)
	if err != nil {
		return nil, fmt.Errorf("the change as a merge patch: %w", err)
	}
	var p map[string]any
	if err := json.Unmarshal(diff, &p); err != nil {
		return nil, err
	}
	m, err := meta.Accessor(after)
	if err != nil {
		return nil, err
	}
	md, _ := p["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	md["resourceVersion"] = m.GetResourceVersion()
	p["metadata"] = md
	return json.Marshal(p)
}

// Delete removes the named object. Background propagation lets the garbage
// collector remove what Knative made for it (a Trigger's Subscription).
func Delete[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], name string, dry DryRun) error {
	if dry == DryRunClient {
		_, err := c.Get(ctx, name, metav1.GetOptions{})
		return err
	}
	policy := metav1.DeletePropagationBackground
	return c.Delete(ctx, name, metav1.DeleteOptions{DryRun: dry.serverFlag(), PropagationPolicy: &policy})
}

// DeleteSelected deletes every object the label selector matches and reports
// each; resource is the singular name for messages.
func DeleteSelected[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], selector, resource, namespace string, dry DryRun) ([]Change, error) {
	list, err := c.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, APIError(err, "list", resource+"s", "", namespace)
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(items))
	for _, o := range items {
		m, err := meta.Accessor(o)
		if err != nil {
			return out, err
		}
		if err := Delete(ctx, c, m.GetName(), dry); err != nil {
			return out, APIError(err, "delete", resource, m.GetName(), namespace)
		}
		out = append(out, Change{Object: o, Op: OpDeleted})
	}
	return out, nil
}
