package wiring

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// EnabledByLabel values: what `enable ns`, and what `wire`, created.
const (
	enabledByValue = "enable-ns"
	enabledByWire  = "wire"
)

// Operations reported for each object an enable or disable touched.
const (
	OpCreated    = "created"
	OpUnchanged  = "unchanged"
	OpConfigured = "configured"
	OpDeleted    = "deleted"
)

// Change is one object an operation touched and what happened to it.
type Change struct {
	Object runtime.Object
	Op     string
	// Reason says why an object was kept (OpKept).
	Reason string
}

// Mesh holds the clients the mesh operations need.
type Mesh struct {
	Core      *typed.Core
	Eventing  *typed.Eventing
	Messaging *typed.Messaging
	Dynamic   dynamic.Interface
	Policies  *typed.Policies
	// Discovery lists what the API server serves (to find everything left in a namespace).
	Discovery typed.Discovery
}

// EnableSpec says how to make a namespace part of the mesh.
type EnableSpec struct {
	Namespace      string
	Broker         string // default "default"
	Class          string // default MTChannelBasedBroker
	Channel        string // imc, kafka or GROUP/VERSION/KIND; empty: the cluster default
	Config         string // the Broker's config, KIND:NAME[:NAMESPACE]; instead of Channel
	InjectionLabel bool
	// By records which command enabled the namespace ("enable-ns" if empty, or
	// "wire"), so that unwire only undoes what wire did.
	By string
	// CreateNamespace creates the namespace when it is missing (--create-namespace).
	CreateNamespace bool
	// Delivery is the Broker's delivery (and the namespace default's).
	Delivery DeliveryOptions
	// NamespaceDefaults also writes the namespace's entries in Knative's
	// defaults (config-br-defaults, and with Channel default-ch-webhook), so
	// that every Broker and Channel made later in the namespace gets them.
	NamespaceDefaults bool
}

// ConfigMapName is the ConfigMap `enable ns --channel` keeps the channel template in.
func ConfigMapName(broker string) string { return broker + "-kymamesh-channel" }

// BuildEnable returns the objects `enable ns` creates, in apply order: the
// channel-template ConfigMap (with --channel) and the Broker.
func BuildEnable(s EnableSpec) ([]runtime.Object, error) {
	if err := ValidateNamespaceName("NAME", s.Namespace); err != nil {
		return nil, err
	}
	if err := ValidateName("--broker", s.Broker); err != nil {
		return nil, err
	}
	by := s.By
	if by == "" {
		by = enabledByValue
	}
	labels := map[string]string{EnabledByLabel: by}
	bs := BrokerSpec{Name: s.Broker, Namespace: s.Namespace, Class: s.Class, Labels: labels, Delivery: s.Delivery}
	var objs []runtime.Object
	if s.Config != "" && s.Channel != "" {
		return nil, invalid.Errorf("--config", "give either --channel (a channel template the plugin keeps) or --config (a config of your own), not both")
	}
	bs.Config = s.Config
	if s.Channel != "" {
		tm, err := ParseChannelType("--channel", s.Channel)
		if err != nil {
			return nil, err
		}
		tmpl, _ := json.Marshal(map[string]string{"apiVersion": tm.APIVersion, "kind": tm.Kind})
		objs = append(objs, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(s.Broker), Namespace: s.Namespace, Labels: managedLabels(labels)},
			Data:       map[string]string{ChannelTemplateKey: string(tmpl)},
		})
		bs.Config = "ConfigMap:" + ConfigMapName(s.Broker)
	}
	b, err := BuildBroker(bs)
	if err != nil {
		return nil, err
	}
	if s.NamespaceDefaults {
		// Which of Knative's defaults hold an entry for the namespace, said
		// on the Broker: a user who may disable the namespace but not read
		// those ConfigMaps is then told the entry is left behind.
		docs := []string{}
		for _, doc := range []defaultsDoc{brokerDefaultsDoc, channelDefaultsDoc}[:defaultsDocs(s)] {
			docs = append(docs, doc.ConfigMap)
		}
		if b.Annotations == nil {
			b.Annotations = map[string]string{}
		}
		b.Annotations[NamespaceDefaultsAnnotation] = strings.Join(docs, ",")
	}
	return append(objs, b), nil
}

// Enable makes the namespace part of the mesh. It is idempotent: objects that
// already exist as wanted are reported unchanged; a Broker of the same name that
// the plugin did not create is left alone.
func Enable(ctx context.Context, m Mesh, s EnableSpec, dry DryRun) ([]Change, error) {
	objs, err := BuildEnable(s)
	if err != nil {
		return nil, err
	}
	if dry == DryRunClient {
		out := changes(objs, OpCreated)
		if s.CreateNamespace {
			out = append([]Change{dryRunNamespace(s.Namespace)}, out...)
		}
		if s.InjectionLabel { // the namespace change too, as it would be made
			ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: s.Namespace, Labels: map[string]string{InjectionLabel: "enabled"},
					Annotations: map[string]string{InjectionAddedAnnotation: "true"}}}
			out = append(out, Change{Object: ns, Op: OpConfigured})
		}
		if s.NamespaceDefaults { // what they hold now is read only when run for real
			for _, doc := range []defaultsDoc{brokerDefaultsDoc, channelDefaultsDoc}[:defaultsDocs(s)] {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: doc.ConfigMap, Namespace: eventingNamespace}}
				// Under the Knative Operator the entry goes to its KnativeEventing
				// instead; a client dry run reads nothing, so it cannot tell which.
				out = append(out, Change{Object: cm, Op: OpPlanned, Reason: entryPath(s.Namespace) + " (or, under the Knative Operator, its KnativeEventing's spec.config)"})
			}
		}
		return out, nil
	}
	if err := checkBrokerConfig(ctx, m, s, objs); err != nil {
		return nil, err
	}
	var out []Change
	ns, made, err := EnsureNamespace(ctx, m.Core.Namespaces(), s.Namespace, "--create-namespace", s.CreateNamespace, dry)
	if err != nil {
		return nil, err
	}
	if made != nil {
		out = append(out, *made)
	}
	for _, obj := range objs {
		c, err := ensure(ctx, m, obj, dry)
		if err != nil {
			return out, err
		}
		if c, err = deliveryChange(ctx, m, c, s, dry); err != nil {
			return out, err
		}
		out = append(out, c)
	}
	if s.InjectionLabel {
		c, err := labelNamespace(ctx, m, ns, dry)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	if s.NamespaceDefaults {
		entries := []map[string]any{brokerDefaultsEntry(objs[len(objs)-1].(*knapi.Broker))}
		if s.Channel != "" {
			e, err := channelDefaultsEntry(s.Channel)
			if err != nil {
				return out, err
			}
			entries = append(entries, e)
		}
		for i, doc := range []defaultsDoc{brokerDefaultsDoc, channelDefaultsDoc}[:len(entries)] {
			c, err := setDefaults(ctx, m, doc, s.Namespace, entries[i], dry)
			if err != nil {
				return out, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// defaultsDocs is how many of Knative's defaults enable ns writes for s: the
// Broker's, and with a channel type the Channel's too.
func defaultsDocs(s EnableSpec) int {
	if s.Channel != "" {
		return 2
	}
	return 1
}

// deliveryChange applies the delivery flags to an existing Broker that
// enable made (delivery, unlike class and config, may change), so that the
// Broker and the namespace default enable writes say the same.
func deliveryChange(ctx context.Context, m Mesh, c Change, s EnableSpec, dry DryRun) (Change, error) {
	b, ok := c.Object.(*knapi.Broker)
	if !ok || c.Op != OpUnchanged || s.Delivery.IsZero() || b.Labels[EnabledByLabel] == "" {
		return c, nil
	}
	want, err := ApplyDelivery(b.Spec.Delivery.DeepCopy(), s.Delivery, b.Namespace)
	if err != nil || equality.Semantic.DeepEqual(want, b.Spec.Delivery) {
		return c, err
	}
	made, err := Update(ctx, Client[*knapi.Broker, *knapi.BrokerList](m.Eventing.Brokers(b.Namespace)), b.Name, dry, func(cur *knapi.Broker) error {
		cur.Spec.Delivery, err = ApplyDelivery(cur.Spec.Delivery, s.Delivery, cur.Namespace)
		return err
	})
	if err != nil {
		return c, APIError(err, "update", "broker", b.Name, b.Namespace)
	}
	return Change{Object: made, Op: OpConfigured}, nil
}

// checkBrokerConfig refuses --channel, before anything is created, for a
// Broker that exists without the channel template as its config: Knative
// does not let a Broker's config change, so the ConfigMap would be made for
// nothing and the Broker would keep its channel.
func checkBrokerConfig(ctx context.Context, m Mesh, s EnableSpec, objs []runtime.Object) error {
	var want *knapi.Broker
	for _, o := range objs {
		if b, ok := o.(*knapi.Broker); ok {
			want = b
		}
	}
	if want == nil || want.Spec.Config == nil {
		return nil // no --channel: an existing Broker is taken as it is
	}
	cur, err := m.Eventing.Brokers(s.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return APIError(err, "get", "broker", want.Name, s.Namespace)
	}
	if c := cur.Spec.Config; c != nil && c.Kind == want.Spec.Config.Kind && c.Name == want.Spec.Config.Name &&
		(c.Namespace == "" || c.Namespace == s.Namespace) {
		return nil // enable --channel made it: a re-run is unchanged
	}
	// disable ns removes only a Broker enable made; another one is deleted by name.
	remove := fmt.Sprintf("kubectl kymamesh disable ns %s", s.Namespace)
	if cur.Labels[EnabledByLabel] == "" {
		remove = fmt.Sprintf("kubectl kymamesh broker delete %s -n %s", want.Name, s.Namespace)
	}
	return invalid.Errorf("--channel", "broker %q in namespace %q exists without a channel template from --channel, and a Broker's config cannot change; "+
		"run '%s' then 'kubectl kymamesh enable ns %s --channel %s', or give a new Broker name with --broker",
		want.Name, s.Namespace, remove, s.Namespace, s.Channel)
}

func ensure(ctx context.Context, m Mesh, obj runtime.Object, dry DryRun) (Change, error) {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		return ensureObject(ctx, m.Core.ConfigMaps(o.Namespace), o, "configmap", dry, func(cur *corev1.ConfigMap) error {
			broker := strings.TrimSuffix(o.Name, "-kymamesh-channel")
			if !IsManaged(cur) {
				// Someone else's ConfigMap of that name: neither used nor changed.
				return fmt.Errorf("configmap %q in namespace %q exists and was not made by kubectl-kymamesh: enable ns keeps broker %q's channel template there; choose another --broker name, or remove that ConfigMap",
					cur.Name, cur.Namespace, broker)
			}
			if cur.Data[ChannelTemplateKey] != o.Data[ChannelTemplateKey] {
				return invalid.Errorf("--channel", "broker %q in namespace %q already has another channel template (configmap %s); a Broker's channel cannot change: run 'kubectl kymamesh disable ns %s' first, or give a new --broker name",
					broker, o.Namespace, cur.Name, o.Namespace)
			}
			return nil
		})
	case *knapi.Broker:
		return ensureObject(ctx, m.Eventing.Brokers(o.Namespace), o, "broker", dry, func(cur *knapi.Broker) error {
			if cur.Labels[EnabledByLabel] != "" && o.Annotations[BrokerClassAnnotation] != "" &&
				cur.Annotations[BrokerClassAnnotation] != o.Annotations[BrokerClassAnnotation] {
				return invalid.Errorf("--class", "broker %q in namespace %q has class %q; run 'disable ns' first to change it",
					o.Name, o.Namespace, cur.Annotations[BrokerClassAnnotation])
			}
			return nil
		})
	}
	return Change{}, fmt.Errorf("unexpected object %T", obj)
}

// ensureObject creates obj unless an object of its name exists; an existing one
// is reported unchanged after check accepts it.
func ensureObject[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], obj T, resource string, dry DryRun, check func(T) error) (Change, error) {
	m, err := metaOf(obj)
	if err != nil {
		return Change{}, err
	}
	cur, err := c.Get(ctx, m.GetName(), metav1.GetOptions{})
	if err == nil {
		if check != nil {
			if err := check(cur); err != nil {
				return Change{}, err
			}
		}
		return Change{Object: cur, Op: OpUnchanged}, nil
	}
	if !apierrors.IsNotFound(err) {
		return Change{}, APIError(err, "get", resource, m.GetName(), m.GetNamespace())
	}
	made, err := Create(ctx, c, obj, dry)
	return Change{Object: made, Op: OpCreated}, APIError(err, "create", resource, m.GetName(), m.GetNamespace())
}

func labelNamespace(ctx context.Context, m Mesh, ns *corev1.Namespace, dry DryRun) (Change, error) {
	if ns.Labels[InjectionLabel] == "enabled" {
		return Change{Object: ns, Op: OpUnchanged}, nil
	}
	patch := map[string]any{"metadata": map[string]any{
		"labels":      map[string]string{InjectionLabel: "enabled"},
		"annotations": map[string]string{InjectionAddedAnnotation: "true"},
	}}
	return patchNamespace(ctx, m, ns, patch, dry)
}

func patchNamespace(ctx context.Context, m Mesh, ns *corev1.Namespace, patch map[string]any, dry DryRun) (Change, error) {
	if dry == DryRunClient {
		return Change{Object: ns, Op: OpConfigured}, nil
	}
	name := ns.Name
	data, _ := json.Marshal(patch)
	got, err := m.Core.Namespaces().Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue})
	if err != nil {
		return Change{}, APIError(err, "patch", "namespace", name, "")
	}
	return Change{Object: got, Op: OpConfigured}, nil
}

// Disable removes exactly what Enable created in the namespace: the objects that
// carry its label, and the injection label if Enable added it. A Broker others
// use or changed is kept, with its channel template (unless opts.InUse).
func Disable(ctx context.Context, m Mesh, namespace string, dry DryRun, opts DeleteOptions) ([]Change, error) {
	if err := ValidateNamespaceName("NAME", namespace); err != nil {
		return nil, err
	}
	ns, err := m.Core.Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		return nil, APIError(err, "get", "namespace", namespace, "")
	}
	sel := ManagedByLabel + "=" + ManagedByValue + "," + EnabledByLabel + " in (" + enabledByValue + "," + enabledByWire + ")"
	out, err := deleteBrokers(ctx, m, namespace, sel, dry, opts, nil, "")
	if err != nil {
		return out, err
	}
	// A channel template stays while a Broker left in the namespace uses it:
	// a kept Broker of enable's, or anyone's Broker that Knative gave the
	// namespace's default (the entry enable wrote points at the template).
	keptConfig := map[string]string{}
	deleted := map[string]bool{}
	for _, c := range out {
		if b, ok := c.Object.(*knapi.Broker); ok && c.Op == OpDeleted {
			deleted[b.Name] = true
		}
	}
	left, err := m.Eventing.Brokers(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return out, APIError(err, "list", "brokers", "", namespace)
	}
	for _, b := range left.Items {
		if c := b.Spec.Config; c != nil && !deleted[b.Name] && c.Kind == "ConfigMap" && (c.Namespace == "" || c.Namespace == namespace) {
			if keptConfig[c.Name] == "" {
				keptConfig[c.Name] = "the channel template of broker " + b.Name
			} else {
				keptConfig[c.Name] += ", " + b.Name
			}
		}
	}
	cmc := m.Core.ConfigMaps(namespace)
	cms, err := cmc.List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return out, APIError(err, "list", "configmaps", "", namespace)
	}
	for i := range cms.Items {
		cm := &cms.Items[i]
		if why := keptConfig[cm.Name]; why != "" {
			out = append(out, keptChange(cm, why))
			continue
		}
		if err := Delete(ctx, Client[*corev1.ConfigMap, *corev1.ConfigMapList](cmc), cm.Name, dry); err != nil {
			return out, APIError(err, "delete", "configmap", cm.Name, namespace)
		}
		out = append(out, Change{Object: cm, Op: OpDeleted})
	}
	// The namespace's entries in Knative's defaults, where enable wrote them
	// and nobody changed them since.
	for _, doc := range []defaultsDoc{brokerDefaultsDoc, channelDefaultsDoc} {
		c, err := setDefaults(ctx, m, doc, namespace, nil, dry)
		if err == nil && c.Op == opUnread {
			if b := brokerNaming(out, doc.ConfigMap); b != "" {
				why := c.Reason
				if why == "" {
					why = "you may not read it"
				}
				c = keptChange(c.Object, fmt.Sprintf("%s not checked (%s): enable wrote it for broker %s, and it still applies to Brokers made in the namespace; a cluster admin removes it with: kubectl kymamesh disable ns %s",
					entryPath(namespace), why, b, namespace))
			} else {
				c.Op = OpUnchanged
			}
		}
		if err != nil {
			return out, err
		}
		if c.Op != OpUnchanged {
			out = append(out, c)
		}
	}
	if ns.Annotations[InjectionAddedAnnotation] == "true" {
		patch := map[string]any{"metadata": map[string]any{
			"labels": map[string]any{InjectionLabel: nil}, "annotations": map[string]any{InjectionAddedAnnotation: nil},
		}}
		c, err := patchNamespace(ctx, m, ns, patch, dry)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

// deleteBrokers deletes the namespace's Brokers the selector matches, but
// keeps (and reports) each one that something outside done uses, or that
// someone changed, unless opts.InUse. alsoIn is one more namespace to look
// for Subscriptions in when the user may not list them everywhere.
func deleteBrokers(ctx context.Context, m Mesh, ns, selector string, dry DryRun, opts DeleteOptions, done []Change, alsoIn string) ([]Change, error) {
	c := m.Eventing.Brokers(ns)
	l, err := c.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, APIError(err, "list", "brokers", "", ns)
	}
	gone := deletedUIDs(done)
	var out []Change
	for i := range l.Items {
		b := &l.Items[i]
		if !opts.InUse {
			users, err := brokerUsers(ctx, m, b, gone, alsoIn)
			if err != nil {
				return out, err
			}
			if len(users) > 0 {
				out = append(out, keptChange(b, strings.Join(users, "; ")+"; add --delete-in-use to delete it anyway"))
				continue
			}
		}
		if err := Delete(ctx, Client[*knapi.Broker, *knapi.BrokerList](c), b.Name, dry); err != nil {
			return out, APIError(err, "delete", "broker", b.Name, ns)
		}
		out = append(out, Change{Object: b, Op: OpDeleted})
	}
	return out, nil
}

func changes(objs []runtime.Object, op string) []Change {
	out := make([]Change, len(objs))
	for i, o := range objs {
		out[i] = Change{Object: o, Op: op}
	}
	return out
}

// brokerNaming is the first Broker among changes whose
// NamespaceDefaultsAnnotation names the defaults ConfigMap cm.
func brokerNaming(changes []Change, cm string) string {
	for _, c := range changes {
		if b, ok := c.Object.(*knapi.Broker); ok && slices.Contains(strings.Split(b.Annotations[NamespaceDefaultsAnnotation], ","), cm) {
			return b.Name
		}
	}
	return ""
}
