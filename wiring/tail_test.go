package wiring

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// The session's token goes into a Secret the Deployment mounts as a file:
// never into the Deployment itself (its YAML, its environment). The
// Trigger retries what the receiver refuses with 503.
func TestBuildTailKeepsTheTokenInItsSecret(t *testing.T) {
	token, err := NewTailToken()
	if err != nil {
		t.Fatal(err)
	}
	s := TailSpec{Name: TailName("abcde"), Namespace: "shop", Broker: "default", Image: "img:1", IdleTimeout: time.Minute, Token: token}
	objs, trig, err := BuildTail(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(TailGVRs) {
		t.Fatalf("%d objects for %d resources", len(objs), len(TailGVRs))
	}
	var secret string
	for i, o := range objs {
		if o.GetName() != s.Name || !strings.EqualFold(TailGVRs[i].Resource, strings.ToLower(o.GetKind())+"s") {
			t.Fatalf("object %d: %s %s for %s", i, o.GetKind(), o.GetName(), TailGVRs[i].Resource)
		}
		b, _ := yaml.Marshal(o.Object)
		if o.GetKind() == "Secret" {
			secret = string(b)
			continue
		}
		if strings.Contains(string(b), token) {
			t.Fatalf("the token is in the %s:\n%s", o.GetKind(), b)
		}
	}
	if !strings.Contains(secret, "token: "+token) || !strings.Contains(secret, "immutable: true") {
		t.Fatalf("secret:\n%s", secret)
	}
	dep, _ := yaml.Marshal(objs[0].Object)
	for _, want := range []string{"TAIL_TOKEN_FILE", "/var/run/kymamesh-tail/token", "secretName: " + s.Name, "GOMEMLIMIT"} {
		if !strings.Contains(string(dep), want) {
			t.Fatalf("the Deployment lacks %q:\n%s", want, dep)
		}
	}
	d := trig.Spec.Delivery
	if d == nil || d.Retry == nil || *d.Retry != 10 || d.BackoffPolicy == nil || string(*d.BackoffPolicy) != "exponential" {
		t.Fatalf("trigger delivery: %+v", d)
	}
	s.Token = ""
	if _, _, err := BuildTail(s); err == nil {
		t.Fatal("a session without a token")
	}
}

// tail's Trigger keeps every --cesql and puts --filter into spec.filters
// beside them (Knative would ignore spec.filter): the rule trigger create and
// wire follow too.
func TestBuildTailTriggerKeepsEveryFilter(t *testing.T) {
	token, err := NewTailToken()
	if err != nil {
		t.Fatal(err)
	}
	s := TailSpec{Name: TailName("abcde"), Namespace: "shop", Broker: "default", Image: "img:1", IdleTimeout: time.Minute, Token: token,
		Filter: []string{"type=a"}, CESQL: []string{"source = 'x'", "subject = 'y'"}}
	_, trig, err := BuildTail(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []knapi.SubscriptionsAPIFilter{{Exact: map[string]string{"type": "a"}}, {CESQL: "source = 'x'"}, {CESQL: "subject = 'y'"}}
	if diff := cmp.Diff(want, trig.Spec.Filters); diff != "" || trig.Spec.Filter != nil {
		t.Fatalf("filters (-want +got):\n%s\nfilter: %+v", diff, trig.Spec.Filter)
	}
}
