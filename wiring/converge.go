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
		// the plugin's own managers: its apply, and the hand-over of
		// spec.replicas to and from an autoscaler (scale.go)
		if strings.Contains(c.Message, `"`+ManagedByValue+`"`) || strings.Contains(c.Message, `"`+handoverManager+`"`) {
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

// destinations are where each applied kind holds a Knative destination.
var destinations = map[string][]string{
	"SinkBinding":  {"spec", "sink"},
	"Subscription": {"spec", "subscriber"},
	"Trigger":      {"spec", "subscriber"},
}

// checkDestination stops an apply when another tool set the object's
// destination (cur) the other way, a URI where the plugin sets a reference or
// the reverse: an apply cannot remove another manager's field, and Knative
// refuses a destination with both. With force, the other way is removed in
// the same patch that sets the plugin's, so the apply that follows passes the
// webhook. It says whether it replaced the destination.
func checkDestination(ctx context.Context, c dynamic.ResourceInterface, u, cur *unstructured.Unstructured, dry DryRun, force bool) (bool, error) {
	path, ok := destinations[u.GetKind()]
	if !ok || cur == nil {
		return false, nil
	}
	want, _, _ := unstructured.NestedMap(u.Object, path...)
	have, _, _ := unstructured.NestedMap(cur.Object, path...)
	other := "uri"
	if _, setsURI := want["uri"]; setsURI {
		other = "ref"
	}
	if have[other] == nil {
		return false, nil
	}
	field := strings.Join(append(append([]string{}, path...), other), ".")
	kind := strings.ToLower(u.GetKind())
	if !force {
		by := "another tool"
		fpath := []string{}
		for _, p := range path {
			fpath = append(fpath, "f:"+p)
		}
		if m := fieldManagers(cur, append(fpath, "f:"+other)...); len(m) > 0 {
			by = strings.Join(m, ", ")
		}
		if uri, ok := have["uri"].(string); ok && other == "uri" {
			field += " (" + uri + ")"
		}
		return false, fmt.Errorf("%s %q in namespace %q: %s was set by %s, where the plugin sets %s.%s (Knative takes one of them): add --force-conflicts to replace it; the %s was not applied",
			kind, u.GetName(), u.GetNamespace(), field, by, strings.Join(path, "."), map[string]string{"uri": "ref", "ref": "uri"}[other], kind)
	}
	set := map[string]any{other: nil}
	for k, v := range want {
		set[k] = v
	}
	patch := map[string]any{}
	nest := patch
	for i, p := range path {
		if i == len(path)-1 {
			nest[p] = set
			break
		}
		next := map[string]any{}
		nest[p] = next
		nest = next
	}
	data, _ := json.Marshal(patch)
	if _, err := c.Patch(ctx, u.GetName(), types.MergePatchType, data, metav1.PatchOptions{FieldManager: ManagedByValue, DryRun: dry.serverFlag()}); err != nil {
		return false, APIError(err, "patch", kind, u.GetName(), u.GetNamespace())
	}
	return true, nil
}

// checkFilterKeys stops an apply of a Trigger when another tool added an
// attribute to its spec.filter that wire does not ask for: an apply leaves
// another manager's key in place, and the Trigger would then drop every event
// without it. With force (or when only the plugin itself set the key, by an
// update), the keys are removed in one patch before the apply. It says
// whether it removed any.
func checkFilterKeys(ctx context.Context, c dynamic.ResourceInterface, u, cur *unstructured.Unstructured, dry DryRun, force bool) (bool, error) {
	if u.GetKind() != "Trigger" || cur == nil {
		return false, nil
	}
	want, _, _ := unstructured.NestedStringMap(u.Object, "spec", "filter", "attributes")
	have, _, _ := unstructured.NestedStringMap(cur.Object, "spec", "filter", "attributes")
	remove := map[string]any{}
	var theirs []string
	for k := range have {
		if _, ok := want[k]; ok {
			continue
		}
		remove[k] = nil
		for _, m := range fieldManagers(cur, "f:spec", "f:filter", "f:attributes", "f:"+k) {
			if m != fmt.Sprintf("%q", ManagedByValue) {
				theirs = append(theirs, fmt.Sprintf("spec.filter.attributes.%s is managed by %s", k, m))
			}
		}
	}
	if len(remove) == 0 {
		return false, nil
	}
	if len(theirs) > 0 && !force {
		slices.Sort(theirs)
		return false, fmt.Errorf("conflict applying trigger %q in namespace %q: %s, which wire does not ask for (the Trigger would drop every event without it); add --force-conflicts to remove it",
			u.GetName(), u.GetNamespace(), strings.Join(theirs, ", "))
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"filter": map[string]any{"attributes": remove}}})
	if _, err := c.Patch(ctx, u.GetName(), types.MergePatchType, patch, metav1.PatchOptions{FieldManager: ManagedByValue, DryRun: dry.serverFlag()}); err != nil {
		return false, APIError(err, "patch", "trigger", u.GetName(), u.GetNamespace())
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
