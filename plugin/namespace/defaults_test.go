package namespace_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

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
	for _, want := range []string{"team-b:\n    brokerClass: MTChannelBasedBroker", "clusterDefault:\n  brokerClass: MTChannelBasedBroker\n  apiVersion: v1",
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
// would undo a change to its ConfigMaps: enable ns writes the namespace's
// entry into the KnativeEventing's spec.config instead (the ConfigMap's
// value, another namespace's entry included, as the start), keeps another
// namespace's entry written there meanwhile, and disable ns removes exactly
// its entry, then the value the plugin made, leaving spec.config as it was.
func TestNamespaceDefaultsUnderTheOperator(t *testing.T) {
	cms := knativeDefaults()
	ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
		"metadata": map[string]any{"name": "knative-eventing", "namespace": "knative-eventing"},
		"spec":     map[string]any{"config": map[string]any{"features": map[string]any{"new-apiserversource-filters": "enabled"}}}}}
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop2"}}, cms[0], cms[1], ke)
	before := data(t, f, "config-br-defaults", "default-br-config")
	const line = "knativeeventing.operator.knative.dev/knative-eventing configured (spec.config.config-br-defaults.default-br-config: namespaceDefaults.%s %s)\n"
	chLine := "knativeeventing.operator.knative.dev/knative-eventing configured (spec.config.default-ch-webhook.default-ch-config: namespaceDefaults.shop %s)\n"
	cmdtest.Expect(t, f, "enable ns shop --retry 2 --channel kafka", 0, "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\n"+
		fmt.Sprintf(line, "shop", "created")+fmt.Sprintf(chLine, "created"), "")
	if after := data(t, f, "config-br-defaults", "default-br-config"); after != before {
		t.Errorf("config-br-defaults changed under the operator:\n%s", after)
	}
	spec := func() map[string]any {
		got, err := f.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "knative-eventing", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		config, _, _ := unstructured.NestedMap(got.Object, "spec", "config")
		return config
	}
	br, _, _ := unstructured.NestedString(spec(), "config-br-defaults", "default-br-config")
	for _, want := range []string{"clusterDefault:\n  brokerClass: MTChannelBasedBroker\n  apiVersion: v1", "team-b:\n    brokerClass: MTChannelBasedBroker", "shop:\n    brokerClass: MTChannelBasedBroker\n    brokerClasses:", "retry: 2"} {
		if !strings.Contains(br, want) {
			t.Errorf("spec.config.config-br-defaults lacks %q:\n%s", want, br)
		}
	}
	if ch, _, _ := unstructured.NestedString(spec(), "default-ch-webhook", "default-ch-config"); !strings.Contains(ch, "shop:\n    apiVersion: messaging.knative.dev/v1beta1\n    kind: KafkaChannel") {
		t.Errorf("spec.config.default-ch-webhook lacks shop's channel:\n%s", ch)
	}
	cmdtest.Expect(t, f, "enable ns shop --retry 2 --channel kafka", 0, "configmap/default-kymamesh-channel unchanged\nbroker.eventing.knative.dev/default unchanged\n"+
		"knativeeventing.operator.knative.dev/knative-eventing unchanged (spec.config.config-br-defaults.default-br-config: namespaceDefaults.shop)\n"+
		"knativeeventing.operator.knative.dev/knative-eventing unchanged (spec.config.default-ch-webhook.default-ch-config: namespaceDefaults.shop)\n", "")
	cmdtest.Expect(t, f, "enable ns shop2 --retry 3", 0, "broker.eventing.knative.dev/default created\n"+fmt.Sprintf(line, "shop2", "created"), "")
	cmdtest.Expect(t, f, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\nconfigmap/default-kymamesh-channel deleted\n"+
		fmt.Sprintf(line, "shop", "deleted")+fmt.Sprintf(chLine, "deleted"), "")
	if br, _, _ := unstructured.NestedString(spec(), "config-br-defaults", "default-br-config"); strings.Contains(br, "shop:") || !strings.Contains(br, "shop2:") {
		t.Errorf("disable ns shop must remove its entry and only that:\n%s", br)
	}
	if _, found := spec()["default-ch-webhook"]; found {
		t.Errorf("the default-ch-webhook value the plugin made must go with its last entry: %v", spec())
	}
	cmdtest.Expect(t, f, "disable ns shop2", 0, "broker.eventing.knative.dev/default deleted\n"+fmt.Sprintf(line, "shop2", "deleted"), "")
	if got := spec(); len(got) != 1 || got["features"] == nil {
		t.Errorf("spec.config must be as it was: %v", got)
	}
	got, _ := f.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "knative-eventing", metav1.GetOptions{})
	if a := got.GetAnnotations(); len(a) != 0 {
		t.Errorf("the KnativeEventing keeps the plugin's annotations: %v", a)
	}
	if after := data(t, f, "config-br-defaults", "default-br-config"); after != before {
		t.Errorf("config-br-defaults changed under the operator:\n%s", after)
	}
}

// spec.config under the short key ("br-defaults", the Operator's "config-"
// prefix left out) is the value the Operator uses: the entry goes there, and
// someone's entry for the namespace there is kept.
func TestNamespaceDefaultsOperatorShortKey(t *testing.T) {
	cms := knativeDefaults()
	ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
		"metadata": map[string]any{"name": "ke", "namespace": "knative-eventing"},
		"spec":     map[string]any{"config": map[string]any{"br-defaults": map[string]any{"default-br-config": "clusterDefault:\n  brokerClass: MTChannelBasedBroker\nnamespaceDefaults:\n  theirs:\n    brokerClass: Other\n"}}}}}
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "theirs"}}, cms[0], cms[1], ke)
	cmdtest.Expect(t, f, "enable ns shop --retry 2", 0, "broker.eventing.knative.dev/default created\n"+
		"knativeeventing.operator.knative.dev/ke configured (spec.config.br-defaults.default-br-config: namespaceDefaults.shop created)\n", "")
	cmdtest.Expect(t, f, "enable ns theirs --retry 2", 0, "broker.eventing.knative.dev/default created\n"+
		"knativeeventing.operator.knative.dev/ke kept: spec.config.br-defaults.default-br-config: namespaceDefaults.theirs is set already, by someone else; it was left as it is\n", "")
	got, _ := f.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "ke", metav1.GetOptions{})
	config, _, _ := unstructured.NestedMap(got.Object, "spec", "config")
	if _, full := config["config-br-defaults"]; full || !strings.Contains(fmt.Sprint(config["br-defaults"]), "shop:") {
		t.Errorf("the entry must go under the key that is there: %v", config)
	}
	cmdtest.Expect(t, f, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\n"+
		"knativeeventing.operator.knative.dev/ke configured (spec.config.br-defaults.default-br-config: namespaceDefaults.shop deleted)\n", "")
	got, _ = f.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "ke", metav1.GetOptions{})
	if v, _, _ := unstructured.NestedString(got.Object, "spec", "config", "br-defaults", "default-br-config"); !strings.Contains(v, "theirs:") || strings.Contains(v, "shop") {
		t.Errorf("a value the plugin did not make stays, without its entry: %q", v)
	}
}

var operatorGVR = schema.GroupVersionResource{Group: "operator.knative.dev", Version: "v1beta1", Resource: "knativeeventings"}

// The review's findings, each a case: an entry from delivery flags alone
// carries the cluster's channel config (Knative takes a namespace's class
// entry whole); a second enable with other delivery changes the Broker too;
// disable keeps the channel template another Broker was given; a ConfigMap
// without data or with a namespaceDefaults that is not a map is no panic.
func TestNamespaceDefaultsReviewCases(t *testing.T) {
	cms := knativeDefaults()
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1])
	cmdtest.Expect(t, f, "enable ns shop --retry 5", 0, "broker.eventing.knative.dev/default created\nconfigmap/config-br-defaults configured (namespaceDefaults.shop created)\n", "")
	if br := data(t, f, "config-br-defaults", "default-br-config"); !strings.Contains(br, "      MTChannelBasedBroker:\n        apiVersion: v1\n        delivery:\n          retry: 5\n        kind: ConfigMap\n        name: config-br-default-channel\n        namespace: knative-eventing\n") {
		t.Errorf("a delivery-only entry must carry the cluster's channel config:\n%s", br)
	}
	cmdtest.Expect(t, f, "enable ns shop --retry 6", 0, "broker.eventing.knative.dev/default configured\nconfigmap/config-br-defaults configured (namespaceDefaults.shop configured)\n", "")
	b, err := f.EventingClient().Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if err != nil || b.Spec.Delivery == nil || b.Spec.Delivery.Retry == nil || *b.Spec.Delivery.Retry != 6 {
		t.Fatalf("the Broker must follow the new delivery: %+v %v", b, err)
	}
	cmdtest.Expect(t, f, "enable ns shop --retry 6", 0, "broker.eventing.knative.dev/default unchanged\nconfigmap/config-br-defaults unchanged (namespaceDefaults.shop)\n", "")

	// Someone's Broker that Knative gave the namespace's channel template.
	cmdtest.Expect(t, f, "enable ns shop --channel imc --broker b2", 0, "configmap/b2-kymamesh-channel created\nbroker.eventing.knative.dev/b2 created\n"+
		"configmap/config-br-defaults configured (namespaceDefaults.shop configured)\nconfigmap/default-ch-webhook configured (namespaceDefaults.shop created)\n", "")
	theirs := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "theirs", Namespace: "shop"},
		Spec: knapi.BrokerSpec{Config: &duckv1.KReference{Kind: "ConfigMap", APIVersion: "v1", Name: "b2-kymamesh-channel", Namespace: "shop"}}}
	if _, err := f.EventingClient().Brokers("shop").Create(t.Context(), theirs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := cmdtest.Run(t.Context(), f, "", "disable", "ns", "shop")
	if r.Code != 0 || !strings.Contains(r.Stdout, "configmap/b2-kymamesh-channel kept: the channel template of broker theirs\n") {
		t.Fatalf("disable must keep a template another Broker uses: %+v", r)
	}
	if _, err := f.CoreClient().ConfigMaps("shop").Get(t.Context(), "b2-kymamesh-channel", metav1.GetOptions{}); err != nil {
		t.Fatalf("the template is gone: %v", err)
	}

	// No data at all, and a namespaceDefaults that is not a map.
	g := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-br-defaults", Namespace: "knative-eventing"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "default-ch-webhook", Namespace: "knative-eventing"}, Data: map[string]string{"default-ch-config": "namespaceDefaults: [a, b]\n"}})
	cmdtest.Expect(t, g, "enable ns shop --channel imc", 0, "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\n"+
		"configmap/config-br-defaults configured (namespaceDefaults.shop created)\n"+
		"configmap/default-ch-webhook kept: its namespaceDefaults is not a map; namespaceDefaults.shop left alone\n", "")
}

// A mesh operation that fails before changing anything prints nothing on
// stdout, with -o too (not an empty List), as kubectl does.
func TestFailureBeforeAnyChangePrintsNothing(t *testing.T) {
	f := cmdtest.NewFactory("default")
	cmdtest.Expect(t, f, "enable ns nope -o json", 1, "",
		"error: namespace \"nope\" does not exist: create it with 'kubectl create namespace nope', or add --create-namespace\n")
}

// A user who may not change the KnativeEventing gets one kept line saying
// so, and the Broker carries its class and config itself; a conflict (an
// enable elsewhere wrote meanwhile) is retried and keeps the other entry.
func TestNamespaceDefaultsOperatorForbiddenAndConflict(t *testing.T) {
	cms := knativeDefaults()
	ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
		"metadata": map[string]any{"name": "knative-eventing", "namespace": "knative-eventing"}}}
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1], ke)
	f.Dyn.PrependReactor("update", "knativeeventings", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "operator.knative.dev", Resource: "knativeeventings"}, "knative-eventing", errors.New("no"))
	})
	cmdtest.Expect(t, f, "enable ns shop --retry 2", 0, "broker.eventing.knative.dev/default created\n"+
		"knativeeventing.operator.knative.dev/knative-eventing kept: namespaceDefaults.shop not written to its spec.config (you may not change it); the Broker carries its class and config itself\n", "")

	g := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1], ke.DeepCopy())
	conflicts := 0
	g.Dyn.PrependReactor("update", "knativeeventings", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			return false, nil, nil
		}
		conflicts++
		// Someone else's enable lands first.
		cur, _ := g.Dyn.Tracker().Get(operatorGVR, "knative-eventing", "knative-eventing")
		u := cur.(*unstructured.Unstructured)
		_ = unstructured.SetNestedField(u.Object, "namespaceDefaults:\n  other:\n    brokerClass: MTChannelBasedBroker\n", "spec", "config", "config-br-defaults", "default-br-config")
		_ = g.Dyn.Tracker().Update(operatorGVR, u, "knative-eventing")
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "operator.knative.dev", Resource: "knativeeventings"}, "knative-eventing", errors.New("changed"))
	})
	cmdtest.Expect(t, g, "enable ns shop --retry 2", 0, "broker.eventing.knative.dev/default created\n"+
		"knativeeventing.operator.knative.dev/knative-eventing configured (spec.config.config-br-defaults.default-br-config: namespaceDefaults.shop created)\n", "")
	got, _ := g.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "knative-eventing", metav1.GetOptions{})
	v, _, _ := unstructured.NestedString(got.Object, "spec", "config", "config-br-defaults", "default-br-config")
	if !strings.Contains(v, "other:") || !strings.Contains(v, "shop:") || conflicts != 1 {
		t.Errorf("after a conflict both entries must be there (%d conflicts):\n%s", conflicts, v)
	}
}

// A user who may disable the namespace but not read Knative's defaults (a
// namespace admin) is told the namespace's entry is left behind and who can
// remove it: the Broker enable made says which defaults hold an entry.
func TestDisableTellsOfDefaultsItMayNotRead(t *testing.T) {
	cms := knativeDefaults()
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1])
	cmdtest.Expect(t, f, "enable ns shop --channel imc --retry 2", 0, "configmap/default-kymamesh-channel created\nbroker.eventing.knative.dev/default created\n"+
		"configmap/config-br-defaults configured (namespaceDefaults.shop created)\nconfigmap/default-ch-webhook configured (namespaceDefaults.shop created)\n", "")
	f.Dyn.PrependReactor("*", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() != "knative-eventing" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), "", errors.New(`User "team" cannot get resource "configmaps" in "knative-eventing"`))
	})
	cmdtest.Expect(t, f, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\nconfigmap/default-kymamesh-channel deleted\n"+
		"configmap/config-br-defaults kept: namespaceDefaults.shop not checked (you may not read it): enable wrote it for broker default, and it still applies to Brokers made in the namespace; a cluster admin removes it with: kubectl kymamesh disable ns shop\n"+
		"configmap/default-ch-webhook kept: namespaceDefaults.shop not checked (you may not read it): enable wrote it for broker default, and it still applies to Brokers made in the namespace; a cluster admin removes it with: kubectl kymamesh disable ns shop\n", "")

	// Without namespace defaults, nothing is said of them.
	g := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	cmdtest.Expect(t, g, "enable ns shop", 0, "broker.eventing.knative.dev/default created\n", "")
	cmdtest.Expect(t, g, "disable ns shop", 0, "broker.eventing.knative.dev/default deleted\n", "")
}

// Under the Operator, a namespace admin may read Knative's ConfigMaps but
// not list KnativeEventings: the entry enable wrote lives in the
// KnativeEventing's spec.config, not in the ConfigMap (which shows nothing
// of the plugin's), and disable must say it is left behind, not pass over
// it in silence. One who may list KnativeEventings in knative-eventing only
// still finds the Operator's.
func TestDisableUnderTheOperatorItMayNotList(t *testing.T) {
	for _, anywhere := range []bool{false, true} {
		cms := knativeDefaults()
		ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
			"metadata": map[string]any{"name": "knative-eventing", "namespace": "knative-eventing"}}}
		f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1], ke)
		mustRun := func(args string) string {
			r := cmdtest.Run(t.Context(), f, "", strings.Fields(args)...)
			if r.Code != 0 {
				t.Fatalf("%s: %d %s", args, r.Code, r.Stderr)
			}
			return r.Stdout
		}
		if out := mustRun("enable ns shop --retry 2"); !strings.Contains(out, "knativeeventing.operator.knative.dev/knative-eventing configured") {
			t.Fatalf("enable under the Operator:\n%s", out)
		}
		f.Dyn.PrependReactor("list", "knativeeventings", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetNamespace() == "" || anywhere {
				return true, nil, apierrors.NewForbidden(operatorGVR.GroupResource(), "", errors.New("no"))
			}
			return false, nil, nil
		})
		f.Dyn.PrependReactor("update", "knativeeventings", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(operatorGVR.GroupResource(), "knative-eventing", errors.New("no"))
		})
		// Listing in knative-eventing allowed: the KnativeEventing is
		// found, and the entry said to stay there. Forbidden everywhere:
		// the ConfigMap holds nothing of the plugin's, and that must not
		// read as "nothing left".
		want := "knativeeventing.operator.knative.dev/knative-eventing kept: namespaceDefaults.shop not removed from its spec.config"
		if anywhere {
			want = "configmap/config-br-defaults kept: namespaceDefaults.shop not checked (you may not list KnativeEventings, whose spec.config holds it under the Knative Operator): enable wrote it for broker default"
		}
		if out := mustRun("disable ns shop"); !strings.Contains(out, want) {
			t.Errorf("disable (listing forbidden anywhere: %v) lacks %q:\n%s", anywhere, want, out)
		}
	}
}

// Under the Operator, where spec.config holds no value yet, the plugin
// starts from the ConfigMap's (its clusterDefault). A user who may update
// the KnativeEventing but not read that ConfigMap must not write a value
// started from nothing: the Operator would put it into config-br-defaults,
// taking every namespace's Brokers their cluster default.
func TestOperatorValueNotStartedFromNothing(t *testing.T) {
	cms := knativeDefaults()
	ke := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeEventing",
		"metadata": map[string]any{"name": "knative-eventing", "namespace": "knative-eventing"}}}
	f := cmdtest.NewFactory("default", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, cms[0], cms[1], ke)
	f.Dyn.PrependReactor("get", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() != "knative-eventing" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), "config-br-defaults", errors.New("no"))
	})
	r := cmdtest.Run(t.Context(), f, "", "enable", "ns", "shop", "--retry", "2")
	if r.Code != 0 || !strings.Contains(r.Stdout, "knativeeventing.operator.knative.dev/knative-eventing kept: spec.config.config-br-defaults.default-br-config: namespaceDefaults.shop not written") {
		t.Errorf("enable by one who may not read config-br-defaults: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	got, err := f.Dyn.Resource(operatorGVR).Namespace("knative-eventing").Get(t.Context(), "knative-eventing", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, found, _ := unstructured.NestedMap(got.Object, "spec", "config"); found {
		t.Errorf("spec.config written from nothing: %v", c)
	}
}
