//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
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

// explain --probe sends the event (--via direct: the test bed's broker
// ingress is a local process, not a pod to port-forward to) and watches, through a receiver per
// Trigger as tail makes them, which Triggers the Broker delivers it to:
// here each as predicted (a spec.filters one, a spec.filter one, one that
// refuses), and nothing of the probe is left afterwards; Ctrl-C during the
// probe also removes everything.
func TestExplainProbe(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "enable", "ns", ns, "--wait")
	for name, filter := range map[string][]string{
		"by-cesql": {"--cesql", "region = 'eu'"},
		"by-attrs": {"--filter", "type=order.created"},
		"refuses":  {"--filter", "type=order.paid"},
	} {
		// The subscribers need not exist: the probe watches its own receivers.
		mustKM(t, append([]string{"trigger", "create", name, "-n", ns, "--sink", "svc:nobody"}, filter...)...)
	}
	proxyEnv := []string{"HTTP_PROXY=" + testbed.HTTPProxy(), "http_proxy=" + testbed.HTTPProxy(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
	r := testbed.Run(t, proxyEnv, "kubectl", "kymamesh", "explain", "--to", "broker:default", "-n", ns, "--type", "order.created", "--ext", "region=eu",
		"--probe", "--probe-timeout", "15s", "--via", "direct", "-o", "json")
	var x struct {
		Probe struct {
			ID       string
			Agree    bool
			Sent     struct{ StatusCode int }
			Triggers []struct {
				Trigger            string
				Predicted, Arrived bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &x); err != nil || !x.Probe.Agree || x.Probe.Sent.StatusCode != 202 || len(x.Probe.Triggers) != 3 {
		t.Fatalf("explain --probe: %v\n%s", err, r)
	}
	for _, tr := range x.Probe.Triggers {
		if want := tr.Trigger != "refuses"; tr.Predicted != want || tr.Arrived != want {
			t.Errorf("trigger %s: predicted %v, arrived %v; want %v", tr.Trigger, tr.Predicted, tr.Arrived, want)
		}
	}
	if left := tailLeftovers(t, ns); left != "" {
		t.Fatalf("explain --probe left behind:\n%s", left)
	}

	// Ctrl-C while it waits: exit 130, the receivers removed.
	cmd := exec.Command("kubectl", "kymamesh", "explain", "--to", "broker:default", "-n", ns, "--type", "order.paid", "--probe", "--probe-timeout", "5m", "--via", "direct")
	var stderr lockedBuffer
	cmd.Env, cmd.Stderr = append(os.Environ(), proxyEnv...), &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	eventually(t, 120*time.Second, "the probe's receivers", func() bool {
		return strings.Count(tailLeftovers(t, ns), "trigger.eventing.knative.dev/") == 3
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		t.Fatalf("explain --probe did not end after Ctrl-C: %s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("explain --probe after Ctrl-C: exit %d: %s", code, stderr.String())
	}
	if left := tailLeftovers(t, ns); left != "" {
		t.Fatalf("explain --probe left behind after Ctrl-C:\n%s", left)
	}
}

// explain --probe with the namespace's dead-letter store: a Trigger whose
// subscriber fails the probe sends it to the store after Knative's retries,
// and the probe reports that dead letter (destination, code), as well as the
// Trigger's copy receiving it.
func TestExplainProbeSeesTheDeadLetter(t *testing.T) {
	ns := testbed.Namespace(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "subscriber down", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	// One retry: the test bed's cluster default retries for minutes.
	mustKM(t, "broker", "create", "default", "-n", ns, "--retry", "1", "--backoff-delay", "100ms", "--backoff-policy", "linear", "--wait")
	// The store before the Trigger: a Broker's delivery changed under an
	// existing Trigger makes Knative re-create its Subscription, and the
	// event may meanwhile go without the dead-letter sink (docs/deadletter.md).
	mustKM(t, "deadletter", "enable", "-n", ns, "--size", "64Mi", "--wait")
	mustKM(t, "trigger", "create", "orders", "-n", ns, "--filter", "type=order.created", "--sink", failing.URL, "--wait")
	eventually(t, 60*time.Second, "the Trigger to resolve the Broker's dead-letter sink", func() bool {
		return strings.Contains(testbed.MustKubectl(t, "get", "trigger", "orders", "-n", ns, "-o", "jsonpath={.status.deadLetterSinkUri}"), "kymamesh-deadletter")
	})
	proxyEnv := []string{"HTTP_PROXY=" + testbed.HTTPProxy(), "http_proxy=" + testbed.HTTPProxy(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
	var x struct {
		Probe struct {
			Agree           bool
			DeadLetterStore string
			DeadLetters     []struct {
				Destination string
				Code        int
			}
		}
	}
	// The broker filter learns the Trigger's dead-letter sink a moment after
	// the Trigger's status says it: a probe may be dropped before; it is
	// asked again until one is dead-lettered.
	for attempt := 1; ; attempt++ {
		r := testbed.Run(t, proxyEnv, "kubectl", "kymamesh", "explain", "--to", "broker:default", "-n", ns, "--type", "order.created",
			"--probe", "--probe-timeout", "15s", "--via", "direct", "-o", "json")
		if err := json.Unmarshal([]byte(r.Stdout), &x); err != nil || x.Probe.DeadLetterStore != "watched" || !x.Probe.Agree {
			t.Fatalf("explain --probe: %v\n%s", err, r)
		}
		if len(x.Probe.DeadLetters) > 0 || attempt == 3 {
			break
		}
		t.Logf("probe %d: no dead letter yet", attempt)
	}
	if len(x.Probe.DeadLetters) != 1 || x.Probe.DeadLetters[0].Code != 500 || !strings.Contains(x.Probe.DeadLetters[0].Destination, "127.0.0.1") {
		t.Fatalf("the probe's dead letters: %+v", x.Probe.DeadLetters)
	}
	if left := tailLeftovers(t, ns); left != "" {
		t.Fatalf("explain --probe left behind:\n%s", left)
	}
}
