//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// broker migrate's probe, under a send load, for a Broker whose channel
// answers before it delivers: an InMemoryChannel with Knative's async
// handler. Knative copies a Broker's messaging.knative.dev/ annotations to
// its channel (a channel template has no metadata to carry them), so the
// Broker is annotated, and the migration carries the annotation to both
// Brokers it makes. The first run is stopped (SIGINT) while it starts its
// probe receiver: nothing of the probe is left; the re-run probes both hops
// (the old Broker, then the temporary one), every acknowledged event arrives
// at the subscriber (joined by id, duplicates counted), no probe reaches it,
// and the probes' receivers and Triggers are gone. The dead-letter store is
// the Broker's dead-letter sink: the drain reports what arrived there.
func TestBrokerMigrateProbeAsyncChannel(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "wire", "shop", "--to", user, "--integration-namespace", integration,
		"--trigger", "created", "--filter", "type=order.created", "--sink", sub.URL, "--wait", "--wait-timeout", "90s")
	testbed.MustKubectl(t, "annotate", "broker", "default", "-n", user, "messaging.knative.dev/async-handler=true")
	imcAsync := func(broker string) string {
		return strings.TrimSpace(testbed.Kubectl(t, "get", "inmemorychannel", broker+"-kne-trigger", "-n", user,
			"-o", `jsonpath={.metadata.annotations.messaging\.knative\.dev/async-handler}`).Stdout)
	}
	eventually(t, 60*time.Second, "Knative to copy the async-handler annotation to the Broker's InMemoryChannel", func() bool {
		return imcAsync("default") == "true"
	})
	// Knative's default delivery (10 retries, exponential from 0.2 s) is a
	// retry window of about 7 minutes, which the drain of an async channel
	// waits after its probe; 3 retries make it 2.8 s.
	testbed.MustKubectl(t, "patch", "broker", "default", "-n", user, "--type", "merge", "-p", `{"spec":{"delivery":{"retry":3,"backoffPolicy":"exponential","backoffDelay":"PT0.2S"}}}`)
	// --wait: until Knative has re-made the Trigger's Subscription with the
	// dead-letter sink, and no stale channel subscriber is left (docs/deadletter.md).
	mustKM(t, "deadletter", "enable", "-n", user, "--size", "64Mi", "--wait")
	tailLeft := func() string {
		return strings.TrimSpace(testbed.MustKubectl(t, "get", "deployments,services,triggers", "-n", user, "-l", "kymamesh.kyma-project.io/tail", "-o", "name"))
	}

	// Bad input: one line naming the flag, exit 2, nothing made.
	wantExit(t, km(t, "broker", "migrate", "default", "-n", user, "--channel", "imc", "--probe", "sometimes"), 2, "--probe")
	wantExit(t, km(t, "broker", "migrate", "default", "-n", user, "--channel", "imc", "--image", "a b"), 2, "--image")
	// A server dry run reaches no drain: no probe is made.
	r := mustKM(t, "broker", "migrate", "default", "-n", user, "--channel", "imc", "--dry-run=server", "--probe", "always")
	if strings.Contains(r.Stderr, "probing") || tailLeft() != "" || !notFound(t, "broker", "default-migrating", "-n", user) {
		t.Fatalf("a server dry run probed or kept something: %s\n%s", r, tailLeft())
	}

	// The load: 40 events a second for about 45 s, through the adapter.
	results := filepath.Join(t.TempDir(), "results.jsonl")
	loadDone := make(chan testbed.Result, 1)
	go func() {
		loadDone <- testbed.Run(t, nil, "kubectl", "kymamesh", "send", "--to", "app:shop", "--integration-namespace", integration,
			"--type", "order.created", "--count", "1800", "--rate", "40", "--concurrency", "4", "--results", results, "-o", "json")
	}()
	time.Sleep(3 * time.Second)

	// The first run, stopped as its probe begins: the receiver goes with it.
	start := time.Now()
	// --via direct: the test bed's broker ingress is a process, not a pod to
	// port-forward to.
	args := []string{"kymamesh", "broker", "migrate", "default", "-n", user, "--channel", "imc", "--timeout", "120s", "--via", "direct"}
	stopped := runUntil(t, "probing broker default:", args...)
	if stopped.Code == 0 || !strings.Contains(stopped.Stderr, "re-run to continue") {
		t.Fatalf("the stopped run: %s", stopped)
	}
	if left := tailLeft(); left != "" {
		t.Fatalf("the stopped run left its probe: %s", left)
	}
	// In-cluster names resolve through the test bed's proxy (as for explain --probe).
	proxyEnv := []string{"HTTP_PROXY=" + testbed.HTTPProxy(), "http_proxy=" + testbed.HTTPProxy(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
	r = testbed.Run(t, proxyEnv, "kubectl", args...)
	if r.Code != 0 {
		t.Fatalf("the re-run: %s", r)
	}
	took := time.Since(start)
	t.Logf("migration output (re-run):\n%s\n%s", r.Stdout, r.Stderr)
	for _, want := range []string{
		"probing broker default:", " arrived through broker default after its senders moved",
		"probing broker default-migrating:", " arrived through broker default-migrating after its senders moved",
		"dead letters during the drain of broker default:",
		"migrated to class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:" + user,
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("the re-run lacks %q: %s", want, r)
		}
	}
	if strings.Contains(r.Stderr, "this drain does not probe") {
		t.Fatalf("the re-run did not probe every drain: %s", r)
	}
	if left := tailLeft(); left != "" {
		t.Fatalf("the migration left its probe: %s", left)
	}
	if imcAsync("default") != "true" {
		t.Fatal("the migrated Broker's channel lost the async handler")
	}

	load := <-loadDone
	var sum struct{ Sent, Acknowledged, Failed int }
	if err := json.Unmarshal([]byte(load.Stdout), &sum); err != nil {
		t.Fatalf("the load: %v\n%s", err, load)
	}
	acked := ackedIDs(t, results)
	count, dups := joinByID(t, sub, acked)
	t.Logf("load: sent %d, acknowledged %d (results file: %d), failed %d; arrived %d distinct, %d duplicates; migration took %s (two runs)",
		sum.Sent, sum.Acknowledged, len(acked), sum.Failed, len(count), dups, took.Round(100*time.Millisecond))
	if sum.Acknowledged != len(acked) {
		t.Fatalf("the summary says %d acknowledged, the results file %d", sum.Acknowledged, len(acked))
	}
	for _, ev := range sub.Events() {
		if ev.Type == "dev.kymamesh.migrate.probe" || strings.HasPrefix(ev.ID, "migrate-") {
			t.Fatalf("a probe reached the user's subscriber: %+v", ev)
		}
	}
	if left := testbed.MustKubectl(t, "get", "brokers,triggers", "-n", user, "-o", "name"); strings.Contains(left, "migrating") {
		t.Fatalf("the migration left: %s", left)
	}
}
