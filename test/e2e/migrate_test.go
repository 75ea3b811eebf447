//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// broker migrate under load: a send load runs through a wired application
// while the namespace's Broker moves from the cluster's default channel
// config to a channel template of its own; the first run is stopped
// (SIGINT) while it drains and a re-run finishes it. Every event the adapter
// acknowledged arrives at the Trigger's subscriber (joined by id);
// duplicates are counted and logged. The Broker and the Trigger keep their
// names. Then a second migration, stopped in its first hop, is rolled back.
func TestBrokerMigrateUnderLoad(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "wire", "shop", "--to", user, "--integration-namespace", integration,
		"--trigger", "created", "--filter", "type=order.created", "--sink", sub.URL, "--wait", "--wait-timeout", "90s")
	before := getJSON(t, "get", "broker", "default", "-n", user)
	t.Logf("broker default's config before: %v", field(before, "spec", "config"))

	// Bad input and the plan, before anything moves.
	wantExit(t, km(t, "broker", "migrate", "nosuch", "-n", user, "--channel", "imc"), 1, `broker "nosuch" does not exist in namespace "`+user+`"`)
	wantExit(t, km(t, "broker", "migrate", "default", "-n", user, "--rollback"), 1, "no migration of broker \"default\"")
	wantExit(t, km(t, "broker", "migrate", "default", "-n", user, "--class", "NoSuchClass"), 2, `"NoSuchClass": the cluster does not serve this broker class`)
	r := mustKM(t, "broker", "migrate", "default", "-n", user, "--channel", "imc", "--dry-run", "-o", "json")
	var plan struct {
		Phase    string
		Triggers []string
		Senders  []string
	}
	if err := json.Unmarshal([]byte(r.Stdout), &plan); err != nil || plan.Phase != "start" ||
		strings.Join(plan.Triggers, ",") != "trigger/created" || len(plan.Senders) != 1 || !strings.Contains(plan.Senders[0], "subscription/shop-to-"+user) {
		t.Fatalf("the plan: %v\n%s", err, r)
	}
	if !notFound(t, "broker", "default-migrating", "-n", user) {
		t.Fatal("a client dry run made the temporary broker")
	}
	// A server dry run sends the first hop's writes as dry runs: the webhook
	// admits each, nothing is kept.
	r = mustKM(t, "broker", "migrate", "default", "-n", user, "--channel", "imc", "--dry-run=server")
	for _, want := range []string{"broker.eventing.knative.dev/default-migrating created (server dry run)",
		"trigger.eventing.knative.dev/created-migrating created (server dry run)",
		"subscription.messaging.knative.dev/shop-to-" + user + " configured (server dry run)",
		"broker.eventing.knative.dev/default deleted (server dry run)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("the server dry run lacks %q: %s", want, r)
		}
	}
	if !notFound(t, "broker", "default-migrating", "-n", user) || !notFound(t, "configmap", "default-kymamesh-inmemorychannel", "-n", user) ||
		field(getJSON(t, "get", "broker", "default", "-n", user), "metadata", "annotations", "kymamesh.kyma-project.io/migrate-step") != nil {
		t.Fatal("a server dry run kept something")
	}

	// The load: 40 events a second for about 60 s, through the adapter.
	results := filepath.Join(t.TempDir(), "results.jsonl")
	loadDone := make(chan testbed.Result, 1)
	go func() {
		loadDone <- testbed.Run(t, nil, "kubectl", "kymamesh", "send", "--to", "app:shop", "--integration-namespace", integration,
			"--type", "order.created", "--count", "2400", "--rate", "40", "--concurrency", "4", "--results", results, "-o", "json")
	}()
	time.Sleep(3 * time.Second)

	// The first run, stopped while it drains the old Broker.
	start := time.Now()
	args := []string{"kymamesh", "broker", "migrate", "default", "-n", user, "--channel", "imc", "--timeout", "90s"}
	stopped := runUntil(t, "draining broker default:", args...)
	if stopped.Code == 0 || !strings.Contains(stopped.Stderr, "re-run to continue") {
		t.Fatalf("the stopped run: %s", stopped)
	}
	if field(getJSON(t, "get", "broker", "default-migrating", "-n", user), "metadata", "annotations", "kymamesh.kyma-project.io/migrate-for") != "default" {
		t.Fatal("the stopped run left no temporary broker marked as default's migration")
	}
	// The re-run continues and finishes.
	r = mustKM(t, args[1:]...)
	took := time.Since(start)
	if !strings.Contains(r.Stdout, "(first-hop)") || !strings.Contains(r.Stdout, "subscription/shop-to-"+user+" in namespace "+integration+" (moved)") || !strings.Contains(r.Stderr, "migrated to class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:"+user) {
		t.Fatalf("the re-run: %s", r)
	}
	t.Logf("migration output (re-run):\n%s\n%s", r.Stdout, r.Stderr)

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

	// The names are as they were; the configuration is the new one.
	b := getJSON(t, "get", "broker", "default", "-n", user)
	if field(b, "spec", "config", "name") != "default-kymamesh-inmemorychannel" || field(b, "metadata", "annotations", "kymamesh.kyma-project.io/migrate-step") != nil {
		t.Fatalf("broker default after: %v", b)
	}
	tr := getJSON(t, "get", "trigger", "created", "-n", user)
	if field(tr, "spec", "broker") != "default" || field(tr, "spec", "filter", "attributes", "type") != "order.created" {
		t.Fatalf("trigger created after: %v", field(tr, "spec"))
	}
	left := testbed.MustKubectl(t, "get", "brokers,triggers", "-n", user, "-o", "name")
	if strings.Contains(left, "migrating") {
		t.Fatalf("the migration left: %s", left)
	}
	s := getJSON(t, "get", "subscriptions", "shop-to-"+user, "-n", integration)
	if field(s, "spec", "subscriber", "ref", "name") != "default" {
		t.Fatalf("the subscription sends to %v", field(s, "spec", "subscriber"))
	}
	wantExit(t, km(t, "broker", "migrate", "default", "-n", user, "--channel", "imc"), 1, "nothing to change")

	// A migration back to the cluster's default config, stopped in its
	// first hop's drain, then rolled back: the Broker keeps its config.
	back := []string{"kymamesh", "broker", "migrate", "default", "-n", user, "--config", "ConfigMap:config-br-default-channel:knative-eventing", "--timeout", "90s"}
	stopped = runUntil(t, "draining broker default:", back...)
	if stopped.Code == 0 {
		t.Fatalf("the stopped run: %s", stopped)
	}
	r = mustKM(t, "broker", "migrate", "default", "-n", user, "--rollback")
	if !strings.Contains(r.Stderr, "rolled back to class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:"+user) {
		t.Fatalf("rollback: %s", r)
	}
	if !notFound(t, "broker", "default-migrating", "-n", user) || !notFound(t, "trigger", "created-migrating", "-n", user) {
		t.Fatal("the rollback left the temporary broker or its trigger")
	}
	if field(getJSON(t, "get", "subscriptions", "shop-to-"+user, "-n", integration), "spec", "subscriber", "ref", "name") != "default" {
		t.Fatal("the rollback did not move the subscription back")
	}
	mustKM(t, "send", "--to", "app:shop", "--integration-namespace", integration, "--type", "order.created", "--id", "after-rollback")
	sub.WaitFor(t, "after-rollback", 30*time.Second)
}

// runUntil runs kubectl with args and sends it SIGINT once its stderr shows
// a line containing marker; it returns how the command ended.
func runUntil(t *testing.T, marker string, args ...string) testbed.Result {
	t.Helper()
	cmd := exec.Command("kubectl", args...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		errOut.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), marker) {
			_ = cmd.Process.Signal(syscall.SIGINT)
		}
	}
	err = cmd.Wait()
	res := testbed.Result{Stdout: out.String(), Stderr: errOut.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		res.Code = exit.ExitCode()
	}
	t.Logf("stopped run: %s", res)
	return res
}

// ackedIDs reads send's --results file: the ids of the events acknowledged.
func ackedIDs(t *testing.T, results string) map[string]bool {
	t.Helper()
	acked := map[string]bool{}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			ID     string
			Status int
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("results line %q: %v", line, err)
		}
		if e.Status >= 200 && e.Status < 300 {
			acked[e.ID] = true
		}
	}
	return acked
}

// joinByID waits until every acknowledged event has arrived at sub and
// returns how often each id arrived and the duplicates among them.
func joinByID(t *testing.T, sub *testbed.Receiver, acked map[string]bool) (map[string]int, int) {
	t.Helper()
	var missing []string
	eventually(t, 60*time.Second, "every acknowledged event to arrive", func() bool {
		got := map[string]bool{}
		for _, ev := range sub.Events() {
			got[ev.ID] = true
		}
		missing = missing[:0]
		for id := range acked {
			if !got[id] {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0
	})
	time.Sleep(2 * time.Second) // late duplicates
	count := map[string]int{}
	for _, ev := range sub.Events() {
		count[ev.ID]++
	}
	dups := 0
	for _, n := range count {
		dups += n - 1
	}
	return count, dups
}
