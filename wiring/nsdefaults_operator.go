package wiring

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/yaml"
)

// Where the Knative Operator installs Knative (a KnativeEventing exists), it
// renders Knative's ConfigMaps from its release manifests and then sets each
// data key that the KnativeEventing's spec.config names:
// spec.config.<ConfigMap name>.<data key> is a string, the whole value of
// that key (the "config-" prefix of the ConfigMap's name may be left out,
// and the full name wins when both are there). A change made to the
// ConfigMap itself is undone at the Operator's next reconcile, so enable ns
// writes the namespace's entry into spec.config instead. The entry sits
// inside a YAML document held as one string: a merge patch could only
// replace that string whole, losing an entry another enable wrote
// meanwhile; so, as for the ConfigMap, the string is read, only this
// namespace's entry changed, and the KnativeEventing written back with the
// resourceVersion read (retried on a conflict).

// operatorAnnotation is, on the KnativeEventing, what NamespaceDefaultsAnnotation
// is on a ConfigMap, one per document (both live on one object).
func operatorAnnotation(doc defaultsDoc) string {
	return NamespaceDefaultsAnnotation + "." + doc.ConfigMap
}

// operatorSeedAnnotation records, when the plugin made spec.config's value
// (there was none, so it started from the ConfigMap's), a hash of that start:
// once the plugin's last entry is gone and the value is that again, the
// plugin removes the value it made, leaving spec.config as it found it.
func operatorSeedAnnotation(doc defaultsDoc) string {
	return "kymamesh.kyma-project.io/namespace-defaults-seed." + doc.ConfigMap
}

// knativeEventing returns the KnativeEventing the Operator acts on: the one
// in Knative's namespace, else the first listed; nil when there is none or
// the API does not serve the kind. A user who may not list them everywhere
// is asked about Knative's namespace, where the Operator's usually is; when
// that is forbidden too, unknown is true: nothing says whether the Operator
// is there (the ConfigMaps are then written, and a removal that finds
// nothing of the plugin's there cannot say the entry is gone).
func knativeEventing(ctx context.Context, m Mesh) (ke *unstructured.Unstructured, unknown bool, err error) {
	if m.Dynamic == nil {
		return nil, false, nil
	}
	l, err := m.Dynamic.Resource(knativeEventingGVR).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		l, err = m.Dynamic.Resource(knativeEventingGVR).Namespace(eventingNamespace).List(ctx, metav1.ListOptions{})
	}
	switch {
	case apierrors.IsForbidden(err):
		return nil, true, nil
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		return nil, false, nil
	case err != nil:
		return nil, false, APIError(err, "list", "knativeeventings", "", "")
	case len(l.Items) == 0:
		return nil, false, nil
	}
	for i := range l.Items {
		if l.Items[i].GetNamespace() == eventingNamespace {
			return &l.Items[i], false, nil
		}
	}
	return &l.Items[0], false, nil
}

// operatorConfigKey is the key of spec.config that holds doc's ConfigMap:
// the full name, or the short one ("br-defaults") when only that is there.
func operatorConfigKey(ke *unstructured.Unstructured, doc defaultsDoc) string {
	config, _, _ := unstructured.NestedMap(ke.Object, "spec", "config")
	if _, ok := config[doc.ConfigMap]; ok {
		return doc.ConfigMap
	}
	if short := strings.TrimPrefix(doc.ConfigMap, "config-"); short != doc.ConfigMap {
		if _, ok := config[short]; ok {
			return short
		}
	}
	return doc.ConfigMap
}

// docHash hashes a YAML document by its content, not its formatting.
func docHash(value string) string {
	var root any
	_ = yaml.Unmarshal([]byte(value), &root)
	return entryHash(root)
}

// setOperatorDefaults is setDefaults where the Operator manages Knative: the
// entry goes into ke's spec.config, the ownership hashes onto ke.
func setOperatorDefaults(ctx context.Context, m Mesh, ke *unstructured.Unstructured, doc defaultsDoc, ns string, entry map[string]any, dry DryRun) (Change, error) {
	c := m.Dynamic.Resource(knativeEventingGVR).Namespace(ke.GetNamespace())
	var out Change
	cur := ke
	first := true
	err := retry.RetryOnConflict(conflictBackoff, func() error {
		if !first {
			var err error
			if cur, err = c.Get(ctx, ke.GetName(), metav1.GetOptions{}); err != nil {
				return err
			}
		}
		first = false
		key := operatorConfigKey(cur, doc)
		where := "spec.config." + key + "." + doc.Key + ": "
		value, found, _ := unstructured.NestedString(cur.Object, "spec", "config", key, doc.Key)
		seed := ""
		if !found {
			if entry == nil {
				out = Change{Object: cur, Op: OpUnchanged} // no value there: nothing of the plugin's
				return nil
			}
			// The Operator takes the manifest's value where spec.config
			// gives none, and the ConfigMap holds that now: start from it.
			cm, err := m.Core.ConfigMaps(eventingNamespace).Get(ctx, doc.ConfigMap, metav1.GetOptions{})
			switch {
			case err == nil:
				value = cm.Data[doc.Key]
			case apierrors.IsNotFound(err) || apierrors.IsForbidden(err):
				// A value started from nothing would become the whole
				// ConfigMap's, dropping Knative's clusterDefault.
				what := "you may not read it"
				if apierrors.IsNotFound(err) {
					what = "no such ConfigMap in " + eventingNamespace
				}
				out = keptChange(cur, fmt.Sprintf("%s%s not written: spec.config has no value to add it to, and %s, whose value it would start from, is not readable (%s); the Broker carries its class and config itself",
					where, entryPath(ns), doc.ConfigMap, what))
				return nil
			default:
				return err
			}
			seed = docHash(value)
		}
		ann := cur.GetAnnotations()
		view := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{NamespaceDefaultsAnnotation: ann[operatorAnnotation(doc)]}},
			Data: map[string]string{doc.Key: value}}
		next, op, why, err := withEntry(view, doc, ns, entry)
		if err != nil || op == OpKept || op == OpUnchanged {
			out = Change{Object: cur, Op: op, Reason: where + why}
			return err
		}
		upd := cur.DeepCopy()
		ann = upd.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		if seed != "" {
			ann[operatorSeedAnnotation(doc)] = seed
		}
		newValue := next.Data[doc.Key]
		ours := next.Annotations[NamespaceDefaultsAnnotation]
		if ours == "" && ann[operatorSeedAnnotation(doc)] != "" && docHash(newValue) == ann[operatorSeedAnnotation(doc)] {
			// The plugin's last entry is gone: take out the value it made.
			unstructured.RemoveNestedField(upd.Object, "spec", "config", key, doc.Key)
			if left, _, _ := unstructured.NestedMap(upd.Object, "spec", "config", key); len(left) == 0 {
				unstructured.RemoveNestedField(upd.Object, "spec", "config", key)
			}
			if left, _, _ := unstructured.NestedMap(upd.Object, "spec", "config"); len(left) == 0 {
				unstructured.RemoveNestedField(upd.Object, "spec", "config")
			}
			delete(ann, operatorSeedAnnotation(doc))
		} else if err := unstructured.SetNestedField(upd.Object, newValue, "spec", "config", key, doc.Key); err != nil {
			return err
		}
		if ours == "" {
			delete(ann, operatorAnnotation(doc))
		} else {
			ann[operatorAnnotation(doc)] = ours
		}
		upd.SetAnnotations(nilIfNone(ann))
		if dry == DryRunClient {
			out = Change{Object: upd, Op: op, Reason: where + why}
			return nil
		}
		made, err := c.Update(ctx, upd, metav1.UpdateOptions{DryRun: dry.serverFlag(), FieldManager: ManagedByValue})
		if err != nil {
			return err
		}
		out = Change{Object: made, Op: op, Reason: where + why}
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case apierrors.IsForbidden(err) && entry == nil:
		return keptChange(cur, fmt.Sprintf("%s not removed from its spec.config (you may not change it); it still applies to Brokers made in the namespace", entryPath(ns))), nil
	case apierrors.IsForbidden(err):
		return keptChange(cur, fmt.Sprintf("%s not written to its spec.config (you may not change it); the Broker carries its class and config itself", entryPath(ns))), nil
	}
	return out, APIError(err, "update", "knativeeventing", ke.GetName(), ke.GetNamespace())
}
