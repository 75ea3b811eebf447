package wiring

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// knativeReads is the value as Knative's defaults parse it (sigs.k8s.io/yaml
// to JSON, YAML 1.1), as JSON.
func knativeReads(t *testing.T, text string) map[string]any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		t.Fatalf("Knative could not read %q: %v", text, err)
	}
	var v map[string]any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A namespace may be named yes, no, on, off, y or n: bare, YAML 1.1 (what
// Knative parses) reads those keys as true or false, so the entry would
// apply to no namespace of that name, and disable would not find it.
func TestNamespaceEntryNamedLikeABoolean(t *testing.T) {
	entry := map[string]any{"brokerClass": "MTChannelBasedBroker"}
	for _, ns := range []string{"yes", "no", "on", "off", "y", "n", "true", "false", "null", "1e3", "0x10", "123"} {
		set, err := setNamespaceEntry(handWritten, ns, entry)
		if err != nil {
			t.Fatalf("%s: %v", ns, err)
		}
		nsd := knativeReads(t, set)["namespaceDefaults"].(map[string]any)
		if e, _ := nsd[ns].(map[string]any); e["brokerClass"] != "MTChannelBasedBroker" {
			t.Fatalf("%s: Knative reads %v from\n%s", ns, nsd, set)
		}
		// Set again: replaced in place, not added twice.
		again, err := setNamespaceEntry(set, ns, map[string]any{"brokerClass": "Kafka"})
		if err != nil {
			t.Fatal(err)
		}
		nsd = knativeReads(t, again)["namespaceDefaults"].(map[string]any)
		if e, _ := nsd[ns].(map[string]any); len(nsd) != 3 || e["brokerClass"] != "Kafka" {
			t.Fatalf("%s: set again: %v\n%s", ns, err, again)
		}
		removed, err := setNamespaceEntry(again, ns, nil)
		if err != nil || removed != handWritten {
			t.Fatalf("%s: removal gave %v\n%s", ns, err, removed)
		}
	}
	// An administrator's bare `yes:` is the key true to Knative: it is not
	// the namespace yes's entry, and stays.
	text := "namespaceDefaults:\n  yes:\n    brokerClass: Kafka\n"
	set, err := setNamespaceEntry(text, "yes", entry)
	if err != nil {
		t.Fatal(err)
	}
	nsd := knativeReads(t, set)["namespaceDefaults"].(map[string]any)
	if len(nsd) != 2 || nsd["true"] == nil || nsd["yes"] == nil {
		t.Fatalf("Knative reads %v from\n%s", nsd, set)
	}
}

// Through the ConfigMap: enable then disable of the namespace `on` leaves
// the ConfigMap's text as it was.
func TestDefaultsEntryOfNamespaceOnIsRemoved(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: brokerDefaultsDoc.ConfigMap}, Data: map[string]string{brokerDefaultsDoc.Key: handWritten}}
	entry := map[string]any{"brokerClass": "MTChannelBasedBroker"}
	set, op, why, err := withEntry(cm, brokerDefaultsDoc, "on", entry)
	if err != nil || op != OpConfigured || !strings.HasSuffix(why, "created") {
		t.Fatalf("set: %v %s %s", err, op, why)
	}
	removed, op, why, err := withEntry(set, brokerDefaultsDoc, "on", nil)
	if err != nil || op != OpConfigured || !strings.HasSuffix(why, "deleted") {
		t.Fatalf("remove: %v %s %s\n%s", err, op, why, set.Data[brokerDefaultsDoc.Key])
	}
	if removed.Data[brokerDefaultsDoc.Key] != handWritten {
		t.Fatalf("after disable:\n%s", removed.Data[brokerDefaultsDoc.Key])
	}
}

// Values the node edit cannot change faithfully are refused, not
// half-edited: Knative keeps the last of duplicate keys (an edit of the first
// would change nothing it reads), an aliased namespaceDefaults is shared with
// its anchor, and documents after the first would be dropped.
func TestNamespaceEntryRefusesAmbiguousValues(t *testing.T) {
	entry := map[string]any{"brokerClass": "MTChannelBasedBroker"}
	for _, text := range []string{
		"namespaceDefaults:\n  a: {brokerClass: X}\nnamespaceDefaults:\n  b: {brokerClass: Y}\n",
		"namespaceDefaults:\n  shop: {brokerClass: X}\n  shop: {brokerClass: Y}\n",
		"nd: &n\n  a:\n    brokerClass: X\nnamespaceDefaults: *n\n",
		"clusterDefault:\n  brokerClass: X\n---\nsomeone: else\n",
	} {
		if got, err := setNamespaceEntry(text, "shop", entry); err == nil {
			t.Errorf("%q was edited:\n%s", text, got)
		}
		cm := &corev1.ConfigMap{Data: map[string]string{brokerDefaultsDoc.Key: text}}
		if _, op, why, err := withEntry(cm, brokerDefaultsDoc, "shop", entry); err != nil || op != OpKept {
			t.Errorf("%q: %v %s %s", text, err, op, why)
		}
	}
	// One document opened with ---, or followed by an empty one, is one
	// document.
	for _, text := range []string{"---\nclusterDefault:\n  brokerClass: X\n", "clusterDefault:\n  brokerClass: X\n---\n"} {
		if _, err := setNamespaceEntry(text, "shop", entry); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
	}
}
