package wiring

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// An administrator's config-br-defaults, written by hand: comments, their
// own key order, flow style.
const handWritten = `# Cluster-wide: the channel-based Broker.
clusterDefault:
  brokerClass: MTChannelBasedBroker # the default class
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
  namespace: knative-eventing
namespaceDefaults:
  # payments keeps its events in Kafka
  payments:
    brokerClass: Kafka
    apiVersion: v1
    kind: ConfigMap
    name: kafka-broker-config
  legacy: {brokerClass: MTChannelBasedBroker}
`

// Setting and then removing one namespace's entry leaves everything else
// as it was written, comments and order included; the text after removal is
// the text before.
func TestSetNamespaceEntryKeepsWhatOthersWrote(t *testing.T) {
	entry := map[string]any{"brokerClass": "MTChannelBasedBroker", "delivery": map[string]any{"retry": int64(3)}}
	set, err := setNamespaceEntry(handWritten, "shop", entry)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Cluster-wide: the channel-based Broker.", "# the default class", "# payments keeps its events in Kafka",
		"legacy: {brokerClass: MTChannelBasedBroker}", "  shop:\n    brokerClass: MTChannelBasedBroker\n    delivery:\n      retry: 3\n"} {
		if !strings.Contains(set, want) {
			t.Errorf("after set, the value lacks %q:\n%s", want, set)
		}
	}
	if strings.Index(set, "brokerClass: MTChannelBasedBroker # the default class") > strings.Index(set, "apiVersion: v1") {
		t.Errorf("the key order changed:\n%s", set)
	}
	// What Knative reads: the same as before plus the entry.
	var before, after map[string]any
	if err := yaml.Unmarshal([]byte(handWritten), &before); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(set), &after); err != nil {
		t.Fatal(err)
	}
	nsd := after["namespaceDefaults"].(map[string]any)
	if _, ok := nsd["shop"]; !ok || len(nsd) != 3 || entryHash(after["clusterDefault"]) != entryHash(before["clusterDefault"]) ||
		entryHash(nsd["payments"]) != entryHash(before["namespaceDefaults"].(map[string]any)["payments"]) {
		t.Fatalf("the parsed value after set: %v", after)
	}
	// Changing it again replaces the entry in place.
	again, err := setNamespaceEntry(set, "shop", map[string]any{"brokerClass": "Kafka"})
	if err != nil || strings.Count(again, "shop:") != 1 || !strings.Contains(again, "  shop:\n    brokerClass: Kafka\n") {
		t.Fatalf("set again: %v\n%s", err, again)
	}
	removed, err := setNamespaceEntry(again, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	if removed != handWritten {
		t.Fatalf("after removal the value is not what was written:\n%s\nwant:\n%s", removed, handWritten)
	}
}

// The forms a value may start from: empty, null, no namespaceDefaults, an
// empty namespaceDefaults; removing the last entry removes namespaceDefaults.
func TestSetNamespaceEntryFromEmptyForms(t *testing.T) {
	entry := map[string]any{"brokerClass": "MTChannelBasedBroker"}
	for _, text := range []string{"", "\n", "null\n", "clusterDefault:\n  brokerClass: X\n", "namespaceDefaults:\n", "namespaceDefaults: {}\n"} {
		set, err := setNamespaceEntry(text, "shop", entry)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var got map[string]any
		if err := yaml.Unmarshal([]byte(set), &got); err != nil {
			t.Fatalf("%q: set gave %q: %v", text, set, err)
		}
		if e, _ := got["namespaceDefaults"].(map[string]any)["shop"].(map[string]any); e["brokerClass"] != "MTChannelBasedBroker" {
			t.Fatalf("%q: set gave %q", text, set)
		}
		removed, err := setNamespaceEntry(set, "shop", nil)
		if err != nil || strings.Contains(removed, "namespaceDefaults") {
			t.Fatalf("%q: removal gave %q, %v", text, removed, err)
		}
	}
	if _, err := setNamespaceEntry("- a list\n", "shop", entry); err == nil {
		t.Fatal("a list value was edited")
	}
}
