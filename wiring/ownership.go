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

// OpPlanned is a change a client dry run cannot show, since it depends on
// what the cluster holds (Knative's defaults): reported, not printed as an
// object.
const OpPlanned = "would be configured"

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

// brokerUsers says why the Broker must stay: what still refers to it (see
// referrers), and a change someone made to its spec since it was created.
func brokerUsers(ctx context.Context, m Mesh, b metav1.Object, gone map[types.UID]bool, alsoIn string) ([]string, error) {
	var why []string
	if b.GetGeneration() > 1 {
		why = append(why, fmt.Sprintf("its spec was changed since it was made (generation %d)", b.GetGeneration()))
	}
	users, err := referrers(ctx, m, "Broker", b, gone, alsoIn)
	if err != nil {
		return nil, err
	}
	if len(users) > 0 {
		why = append(why, "used by "+listed(users))
	}
	return why, nil
}

// channelUsers names the Subscriptions on the Channel, and anything else that
// refers to it, that this removal does not delete.
func channelUsers(ctx context.Context, m Mesh, ch metav1.Object, gone map[types.UID]bool) ([]string, error) {
	users, err := referrers(ctx, m, "Channel", ch, gone, ch.GetNamespace())
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return []string{"used by " + listed(users)}, nil
}

// referringResources are the kinds that can point at a Broker or Channel:
// Triggers (their Broker, their subscriber), Brokers (a dead-letter sink),
// Subscriptions (channel, subscriber, reply), Knative's sources (their sink)
// and flows (a reply, a step). One not served is skipped.
var referringResources = []schema.GroupVersionResource{
	{Group: "eventing.knative.dev", Version: "v1", Resource: "triggers"},
	{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"},
	{Group: "messaging.knative.dev", Version: "v1", Resource: "subscriptions"},
	{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"},
	{Group: "sources.knative.dev", Version: "v1", Resource: "apiserversources"},
	{Group: "sources.knative.dev", Version: "v1", Resource: "containersources"},
	{Group: "sources.knative.dev", Version: "v1", Resource: "sinkbindings"},
	{Group: "flows.knative.dev", Version: "v1", Resource: "sequences"},
	{Group: "flows.knative.dev", Version: "v1", Resource: "parallels"},
}

// referrers names every object, in any namespace the user may list (else in
// the target's own and alsoIn), that refers to the target anywhere in its
// spec: a reference {kind, name[, namespace]}, or a Trigger's broker by name.
// Objects Knative made for another (owner references) go with their owner and
// are not counted; neither is what this removal deletes.
func referrers(ctx context.Context, m Mesh, kind string, target metav1.Object, gone map[types.UID]bool, alsoIn string) ([]string, error) {
	refs, err := referringObjects(ctx, m, referringResources, kind, target, gone, alsoIn)
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(refs))
	for _, r := range refs {
		users = append(users, r.who(target.GetNamespace()))
	}
	return users, nil
}

// referrer is one object that refers to a target, and its resource.
type referrer struct {
	GVR    schema.GroupVersionResource
	Object *unstructured.Unstructured
}

// who names the referrer as "kind/name", adding its namespace when not ns.
func (r referrer) who(ns string) string {
	who := strings.ToLower(r.Object.GetKind()) + "/" + r.Object.GetName()
	if r.Object.GetNamespace() != ns {
		who += " in namespace " + r.Object.GetNamespace()
	}
	return who
}

// referringObjects is the one reference scan (referrers' and broker
// migrate's): every object of resources that refers to the target, as
// referrers describes.
func referringObjects(ctx context.Context, m Mesh, resources []schema.GroupVersionResource, kind string, target metav1.Object, gone map[types.UID]bool, alsoIn string) ([]referrer, error) {
	ns, name := target.GetNamespace(), target.GetName()
	var out []referrer
	for _, gvr := range resources {
		items, err := listEverywhere(ctx, m, gvr, ns, alsoIn)
		if err != nil {
			return nil, err
		}
		for i := range items {
			o := &items[i]
			self := o.GetKind() == kind && o.GetNamespace() == ns && o.GetName() == name
			if self || len(o.GetOwnerReferences()) > 0 || !live(o, gone) {
				continue
			}
			spec, _ := o.Object["spec"].(map[string]any)
			refers := refersTo(spec, kind, name, ns, o.GetNamespace())
			if broker, _ := spec["broker"].(string); kind == "Broker" && o.GetKind() == "Trigger" && broker == name && o.GetNamespace() == ns {
				refers = true
			}
			if refers {
				out = append(out, referrer{GVR: gvr, Object: o})
			}
		}
	}
	return out, nil
}

// listEverywhere lists gvr in every namespace, or, for a user who may not,
// in ns and alsoIn; a resource the cluster does not serve lists nothing.
func listEverywhere(ctx context.Context, m Mesh, gvr schema.GroupVersionResource, ns, alsoIn string) ([]unstructured.Unstructured, error) {
	l, err := m.Dynamic.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
		return l.Items, nil
	case apierrors.IsNotFound(err):
		return nil, nil
	case !apierrors.IsForbidden(err):
		return nil, APIError(err, "list", gvr.Resource, "", "")
	}
	var out []unstructured.Unstructured
	for _, n := range slices.Compact(slices.DeleteFunc([]string{ns, alsoIn}, func(n string) bool { return n == "" })) {
		l, err := m.Dynamic.Resource(gvr).Namespace(n).List(ctx, metav1.ListOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, APIError(err, "list", gvr.Resource, "", n)
		}
		out = append(out, l.Items...)
	}
	return out, nil
}

// refersTo walks v for a reference to kind/name in namespace ns (a reference
// without a namespace means the referring object's own, ownNS).
func refersTo(v any, kind, name, ns, ownNS string) bool {
	switch x := v.(type) {
	case map[string]any:
		if k, _ := x["kind"].(string); k == kind {
			if n, _ := x["name"].(string); n == name {
				refNS, _ := x["namespace"].(string)
				if orNS(refNS, ownNS) == ns {
					return true
				}
			}
		}
		for _, e := range x {
			if refersTo(e, kind, name, ns, ownNS) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if refersTo(e, kind, name, ns, ownNS) {
				return true
			}
		}
	}
	return false
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
			// Events come and go; core Endpoints follow their Service (and
			// listing them draws a deprecation warning since Kubernetes 1.33).
			if !r.Namespaced || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || r.Name == "events" ||
				(g.Name == "" && r.Name == "endpoints") {
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
