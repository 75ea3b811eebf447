package wiring

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Labels that tie what `wire` made to the application and namespace it wired.
const (
	// WiredToLabel names the user namespace a Subscription delivers to.
	WiredToLabel = "kymamesh.kyma-project.io/wired-to"
	// CreatedByLabel marks a source that `wire` created (not `source create`).
	CreatedByLabel = "kymamesh.kyma-project.io/created-by"
)

// WireSpec is the Kyma provisioning of one application into one namespace.
type WireSpec struct {
	Source  HTTPSourceSpec // App and Namespace (the integration namespace) included
	To      string         // the user namespace
	Broker  string         // the user namespace's Broker, "default" if empty
	Trigger *TriggerSpec   // optional Trigger in the user namespace
	// CreateNamespace creates the user namespace when it is missing
	// (--create-namespace); the integration namespace is always created.
	CreateNamespace bool
	// ForceConflicts takes over source fields someone else set (--force-conflicts).
	ForceConflicts bool
}

// SubscriptionName is the name of the Subscription that wires app to ns.
func SubscriptionName(app, ns string) string { return app + "-to-" + ns }

func (s WireSpec) broker() string {
	if s.Broker == "" {
		return "default"
	}
	return s.Broker
}

// BuildWire returns every object wire would create, in apply order: the source,
// the user namespace's Broker, the Subscription from the application's Channel
// to that Broker (as a reference, so it follows the Broker's address), and the
// optional Trigger.
func BuildWire(s WireSpec) ([]runtime.Object, error) {
	if err := ValidateNamespaceName("--to", s.To); err != nil {
		return nil, err
	}
	src := s.Source
	src.Labels = map[string]string{CreatedByLabel: "wire"}
	srcObjs, err := BuildHTTPSource(src)
	if err != nil {
		return nil, err
	}
	out := make([]runtime.Object, 0, len(srcObjs)+3)
	for _, o := range srcObjs {
		out = append(out, o)
	}
	enable, err := BuildEnable(EnableSpec{Namespace: s.To, Broker: s.broker(), Class: DefaultBrokerClass, By: enabledByWire})
	if err != nil {
		return nil, err
	}
	out = append(out, enable...)
	sub, err := BuildSubscription(SubscriptionSpec{
		Name: SubscriptionName(s.Source.App, s.To), Namespace: s.Source.Namespace, Channel: s.Source.App,
		Sink: "broker:" + s.broker() + ":" + s.To, Labels: map[string]string{AppLabel: s.Source.App, WiredToLabel: s.To},
	})
	if err != nil {
		return nil, err
	}
	out = append(out, sub)
	if s.Trigger != nil {
		ts := *s.Trigger
		ts.Namespace, ts.Broker = s.To, s.broker()
		ts.Labels = map[string]string{AppLabel: s.Source.App}
		t, err := BuildTrigger(ts)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Wire provisions the application into the namespace, in dependency order,
// and makes the cluster match what it wires (converge.go): re-running it
// changes nothing; a changed --image, Broker, filter or sink is applied and
// reported configured; what was deleted is made again. A source that
// `source create` made, or a Broker the plugin did not make, is used as it is.
func Wire(ctx context.Context, m Mesh, s WireSpec, dry DryRun) ([]Change, error) {
	objs, err := BuildWire(s)
	if err != nil {
		return nil, err
	}
	if dry == DryRunClient {
		var nss []Change
		if s.CreateNamespace {
			nss = append(nss, dryRunNamespace(s.To))
		}
		if s.Source.Namespace != s.To || !s.CreateNamespace {
			nss = append(nss, dryRunNamespace(s.Source.Namespace))
		}
		return append(nss, changes(objs, OpCreated)...), nil
	}
	nsrc := 0 // the source's objects come first; how many depends on its scaling
	for nsrc < len(objs) {
		if u, ok := objs[nsrc].(*unstructured.Unstructured); !ok || kindToResource(u.GetKind()) == "" {
			break
		}
		nsrc++
	}
	// The user namespace first: nothing is created for a namespace that is not there.
	var out []Change
	_, made, err := EnsureNamespace(ctx, m.Core.Namespaces(), s.To, "--create-namespace", s.CreateNamespace, dry)
	if err != nil {
		return nil, err
	}
	if made != nil {
		out = append(out, *made)
	}
	if err := checkTriggerBroker(ctx, m, s); err != nil {
		return out, err
	}
	dep, err := m.Dynamic.Resource(DeploymentsGVR).Namespace(s.Source.Namespace).Get(ctx, AdapterName(s.Source.App), metav1.GetOptions{})
	switch {
	case err == nil && checkOurs(s.Source.App, dep) != nil:
		return out, checkOurs(s.Source.App, dep)
	case err == nil && dep.GetLabels()[CreatedByLabel] != "wire":
		// source create's: used as it is, and said so (wire's --image, --channel
		// and --port do not apply to it)
		out = append(out, Change{Object: dep, Op: OpUnchanged,
			Reason: fmt.Sprintf("made by 'source create': wire uses it as it is; change it with 'kubectl kymamesh source create http %s --integration-namespace %s ...'",
				s.Source.App, s.Source.Namespace)})
	case err == nil || apierrors.IsNotFound(err):
		applied, err := applySource(ctx, m, objs[:nsrc], s.Source.Namespace, dry, s.ForceConflicts)
		out = append(out, applied...)
		if err != nil {
			return out, err
		}
	default:
		return out, APIError(err, "get", "deployment", AdapterName(s.Source.App), s.Source.Namespace)
	}
	for _, o := range objs[nsrc:] {
		c, err := ensureWired(ctx, m, o, dry, s.ForceConflicts)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

// checkTriggerBroker stops wire before it applies anything when its Trigger
// exists on another Broker than --broker: Knative does not let a Trigger's
// Broker change, and applying the rest would send the events to a Broker the
// Trigger is not on.
func checkTriggerBroker(ctx context.Context, m Mesh, s WireSpec) error {
	if s.Trigger == nil {
		return nil
	}
	cur, err := m.Eventing.Triggers(s.To).Get(ctx, s.Trigger.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return APIError(err, "get", "trigger", s.Trigger.Name, s.To)
	case cur.Spec.Broker == s.broker():
		return nil
	}
	return fmt.Errorf("--broker: trigger %q in namespace %q is on broker %q, and Knative does not let a Trigger's broker change: nothing was applied; delete it first (kubectl kymamesh trigger delete %s -n %s), or give another --trigger",
		s.Trigger.Name, s.To, cur.Spec.Broker, s.Trigger.Name, s.To)
}

// applySource creates the integration namespace if it is missing (it belongs
// to the plugin) and server-side applies the source's objects into it.
func applySource(ctx context.Context, m Mesh, objs []runtime.Object, namespace string, dry DryRun, force bool) ([]Change, error) {
	src := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			return nil, fmt.Errorf("unexpected source object %T", o)
		}
		src = append(src, u)
	}
	return CreateHTTPSource(ctx, m, src, namespace, dry, force)
}

// CreateHTTPSource applies an application's source objects (BuildHTTPSource)
// into namespace, creating the namespace first when it is missing. A client
// dry run only reports the objects.
// m needs Core and Dynamic (none for a client dry run).
func CreateHTTPSource(ctx context.Context, m Mesh, objs []*unstructured.Unstructured, namespace string, dry DryRun, force bool) ([]Change, error) {
	out := []Change{dryRunNamespace(namespace)}
	if dry != DryRunClient {
		out = out[:0]
		_, made, err := EnsureNamespace(ctx, m.Core.Namespaces(), namespace, "", true, dry)
		if err != nil {
			return nil, err
		}
		if made != nil {
			out = append(out, *made)
		}
	}
	if dry == DryRunClient {
		applied, err := ApplyObjects(ctx, m.Dynamic, objs, dry, force)
		return append(out, applied...), err
	}
	applied, err := applyScaled(ctx, m.Dynamic, objs, namespace, dry, force)
	return append(out, applied...), err
}

// ensureWired applies the Subscription and Trigger wire makes (they are
// wire's by name); one of that name that the plugin did not make is someone
// else's and is not touched: an error names it. The Broker is ensured as
// enable ns does (created when missing, used as it is otherwise).
func ensureWired(ctx context.Context, m Mesh, obj runtime.Object, dry DryRun, force bool) (Change, error) {
	switch obj.(type) {
	case *knapi.Subscription, *knapi.Trigger:
	default:
		return ensure(ctx, m, obj, dry)
	}
	u, err := toUnstructured(obj)
	if err != nil {
		return Change{}, err
	}
	gvr, err := gvrOf(u)
	if err != nil {
		return Change{}, err
	}
	kind := strings.ToLower(u.GetKind())
	cur, err := m.Dynamic.Resource(gvr).Namespace(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{})
	switch {
	case err == nil && cur.GetLabels()[ManagedByLabel] != ManagedByValue:
		return Change{}, fmt.Errorf("%s %q in namespace %q exists and was not made by kubectl-kymamesh: wire leaves it alone; delete it or choose another name",
			kind, u.GetName(), u.GetNamespace())
	case apierrors.IsNotFound(err):
		cur = nil
	case err != nil:
		return Change{}, APIError(err, "get", kind, u.GetName(), u.GetNamespace())
	}
	c := m.Dynamic.Resource(gvr).Namespace(u.GetNamespace())
	replaced, err := checkDestination(ctx, c, u, cur, dry, force)
	if err != nil {
		return Change{}, err
	}
	removed, err := checkFilterKeys(ctx, c, u, cur, dry, force)
	if err != nil {
		return Change{}, err
	}
	replaced = replaced || removed
	ch, err := applyOver(ctx, c, u, cur, dry, force)
	if replaced && ch.Op == OpUnchanged {
		ch.Op = OpConfigured
	}
	return ch, err
}

// Unwire removes what Wire created for the application and namespace: its
// Triggers there and its Subscription; then the source, if wire created it and
// no other namespace is wired to it; then the namespace's Broker, if wire
// created it and no other application is wired to it; then the integration
// namespace, if the plugin created it and nothing else is left in it. A Channel, Broker or namespace that others still use is kept and
// reported (OpKept) with what uses it.
func Unwire(ctx context.Context, m Mesh, app, integrationNS, ns string, dry DryRun, opts DeleteOptions) ([]Change, error) {
	if err := ValidateName("APP", app); err != nil {
		return nil, err
	}
	if err := ValidateNamespaceName("--from", ns); err != nil {
		return nil, err
	}
	ours := ManagedByLabel + "=" + ManagedByValue + ","
	out, err := DeleteSelected(ctx, Client[*knapi.Trigger, *knapi.TriggerList](m.Eventing.Triggers(ns)), ours+AppLabel+"="+app, "trigger", ns, dry)
	if err != nil {
		return out, err
	}
	subs := m.Messaging.Subscriptions(integrationNS)
	deleted, err := DeleteSelected(ctx, Client[*knapi.Subscription, *knapi.SubscriptionList](subs),
		ours+AppLabel+"="+app+","+WiredToLabel+"="+ns, "subscription", integrationNS, dry)
	out = append(out, deleted...)
	if err != nil {
		return out, err
	}
	// What was just deleted may linger (finalizers), and a dry run deleted
	// nothing: neither counts as still wired.
	remaining := func(selector string) (int, error) {
		l, err := subs.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return 0, APIError(err, "list", "subscriptions", "", integrationNS)
		}
		gone, n := deletedUIDs(out), 0
		for i := range l.Items {
			if live(&l.Items[i], gone) {
				n++
			}
		}
		return n, nil
	}
	// The integration namespace is looked at once the application is wired
	// nowhere and its source is gone (now, or by an earlier run that kept the
	// namespace for what was left in it).
	checkNS := false
	if n, err := remaining(AppLabel + "=" + app + "," + WiredToLabel); err != nil {
		return out, err
	} else if n == 0 {
		removed, err := deleteWiredSource(ctx, m, app, integrationNS, dry, opts, out)
		out = append(out, removed...)
		if err != nil {
			return out, err
		}
		checkNS = len(removed) == 0 || removed[0].Op == OpDeleted
	}
	if n, err := remaining(WiredToLabel + "=" + ns); err != nil {
		return out, err
	} else if n == 0 {
		removed, err := deleteBrokers(ctx, m, ns, ours+EnabledByLabel+"="+enabledByWire, dry, opts, out, integrationNS)
		out = append(out, removed...)
		if err != nil {
			return out, err
		}
	}
	if checkNS {
		c, err := deleteNamespaceIfOurs(ctx, m, integrationNS, out, dry)
		if err != nil {
			return out, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// SourceMarks returns the marks an application's existing source carries
// that a re-apply must keep: wire's, on a source wire created (server-side
// apply drops labels the applied objects leave out).
func SourceMarks(ctx context.Context, dyn dynamic.Interface, app, integrationNS string) (map[string]string, error) {
	dep, err := dyn.Resource(DeploymentsGVR).Namespace(integrationNS).Get(ctx, AdapterName(app), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "deployment", AdapterName(app), integrationNS)
	}
	if v := dep.GetLabels()[CreatedByLabel]; v == "wire" && dep.GetLabels()[AppLabel] == app {
		return map[string]string{CreatedByLabel: v}, nil
	}
	return nil, nil
}

// deleteWiredSource deletes the application's source if wire created it; a
// source whose Channel others subscribe to is kept whole (unless
// opts.InUse): without its adapter their Subscriptions would get nothing.
func deleteWiredSource(ctx context.Context, m Mesh, app, integrationNS string, dry DryRun, opts DeleteOptions, done []Change) ([]Change, error) {
	dep, err := m.Dynamic.Resource(DeploymentsGVR).Namespace(integrationNS).Get(ctx, AdapterName(app), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "deployment", AdapterName(app), integrationNS)
	}
	if dep.GetLabels()[CreatedByLabel] != "wire" || dep.GetLabels()[AppLabel] != app {
		return nil, nil
	}
	return deleteSource(ctx, m, app, integrationNS, dry, opts, done)
}

// deleteNamespaceIfOurs deletes the namespace if the plugin created it and
// nothing is left in it but what this removal deleted (and what goes with
// that); otherwise it reports the namespace kept, naming what keeps it.
// Nothing is forced here: a namespace takes everything in it along.
func deleteNamespaceIfOurs(ctx context.Context, m Mesh, name string, done []Change, dry DryRun) (*Change, error) {
	ns, err := m.Core.Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "namespace", name, "")
	}
	if ns.Labels[CreatedByLabel] != createdNamespace || ns.Labels[ManagedByLabel] != ManagedByValue || ns.DeletionTimestamp != nil {
		return nil, nil
	}
	left, err := leftInNamespace(ctx, m, name, deletedUIDs(done))
	if err != nil {
		c := keptChange(ns, "could not tell whether anything else is in it ("+err.Error()+")")
		return &c, nil
	}
	if len(left) > 0 {
		c := keptChange(ns, "it still holds "+listed(left))
		return &c, nil
	}
	if err := Delete(ctx, Client[*corev1.Namespace, *corev1.NamespaceList](m.Core.Namespaces()), name, dry); err != nil && !apierrors.IsNotFound(err) {
		return nil, APIError(err, "delete", "namespace", name, "")
	}
	return &Change{Object: ns, Op: OpDeleted}, nil
}
