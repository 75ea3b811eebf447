package wiring

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Only references to Broker from in its namespace move, wherever they sit.
func TestRewriteRefs(t *testing.T) {
	spec := jsonMap(t, `{"subscriber":{"ref":{"kind":"Broker","name":"default"}},
		"delivery":{"deadLetterSink":{"ref":{"kind":"Broker","name":"default","namespace":"shop"}}},
		"reply":{"ref":{"kind":"Broker","name":"default","namespace":"other"}},
		"steps":[{"ref":{"kind":"Service","name":"default"}}]}`)
	if !rewriteRefs(spec, "default", "default-migrating", "shop", "shop") {
		t.Fatal("nothing rewritten")
	}
	got, _ := json.Marshal(spec)
	want := `{"delivery":{"deadLetterSink":{"ref":{"kind":"Broker","name":"default-migrating","namespace":"shop"}}},` +
		`"reply":{"ref":{"kind":"Broker","name":"default","namespace":"other"}},"steps":[{"ref":{"kind":"Service","name":"default"}}],` +
		`"subscriber":{"ref":{"kind":"Broker","name":"default-migrating"}}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if rewriteRefs(spec, "default", "x", "shop", "shop") {
		t.Fatal("a second rewrite changed something")
	}
}

// An EventPolicy gains the new Broker beside the old (which stays allowed
// while it drains), and loses the old one at its removal.
func TestPolicyEntries(t *testing.T) {
	spec := jsonMap(t, `{"to":[{"ref":{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default"}}],"from":[{"sub":"x"}]}`)
	if !policyEntries(spec, "default", "default-migrating", "shop", "shop") {
		t.Fatal("no entry added")
	}
	if policyEntries(spec, "default", "default-migrating", "shop", "shop") {
		t.Fatal("added twice")
	}
	if !policyEntries(spec, "default", "", "shop", "shop") {
		t.Fatal("old entry not removed")
	}
	got, _ := json.Marshal(spec)
	if want := `{"from":[{"sub":"x"}],"to":[{"ref":{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default-migrating"}}]}`; string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRetryWindow(t *testing.T) {
	for _, tc := range []struct {
		delivery string
		want     time.Duration
	}{
		{``, 0},
		{`{"retry":3,"backoffPolicy":"linear","backoffDelay":"PT1S"}`, 6 * time.Second},
		{`{"retry":3,"backoffDelay":"PT0.5S"}`, 7 * time.Second},                                           // exponential: 1 + 2 + 4
		{`{"retry":2,"backoffPolicy":"linear","backoffDelay":"PT1S","timeout":"PT1M"}`, 183 * time.Second}, // 3 attempts of 1m, backoffs 1+2
	} {
		u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}
		if tc.delivery != "" {
			u.Object["spec"].(map[string]any)["delivery"] = jsonMap(t, tc.delivery)
		}
		if got := retryWindow(u); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.delivery, got, tc.want)
		}
	}
}

// A copy to the temporary Broker carries the user's name in an annotation
// and goes back under it; the plugin's mark is added for the copy and
// removed again from a Trigger that did not carry it.
func TestCopyTriggerRoundTrip(t *testing.T) {
	orig := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t1", Namespace: "shop", Labels: map[string]string{"team": "a"},
		Annotations: map[string]string{"note": "mine", "eventing.knative.dev/creator": "someone"}},
		Spec: knapi.TriggerSpec{Broker: "default", Filter: &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}},
			Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: "Broker", Name: "default"}}}}
	tmp := copyTrigger(orig, "default", "default-migrating", false)
	if tmp.Name != "t1-migrating" || tmp.Spec.Broker != "default-migrating" || tmp.Annotations[MigrateTriggerAnnotation] != "t1" ||
		tmp.Labels[ManagedByLabel] != ManagedByValue || tmp.Annotations["eventing.knative.dev/creator"] != "" || tmp.Spec.Subscriber.Ref.Name != "default-migrating" {
		t.Fatalf("copy to the temporary broker: %+v", tmp)
	}
	back := copyTrigger(tmp, "default-migrating", "default", false)
	if back.Name != "t1" || back.Spec.Broker != "default" || back.Annotations[MigrateTriggerAnnotation] != "" || back.Labels[ManagedByLabel] != "" ||
		back.Labels["team"] != "a" || back.Annotations["note"] != "mine" || back.Spec.Filter.Attributes["type"] != "a" || back.Spec.Subscriber.Ref.Name != "default" {
		t.Fatalf("copy back: %+v", back)
	}
	if copyTrigger(tmp, "default-migrating", "default", true) != nil {
		t.Fatal("a rollback copies nothing back: the user's Triggers are still there")
	}
}

// A sender has taken its new sink when its status is current, Ready and
// its sink URI is not the old Broker's.
func TestTaken(t *testing.T) {
	obj := func(gen, observed int64, ready, sink string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"generation": gen},
			"status": map[string]any{"observedGeneration": observed, "sinkUri": sink,
				"conditions": []any{map[string]any{"type": "Ready", "status": ready}}}}}
	}
	old := "http://broker-ingress/shop/default"
	for _, tc := range []struct {
		u    *unstructured.Unstructured
		want bool
	}{
		{obj(2, 2, "True", "http://broker-ingress/shop/default-migrating"), true},
		{obj(2, 1, "True", "http://broker-ingress/shop/default-migrating"), false},
		{obj(2, 2, "Unknown", "http://broker-ingress/shop/default-migrating"), false},
		{obj(2, 2, "True", old), false},
	} {
		if got := taken(tc.u, old); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.u.Object, got, tc.want)
		}
	}
}

// knativeFake is a fake cluster whose Knative objects are Ready as soon as
// they are created or updated, as the controllers would make them.
func knativeFake(objs ...runtime.Object) (Mesh, *dynamicfake.FakeDynamicClient) {
	dyn := typedfake.New(objs...)
	ready := func(a k8stesting.Action) (bool, runtime.Object, error) {
		w, ok := a.(interface{ GetObject() runtime.Object }) // a create or an update
		if !ok {
			return false, nil, nil
		}
		if u, ok := w.GetObject().(*unstructured.Unstructured); ok {
			_ = unstructured.SetNestedField(u.Object, map[string]any{"observedGeneration": u.GetGeneration(),
				"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}, "status")
		}
		return false, nil, nil
	}
	dyn.PrependReactor("create", "*", ready)
	dyn.PrependReactor("update", "*", ready)
	// Update sends merge patches: applied here, then made Ready as above.
	dyn.PrependReactor("patch", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p, ok := a.(k8stesting.PatchAction)
		if !ok || p.GetPatchType() != types.MergePatchType {
			return false, nil, nil
		}
		cur, err := dyn.Tracker().Get(p.GetResource(), p.GetNamespace(), p.GetName())
		if err != nil {
			return true, nil, err
		}
		raw, err := json.Marshal(cur)
		if err != nil {
			return true, nil, err
		}
		if raw, err = jsonpatch.MergePatch(raw, p.GetPatch()); err != nil {
			return true, nil, err
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return true, nil, err
		}
		_ = unstructured.SetNestedField(u.Object, map[string]any{"observedGeneration": u.GetGeneration(),
			"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}, "status")
		if err := dyn.Tracker().Update(p.GetResource(), u, p.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, u, nil
	})
	return Mesh{Core: &typed.Core{Dyn: dyn}, Eventing: &typed.Eventing{Dyn: dyn}, Messaging: &typed.Messaging{Dyn: dyn}, Dynamic: dyn}, dyn
}

func migrateMesh() []runtime.Object {
	ref := &duckv1.KReference{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default", Namespace: "shop"}
	return []runtime.Object{
		&knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop", Labels: map[string]string{EnabledByLabel: "wire"},
			Annotations: map[string]string{BrokerClassAnnotation: "MTChannelBasedBroker"}},
			Spec: knapi.BrokerSpec{Config: &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: "config-br-default-channel", Namespace: "knative-eventing"}}},
		&knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t1", Namespace: "shop", Labels: map[string]string{"team": "a"}},
			Spec: knapi.TriggerSpec{Broker: "default", Filter: &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}},
				Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "h"}}}},
		&knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "shop-to-shop", Namespace: "kyma-integration"},
			Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Channel", Name: "shop"},
				Subscriber: &duckv1.Destination{Ref: ref}}},
		&knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "shop"},
			Spec: knapi.EventPolicySpec{To: []knapi.EventPolicySpecTo{{Ref: &knapi.EventPolicyToReference{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default"}}}}},
	}
}

// The whole migration on a fake cluster: stopped while it drains the old
// Broker, continued by a re-run; the Broker and the Trigger keep their
// names, the senders end on NAME, nothing temporary is left.
func TestMigrateStoppedAndContinued(t *testing.T) {
	defer func(d time.Duration) { minDrain = d }(minDrain)
	minDrain = 200 * time.Millisecond
	m, _ := knativeFake(migrateMesh()...)
	spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second}
	var log []string
	report := func(c Change) {
		name, _ := ResourceName(c.Object)
		log = append(log, name+" "+c.Op)
	}
	ctx, cancel := context.WithCancel(t.Context())
	step := func(s string) {
		if strings.HasPrefix(s, "draining broker default:") {
			cancel() // Ctrl-C in the first hop's drain
		}
	}
	p, err := PlanMigration(t.Context(), m, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, m, spec, p, DryRunNone, report, step); err == nil || !strings.Contains(err.Error(), "re-run to continue") {
		t.Fatalf("the stopped run: %v", err)
	}
	if p, err = PlanMigration(t.Context(), m, spec); err != nil || p.Phase != PhaseFirstHop {
		t.Fatalf("re-plan: %v %+v", err, p)
	}
	if err := Migrate(t.Context(), m, spec, p, DryRunNone, report, func(string) {}); err != nil {
		t.Fatal(err)
	}
	t.Log(strings.Join(log, "\n"))

	b, err := m.Eventing.Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if err != nil || b.Spec.Config.Name != "default-kymamesh-inmemorychannel" || b.Labels[EnabledByLabel] != "wire" || b.Labels[ManagedByLabel] != "" ||
		b.Annotations[MigrateStepAnnotation] != "" || b.Annotations[MigrateDrainAnnotation] != "" {
		t.Fatalf("broker default after: %v %+v", err, b)
	}
	tr, err := m.Eventing.Triggers("shop").Get(t.Context(), "t1", metav1.GetOptions{})
	if err != nil || tr.Spec.Broker != "default" || tr.Labels["team"] != "a" || tr.Labels[ManagedByLabel] != "" || tr.Spec.Filter.Attributes["type"] != "a" {
		t.Fatalf("trigger t1 after: %v %+v", err, tr)
	}
	for _, gone := range []string{"default-migrating"} {
		if _, err := m.Eventing.Brokers("shop").Get(t.Context(), gone, metav1.GetOptions{}); err == nil {
			t.Fatalf("broker %s left", gone)
		}
	}
	if _, err := m.Eventing.Triggers("shop").Get(t.Context(), "t1-migrating", metav1.GetOptions{}); err == nil {
		t.Fatal("trigger t1-migrating left")
	}
	sub, _ := m.Messaging.Subscriptions("kyma-integration").Get(t.Context(), "shop-to-shop", metav1.GetOptions{})
	if sub.Spec.Subscriber.Ref.Name != "default" {
		t.Fatalf("the subscription sends to %v", sub.Spec.Subscriber.Ref)
	}
	pol, _ := (&typed.Policies{Dyn: m.Dynamic}).EventPolicies("shop").Get(t.Context(), "p", metav1.GetOptions{})
	if len(pol.Spec.To) != 1 || pol.Spec.To[0].Ref.Name != "default" {
		t.Fatalf("the policy lets in %+v", pol.Spec.To)
	}
	if _, err := PlanMigration(t.Context(), m, spec); err == nil || !strings.Contains(err.Error(), "nothing to change") {
		t.Fatalf("a migration to where it is: %v", err)
	}
}

// A rollback in the first hop returns everything to NAME as it was.
func TestMigrateRollback(t *testing.T) {
	defer func(d time.Duration) { minDrain = d }(minDrain)
	minDrain = 100 * time.Millisecond
	m, _ := knativeFake(migrateMesh()...)
	spec := MigrateSpec{Name: "default", Namespace: "shop", Config: "cm:mine", Timeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(t.Context())
	p, err := PlanMigration(t.Context(), m, spec)
	if err != nil {
		t.Fatal(err)
	}
	_ = Migrate(ctx, m, spec, p, DryRunNone, func(Change) {}, func(s string) {
		if strings.HasPrefix(s, "draining broker default:") {
			cancel()
		}
	})
	spec = MigrateSpec{Name: "default", Namespace: "shop", Rollback: true, Timeout: 5 * time.Second}
	if p, err = PlanMigration(t.Context(), m, spec); err != nil || p.Phase != PhaseRollback {
		t.Fatalf("rollback plan: %v %+v", err, p)
	}
	if err := Migrate(t.Context(), m, spec, p, DryRunNone, func(Change) {}, func(string) {}); err != nil {
		t.Fatal(err)
	}
	b, _ := m.Eventing.Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if b.Spec.Config.Name != "config-br-default-channel" || b.Annotations[MigrateDrainAnnotation] != "" {
		t.Fatalf("broker default after the rollback: %+v", b)
	}
	sub, _ := m.Messaging.Subscriptions("kyma-integration").Get(t.Context(), "shop-to-shop", metav1.GetOptions{})
	if sub.Spec.Subscriber.Ref.Name != "default" {
		t.Fatalf("the subscription sends to %v", sub.Spec.Subscriber.Ref)
	}
	l, _ := m.Eventing.Triggers("shop").List(t.Context(), metav1.ListOptions{})
	if len(l.Items) != 1 || l.Items[0].Name != "t1" {
		t.Fatalf("triggers after the rollback: %+v", l.Items)
	}
	if _, err := m.Eventing.Brokers("shop").Get(t.Context(), "default-migrating", metav1.GetOptions{}); err == nil {
		t.Fatal("the temporary broker is left")
	}
	if _, err := PlanMigration(t.Context(), m, spec); err == nil || !strings.Contains(err.Error(), "no migration") {
		t.Fatalf("a second rollback: %v", err)
	}
}

// The drain warns of a channel that answers before it delivers.
func TestAsyncChannel(t *testing.T) {
	imc := func(async string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel",
			"metadata": map[string]any{"name": "default-kne-trigger", "namespace": "shop"}}}
		if async != "" {
			u.SetAnnotations(map[string]string{asyncHandlerAnnotation: async})
		}
		return u
	}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	b.Status.Annotations = map[string]string{"knative.dev/channelKind": "InMemoryChannel", "knative.dev/channelName": "default-kne-trigger"}
	for _, tc := range []struct{ async, want string }{
		{"", ""}, {"false", ""}, {"true", "default-kne-trigger has messaging.knative.dev/async-handler: true"},
	} {
		m, _ := knativeFake(imc(tc.async))
		if got := asyncChannel(t.Context(), m, b); got != tc.want {
			t.Errorf("async %q: %q, want %q", tc.async, got, tc.want)
		}
	}
	b.Status.Annotations["knative.dev/channelKind"] = "KafkaChannel"
	m, _ := knativeFake()
	if got := asyncChannel(t.Context(), m, b); got != "is a KafkaChannel" {
		t.Errorf("kafka: %q", got)
	}
}
