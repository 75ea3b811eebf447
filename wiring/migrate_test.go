package wiring

import (
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
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
