//go:build e2e

package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// explain's verdicts are what real Knative does: Triggers in every filter
// form, each to its own receiver; explain predicts for an event, the event
// is sent, and each receiver got it exactly when explain said its Trigger
// takes it.
func TestExplainPredictsKnative(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns, "--wait")
	triggers := map[string][]string{
		"attrs":       {"--filter", "type=order.created", "--filter", "region=eu"},
		"attrs-miss":  {"--filter", "type=order.created", "--filter", "region=us"},
		"cesql":       {"--cesql", "source LIKE 'comm%' AND region = 'eu'"},
		"cesql-miss":  {"--cesql", "EXISTS tenant"},
		"prefix":      {"--filter-prefix", "type=order."},
		"suffix-miss": {"--filter-suffix", "type=.paid"},
		"all":         nil,
	}
	receivers := map[string]*testbed.Receiver{}
	for name, filter := range triggers {
		receivers[name] = testbed.NewReceiver(t)
		mustKM(t, append([]string{"trigger", "create", name, "-n", ns, "--sink", receivers[name].URL, "--wait"}, filter...)...)
	}
	event := []string{"--type", "order.created", "--source", "commerce", "--ext", "region=eu", "--id", "explain-1"}
	r := mustKM(t, append([]string{"explain", "--to", "broker:default", "-n", ns, "-o", "json"}, event...)...)
	var x struct {
		Taken    int
		Triggers []struct {
			Trigger string
			Takes   bool
			Clause  string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &x); err != nil || len(x.Triggers) != len(triggers) {
		t.Fatalf("explain -o json: %v\n%s", err, r)
	}
	if r := sendKM(t, append([]string{"--to", "broker:default", "-n", ns, "--via", "direct"}, event...)...); r.Code != 0 {
		t.Fatalf("send: %s", r)
	}
	// Wait for those predicted to get it; then the others had as long.
	for _, tr := range x.Triggers {
		if tr.Takes {
			receivers[tr.Trigger].WaitFor(t, "explain-1", 30*time.Second)
		}
	}
	time.Sleep(2 * time.Second)
	for _, tr := range x.Triggers {
		if got := receivers[tr.Trigger].Has("explain-1"); got != tr.Takes {
			t.Errorf("trigger %s: explain said takes=%v (%s), Knative delivered=%v", tr.Trigger, tr.Takes, tr.Clause, got)
		}
	}
	if x.Taken != 4 {
		t.Errorf("explain said %d Triggers take the event, want 4 (attrs, cesql, prefix, all)", x.Taken)
	}
}
