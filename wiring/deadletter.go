package wiring

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

//go:embed manifests/deadletter.yaml
var deadLetterManifest string

// The dead-letter store of a namespace (`deadletter enable`, docs/deadletter.md):
// one per namespace, its Deployment, PersistentVolumeClaim and Service all
// named DeadLetterName; any Broker of the namespace may point at it.
const (
	// DeadLetterName names the store's Deployment, claim and Service.
	DeadLetterName = "kymamesh-deadletter"
	// DeadLetterComponent is ComponentLabel's value on the store's objects.
	DeadLetterComponent = "kymamesh-deadletter"
	// DefaultDeadLetterAPIAddr is where the store's API listens in its pod:
	// a port-forward reaches it, the cluster's network does not.
	DefaultDeadLetterAPIAddr = "127.0.0.1:8081"
	// DefaultDeadLetterSize is a new store's claim when --size is not given
	// (an existing claim keeps its size).
	DefaultDeadLetterSize = "1Gi"
)

// storageClassesGVR is where a claim's StorageClass says whether it can grow.
var storageClassesGVR = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}

// DeadLetterGVRs are the store's resources, in apply order.
var DeadLetterGVRs = []schema.GroupVersionResource{
	{Version: "v1", Resource: "persistentvolumeclaims"},
	DeploymentsGVR,
	ServicesGVR,
}

// DeadLetterSpec describes a namespace's dead-letter store.
type DeadLetterSpec struct {
	Namespace string
	Broker    string // whose delivery.deadLetterSink points at the store
	Image     string
	Size      string // the claim's size, a quantity: 1Gi; "": the existing claim's, else DefaultDeadLetterSize
	Retention string // 7d, 36h, 0 (keep until replayed or purged)
}

// ParseRetention reads --retention: a number of days (7d), a Go duration
// (36h, 90m) or 0 for no limit.
func ParseRetention(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 100000 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, invalid.Errorf("--retention", "%q: want days (7d), a duration (36h) or 0 to keep events until replayed or purged", s)
}

// BuildDeadLetterStore renders the store's objects for s, in DeadLetterGVRs
// order (with DefaultDeadLetterSize when s.Size is "").
func BuildDeadLetterStore(s DeadLetterSpec) ([]*unstructured.Unstructured, error) {
	if s.Size == "" {
		s.Size = DefaultDeadLetterSize
	}
	if err := ValidateNamespaceName("--namespace", s.Namespace); err != nil {
		return nil, err
	}
	if err := ValidateName("--broker", s.Broker); err != nil {
		return nil, err
	}
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return nil, invalid.Errorf("--image", "%q is not an image reference: %v", s.Image, err)
	}
	size, err := resource.ParseQuantity(s.Size)
	if err != nil || size.Sign() <= 0 {
		return nil, invalid.Errorf("--size", "%q: want a positive size such as 1Gi or 500Mi", s.Size)
	}
	if size.Value() < 16<<20 {
		return nil, invalid.Errorf("--size", "%s is too small for a store: at least 16Mi", s.Size)
	}
	retention, err := ParseRetention(s.Retention)
	if err != nil {
		return nil, err
	}
	port, err := apiPort(DefaultDeadLetterAPIAddr)
	if err != nil {
		return nil, err
	}
	labels := managedLabels(map[string]string{ComponentLabel: DeadLetterComponent})
	selector := map[string]string{ComponentLabel: DeadLetterComponent}
	return renderManifests("deadletter", deadLetterManifest, map[string]any{
		"Name": quote(DeadLetterName), "Namespace": quote(s.Namespace), "Image": quote(s.Image),
		"Size": quote(size.String()), "MaxStoreBytes": size.Value() / 10 * 9, "Retention": quote(retention.String()),
		"APIAddr": quote(DefaultDeadLetterAPIAddr), "APIPort": port, "Labels": inline(labels), "Selector": inline(selector),
	})
}

// claimSize is the size enable gives the store's existing claim cur: its own
// when --size is not given (want ""); want when it is the same or larger and
// the claim's StorageClass allows expansion. A smaller size is refused (a
// claim never shrinks), as is a larger one the StorageClass does not allow,
// before anything is applied. A StorageClass the user may not read leaves it
// to the API server.
func claimSize(ctx context.Context, m Mesh, cur *unstructured.Unstructured, want string) (string, error) {
	haveS, _, _ := unstructured.NestedString(cur.Object, "spec", "resources", "requests", "storage")
	have, err := resource.ParseQuantity(haveS)
	if err != nil {
		return want, nil //nolint:nilerr // a claim without a readable size: the flags' size, as for a new one
	}
	if want == "" {
		return have.String(), nil
	}
	w, err := resource.ParseQuantity(want)
	if err != nil {
		return want, nil //nolint:nilerr // BuildDeadLetterStore names the flag
	}
	ns := cur.GetNamespace()
	switch w.Cmp(have) {
	case 0:
		return want, nil
	case -1:
		return "", fmt.Errorf("--size %s: the store's claim in namespace %q is %s and a claim cannot shrink: leave --size out to keep it; nothing was applied",
			want, ns, have.String())
	}
	class, _, _ := unstructured.NestedString(cur.Object, "spec", "storageClassName")
	if class == "" {
		return "", fmt.Errorf("--size %s: the store's claim in namespace %q is %s and has no StorageClass, so it cannot grow: leave --size out to keep it; nothing was applied",
			want, ns, have.String())
	}
	sc, err := m.Dynamic.Resource(storageClassesGVR).Get(ctx, class, metav1.GetOptions{})
	if err != nil {
		return want, nil //nolint:nilerr // not readable here: the API server decides the resize
	}
	if grow, _, _ := unstructured.NestedBool(sc.Object, "allowVolumeExpansion"); !grow {
		return "", fmt.Errorf("--size %s: the store's claim in namespace %q is %s and its StorageClass %q does not allow expansion (allowVolumeExpansion): leave --size out to keep it; nothing was applied",
			want, ns, have.String(), class)
	}
	return want, nil
}

func apiPort(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("%q is not HOST:PORT: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q: %q is not a port number", addr, p)
	}
	return n, nil
}

// DeadLetterSink is the destination a Broker is given: the store's Service.
func DeadLetterSink(namespace string) *duckv1.Destination {
	return &duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: DeadLetterName, Namespace: namespace}}
}

// IsDeadLetterStore says whether d is the namespace's store (a reference to
// its Service; a reference without a namespace is the Broker's own).
func IsDeadLetterStore(d *duckv1.Destination, namespace string) bool {
	return d != nil && d.URI == nil && d.Ref != nil && d.Ref.Kind == "Service" && d.Ref.APIVersion == "v1" &&
		d.Ref.Name == DeadLetterName && orNS(d.Ref.Namespace, namespace) == namespace
}

func deadLetterSinkOf(b *knapi.Broker) *duckv1.Destination {
	if b.Spec.Delivery == nil {
		return nil
	}
	return b.Spec.Delivery.DeadLetterSink
}

// isStoreObject says whether cur is the plugin's store object.
func isStoreObject(cur *unstructured.Unstructured) bool {
	l := cur.GetLabels()
	return l[ManagedByLabel] == ManagedByValue && l[ComponentLabel] == DeadLetterComponent
}

// EnableDeadLetter applies the store's objects (BuildDeadLetterStore) and
// points the Broker's delivery.deadLetterSink at it. Everything is checked
// before anything is applied: the Broker exists, its dead-letter sink is
// unset or already the store (another one is replaced only with force, and
// named), no object of the store's names is someone else's, and an existing
// claim keeps its size unless s.Size asks for more where its StorageClass
// allows expansion. Re-running it changes nothing (unchanged).
func EnableDeadLetter(ctx context.Context, m Mesh, s DeadLetterSpec, dry DryRun, force bool) ([]Change, error) {
	ns := s.Namespace
	if dry == DryRunClient {
		objs, err := BuildDeadLetterStore(s)
		if err != nil {
			return nil, err
		}
		out := make([]Change, 0, len(objs)+1)
		for _, o := range objs {
			out = append(out, Change{Object: o, Op: OpCreated})
		}
		b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: s.Broker, Namespace: ns}}
		return append(out, Change{Object: b, Op: OpPlanned,
			Reason: "its delivery.deadLetterSink set to service/" + DeadLetterName + " (a different sink is refused without --force-conflicts)"}), nil
	}
	brokers := m.Eventing.Brokers(ns)
	b, err := brokers.Get(ctx, s.Broker, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("broker %q does not exist in namespace %q: make it with 'kubectl kymamesh enable ns %s' (or 'broker create'), or name another with --broker; nothing was applied",
			s.Broker, ns, ns)
	}
	if err != nil {
		return nil, APIError(err, "get", "broker", s.Broker, ns)
	}
	have := deadLetterSinkOf(b)
	if have != nil && !IsDeadLetterStore(have, ns) && !force {
		return nil, fmt.Errorf("broker %q in namespace %q has the dead-letter sink %s: add --force-conflicts to replace it with the store; nothing was applied",
			s.Broker, ns, SinkString(have, ns))
	}
	curs := make([]*unstructured.Unstructured, len(DeadLetterGVRs))
	for i, gvr := range DeadLetterGVRs {
		cur, err := m.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, DeadLetterName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			cur = nil
		case err != nil:
			return nil, APIError(err, "get", gvr.Resource, DeadLetterName, ns)
		case !isStoreObject(cur):
			return nil, fmt.Errorf("%s %q in namespace %q exists and is not the plugin's dead-letter store: nothing was applied",
				strings.ToLower(cur.GetKind()), cur.GetName(), ns)
		}
		curs[i] = cur
	}
	if curs[0] != nil {
		size, err := claimSize(ctx, m, curs[0], s.Size)
		if err != nil {
			return nil, err
		}
		s.Size = size
	}
	objs, err := BuildDeadLetterStore(s)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(objs)+1)
	for i, o := range objs {
		c, err := applyOver(ctx, m.Dynamic.Resource(DeadLetterGVRs[i]).Namespace(ns), o, curs[i], dry, force)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	if IsDeadLetterStore(have, ns) {
		return append(out, Change{Object: b, Op: OpUnchanged}), nil
	}
	sink := map[string]any{"ref": DeadLetterSink(ns).Ref, "uri": nil}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"delivery": map[string]any{"deadLetterSink": sink}}})
	got, err := brokers.Patch(ctx, s.Broker, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: ManagedByValue, DryRun: dry.serverFlag()})
	if err != nil {
		return out, APIError(err, "patch", "broker", s.Broker, ns)
	}
	c := Change{Object: got, Op: OpConfigured}
	if have != nil {
		c.Reason = "its dead-letter sink was " + SinkString(have, ns)
	}
	return append(out, c), nil
}

// DisableDeadLetter undoes EnableDeadLetter: the Broker's dead-letter sink is
// removed if it is still the store, then the store's Deployment and Service
// are deleted, and its claim only with deleteData. The store is kept whole
// while another Broker of the namespace still sends to it.
func DisableDeadLetter(ctx context.Context, m Mesh, ns, broker string, dry DryRun, deleteData bool) ([]Change, error) {
	var out []Change
	brokers := m.Eventing.Brokers(ns)
	b, err := brokers.Get(ctx, broker, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, APIError(err, "get", "broker", broker, ns)
	case IsDeadLetterStore(deadLetterSinkOf(b), ns):
		got := b
		if dry != DryRunClient {
			patch := []byte(`{"spec":{"delivery":{"deadLetterSink":null}}}`)
			if got, err = brokers.Patch(ctx, broker, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: ManagedByValue, DryRun: dry.serverFlag()}); err != nil {
				return nil, APIError(err, "patch", "broker", broker, ns)
			}
		}
		out = append(out, Change{Object: got, Op: OpConfigured, Reason: "its dead-letter sink, the store, removed"})
	case deadLetterSinkOf(b) != nil:
		out = append(out, keptChange(b, "its dead-letter sink is "+SinkString(deadLetterSinkOf(b), ns)+", not the store: left as it is"))
	}
	// Another Broker that still sends its dead letters to the store keeps it.
	l, err := brokers.List(ctx, metav1.ListOptions{})
	if err != nil {
		return out, APIError(err, "list", "brokers", "", ns)
	}
	var users []string
	for i := range l.Items {
		if o := &l.Items[i]; o.Name != broker && IsDeadLetterStore(deadLetterSinkOf(o), ns) {
			users = append(users, "broker/"+o.Name)
		}
	}
	found := false
	for i := len(DeadLetterGVRs) - 1; i >= 0; i-- {
		gvr := DeadLetterGVRs[i]
		c := m.Dynamic.Resource(gvr).Namespace(ns)
		cur, err := c.Get(ctx, DeadLetterName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, APIError(err, "get", gvr.Resource, DeadLetterName, ns)
		}
		if !isStoreObject(cur) {
			continue // someone else's, of the same name
		}
		found = true
		switch {
		case len(users) > 0:
			out = append(out, keptChange(cur, "the dead-letter sink of "+listed(users)+"; disable it there too"))
			continue
		case gvr.Resource == "persistentvolumeclaims" && !deleteData:
			out = append(out, keptChange(cur, "it holds the stored events; add --delete-data to delete them"))
			continue
		}
		if dry != DryRunClient {
			policy := metav1.DeletePropagationBackground
			if err := c.Delete(ctx, DeadLetterName, metav1.DeleteOptions{DryRun: dry.serverFlag(), PropagationPolicy: &policy}); err != nil && !apierrors.IsNotFound(err) {
				return out, APIError(err, "delete", gvr.Resource, DeadLetterName, ns)
			}
		}
		out = append(out, Change{Object: cur, Op: OpDeleted})
	}
	if !found && len(out) == 0 {
		return nil, fmt.Errorf("namespace %q has no dead-letter store, and broker %q does not send to one: nothing to disable", ns, broker)
	}
	return out, nil
}

// DeadLetterAPIPort finds the namespace's store and the port its API listens
// on in the pod (from its API_ADDR). A namespace without the store is an
// error that says how to make one.
func DeadLetterAPIPort(ctx context.Context, m Mesh, ns string) (int, error) {
	d, err := m.Dynamic.Resource(DeploymentsGVR).Namespace(ns).Get(ctx, DeadLetterName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && !isStoreObject(d) {
		return 0, fmt.Errorf("namespace %q has no dead-letter store: make one with 'kubectl kymamesh deadletter enable -n %s'", ns, ns)
	}
	if err != nil {
		return 0, APIError(err, "get", "deployment", DeadLetterName, ns)
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	addr := DefaultDeadLetterAPIAddr
	for _, c := range containers {
		env, _, _ := unstructured.NestedSlice(c.(map[string]any), "env")
		for _, e := range env {
			em, _ := e.(map[string]any)
			if em["name"] == "API_ADDR" {
				if v, ok := em["value"].(string); ok && v != "" {
					addr = v
				}
			}
		}
	}
	return apiPort(addr)
}

// WaitDeadLetter waits until the store takes the Broker's dead letters, as
// Knative reports it: the store's Deployment available at its current
// generation; the Broker Ready with status.deadLetterSinkUri resolved to the
// store; and each Trigger on the Broker that takes the Broker's delivery (no
// spec.delivery of its own) Ready with that same deadLetterSinkUri. The last
// is what a Trigger's status alone does not say: when the Broker's delivery
// changes, Knative deletes and re-creates each such Trigger's Subscription,
// and writes the new deadLetterSinkUri in the same update that marks the
// Subscription not ready; until the new one is Ready the channel still has
// the old one (no dead-letter sink: a failed event is answered 5xx to the
// sender) or none (an event is not delivered to that Trigger at all).
func WaitDeadLetter(ctx context.Context, m Mesh, ns, broker string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var staleSince time.Time
	for {
		pending, stale, err := deadLetterPending(ctx, m, ns, broker)
		switch {
		case err == nil && pending == "":
			return nil
		case err != nil && ctx.Err() == nil:
			return err
		case !stale:
			staleSince = time.Time{}
		case staleSince.IsZero():
			staleSince = time.Now()
		case time.Since(staleSince) >= staleWindow:
			// Nothing in Knative takes it off again: waiting longer does not help.
			return fmt.Errorf("the store is not taking all of broker %q's dead letters in namespace %q: %s", broker, ns, pending)
		}
		select {
		case <-ctx.Done():
			if cerr := context.Cause(ctx); !errors.Is(cerr, context.DeadlineExceeded) {
				return cerr
			}
			if pending == "" {
				pending = "the last check had no answer"
			}
			return fmt.Errorf("the store is not taking broker %q's dead letters in namespace %q after %s: %s: %w",
				broker, ns, timeout, pending, ErrWaitTimeout)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// staleWindow is how long a channel subscriber of no Subscription may last
// before the wait gives up: a deleted Subscription's entry goes with its
// finalizer, at once; one put back by Knative's race stays.
var staleWindow = 5 * time.Second

// deadLetterPending says what WaitDeadLetter still waits for ("" for
// nothing), whether that is a channel subscriber of no Subscription, or why
// it cannot tell.
func deadLetterPending(ctx context.Context, m Mesh, ns, broker string) (string, bool, error) {
	d, err := m.Dynamic.Resource(DeploymentsGVR).Namespace(ns).Get(ctx, DeadLetterName, metav1.GetOptions{})
	if err != nil {
		return "", false, APIError(err, "get", "deployment", DeadLetterName, ns)
	}
	gen, _ := intField(d, "metadata", "generation")
	observed, _ := intField(d, "status", "observedGeneration")
	available, _ := intField(d, "status", "availableReplicas")
	updated, _ := intField(d, "status", "updatedReplicas")
	if observed < gen || available < 1 || updated < 1 {
		return fmt.Sprintf("deployment %q is not available (%s; its claim bound, its pod ready)", DeadLetterName, deploymentReplicas(d)), false, nil
	}
	b, err := m.Eventing.Brokers(ns).Get(ctx, broker, metav1.GetOptions{})
	if err != nil {
		return "", false, APIError(err, "get", "broker", broker, ns)
	}
	if !IsDeadLetterStore(deadLetterSinkOf(b), ns) {
		return "", false, fmt.Errorf("broker %q in namespace %q no longer sends its dead letters to the store: its dead-letter sink is %s", broker, ns, SinkString(deadLetterSinkOf(b), ns))
	}
	uri := b.Status.DeadLetterSinkURI
	if !IsReady(b) || uri == nil || !strings.HasPrefix(uri.Host, DeadLetterName+".") {
		return fmt.Sprintf("broker %q has not resolved the store as its dead-letter sink (status.deadLetterSinkUri %s)", broker, uriOrNone(uri)), false, nil
	}
	ts, err := brokerTriggers(ctx, m, b)
	if err != nil {
		return "", false, err
	}
	for i := range ts {
		t := &ts[i]
		if t.Spec.Delivery != nil {
			continue // its own delivery: the Broker's is not its Subscription's
		}
		if got := t.Status.DeadLetterSinkURI; got == nil || got.String() != uri.String() || !IsReady(t) {
			return fmt.Sprintf("trigger %q is not Ready with the store as its dead-letter sink (status.deadLetterSinkUri %s, Ready %s)",
				t.Name, uriOrNone(got), readyString(t)), false, nil
		}
	}
	if stale := staleChannelSubscriber(ctx, m, b); stale != "" {
		return stale, true, nil
	}
	return "", false, nil
}

var subscriptionsGVR = schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "subscriptions"}

// staleChannelSubscriber names a subscriber of the channel-based Broker b's
// channel that no Subscription has ("" when there is none, or the channel
// cannot be read). Knative puts one there when a Trigger's Subscription is
// made again (as a change of the Broker's delivery does): the deleted one's
// finalizer takes its entry off the channel, but the new one's reconciler
// may patch the channel's whole subscriber list from a cached copy that
// still has it. Nothing takes it off again; every event then reaches the
// Trigger a second time through it, without the dead-letter sink.
func staleChannelSubscriber(ctx context.Context, m Mesh, b *knapi.Broker) string {
	detail, fix := staleChannelEntry(ctx, m, b)
	if detail == "" {
		return ""
	}
	return detail + "; " + fix
}

// staleChannelEntry is staleChannelSubscriber as what is wrong and its fix.
func staleChannelEntry(ctx context.Context, m Mesh, b *knapi.Broker) (detail, fix string) {
	a := b.Status.Annotations
	apiVersion, kind, name := a["knative.dev/channelAPIVersion"], a["knative.dev/channelKind"], a["knative.dev/channelName"]
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" || name == "" {
		return "", "" // not a channel-based Broker
	}
	ns := orNS(a["knative.dev/channelNamespace"], b.Namespace)
	gvr, _ := meta.UnsafeGuessKindToResource(gv.WithKind(kind))
	ch, err := m.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", ""
	}
	subs, err := m.Dynamic.Resource(subscriptionsGVR).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", ""
	}
	live := map[string]bool{}
	for _, s := range subs.Items {
		live[string(s.GetUID())] = true
	}
	entries, _, _ := unstructured.NestedSlice(ch.Object, "spec", "subscribers")
	for _, e := range entries {
		em, _ := e.(map[string]any)
		uid, _ := em["uid"].(string)
		if uid == "" || live[uid] {
			continue
		}
		sub, _ := em["name"].(string)
		return fmt.Sprintf("%s %q (broker %q's channel) lists subscriber %q with uid %s, which no Subscription has: "+
				"Knative put a deleted Subscription back on the channel while making the Trigger's Subscription again (a race in its Subscription reconciler); "+
				"events reach that Trigger a second time through it, without the dead-letter sink, and the Broker answers 5xx when they fail",
				kind, name, b.Name, sub, uid),
			fmt.Sprintf("remove that entry from the channel's spec.subscribers as Knative's controller (its webhook lets no one else change them): "+
				"kubectl edit %s %s -n %s --as=system:serviceaccount:knative-eventing:eventing-controller", strings.ToLower(kind), name, ns)
	}
	return "", ""
}

func uriOrNone(u *apis.URL) string {
	if u == nil {
		return "none"
	}
	return u.String()
}

// readyString is an object's Ready condition as status (reason) for a message.
func readyString(obj runtime.Object) string {
	c := currentReady(obj)
	if c == nil {
		return "not reported for its generation"
	}
	if c.Reason != "" {
		return string(c.Status) + " (" + c.Reason + ")"
	}
	return string(c.Status)
}
