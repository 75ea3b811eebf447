package wiring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// Converging: wire and source create server-side apply what they build, as
// `kubectl apply --server-side` does, so that re-running them makes the
// cluster match (a changed filter, sink, Broker or image is applied; a
// deleted object is made again). Each object is reported created,
// configured or unchanged. A field another manager set (kn, kubectl edit) is
// a conflict that names field and manager, and --force-conflicts takes it;
// fields only the plugin itself set before (by an update, as older versions
// and `trigger update` do) are taken without asking.

// applyGVRs are the resources applied besides the source's.
var applyGVRs = map[string]schema.GroupVersionResource{
	"Broker":       {Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"},
	"Trigger":      {Group: "eventing.knative.dev", Version: "v1", Resource: "triggers"},
	"Subscription": {Group: "messaging.knative.dev", Version: "v1", Resource: "subscriptions"},
}

// toUnstructured turns a built object into what an apply sends.
func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	if u.GetKind() == "" {
		kinds, _, err := Scheme().ObjectKinds(obj)
		if err != nil {
			return nil, err
		}
		u.SetGroupVersionKind(kinds[0])
	}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	return u, nil
}

// current reads the object u names (nil when there is none), and returns its client.
func current(ctx context.Context, dyn dynamic.Interface, u *unstructured.Unstructured) (dynamic.ResourceInterface, *unstructured.Unstructured, error) {
	gvr, err := gvrOf(u)
	if err != nil {
		return nil, nil, err
	}
	c := dyn.Resource(gvr).Namespace(u.GetNamespace())
	cur, err := c.Get(ctx, u.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return c, nil, nil
	case err != nil:
		return nil, nil, APIError(err, "get", strings.ToLower(u.GetKind()), u.GetName(), u.GetNamespace())
	}
	return c, cur, nil
}

// applyOver applies u over cur (nil: there is none) and reports what changed.
func applyOver(ctx context.Context, c dynamic.ResourceInterface, u, cur *unstructured.Unstructured, dry DryRun, force bool) (Change, error) {
	kind := strings.ToLower(u.GetKind())
	data, err := json.Marshal(u.Object)
	if err != nil {
		return Change{}, err
	}
	apply := func(force bool) (*unstructured.Unstructured, error) {
		return c.Patch(ctx, u.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: ManagedByValue, Force: &force, DryRun: dry.serverFlag()})
	}
	got, err := apply(force)
	if apierrors.IsConflict(err) {
		if others := conflictingManagers(err); len(others) == 0 {
			got, err = apply(true) // only the plugin's own earlier updates
		} else {
			return Change{}, fmt.Errorf("conflict applying %s %q in namespace %q: %s; add --force-conflicts to take these fields over",
				kind, u.GetName(), u.GetNamespace(), strings.Join(others, ", "))
		}
	}
	if err != nil {
		return Change{}, APIError(err, "apply", kind, u.GetName(), u.GetNamespace())
	}
	switch {
	case cur == nil:
		return Change{Object: got, Op: OpCreated}, nil
	case sameContent(cur, got):
		return Change{Object: got, Op: OpUnchanged}, nil
	}
	return Change{Object: got, Op: OpConfigured}, nil
}

// conflictingManagers names each field another manager holds, from an apply
// conflict; the plugin's own earlier updates are left out.
func conflictingManagers(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return []string{err.Error()}
	}
	var out []string
	for _, c := range status.Status().Details.Causes {
		if strings.Contains(c.Message, `"`+ManagedByValue+`"`) {
			continue
		}
		out = append(out, fmt.Sprintf("%s is managed by %s", strings.TrimPrefix(c.Field, "."), strings.TrimPrefix(c.Message, "conflict with ")))
	}
	return out
}

// sameContent says whether an apply left the object as it was: everything
// but the bookkeeping the server does on every write (a server dry run
// returns what would be stored, with no new resourceVersion to compare).
func sameContent(a, b *unstructured.Unstructured) bool {
	strip := func(u *unstructured.Unstructured) map[string]any {
		c := u.DeepCopy().Object
		for _, f := range [][]string{{"metadata", "managedFields"}, {"metadata", "resourceVersion"}, {"metadata", "generation"}, {"status"}} {
			unstructured.RemoveNestedField(c, f...)
		}
		return c
	}
	return equality.Semantic.DeepEqual(strip(a), strip(b))
}

// checkSinkBinding stops a source's apply before anything is applied when
// another tool set the SinkBinding's sink (cur) to a URI: the plugin sets a
// reference, and Knative refuses a sink with both. With force, the URI is
// removed (and the reference set) in one patch, so the apply that follows
// passes the webhook. It says whether it replaced the sink.
func checkSinkBinding(ctx context.Context, c dynamic.ResourceInterface, sb, cur *unstructured.Unstructured, dry DryRun, force bool) (bool, error) {
	if cur == nil {
		return false, nil
	}
	uri, _, _ := unstructured.NestedString(cur.Object, "spec", "sink", "uri")
	if uri == "" {
		return false, nil
	}
	if !force {
		by := "another tool"
		if m := fieldManagers(cur, "f:spec", "f:sink", "f:uri"); len(m) > 0 {
			by = strings.Join(m, ", ")
		}
		return false, fmt.Errorf("sinkbinding %q in namespace %q: spec.sink.uri was set to %s by %s, and the plugin sets spec.sink.ref to the application's Channel (Knative takes one of them): add --force-conflicts to replace it; nothing was applied",
			sb.GetName(), sb.GetNamespace(), uri, by)
	}
	ref, _, _ := unstructured.NestedMap(sb.Object, "spec", "sink", "ref")
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"sink": map[string]any{"uri": nil, "ref": ref}}})
	if _, err := c.Patch(ctx, sb.GetName(), types.MergePatchType, patch, metav1.PatchOptions{FieldManager: ManagedByValue, DryRun: dry.serverFlag()}); err != nil {
		return false, APIError(err, "patch", "sinkbinding", sb.GetName(), sb.GetNamespace())
	}
	return true, nil
}

// fieldManagers names the managers that hold the field at path (managedFields' f: keys).
func fieldManagers(u *unstructured.Unstructured, path ...string) []string {
	var out []string
	for _, e := range u.GetManagedFields() {
		if e.FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		if json.Unmarshal(e.FieldsV1.Raw, &fields) != nil {
			continue
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(fields, path...); found && !slices.Contains(out, e.Manager) {
			out = append(out, fmt.Sprintf("%q", e.Manager))
		}
	}
	return out
}
