package wiring

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// The ownership model (docs/usage.md, "What the plugin owns"): the plugin
// deletes an object only when it carries the plugin's marks; a Broker or a
// Channel only when nothing else depends on it (and a Broker only when nobody
// changed it since); a namespace only when the plugin created it and nothing
// is left in it but what this removal deletes. In doubt (a list it cannot make) it keeps
// the object and says why. DeleteOptions.InUse deletes Brokers and Channels
// anyway (--delete-in-use); namespaces are never forced.

// OpKept is reported for an object a removal left in place; Change.Reason says why.
const OpKept = "kept"

// DeleteOptions are the choices of the commands that remove what the plugin made.
type DeleteOptions struct {
	// InUse deletes a Broker or Channel even when others use or changed it.
	InUse bool
}

// deletedUIDs are the objects a removal deleted (or, in a dry run, would
// delete): they no longer count as left behind or as dependents.
func deletedUIDs(changes []Change) map[types.UID]bool {
	gone := map[types.UID]bool{}
	for _, c := range changes {
		if c.Op != OpDeleted {
			continue
		}
		if m, err := meta.Accessor(c.Object); err == nil && m.GetUID() != "" {
			gone[m.GetUID()] = true
		}
	}
	return gone
}

// brokerUsers names what still depends on the Broker: Triggers on it,
// Subscriptions delivering to it (in every namespace the user may list, else
// in its own and in alsoIn), and sources whose sink is it; and a change
// someone made to its spec since it was created.
func brokerUsers(ctx context.Context, m Mesh, b metav1.Object, gone map[types.UID]bool, alsoIn string) ([]string, error) {
	var users []string
	if b.GetGeneration() > 1 {
		users = append(users, fmt.Sprintf("its spec was changed since it was made (generation %d)", b.GetGeneration()))
	}
	ns, name := b.GetNamespace(), b.GetName()
	triggers, err := m.Eventing.Triggers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, APIError(err, "list", "triggers", "", ns)
	}
	for _, t := range triggers.Items {
		on := t.Spec.Broker == name || (t.Spec.BrokerRef != nil && t.Spec.BrokerRef.Name == name && orNS(t.Spec.BrokerRef.Namespace, ns) == ns)
		if on && live(&t, gone) {
			users = append(users, "trigger/"+t.Name)
		}
	}
	subs, err := subscriptionsUsing(ctx, m, "Broker", name, ns, gone, alsoIn)
	if err != nil {
		return nil, err
	}
	users = append(users, subs...)
	srcs, err := sourcesSinkingTo(ctx, m, "Broker", name, ns, gone)
	return append(users, srcs...), err
}

// channelUsers names the Subscriptions on the Channel that this removal does
// not delete.
func channelUsers(ctx context.Context, m Mesh, ch metav1.Object, gone map[types.UID]bool) ([]string, error) {
	l, err := m.Messaging.Subscriptions(ch.GetNamespace()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, APIError(err, "list", "subscriptions", "", ch.GetNamespace())
	}
	var users []string
	for _, s := range l.Items {
		if s.Spec.Channel.Name == ch.GetName() && len(s.OwnerReferences) == 0 && live(&s, gone) {
			users = append(users, "subscription/"+s.Name)
		}
	}
	return users, nil
}

// subscriptionsUsing lists Subscriptions whose subscriber or reply is the
// object. Across namespaces when the user may; a user who may not is asked
// about the object's namespace and alsoIn.
func subscriptionsUsing(ctx context.Context, m Mesh, kind, name, ns string, gone map[types.UID]bool, alsoIn string) ([]string, error) {
	namespaces := []string{metav1.NamespaceAll}
	l, err := m.Messaging.Subscriptions(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		namespaces = slices.Compact([]string{ns, alsoIn})
		l, err = m.Messaging.Subscriptions(ns).List(ctx, metav1.ListOptions{})
	}
	var users []string
	for i, n := range namespaces {
		if i > 0 && n != "" {
			l, err = m.Messaging.Subscriptions(n).List(ctx, metav1.ListOptions{})
		}
		if err != nil {
			return nil, APIError(err, "list", "subscriptions", "", n)
		}
		for _, s := range l.Items {
			if len(s.OwnerReferences) > 0 {
				continue // made by Knative for a Trigger (or the like): it goes with its owner
			}
			for _, d := range []*duckv1.Destination{s.Spec.Subscriber, s.Spec.Reply} {
				if d != nil && d.Ref != nil && d.Ref.Kind == kind && d.Ref.Name == name && orNS(d.Ref.Namespace, s.Namespace) == ns && live(&s, gone) {
					users = append(users, "subscription/"+s.Name+" in namespace "+s.Namespace)
					break
				}
			}
		}
	}
	return users, nil
}

// sourceResources are Knative's sources that can point at a Broker.
var sourceResources = []string{"pingsources", "apiserversources", "containersources", "sinkbindings"}

// sourcesSinkingTo lists the namespace's Knative sources whose sink is the
// object; a source kind the cluster does not serve is skipped.
func sourcesSinkingTo(ctx context.Context, m Mesh, kind, name, ns string, gone map[types.UID]bool) ([]string, error) {
	var users []string
	for _, r := range sourceResources {
		gvr := schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: r}
		l, err := m.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, APIError(err, "list", r, "", ns)
		}
		for _, o := range l.Items {
			ref, _, _ := unstructured.NestedStringMap(o.Object, "spec", "sink", "ref")
			if ref["kind"] == kind && ref["name"] == name && orNS(ref["namespace"], ns) == ns && live(&o, gone) {
				users = append(users, strings.ToLower(o.GetKind())+"/"+o.GetName())
			}
		}
	}
	return users, nil
}

// leftInNamespace names what is left in the namespace, listing every
// namespaced kind the API server serves: anyone's objects, and the plugin's
// own that this removal does not remove (another application's source). What
// this removal deleted, what is being deleted and what hangs off either
// (owner references) does not count; neither do the objects Kubernetes puts in
// every namespace. An error means "in doubt": the caller keeps the namespace.
func leftInNamespace(ctx context.Context, m Mesh, ns string, gone map[types.UID]bool) ([]string, error) {
	if m.Discovery == nil {
		return nil, fmt.Errorf("no API discovery to list what is left in namespace %q", ns)
	}
	disc := typed.WithContext(ctx, m.Discovery)
	groups, err := disc.ServerGroups()
	if err != nil {
		return nil, fmt.Errorf("listing the API groups: %w", err)
	}
	var objs []unstructured.Unstructured
	for _, g := range groups.Groups {
		gv := g.PreferredVersion.GroupVersion
		rl, err := disc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			return nil, fmt.Errorf("listing the resources of %s: %w", gv, err)
		}
		for _, r := range rl.APIResources {
			if !r.Namespaced || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || r.Name == "events" {
				continue
			}
			gvr := schema.GroupVersionResource{Group: g.Name, Version: g.PreferredVersion.Version, Resource: r.Name}
			l, err := m.Dynamic.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, fmt.Errorf("listing %s in namespace %q: %w", r.Name, ns, err)
			}
			for _, o := range l.Items {
				if o.GetKind() == "" { // list items may come without their kind
					o.SetKind(r.Kind)
				}
				if g.Name != "" {
					o.SetAPIVersion(gv)
				}
				objs = append(objs, o)
			}
		}
	}
	return foreign(objs, gone), nil
}

// foreign returns, as "kind/name", the objects that stay: neither going away
// nor made by Kubernetes in every namespace; an object with owners in the
// namespace follows them.
func foreign(objs []unstructured.Unstructured, gone map[types.UID]bool) []string {
	byUID := make(map[types.UID]*unstructured.Unstructured, len(objs))
	services := map[string]*unstructured.Unstructured{}
	for i := range objs {
		o := &objs[i]
		byUID[o.GetUID()] = o
		if o.GetKind() == "Service" && o.GetAPIVersion() == "v1" {
			services[o.GetName()] = o
		}
	}
	memo := map[types.UID]bool{}
	var ours func(o *unstructured.Unstructured, depth int) bool
	ours = func(o *unstructured.Unstructured, depth int) bool {
		if v, ok := memo[o.GetUID()]; ok {
			return v
		}
		v := func() bool {
			switch {
			case gone[o.GetUID()] || o.GetDeletionTimestamp() != nil:
				return true
			case everyNamespaceHas(o):
				return true
			case depth > 10: // an owner cycle: in doubt, not ours
				return false
			}
			// Endpoints carry no owner: they follow their Service of the same name.
			if o.GetKind() == "Endpoints" {
				if svc := services[o.GetName()]; svc != nil {
					return ours(svc, depth+1)
				}
			}
			refs := o.GetOwnerReferences()
			if len(refs) == 0 {
				return false
			}
			for _, r := range refs {
				owner := byUID[r.UID]
				if owner == nil {
					continue // the owner is gone: the garbage collector takes this too
				}
				if !ours(owner, depth+1) {
					return false
				}
			}
			return true
		}()
		memo[o.GetUID()] = v
		return v
	}
	// Only the roots are named: what hangs off an object that stays (a
	// Channel's InMemoryChannel, a Service's Endpoints) stays with it.
	hangsOffStaying := func(o *unstructured.Unstructured) bool {
		if svc := services[o.GetName()]; o.GetKind() == "Endpoints" && svc != nil {
			return true
		}
		for _, r := range o.GetOwnerReferences() {
			if owner := byUID[r.UID]; owner != nil && !ours(owner, 0) {
				return true
			}
		}
		return false
	}
	var left []string
	for i := range objs {
		if o := &objs[i]; !ours(o, 0) && !hangsOffStaying(o) {
			left = append(left, kindName(o))
		}
	}
	slices.Sort(left)
	return left
}

// everyNamespaceHas says whether Kubernetes itself made o in every namespace.
func everyNamespaceHas(o *unstructured.Unstructured) bool {
	switch {
	case o.GetKind() == "ServiceAccount" && o.GetName() == "default":
		return true
	case o.GetKind() == "ConfigMap" && o.GetName() == "kube-root-ca.crt":
		return true
	}
	return false
}

func kindName(o *unstructured.Unstructured) string {
	kind := strings.ToLower(o.GetKind())
	if gv, err := schema.ParseGroupVersion(o.GetAPIVersion()); err == nil && gv.Group != "" {
		kind += "." + gv.Group
	}
	return kind + "/" + o.GetName()
}

// live says whether o stays after this removal.
func live(o metav1.Object, gone map[types.UID]bool) bool {
	return o.GetDeletionTimestamp() == nil && !gone[o.GetUID()]
}

func orNS(ns, dflt string) string {
	if ns == "" {
		return dflt
	}
	return ns
}

// listed shortens a list of names for one line of output.
func listed(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}

// keptChange reports obj as kept, with why.
func keptChange(obj runtime.Object, why string) Change {
	return Change{Object: obj, Op: OpKept, Reason: why}
}
