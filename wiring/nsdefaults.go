package wiring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Knative keeps per-namespace defaults in two ConfigMaps of its system
// namespace, each one YAML document under one key, with a namespaceDefaults
// map: every Broker and Channel created later in that namespace gets them,
// whoever creates it. enable ns writes the namespace's entry there, so that
// "different persistence per namespace" holds for objects the plugin does not
// make too.
var (
	brokerDefaultsDoc  = defaultsDoc{ConfigMap: "config-br-defaults", Key: "default-br-config"}
	channelDefaultsDoc = defaultsDoc{ConfigMap: "default-ch-webhook", Key: "default-ch-config"}
)

// NamespaceDefaultsAnnotation, on a defaults ConfigMap, maps each namespace
// whose entry the plugin wrote to a hash of that entry: disable ns removes an
// entry only while it is still what the plugin wrote. On the Broker enable ns
// makes, it lists the defaults ConfigMaps holding the namespace's entry.
const NamespaceDefaultsAnnotation = "kymamesh.kyma-project.io/namespace-defaults"

// knativeEventingGVR is the Knative Operator's resource; when one exists, the
// operator owns the defaults ConfigMaps and would undo a change made to them.
var knativeEventingGVR = schema.GroupVersionResource{Group: "operator.knative.dev", Version: "v1beta1", Resource: "knativeeventings"}

type defaultsDoc struct{ ConfigMap, Key string }

// opUnread is setDefaults' answer when removing an entry from a ConfigMap the
// user may not read: whether an entry is there is for the caller to know.
const opUnread = "unread"

// entryHash is what NamespaceDefaultsAnnotation records of an entry.
func entryHash(entry any) string {
	b, _ := json.Marshal(entry)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// brokerDefaultsEntry is the namespace's entry in config-br-defaults, taken
// from the Broker enable ns makes: its class and, for that class, the config
// (the channel template) and delivery.
func brokerDefaultsEntry(b *knapi.Broker) map[string]any {
	class := b.Annotations[BrokerClassAnnotation]
	if class == "" {
		class = DefaultBrokerClass
	}
	classConfig := map[string]any{}
	if c := b.Spec.Config; c != nil {
		classConfig = map[string]any{"apiVersion": c.APIVersion, "kind": c.Kind, "name": c.Name, "namespace": c.Namespace}
	}
	if b.Spec.Delivery != nil {
		classConfig["delivery"] = b.Spec.Delivery
	}
	entry := map[string]any{"brokerClass": class}
	if len(classConfig) > 0 {
		entry["brokerClasses"] = map[string]any{class: classConfig}
	}
	return normalized(entry)
}

// channelDefaultsEntry is the namespace's entry in default-ch-webhook.
func channelDefaultsEntry(channel string) (map[string]any, error) {
	tm, err := ParseChannelType("--channel", channel)
	if err != nil {
		return nil, err
	}
	return map[string]any{"apiVersion": tm.APIVersion, "kind": tm.Kind}, nil
}

// withClusterConfig completes a Broker defaults entry that names no config
// (enable ns with a class or delivery only) with the cluster's config for
// its class: Knative takes a namespace's class entry whole, so an entry
// without one would leave every Broker made later without a channel.
func withClusterConfig(entry, root map[string]any) map[string]any {
	class, _ := entry["brokerClass"].(string)
	classes, _ := entry["brokerClasses"].(map[string]any)
	own, _ := classes[class].(map[string]any)
	if class == "" || own["kind"] != nil {
		return entry
	}
	cluster, _ := root["clusterDefault"].(map[string]any)
	var ref map[string]any
	if cc, ok := cluster["brokerClasses"].(map[string]any); ok {
		ref, _ = cc[class].(map[string]any)
	}
	if ref["kind"] == nil && cluster["brokerClass"] == class {
		ref = cluster // the inline form Knative ships: clusterDefault.kind, .name, ...
	}
	if ref["kind"] == nil {
		return entry
	}
	out := map[string]any{}
	for _, k := range []string{"apiVersion", "kind", "name", "namespace"} {
		if v, ok := ref[k]; ok {
			out[k] = v
		}
	}
	for k, v := range own {
		out[k] = v
	}
	if _, ok := own["delivery"]; !ok && ref["delivery"] != nil {
		out["delivery"] = ref["delivery"]
	}
	next := map[string]any{}
	for k, v := range entry {
		next[k] = v
	}
	next["brokerClasses"] = map[string]any{class: out}
	return next
}

// normalized is entry as it reads back from the ConfigMap's YAML (JSON
// types only), so that hashes of what was written and what is read agree.
func normalized(entry map[string]any) map[string]any {
	b, _ := json.Marshal(entry)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// setDefaults writes entry as the namespace's entry of doc (nil removes the
// plugin's entry). It changes only that entry, writes back with the
// resourceVersion it read and retries on a conflict, so another namespace's
// entry written meanwhile is never lost. An entry someone else wrote is kept
// as it is, and so is everything when the Knative Operator manages the
// ConfigMap or the user may not change it: each is a kept change saying why.
func setDefaults(ctx context.Context, m Mesh, doc defaultsDoc, ns string, entry map[string]any, dry DryRun) (Change, error) {
	c := m.Core.ConfigMaps(eventingNamespace)
	ke, keUnknown, err := knativeEventing(ctx, m)
	if err != nil {
		return Change{}, err
	} else if ke != nil {
		return setOperatorDefaults(ctx, m, ke, doc, ns, entry, dry)
	}
	var out Change
	read := false // whether the Get went through: a Forbidden after it is the write's
	err = retry.RetryOnConflict(conflictBackoff, func() error {
		cm, err := c.Get(ctx, doc.ConfigMap, metav1.GetOptions{})
		if err != nil {
			return err
		}
		read = true
		next, op, why, err := withEntry(cm, doc, ns, entry)
		if err != nil || op == OpKept || op == OpUnchanged {
			out = Change{Object: cm, Op: op, Reason: why}
			return err
		}
		if dry == DryRunClient {
			out = Change{Object: next, Op: op, Reason: why}
			return nil
		}
		made, err := c.Update(ctx, next, metav1.UpdateOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue})
		if err != nil {
			return err
		}
		out = Change{Object: made, Op: op, Reason: why}
		return nil
	})
	switch {
	case err == nil && entry == nil && keUnknown && out.Op == OpUnchanged:
		// Nothing of the plugin's in the ConfigMap, but a KnativeEventing
		// the user may not see could hold the entry.
		return Change{Object: out.Object, Op: opUnread, Reason: "you may not list KnativeEventings, whose spec.config holds it under the Knative Operator"}, nil
	case err == nil:
		return out, nil
	case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
		what := "you may not change it"
		if apierrors.IsNotFound(err) {
			what = "no such ConfigMap in " + eventingNamespace
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: doc.ConfigMap, Namespace: eventingNamespace}}
		switch {
		case entry == nil && read: // the plugin's entry is there, and may not go
			return keptChange(cm, fmt.Sprintf("%s not removed (%s); it still applies to Brokers made in the namespace", entryPath(ns), what)), nil
		case entry == nil: // not readable: nothing known of an entry there
			return Change{Object: cm, Op: opUnread}, nil
		}
		return keptChange(cm, fmt.Sprintf("%s not written (%s); the Broker carries its class and config itself", entryPath(ns), what)), nil
	}
	return out, APIError(err, "update", "configmap", doc.ConfigMap, eventingNamespace)
}

func entryPath(ns string) string { return "namespaceDefaults." + ns }

// conflictBackoff spaces the retries of a defaults write that lost a race:
// several enables at once (a script over many namespaces) all write the
// same two ConfigMaps, and client-go's default (5 tries 10 ms apart) is
// over before they are.
var conflictBackoff = wait.Backoff{Steps: 12, Duration: 20 * time.Millisecond, Factor: 1.6, Jitter: 0.5, Cap: 2 * time.Second}

// withEntry returns cm with the namespace's entry set to entry (or, for nil,
// the plugin's entry removed), and what that is: created, configured,
// deleted, unchanged, or kept with the reason.
func withEntry(cm *corev1.ConfigMap, doc defaultsDoc, ns string, entry map[string]any) (*corev1.ConfigMap, string, string, error) {
	var root map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data[doc.Key]), &root); err != nil {
		return nil, OpKept, fmt.Sprintf("its %s does not parse as YAML (%v); %s left alone", doc.Key, err, entryPath(ns)), nil
	}
	if root == nil {
		root = map[string]any{}
	}
	nsDefaults, isMap := root["namespaceDefaults"].(map[string]any)
	if !isMap && root["namespaceDefaults"] != nil {
		return nil, OpKept, fmt.Sprintf("its namespaceDefaults is not a map; %s left alone", entryPath(ns)), nil
	}
	if nsDefaults == nil {
		nsDefaults = map[string]any{}
	}
	if entry != nil {
		entry = withClusterConfig(entry, root)
	}
	ours := map[string]string{}
	if a := cm.Annotations[NamespaceDefaultsAnnotation]; a != "" {
		_ = json.Unmarshal([]byte(a), &ours) // unreadable: nothing is ours
	}
	cur, exists := nsDefaults[ns]
	mine := exists && ours[ns] != "" && ours[ns] == entryHash(cur)
	path := entryPath(ns)
	var op string
	switch {
	case entry == nil && !mine && exists && ours[ns] != "":
		return nil, OpKept, path + " was changed since the plugin wrote it; remove it by hand if it should go", nil
	case entry == nil && !mine:
		return cm, OpUnchanged, path, nil
	case entry == nil:
		delete(nsDefaults, ns)
		delete(ours, ns)
		op = OpDeleted
	case exists && entryHash(cur) == entryHash(entry):
		return cm, OpUnchanged, path, nil
	case exists && !mine:
		return nil, OpKept, path + " is set already, by someone else; it was left as it is", nil
	case exists:
		op = OpConfigured
	default:
		op = OpCreated
	}
	if entry != nil {
		ours[ns] = entryHash(entry)
	}
	// Only the entry changes in the text: others' comments and order stay.
	value, err := setNamespaceEntry(cm.Data[doc.Key], ns, entry)
	if err != nil {
		return nil, OpKept, fmt.Sprintf("its %s could not be edited (%v); %s left alone", doc.Key, err, entryPath(ns)), nil
	}
	next := cm.DeepCopy()
	if next.Data == nil {
		next.Data = map[string]string{}
	}
	next.Data[doc.Key] = string(value)
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	if len(ours) == 0 {
		delete(next.Annotations, NamespaceDefaultsAnnotation)
	} else {
		a, _ := json.Marshal(ours)
		next.Annotations[NamespaceDefaultsAnnotation] = string(a)
	}
	// The line reads "configmap/config-br-defaults configured (namespaceDefaults.shop created)".
	return next, OpConfigured, path + " " + op, nil
}
