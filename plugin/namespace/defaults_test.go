package namespace_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// knativeDefaults are Knative's two defaults ConfigMaps as its release ships
// them, with another namespace's entry someone wrote.
func knativeDefaults() []*corev1.ConfigMap {
	return []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: "config-br-defaults", Namespace: "knative-eventing"}, Data: map[string]string{"default-br-config": `clusterDefault:
  brokerClass: MTChannelBasedBroker
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
  namespace: knative-eventing
namespaceDefaults:
  team-b:
    brokerClass: MTChannelBasedBroker
`}},
		{ObjectMeta: metav1.ObjectMeta{Name: "default-ch-webhook", Namespace: "knative-eventing"}, Data: map[string]string{"default-ch-config": `clusterDefault:
  apiVersion: messaging.knative.dev/v1
  kind: InMemoryChannel
`}},
	}
}

func data(t *testing.T, f *cmdtest.Factory, name, key string) string {
	t.Helper()
	cm, err := f.CoreClient().ConfigMaps("knative-eventing").Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data[key]
}

// enable ns with a channel writes the namespace's entries in Knative's
// defaults and nothing else of them; a re-run changes nothing; disable ns
// removes exactly those entries; another namespace's entry is never lost.
func TestEnableWritesNamespaceDefaults(t *testing.T) {
	cms := knativeDefaults()
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1])
	cmdtest.Expect(t, f, "enable ns shop --channel kafka --retry 4", 0, "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\n"+
		"configmap/config-br-defaults configured (namespaceDefaults.shop created)\nconfigmap/default-ch-webhook configured (namespaceDefaults.shop created)\n", "")
	br := data(t, f, "config-br-defaults", "default-br-config")
	for _, want := range []string{"team-b:\n    brokerClass: MTChannelBasedBroker", "clusterDefault:\n  apiVersion: v1",
		"shop:\n    brokerClass: MTChannelBasedBroker\n    brokerClasses:\n      MTChannelBasedBroker:\n        apiVersion: v1\n        delivery:\n          retry: 4\n        kind: ConfigMap\n        name: default-kymamesh-channel\n        namespace: shop\n"} {
		if !strings.Contains(br, want) {
			t.Errorf("config-br-defaults lacks %q:\n%s", want, br)
		}
	}
	if ch := data(t, f, "default-ch-webhook", "default-ch-config"); !strings.Contains(ch, "namespaceDefaults:\n  shop:\n    apiVersion: messaging.knative.dev/v1beta1\n    kind: KafkaChannel\n") {
		t.Errorf("default-ch-webhook lacks shop's channel:\n%s", ch)
	}
	cmdtest.Expect(t, f, "enable ns shop --channel kafka --retry 4", 0, "configmap/default-kymamesh-channel unchanged\nbroker.eventing.knative.dev/default unchanged\n"+
		"configmap/config-br-defaults unchanged (namespaceDefaults.shop)\nconfigmap/default-ch-webhook unchanged (namespaceDefaults.shop)\n", "")
	cmdtest.Expect(t, f, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\nconfigmap/default-kymamesh-channel deleted\n"+
		"configmap/config-br-defaults configured (namespaceDefaults.shop deleted)\nconfigmap/default-ch-webhook configured (namespaceDefaults.shop deleted)\n", "")
	if br := data(t, f, "config-br-defaults", "default-br-config"); strings.Contains(br, "shop") || !strings.Contains(br, "team-b") {
		t.Errorf("disable must remove shop's entry and only that:\n%s", br)
	}
	if ch := data(t, f, "default-ch-webhook", "default-ch-config"); strings.Contains(ch, "namespaceDefaults") {
		t.Errorf("disable must leave default-ch-webhook as it was:\n%s", ch)
	}
}

// An entry someone else wrote is kept as it is, and so is one the plugin
// wrote that someone changed since: disable ns does not remove it.
func TestNamespaceDefaultsOfOthersAreKept(t *testing.T) {
	cms := knativeDefaults()
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1])
	cmdtest.Expect(t, f, "enable ns team-b --class MTChannelBasedBroker --retry 2 --dry-run=server -o name", 0, "broker.eventing.knative.dev/default\n",
		"warning: configmap/config-br-defaults kept (server dry run): namespaceDefaults.team-b is set already, by someone else; it was left as it is\n")
	cmdtest.Expect(t, f, "enable ns shop --retry 2", 0, "broker.eventing.knative.dev/default created\nconfigmap/config-br-defaults configured (namespaceDefaults.shop created)\n", "")
	cm, _ := f.CoreClient().ConfigMaps("knative-eventing").Get(t.Context(), "config-br-defaults", metav1.GetOptions{})
	cm.Data["default-br-config"] = strings.Replace(cm.Data["default-br-config"], "retry: 2", "retry: 9", 1)
	if _, err := f.CoreClient().ConfigMaps("knative-eventing").Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\n"+
		"configmap/config-br-defaults kept: namespaceDefaults.shop was changed since the plugin wrote it; remove it by hand if it should go\n", "")
	if br := data(t, f, "config-br-defaults", "default-br-config"); !strings.Contains(br, "retry: 9") {
		t.Errorf("a changed entry must stay:\n%s", br)
	}
}

// Where the Knative Operator manages Knative (a KnativeEventing exists), it
// would undo a change to its ConfigMaps: enable ns leaves them alone and says
// where the entry belongs instead.
func TestNamespaceDefaultsUnderTheOperator(t *testing.T) {
	cms := knativeDefaults()
	ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
		"metadata": map[string]any{"name": "knative-eventing", "namespace": "knative-eventing"}}}
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1], ke)
	before := data(t, f, "config-br-defaults", "default-br-config")
	cmdtest.Expect(t, f, "enable ns shop --retry 2", 0, "broker.eventing.knative.dev/default created\n"+
		"configmap/config-br-defaults kept: the Knative Operator manages it (knativeeventing knative-eventing/knative-eventing would undo a change here); "+
		"namespaceDefaults.shop not written: set it in that resource's spec.config, the Broker carries its class and config itself\n", "")
	if after := data(t, f, "config-br-defaults", "default-br-config"); after != before {
		t.Errorf("config-br-defaults changed under the operator:\n%s", after)
	}
}
