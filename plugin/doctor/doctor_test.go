package doctor_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// doctor's checks over fakes: a user who may do everything but touch
// Deployments gets one FAIL naming exactly those verbs, and exit code 1.
func TestDoctorNamesMissingPermissions(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers"}, {Name: "triggers"}, {Name: "brokers/status"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}, {Name: "subscriptions"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	f.Dyn.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		resource, _, _ := unstructured.NestedString(r.Object, "spec", "resourceAttributes", "resource")
		if err := unstructured.SetNestedField(r.Object, resource != "deployments", "status", "allowed"); err != nil {
			return true, nil, err
		}
		return true, r, nil
	})
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"PASS  Knative API eventing.knative.dev/v1: brokers, triggers\n",
		"PASS  eventing webhook: a Broker was admitted (server dry run in namespace shop)\n",
		"FAIL  permissions: 7 missing: deployments.apps in kyma-integration (get, list, patch, delete); deployments.apps in shop (get, create, delete)\n      fix: ask a cluster admin",
		"WARN  integration namespace: \"kyma-integration\" does not exist yet\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "error: 1 of ") {
		t.Fatalf("want exit 1 and the count of failed checks, got %d %q", r.Code, r.Stderr)
	}
}

// doctor reports the feature flags that change what the plugin can do, read
// from config-features (a flag it does not list has Knative's default).
func TestDoctorReportsFeatureFlags(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-features", Namespace: "knative-eventing"},
		Data: map[string]string{"delivery-retryafter": "disabled", "authentication-oidc": "enabled"}}
	f := cmdtest.NewFactory("shop", cm)
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"PASS  OIDC authentication: on: EventPolicies (policy allow) are enforced\n",
		"WARN  feature delivery-retryafter: off: Knative refuses --retry-after-max (delivery.retryAfterMax)\n" +
			"      fix: set delivery-retryafter: enabled in config-features (knative-eventing) to use it\n",
		"PASS  feature delivery-timeout: on: Knative takes --delivery-timeout\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
}

// doctor names the Knative release (the knative-eventing namespace's version
// label), what the newer flags mean for the plugin, and a Knative kind whose
// objects nobody reconciles: objects over a minute old with no status.
func TestDoctorReportsVersionFlagsAndUnreconciledKinds(t *testing.T) {
	ke := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "knative-eventing", Labels: map[string]string{"app.kubernetes.io/version": "1.17.2"}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-features", Namespace: "knative-eventing"},
		Data: map[string]string{"transport-encryption": "strict", "default-authorization-mode": "deny-all", "eventtype-auto-create": "enabled", "cross-namespace-event-links": "sometimes"}}
	old := metav1.NewTime(time.Now().Add(-5 * time.Minute))
	orphan := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel",
		"metadata": map[string]any{"name": "c", "namespace": "shop", "creationTimestamp": old.UTC().Format(time.RFC3339)}}}
	served := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
		"metadata": map[string]any{"name": "b", "namespace": "shop", "creationTimestamp": old.UTC().Format(time.RFC3339)},
		"status":   map[string]any{"observedGeneration": int64(1)}}}
	f := cmdtest.NewFactory("shop", ke, cm, orphan, served)
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers", Verbs: []string{"list"}}, {Name: "brokers/status"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}, {Name: "inmemorychannels"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"WARN  Knative Eventing version: 1.17.2 (knative-eventing's app.kubernetes.io/version label), older than 1.18, the oldest the plugin is tested on\n",
		"WARN  feature transport-encryption: strict: ",
		"WARN  feature default-authorization-mode: deny-all: ",
		"PASS  feature eventtype-auto-create: enabled: ",
		"WARN  feature cross-namespace-event-links: \"sometimes\": a value the plugin does not know (Knative's default is disabled)\n",
		"WARN  controllers: installed, but no controller writes the status of their objects: inmemorychannels.messaging.knative.dev (1 object without a status, 5m0s old); " +
			"not judged (no objects older than a minute): channels.messaging.knative.dev, sinkbindings.sources.knative.dev\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Count(r.Stdout, "feature delivery-timeout") != 1 {
		t.Errorf("doctor reports delivery-timeout other than once:\n%s", r.Stdout)
	}
}

// doctor warns when an adapter has an autoscaler and no metrics API serves
// it (it would never scale); with metrics.k8s.io served it passes.
func TestDoctorWarnsOfAnAutoscalerWithoutMetrics(t *testing.T) {
	hpa := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
		"metadata": map[string]any{"name": "shop-adapter", "namespace": "kyma-integration", "labels": map[string]any{
			"app.kubernetes.io/name": "kymamesh-adapter", "app.kubernetes.io/managed-by": "kubectl-kymamesh", "kymamesh.kyma-project.io/application": "shop"}}}}
	f := cmdtest.NewFactory("shop", hpa)
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	want := "WARN  metrics API: metrics.k8s.io is not served, and 1 adapter(s) in \"kyma-integration\" have an autoscaler that will never scale: shop\n" +
		"      fix: install metrics-server, or give those sources fixed replicas: kubectl kymamesh source update http APP --replicas N\n"
	if !strings.Contains(r.Stdout, want) {
		t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
	}
	f.Disc.Resources = append(f.Disc.Resources, &metav1.APIResourceList{GroupVersion: "metrics.k8s.io/v1beta1", APIResources: []metav1.APIResource{{Name: "pods"}}})
	r = cmdtest.Run(t.Context(), f, "", "doctor")
	if !strings.Contains(r.Stdout, "PASS  metrics API: metrics.k8s.io/v1beta1 served") {
		t.Errorf("doctor with metrics served:\n%s", r.Stdout)
	}
}

// doctor names each Broker class and channel kind chosen for namespaces
// (Knative's cluster default, each namespace's entry) or used by Brokers,
// with where it comes from: a kind the API server does not serve, a class
// no controller acts on, and the in-memory channel (which keeps nothing
// across a restart) are warnings; so is a Trigger pointing at a JobSink
// whose CRD is missing.
func TestDoctorReportsPersistenceAndNewerSinks(t *testing.T) {
	old := metav1.NewTime(time.Now().Add(-5 * time.Minute)).UTC().Format(time.RFC3339)
	objs := []runtime.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-br-defaults", Namespace: "knative-eventing"}, Data: map[string]string{"default-br-config": `clusterDefault:
  brokerClass: MTChannelBasedBroker
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
namespaceDefaults:
  shop:
    brokerClass: MTChannelBasedBroker
    brokerClasses:
      MTChannelBasedBroker: {apiVersion: v1, kind: ConfigMap, name: kch, namespace: shop}
`}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-br-default-channel", Namespace: "knative-eventing"},
			Data: map[string]string{"channel-template-spec": "apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\n"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kch", Namespace: "shop"},
			Data: map[string]string{"channel-template-spec": "apiVersion: messaging.knative.dev/v1beta1\nkind: KafkaChannel\n"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "default-ch-webhook", Namespace: "knative-eventing"},
			Data: map[string]string{"default-ch-config": "clusterDefault:\n  apiVersion: messaging.knative.dev/v1\n  kind: InMemoryChannel\n"}},
		&unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
			"metadata": map[string]any{"name": "theirs", "namespace": "shop", "creationTimestamp": old, "annotations": map[string]any{"eventing.knative.dev/broker.class": "Other"}}}},
		&unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
			"metadata": map[string]any{"name": "default", "namespace": "shop", "creationTimestamp": old, "annotations": map[string]any{"eventing.knative.dev/broker.class": "MTChannelBasedBroker"}},
			"status":   map[string]any{"observedGeneration": int64(1), "annotations": map[string]any{"knative.dev/channelAPIVersion": "messaging.knative.dev/v1", "knative.dev/channelKind": "InMemoryChannel"}}}},
		&unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
			"metadata": map[string]any{"name": "jobs", "namespace": "shop"},
			"spec":     map[string]any{"broker": "default", "subscriber": map[string]any{"ref": map[string]any{"apiVersion": "sinks.knative.dev/v1alpha1", "kind": "JobSink", "name": "j"}}}}},
	}
	f := cmdtest.NewFactory("shop", objs...)
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers", Kind: "Broker"}, {Name: "triggers", Kind: "Trigger"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "inmemorychannels", Kind: "InMemoryChannel"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings", Kind: "SinkBinding"}}},
	}
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"PASS  broker class MTChannelBasedBroker: chosen or used by config-br-defaults clusterDefault, config-br-defaults namespaceDefaults.shop, broker shop/default; a controller writes the status of its Brokers\n",
		"WARN  broker class Other: chosen or used by broker shop/theirs; no controller acts on it: 1 Broker(s) of it, none with a status, the oldest 5m0s old\n",
		"WARN  channel kind InMemoryChannel: messaging.knative.dev/v1, chosen or used by config-br-defaults clusterDefault (configmap knative-eventing/config-br-default-channel), default-ch-webhook clusterDefault, broker shop/default; served; its controller not judged (no object of it older than a minute); it keeps events in memory only: what its dispatcher holds is lost when it restarts\n",
		"WARN  channel kind KafkaChannel: messaging.knative.dev/v1beta1, chosen or used by config-br-defaults namespaceDefaults.shop (configmap shop/kch); not served: no CRD for it",
		"WARN  newer sink kinds: CRD missing: JobSink (jobsinks.sinks.knative.dev/v1alpha1) used by trigger/jobs in shop\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}

	// Nothing points at a newer sink: said so plainly.
	g := cmdtest.NewFactory("shop")
	g.Disc.Resources = f.Disc.Resources
	if r := cmdtest.Run(t.Context(), g, "", "doctor"); !strings.Contains(r.Stdout, "PASS  newer sink kinds: no Trigger, Subscription, Broker, source or flow points at a JobSink, IntegrationSink or EventTransform\n") {
		t.Errorf("doctor without newer sinks:\n%s", r.Stdout)
	}
}

// A user who may not list Triggers is not told that nothing points at a
// newer sink: doctor says what it could not read, as a warning.
func TestDoctorNewerSinksSaysWhatItCouldNotRead(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers", Kind: "Broker"}, {Name: "triggers", Kind: "Trigger"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "subscriptions", Kind: "Subscription"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings", Kind: "SinkBinding"}}},
	}
	f.Dyn.PrependReactor("list", "triggers", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "eventing.knative.dev", Resource: "triggers"}, "", nil)
	})
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	if want := "WARN  newer sink kinds: none of what could be read points at a JobSink, IntegrationSink or EventTransform; not readable: triggers\n"; !strings.Contains(r.Stdout, want) {
		t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
	}
}

// doctor warns about a Broker whose failed events go nowhere, with the
// command that gives it a store; a Broker with a dead-letter sink, or whose
// every Trigger has its own, passes.
func TestDoctorWarnsAboutABrokerWithoutADeadLetterSink(t *testing.T) {
	dls := &eventingduckv1.DeliverySpec{DeadLetterSink: &duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "kymamesh-deadletter"}}}
	broker := func(name string, d *eventingduckv1.DeliverySpec) *knapi.Broker {
		b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
		b.Spec.Delivery = d
		return b
	}
	trigger := func(name, broker string, d *eventingduckv1.DeliverySpec) *knapi.Trigger {
		tr := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
		tr.Spec.Broker, tr.Spec.Delivery = broker, d
		return tr
	}
	f := cmdtest.NewFactory("shop", broker("plain", nil), broker("kept", dls), broker("covered", nil), broker("mixed", nil),
		trigger("t1", "plain", nil), trigger("t2", "covered", dls), trigger("t3", "mixed", dls), trigger("t4", "mixed", nil))
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers"}, {Name: "triggers"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "channels"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings"}}},
	}
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"WARN  dead-letter sink: broker shop/plain has none: events Knative gives up on are dropped\n      fix: kubectl kymamesh deadletter enable -n shop --broker plain\n",
		"WARN  dead-letter sink: broker shop/mixed has none: events Knative gives up on are dropped (Triggers without one of their own: t4)\n      fix: kubectl kymamesh deadletter enable -n shop --broker mixed\n",
		"PASS  dead-letter sink: set for broker covered, kept in shop\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
}

// Values Knative cannot use are named, not passed over: a brokerClass that
// is not a name, a channel template without apiVersion, a value that does
// not parse at all.
func TestDoctorNamesDefaultsKnativeCannotUse(t *testing.T) {
	cm := func(name, key, value string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "knative-eventing"}, Data: map[string]string{key: value}}
	}
	served := []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers", Kind: "Broker"}, {Name: "triggers", Kind: "Trigger"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "inmemorychannels", Kind: "InMemoryChannel"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings", Kind: "SinkBinding"}}},
	}
	f := cmdtest.NewFactory("shop",
		cm("config-br-defaults", "default-br-config", "clusterDefault:\n  brokerClass: MTChannelBasedBroker\nnamespaceDefaults:\n  shop:\n    brokerClass: 5\n"),
		cm("default-ch-webhook", "default-ch-config", "clusterDefault:\n  kind: InMemoryChannel\n"))
	f.Disc.Resources = served
	r := cmdtest.Run(t.Context(), f, "", "doctor")
	want := "FAIL  Knative defaults: config-br-defaults namespaceDefaults.shop.brokerClass is 5, not a class name; default-ch-webhook clusterDefault is not a channel template (it needs apiVersion and kind): Knative's webhook cannot give Brokers or Channels these defaults\n"
	if !strings.Contains(r.Stdout, want) || r.Code == 0 {
		t.Errorf("doctor lacks %q (or exited 0):\n%s", want, r.Stdout)
	}
	f = cmdtest.NewFactory("shop",
		cm("config-br-defaults", "default-br-config", "clusterDefault: [unclosed\n"),
		cm("default-ch-webhook", "default-ch-config", "clusterDefault:\n  apiVersion: messaging.knative.dev/v1\n  kind: InMemoryChannel\n"))
	f.Disc.Resources = served
	r = cmdtest.Run(t.Context(), f, "", "doctor")
	for _, want := range []string{
		"FAIL  Knative defaults: config-br-defaults default-br-config does not parse (",
		"WARN  default broker class: config-br-defaults default-br-config does not parse: ",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "none set") {
		t.Errorf("an unparsable value reported as none set:\n%s", r.Stdout)
	}
}
