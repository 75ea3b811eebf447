//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// status on a mesh with one deliberately broken link of each kind the test bed
// can make: each is reported with its fix, the healthy chain is not.
func TestStatusShowsEachBrokenLinkWithItsFix(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "wire", "shop", "--to", user, "--integration-namespace", integration,
		"--trigger", "orders", "--filter", "type=order.created", "--sink", sub.URL, "--wait", "--wait-timeout", "90s")
	// The broken links.
	mustKM(t, "subscription", "create", "dangling", "-n", integration, "--channel", "shop", "--sink", "broker:missing:"+user)
	mustKM(t, "trigger", "create", "both", "-n", user, "--filter", "type=a", "--cesql", "source = 'x'", "--sink", sub.URL)
	mustKM(t, "trigger", "create", "lost", "-n", user, "--sink", "ksvc:nowhere")
	mustKM(t, "broker", "create", "lonely", "-n", user, "--dl-sink", "ksvc:no-dead-letters")
	mustKM(t, "trigger", "create", "orphan", "-n", user, "--broker", "gone", "--sink", sub.URL)
	want := []string{
		"subscription " + integration + "/dangling: delivers to broker " + user + "/missing, which does not exist",
		"fix: kubectl kymamesh enable ns " + user + " --broker missing",
		"trigger " + user + "/both: has spec.filter and spec.filters: Knative ignores spec.filter",
		"trigger " + user + "/lost: its subscriber does not resolve",
		"fix: kubectl kymamesh trigger update lost -n " + user + " --sink SINK",
		"broker " + user + "/lonely: has no Trigger: the events it takes go nowhere",
		"broker " + user + "/lonely: its dead-letter sink ksvc:no-dead-letters",
		"has not resolved, which may be why it is not ready",
		"trigger " + user + "/orphan: its broker " + user + "/gone does not exist: it receives nothing",
		"fix: kubectl kymamesh enable ns " + user + " --broker gone",
	}
	var r testbed.Result
	var missing []string
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(time.Second) {
		r, missing = mustKM(t, "status", "-n", user, "--integration-namespace", integration), nil
		for _, w := range want {
			if !strings.Contains(r.Stdout, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(end) {
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("status lacks %q:\n%s", missing, r.Stdout)
	}
	for _, healthy := range []string{"trigger " + user + "/orders:", "application " + integration + "/shop:", "broker " + user + "/default:"} {
		if strings.Contains(r.Stdout, healthy) {
			t.Fatalf("a healthy link is reported broken (%s):\n%s", healthy, r.Stdout)
		}
	}
	if !strings.Contains(r.Stdout, "subscription shop-to-"+user+"  ok  -> broker "+user+"/default") ||
		!strings.Contains(r.Stdout, "trigger orders  ok  [type=order.created] -> "+sub.URL) {
		t.Fatalf("the healthy chain is not shown:\n%s", r.Stdout)
	}
	r = mustKM(t, "status", "-n", user, "--integration-namespace", integration, "--app", "shop", "-o", "json")
	var st struct {
		Applications []struct{ Name string }
		Problems     []struct{ Object, What, Fix string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil || len(st.Applications) != 1 || len(st.Problems) < 5 {
		t.Fatalf("status -o json: %v\n%s", err, r.Stdout)
	}
}

// policy allow builds the EventPolicy; the test bed runs with Knative's
// authentication-oidc off, where the real webhook refuses EventPolicies: the
// user gets one line with the fix, and doctor says OIDC is off.
func TestPolicyAllowOnAClusterWithoutOIDC(t *testing.T) {
	user := testbed.Namespace(t)
	r := mustKM(t, "policy", "allow", "shop", "--to", user, "--dry-run=client", "-o", "json")
	var p struct {
		Spec struct {
			To   []struct{ Ref struct{ Kind, Name string } }
			From []struct {
				Ref struct{ Kind, Name, Namespace string }
			}
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil || p.Spec.To[0].Ref.Kind != "Broker" || p.Spec.From[0].Ref.Kind != "Subscription" ||
		p.Spec.From[0].Ref.Name != "shop-to-"+user || p.Spec.From[0].Ref.Namespace != "kyma-integration" {
		t.Fatalf("policy allow --dry-run=client: %v %s", err, r)
	}
	r = km(t, "policy", "allow", "shop", "--to", user)
	wantExit(t, r, 1, "Knative refuses EventPolicies while its OIDC authentication is off; turn it on with: kubectl -n knative-eventing patch configmap config-features")
	if r = mustKM(t, "doctor", "-n", user); !strings.Contains(r.Stdout, "WARN  OIDC authentication: off: Knative refuses new EventPolicies (policy allow) and enforces none") {
		t.Fatalf("doctor does not say OIDC is off:\n%s", r.Stdout)
	}
}
