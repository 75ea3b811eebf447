package status_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// adapterObject is one object of an application's source as the dynamic
// client returns it, with a condition.
func adapterObject(apiVersion, kind, name, cond, status string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{
		"conditions": []any{map[string]any{"type": cond, "status": status, "reason": "Because"}}}}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace("kyma-integration")
	u.SetLabels(map[string]string{"app.kubernetes.io/name": "kymamesh-adapter", "kymamesh.kyma-project.io/application": "crm"})
	return u
}

// status reads each kind once (nine list requests, none per object) and
// names the adapter that is not available, the SinkBinding that has not
// bound, and the namespace whose Broker has no Trigger.
func TestStatusReadsEachKindOnceAndNamesBrokenLinks(t *testing.T) {
	readyBroker := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	readyBroker.Status.Status = duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
	sub := &knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "crm-to-shop", Namespace: "kyma-integration"},
		Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{Name: "crm"},
			Subscriber: &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Broker", Name: "default", Namespace: "shop"}}}}
	sub.Status.Status = readyBroker.Status.Status
	f := cmdtest.NewFactory("shop", readyBroker, sub,
		adapterObject("apps/v1", "Deployment", "crm-adapter", "Available", "False"),
		adapterObject("v1", "Service", "crm-adapter", "Ready", "True"),
		adapterObject("messaging.knative.dev/v1", "Channel", "crm", "Ready", "True"),
		adapterObject("sources.knative.dev/v1", "SinkBinding", "crm-adapter", "Ready", "False"))
	r := cmdtest.Run(t.Context(), f, "", "status", "-o", "json")
	var st struct {
		Applications []struct {
			Name          string
			Subscriptions []struct{ Name, To string }
		}
		Problems []struct{ Object, What, Fix string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil || r.Code != 0 {
		t.Fatalf("status -o json: %v %+v", err, r)
	}
	if len(st.Applications) != 1 || len(st.Applications[0].Subscriptions) != 1 || st.Applications[0].Subscriptions[0].To != "broker shop/default" {
		t.Fatalf("the chain: %+v", st.Applications)
	}
	var got []string
	for _, p := range st.Problems {
		got = append(got, p.Object+": "+p.What+" | "+p.Fix)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"application kyma-integration/crm: its adapter Deployment is not available (Because): its events are refused | kubectl kymamesh source describe crm --integration-namespace kyma-integration",
		"application kyma-integration/crm: its SinkBinding has not bound the adapter to the Channel (no K_SINK)",
		"broker shop/default: has no Trigger: the events it takes go nowhere | kubectl kymamesh trigger create NAME -n shop --broker default --sink SINK",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if len(st.Problems) != 3 {
		t.Errorf("want 3 problems, got:\n%s", all)
	}
	requests := len(f.Dyn.Actions())
	if requests != 14 { // the ten kinds, the applications' credentials Secrets, config-br-defaults, Ingresses and HTTPRoutes
		t.Fatalf("status made %d requests, want 14 (one list per kind, one get)", requests)
	}
}

// status -n of a namespace that does not exist says so, with the fix, rather
// than showing an empty mesh.
func TestStatusSaysTheNamespaceDoesNotExist(t *testing.T) {
	f := cmdtest.NewFactory("shpo")
	r := cmdtest.Run(t.Context(), f, "", "status")
	if !strings.Contains(r.Stdout, "namespace shpo: does not exist") || !strings.Contains(r.Stdout, "kubectl create namespace shpo, then kubectl kymamesh enable ns shpo") {
		t.Fatalf("status of a missing namespace: %+v", r)
	}
	f = cmdtest.NewFactory("empty", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "empty"}})
	if r := cmdtest.Run(t.Context(), f, "", "status"); strings.Contains(r.Stdout, "does not exist") {
		t.Fatalf("an existing empty namespace reported missing: %+v", r)
	}
}

// status reports the links that look whole but are not: a wired Subscription
// repointed away from its namespace, a Subscription whose Channel is gone, an
// adapter whose SinkBinding bypasses its Channel; --exit-code makes them exit 3.
func TestStatusNamesLinksThatLookWholeButAreNot(t *testing.T) {
	ready := duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
	broker := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	broker.Status.Status = ready
	trig := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default"}}
	trig.Status.Status = ready
	repointed := &knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "crm-to-shop", Namespace: "kyma-integration",
		Labels: map[string]string{"kymamesh.kyma-project.io/application": "crm", "kymamesh.kyma-project.io/wired-to": "shop"}},
		Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{Kind: "Channel", Name: "crm"},
			Subscriber: &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Broker", Name: "default", Namespace: "elsewhere"}}}}
	repointed.Status.Status = ready
	orphan := &knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "lost", Namespace: "kyma-integration"},
		Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{Kind: "Channel", Name: "gone"},
			Subscriber: &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Broker", Name: "default", Namespace: "shop"}}}}
	orphan.Status.Status = ready
	ch := adapterObject("messaging.knative.dev/v1", "Channel", "crm", "Ready", "True")
	_ = unstructured.SetNestedField(ch.Object, "http://crm-kn-channel.kyma-integration.svc.cluster.local", "status", "address", "url")
	sb := adapterObject("sources.knative.dev/v1", "SinkBinding", "crm-adapter", "Ready", "True")
	_ = unstructured.SetNestedField(sb.Object, "http://somewhere.else/", "status", "sinkUri")
	f := cmdtest.NewFactory("shop", broker, trig, repointed, orphan, ch, sb,
		adapterObject("apps/v1", "Deployment", "crm-adapter", "Available", "True"),
		adapterObject("v1", "Service", "crm-adapter", "Ready", "True"))
	r := cmdtest.Run(t.Context(), f, "", "status", "--exit-code")
	for _, want := range []string{
		"subscription kyma-integration/crm-to-shop: was wired to namespace shop but delivers to broker elsewhere/default",
		"kubectl kymamesh wire crm --to shop --integration-namespace kyma-integration --force-conflicts",
		"subscription kyma-integration/lost: its channel gone does not exist: it delivers nothing",
		"application kyma-integration/crm: its SinkBinding sends to http://somewhere.else/, not to its Channel (http://crm-kn-channel.kyma-integration.svc.cluster.local)",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r.Code != 3 || r.Stderr != "error: 3 broken link(s)\n" {
		t.Fatalf("status --exit-code with broken links: want exit 3 and the count, got %d %q", r.Code, r.Stderr)
	}
	if r := cmdtest.Run(t.Context(), f, "", "status"); r.Code != 0 {
		t.Fatalf("without --exit-code, status exits 0: %+v", r)
	}
}

// A Trigger whose sink is one of Knative's newer kinds (JobSink,
// IntegrationSink, EventTransform) looks whole while that sink is missing or
// not Ready: status reads each such sink and names it.
func TestStatusNamesNewerSinksThatAreNotReady(t *testing.T) {
	ready := duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	b.Status.Status = ready
	trigger := func(name, sink string) *knapi.Trigger {
		kind, apiVersion, _ := strings.Cut(sink, " ")
		tr := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default",
			Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: kind, APIVersion: apiVersion, Name: "s-" + name}}}}
		tr.Status.Status = ready
		return tr
	}
	sink := func(apiVersion, kind, name, status string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{
			"conditions": []any{map[string]any{"type": "Ready", "status": status, "reason": "NoImage"}}}}}
		u.SetAPIVersion(apiVersion)
		u.SetKind(kind)
		u.SetName(name)
		u.SetNamespace("shop")
		return u
	}
	f := cmdtest.NewFactory("shop", b,
		trigger("a", "JobSink sinks.knative.dev/v1alpha1"), trigger("b", "IntegrationSink sinks.knative.dev/v1alpha1"),
		trigger("c", "EventTransform eventing.knative.dev/v1alpha1"),
		sink("sinks.knative.dev/v1alpha1", "JobSink", "s-a", "False"), sink("eventing.knative.dev/v1alpha1", "EventTransform", "s-c", "True"))
	r := cmdtest.Run(t.Context(), f, "", "status")
	for _, want := range []string{
		"x trigger shop/a: its sink jobsink:s-a is not ready (NoImage): matching events are not delivered\n    fix: kubectl describe jobsinks.sinks.knative.dev s-a -n shop\n",
		"x trigger shop/b: its sink integrationsink:s-b does not exist (or its kind is not installed): matching events are not delivered\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "trigger shop/c:") || !strings.Contains(r.Stdout, "-> ") {
		t.Errorf("a Ready EventTransform is no problem:\n%s", r.Stdout)
	}
}

// status says where each Broker's class and config come from: its
// namespace's entry in config-br-defaults, the cluster default (only where
// the namespace has no entry), or neither, the Broker's own.
func TestStatusSaysWherePersistenceComesFrom(t *testing.T) {
	defaults := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-br-defaults", Namespace: "knative-eventing"}, Data: map[string]string{"default-br-config": `clusterDefault:
  brokerClass: MTChannelBasedBroker
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
  namespace: knative-eventing
namespaceDefaults:
  shop:
    brokerClass: MTChannelBasedBroker
    brokerClasses:
      MTChannelBasedBroker: {apiVersion: v1, kind: ConfigMap, name: kafka-channel, namespace: shop}
`}}
	broker := func(ns, name, cm, cmNS string) *knapi.Broker {
		return &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: map[string]string{"eventing.knative.dev/broker.class": "MTChannelBasedBroker"}},
			Spec: knapi.BrokerSpec{Config: &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm, Namespace: cmNS}}}
	}
	f := cmdtest.NewFactory("shop", defaults,
		broker("shop", "default", "kafka-channel", "shop"),
		broker("shop", "own", "mine", "shop"),
		broker("other", "default", "config-br-default-channel", "knative-eventing"))
	r := cmdtest.Run(t.Context(), f, "", "status", "-A")
	for _, want := range []string{
		"broker default  ", "(configmap shop/kafka-channel, the namespace's default)",
		"(configmap shop/mine, the Broker's own)",
		"(configmap knative-eventing/config-br-default-channel, the cluster default)",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.Stdout)
		}
	}
	r = cmdtest.Run(t.Context(), f, "", "status", "-A", "-o", "json")
	if !strings.Contains(r.Stdout, `"from":"namespaceDefaults"`) || !strings.Contains(r.Stdout, `"from":"clusterDefault"`) || !strings.Contains(r.Stdout, `"from":"broker"`) {
		t.Errorf("status -o json lacks persistence.from:\n%s", r.Stdout)
	}
}

// Where the namespace's entry gives no config for the Broker's class (an
// entry with a class only, as someone wrote for team-b), Knative's webhook
// takes the cluster's: status must say the cluster default, not the
// Broker's own; and so for a class the cluster's entry does not name,
// which Knative gives the cluster's inline config too.
func TestStatusPersistenceFromFollowsKnativesFallback(t *testing.T) {
	defaults := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-br-defaults", Namespace: "knative-eventing"}, Data: map[string]string{"default-br-config": `clusterDefault:
  brokerClass: MTChannelBasedBroker
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
  namespace: knative-eventing
namespaceDefaults:
  team-b:
    brokerClass: MTChannelBasedBroker
`}}
	broker := func(ns, class string) *knapi.Broker {
		return &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns, Annotations: map[string]string{"eventing.knative.dev/broker.class": class}},
			Spec: knapi.BrokerSpec{Config: &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: "config-br-default-channel", Namespace: "knative-eventing"}}}
	}
	f := cmdtest.NewFactory("team-b", defaults, broker("team-b", "MTChannelBasedBroker"), broker("other", "Other"))
	r := cmdtest.Run(t.Context(), f, "", "status", "-A", "-o", "json")
	if n := strings.Count(r.Stdout, `"from":"clusterDefault"`); n != 2 || strings.Contains(r.Stdout, `"from":"broker"`) {
		t.Errorf("want both Brokers' persistence from the cluster default:\n%s", r.Stdout)
	}
}

// A namespace's admin who may not list the integration namespace still gets
// the namespace's Brokers and Triggers, and a line saying what was left out;
// status does not fail.
func TestStatusShowsWhatANamespaceAdminMayRead(t *testing.T) {
	readyBroker := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	readyBroker.Status.Status = duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
	trig := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default"}}
	f := cmdtest.NewFactory("shop", readyBroker, trig, adapterObject("apps/v1", "Deployment", "crm-adapter", "Available", "True"))
	f.Dyn.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "kyma-integration" {
			return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New(`User "alice" cannot list resource "`+a.GetResource().Resource+`" in the namespace "kyma-integration"`))
		}
		return false, nil, nil
	})
	r := cmdtest.Run(t.Context(), f, "", "status")
	if r.Code != 0 || !strings.Contains(r.Stdout, "broker default") || !strings.Contains(r.Stdout, "trigger orders") ||
		!strings.Contains(r.Stdout, `Not shown: applications in namespace "kyma-integration": you may not list them (`) || strings.Contains(r.Stdout, "crm") {
		t.Fatalf("status as a namespace admin: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "status", "-o", "json")
	var st struct{ Unread []string }
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil || r.Code != 0 || len(st.Unread) != 1 {
		t.Fatalf("status -o json as a namespace admin: %v %+v", err, r)
	}
}

// A user who may read the applications but not list their Ingresses or
// HTTPRoutes (the view and admin roles do not cover the Gateway API's CRDs
// unless aggregated) is told status left their exposures out, not shown
// them as not exposed.
func TestStatusSaysItCouldNotReadExposures(t *testing.T) {
	f := cmdtest.NewFactory("shop", adapterObject("apps/v1", "Deployment", "crm-adapter", "Available", "True"))
	f.Dyn.PrependReactor("list", "httproutes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "", errors.New(`User "alice" cannot list resource "httproutes"`))
	})
	r := cmdtest.Run(t.Context(), f, "", "status")
	if r.Code != 0 || !strings.Contains(r.Stdout, `applications' exposures in namespace "kyma-integration": you may not list httproutes (`) {
		t.Fatalf("status without the right to list HTTPRoutes: %+v", r)
	}
	// Exposed by an Ingress it may read: nothing is hidden (one exposure
	// per application), no such line.
	ing := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "crm-adapter", "namespace": "kyma-integration",
			"labels":      map[string]any{wiring.ManagedByLabel: wiring.ManagedByValue, wiring.AppLabel: "crm"},
			"annotations": map[string]any{wiring.ExternalURLAnnotation: "http://crm.example.com/crm/events"}}}}
	if _, err := f.Dyn.Resource(wiring.IngressesGVR).Namespace("kyma-integration").Create(t.Context(), ing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r = cmdtest.Run(t.Context(), f, "", "status")
	if r.Code != 0 || strings.Contains(r.Stdout, "Not shown") || !strings.Contains(r.Stdout, "exposed http://crm.example.com/crm/events") {
		t.Fatalf("status of an application exposed by an Ingress, without the right to list HTTPRoutes: %+v", r)
	}
}
