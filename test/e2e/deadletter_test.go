//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// failingSubscriber answers 500 to one event type and 400 to another until
// it is fixed; it counts every delivery it accepted by event id.
type failingSubscriber struct {
	URL      string // of its Service
	fixed    atomic.Bool
	mu       sync.Mutex
	accepted map[string]int // event id -> accepted deliveries
	refused  int
}

// newFailingSubscriber starts it on 127.0.0.1 and gives it the Service sub in
// ns (without a selector: the test bed backs it with 127.0.0.1:targetPort),
// which both Knative's dispatcher and the store's pod reach.
func newFailingSubscriber(t *testing.T, ns string) *failingSubscriber {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &failingSubscriber{accepted: map[string]int{}}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id, typ := r.Header.Get("Ce-Id"), r.Header.Get("Ce-Type")
		if !s.fixed.Load() {
			switch typ {
			case "dl.fail500", "dl.direct":
				s.count(id, false)
				http.Error(w, "subscriber down: "+typ, http.StatusInternalServerError)
				return
			case "dl.fail400":
				s.count(id, false)
				http.Error(w, "subscriber refuses "+typ, http.StatusBadRequest)
				return
			}
		}
		s.count(id, true)
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	applyYAML(t, fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: sub, namespace: %s}\nspec:\n  ports: [{port: 80, targetPort: %d}]\n", ns, port))
	s.URL = "http://sub." + ns + ".svc.cluster.local"
	return s
}

func (s *failingSubscriber) count(id string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.accepted[id]++
	} else {
		s.refused++
	}
}

// join counts, for the ids, how many were accepted not at all, once and more
// than once (the extra deliveries: duplicates).
func (s *failingSubscriber) join(ids []string) (missing []string, once, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		switch n := s.accepted[id]; {
		case n == 0:
			missing = append(missing, id)
		case n == 1:
			once++
		default:
			once++
			duplicates += n - 1
		}
	}
	return missing, once, duplicates
}

type dlSummary struct {
	ID          string `json:"id"`
	EventID     string `json:"eventId"`
	Type        string `json:"type"`
	Destination string `json:"destination"`
	Code        int    `json:"code"`
	Reason      string `json:"reason"`
	Deliveries  int    `json:"deliveries"`
}

// dlList is deadletter list -o json.
func dlList(t *testing.T, ns string, args ...string) []dlSummary {
	t.Helper()
	r := mustKM(t, append([]string{"deadletter", "list", "-n", ns, "-o", "json"}, args...)...)
	var l struct {
		Items []dlSummary `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &l); err != nil {
		t.Fatalf("deadletter list -o json: %v\n%s", err, r.Stdout)
	}
	return l.Items
}

type dlStats struct {
	Count         int            `json:"count"`
	ByCode        map[string]int `json:"byCode"`
	ByDestination map[string]int `json:"byDestination"`
}

func dlStatsOf(t *testing.T, ns string) (dlStats, bool) {
	t.Helper()
	r := km(t, "deadletter", "stats", "-n", ns, "-o", "json")
	var st dlStats
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &st) != nil {
		return st, false
	}
	return st, true
}

// waitStore waits until the store's Deployment is available (its claim
// bound, its pod ready).
func waitStore(t testing.TB, ns string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := testbed.Kubectl(t, "get", "deployment", "kymamesh-deadletter", "-n", ns, "-o", "jsonpath={.status.availableReplicas}")
		if strings.TrimSpace(r.Stdout) == "1" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store's Deployment is not available after 90s: %s\n%s", r,
				testbed.Kubectl(t, "get", "pvc,pv,pods", "-n", ns, "-o", "wide"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// storePid is the process of the store's ready pod (kubeletlite's
// containerID is kubeletlite://PID).
func storePid(t *testing.T, ns string) int {
	t.Helper()
	var pid int
	eventually(t, 60*time.Second, "the store's pod to run", func() bool {
		out := testbed.MustKubectl(t, "get", "pods", "-n", ns, "-l", "app.kubernetes.io/name=kymamesh-deadletter", "-o",
			`jsonpath={range .items[*]}{.status.containerStatuses[0].ready} {.status.containerStatuses[0].containerID}{"\n"}{end}`)
		var ids []string
		for _, line := range strings.Split(out, "\n") {
			if id, ok := strings.CutPrefix(strings.TrimSpace(line), "true "); ok {
				ids = append(ids, id)
			}
		}
		if len(ids) != 1 {
			return false
		}
		n, err := strconv.Atoi(strings.TrimPrefix(ids[0], "kubeletlite://"))
		pid = n
		return err == nil && n > 0
	})
	return pid
}

// killStore kills the store's process as a crash or the OOM killer would
// (SIGKILL); the test bed's kubelet starts another pod on the same claim.
func killStore(t *testing.T, ns string) {
	t.Helper()
	pid := storePid(t, ns)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the store (pid %d): %v", pid, err)
	}
	t.Logf("killed the store's process %d", pid)
}

// postDeadLetter sends one dead letter to the store's Service as Knative's
// dispatcher does (binary mode, with the knativeerror* extensions) and says
// whether the store acknowledged it.
func postDeadLetter(client *http.Client, store, id, dest string) bool {
	req, err := http.NewRequest(http.MethodPost, store, bytes.NewBufferString(`{"n":"`+id+`"}`))
	if err != nil {
		return false
	}
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "dl.direct", "Ce-Source": "/e2e/direct",
		"Ce-Knativeerrordest": dest, "Ce-Knativeerrorcode": "500", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// The proof with faults, on the real API server and Knative: a
// subscriber answers 500 to one type and 400 to another; after the Broker's
// retries each event is in the store once, with its reason; explain names
// the Trigger. The store killed during intake loses nothing it acknowledged;
// killed during a replay, every event still arrives (at least once, the
// duplicates counted); a clean replay --all delivers each exactly once and
// empties the store.
func TestDeadLetterStoreKeepsAndReplays(t *testing.T) {
	ns := testbed.Namespace(t)
	sub := newFailingSubscriber(t, ns)
	mustKM(t, "broker", "create", "default", "-n", ns, "--retry", "1", "--backoff-delay", "100ms", "--backoff-policy", "linear", "--wait")
	// The store before the Triggers: their Subscriptions are made with it.
	// Enabled over existing Triggers, Knative makes each Subscription again,
	// and under load its race may leave the old one on the channel, without
	// the dead-letter sink, for good (docs/deadletter.md; enable --wait names
	// it: TestDeadLetterEnableWaitNamesAStaleChannelSubscriber).
	began := time.Now()
	r := mustKM(t, "deadletter", "enable", "-n", ns, "--size", "64Mi", "--wait")
	t.Logf("deadletter enable --wait took %s", time.Since(began).Round(10*time.Millisecond))
	mustKM(t, "trigger", "create", "t500", "-n", ns, "--filter", "type=dl.fail500", "--sink", "svc:sub", "--wait")
	mustKM(t, "trigger", "create", "t400", "-n", ns, "--filter", "type=dl.fail400", "--sink", "svc:sub", "--wait")
	// knativeerrordest is the subscriber as Knative resolved it.
	sub.URL = strings.TrimSpace(testbed.MustKubectl(t, "get", "trigger", "t500", "-n", ns, "-o", "jsonpath={.status.subscriberUri}"))
	mustKM(t, "deadletter", "enable", "-n", ns, "--wait") // the Triggers Ready with the store
	for _, want := range []string{"persistentvolumeclaim/kymamesh-deadletter created", "deployment.apps/kymamesh-deadletter created",
		"service/kymamesh-deadletter created", "broker.eventing.knative.dev/default configured"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("want %q in:\n%s", want, r)
		}
	}
	if phase := testbed.MustKubectl(t, "get", "pvc", "kymamesh-deadletter", "-n", ns, "-o", "jsonpath={.status.phase}"); phase != "Bound" {
		t.Fatalf("the store's claim is %q, not Bound", phase)
	}
	if out := testbed.MustKubectl(t, "get", "triggers", "-n", ns, "-o", "jsonpath={.items[*].status.deadLetterSinkUri}"); strings.Count(out, "kymamesh-deadletter") != 2 {
		t.Fatalf("want both Triggers with the store as their dead-letter sink: %s", out)
	}

	// Bad input the store decides: an unknown id, a CESQL that does not parse, --rate 0.
	wantExit(t, km(t, "deadletter", "show", "999999", "-n", ns), 1, "holds no event 999999")
	wantExit(t, km(t, "explain", "--dead-letter", "999999", "-n", ns), 1, "holds no event 999999")
	wantExit(t, km(t, "deadletter", "replay", "--cesql", "type = ", "-n", ns), 2, "--cesql")
	wantExit(t, km(t, "deadletter", "replay", "--all", "--rate", "0", "-n", ns), 2, "--rate")

	// 1. Knative gives up on 40 + 40 events: every one is in the store once, with its reason.
	brokerURL := strings.TrimSpace(testbed.MustKubectl(t, "get", "broker", "default", "-n", ns, "-o", "jsonpath={.status.address.url}"))
	const perType = 40
	var knIDs []string
	resent := 0
	for _, typ := range []string{"dl.fail500", "dl.fail400"} {
		for i := range perType {
			id := fmt.Sprintf("%s-%d", typ, i)
			knIDs = append(knIDs, id)
			// Sent again on a 5xx, as a source does (Knative is at least
			// once: the store keeps the same event once, counting deliveries).
			for attempt := 1; ; attempt++ {
				code := postEvent(t, brokerURL, id, typ)
				if code == http.StatusAccepted {
					break
				}
				if code < 500 || attempt == 5 {
					t.Fatalf("the Broker answered %d to %s (attempt %d)", code, id, attempt)
				}
				resent++
				t.Logf("the Broker answered %d to %s: sending it again", code, id)
				time.Sleep(500 * time.Millisecond)
			}
		}
	}
	t.Logf("%d events sent to the Broker, %d sent again after a 5xx", 2*perType, resent)
	eventually(t, 90*time.Second, "Knative to dead-letter every event", func() bool {
		st, ok := dlStatsOf(t, ns)
		return ok && st.Count >= 2*perType
	})
	st, _ := dlStatsOf(t, ns)
	if st.Count != 2*perType || st.ByCode["500"] != perType || st.ByCode["400"] != perType || st.ByDestination[sub.URL] != 2*perType {
		t.Fatalf("stats: want %d events, %d per code, all to %s; got %+v", 2*perType, perType, sub.URL, st)
	}
	perID := map[string]int{}
	var a500 dlSummary
	for _, s := range dlList(t, ns) {
		perID[s.EventID]++
		wantCode := map[string]int{"dl.fail500": 500, "dl.fail400": 400}[s.Type]
		if s.Code != wantCode || s.Destination != sub.URL || !strings.Contains(s.Reason, s.Type) || s.Deliveries < 1 {
			t.Errorf("stored %+v: want code %d, destination %s and the subscriber's answer as the reason", s, wantCode, sub.URL)
		}
		if s.Type == "dl.fail500" {
			a500 = s
		}
	}
	for _, id := range knIDs {
		if perID[id] != 1 {
			t.Errorf("event %s is in the store %d times, want once", id, perID[id])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	r = mustKM(t, "status", "-n", ns)
	if !strings.Contains(r.Stdout, fmt.Sprintf("dead letters -> svc:kymamesh-deadletter (the store: %d events)", 2*perType)) {
		t.Fatalf("status: want the store's count beside the Broker:\n%s", r)
	}
	var x struct {
		DeadLetter dlSummary `json:"deadLetter"`
		FailedAt   []string  `json:"failedAt"`
	}
	r = mustKM(t, "explain", "--dead-letter", a500.ID, "-n", ns, "-o", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &x); err != nil || len(x.FailedAt) != 1 || x.FailedAt[0] != "t500" || x.DeadLetter.Code != 500 {
		t.Fatalf("explain --dead-letter %s: want the Trigger t500 and code 500: %v\n%s", a500.ID, err, r)
	}
	r = mustKM(t, "explain", "--dead-letter", a500.ID, "-n", ns)
	if !strings.Contains(r.Stdout, "failed with 500: subscriber down: dl.fail500") || !strings.Contains(r.Stdout, "trigger t500, subscriber "+sub.URL) {
		t.Fatalf("explain --dead-letter %s: want the reason and the Trigger:\n%s", a500.ID, r)
	}

	// 2. The store killed twice during intake: nothing it acknowledged is lost.
	const direct = 120
	proxy, _ := url.Parse(testbed.HTTPProxy())
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	storeURL := "http://kymamesh-deadletter." + ns + ".svc.cluster.local/"
	var acked sync.Map
	var attempts atomic.Int64
	work := make(chan string)
	var wg sync.WaitGroup
	deadline := time.Now().Add(60 * time.Second)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				// As Knative does, retried until acknowledged (bounded).
				for time.Now().Before(deadline) {
					attempts.Add(1)
					if postDeadLetter(client, storeURL, id, sub.URL) {
						acked.Store(id, true)
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	var directIDs []string
	for i := range direct {
		id := fmt.Sprintf("direct-%d", i)
		directIDs = append(directIDs, id)
		if i == direct/3 || i == 2*direct/3 {
			killStore(t, ns)
		}
		work <- id
		time.Sleep(20 * time.Millisecond)
	}
	close(work)
	wg.Wait()
	perID = map[string]int{}
	dups := 0
	for _, s := range dlList(t, ns, "--destination", sub.URL) {
		if s.Type == "dl.direct" {
			perID[s.EventID]++
			dups += s.Deliveries - 1
		}
	}
	nAcked := 0
	for _, id := range directIDs {
		if _, ok := acked.Load(id); ok {
			nAcked++
			if perID[id] != 1 {
				t.Errorf("event %s was acknowledged and is in the store %d times", id, perID[id])
			}
		}
	}
	if nAcked != direct {
		t.Errorf("only %d of %d events were acknowledged within a minute of two kills", nAcked, direct)
	}
	t.Logf("intake with two kills: %d events, %d attempts, %d acknowledged, all in the store; %d stored twice (counted in deliveries)",
		direct, attempts.Load(), nAcked, dups)

	// 3. Fixed, the direct ones replayed while the store is killed once:
	// each arrives at least once; the duplicates are counted.
	sub.fixed.Store(true)
	var out lockedBuffer
	replay := exec.Command("kubectl", "kymamesh", "deadletter", "replay", "--cesql", "type = 'dl.direct'", "--rate", "60", "-n", ns)
	replay.Stdout, replay.Stderr, replay.Env = &out, &out, os.Environ()
	if err := replay.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "the replay to be under way", func() bool {
		_, once, _ := sub.join(directIDs)
		return once >= direct/3
	})
	killStore(t, ns)
	_ = replay.Wait()
	if replay.ProcessState.ExitCode() != 1 {
		t.Errorf("a replay whose store was killed exits %d, want 1:\n%s", replay.ProcessState.ExitCode(), out.String())
	}
	var rest testbed.Result
	eventually(t, 60*time.Second, "the rest of the replay", func() bool {
		rest = km(t, "deadletter", "replay", "--cesql", "type = 'dl.direct'", "-n", ns, "-o", "json")
		return rest.Code == 0
	})
	missing, once, dup := sub.join(directIDs)
	if len(missing) > 0 || once != direct {
		t.Fatalf("after a replay broken by a kill and its rest, %d events never arrived: %v", len(missing), missing)
	}
	if left := dlList(t, ns, "--destination", sub.URL); len(left) != 2*perType {
		t.Fatalf("want only Knative's %d dead letters left, got %d", 2*perType, len(left))
	}
	t.Logf("replay with a kill: %d events delivered, %d duplicates (sent, then the store killed before it deleted them)", once, dup)

	// 4. A clean replay --all: each exactly once, the store empty.
	r = mustKM(t, "deadletter", "replay", "--all", "-n", ns, "-o", "json")
	var rep struct {
		Delivered, Failed int
	}
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil || rep.Delivered != 2*perType || rep.Failed != 0 {
		t.Fatalf("replay --all: want %d delivered: %v\n%s", 2*perType, err, r)
	}
	missing, once, dup = sub.join(knIDs)
	if len(missing) > 0 || once != 2*perType || dup != 0 {
		t.Fatalf("replay --all: want each of %d events once at the subscriber, got %d once, %d duplicates, missing %v", 2*perType, once, dup, missing)
	}
	if st, ok := dlStatsOf(t, ns); !ok || st.Count != 0 {
		t.Fatalf("the store is not empty after the replays: %+v", st)
	}
}

// Knative's race that leaves a deleted Subscription on the Broker's channel
// (docs/deadletter.md), made here as it does it, by a subscriber entry of no
// Subscription, written as Knative's controller: enable --wait names it and
// how to remove it, within its window and not after the whole
// --wait-timeout; removed as it says, enable --wait succeeds.
func TestDeadLetterEnableWaitNamesAStaleChannelSubscriber(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "broker", "create", "default", "-n", ns, "--wait")
	mustKM(t, "deadletter", "enable", "-n", ns, "--size", "16Mi", "--wait")
	mustKM(t, "trigger", "create", "t1", "-n", ns, "--sink", "http://nobody."+ns+".svc.cluster.local", "--wait")
	channel := strings.TrimSpace(testbed.MustKubectl(t, "get", "broker", "default", "-n", ns, "-o", `jsonpath={.status.annotations.knative\.dev/channelName}`))
	const uid = "0b5e1f7e-0000-4000-8000-00000000dead"
	// Only Knative's controller may change a channel's subscribers (its webhook).
	const asController = "--as=system:serviceaccount:knative-eventing:eventing-controller"
	testbed.MustKubectl(t, "patch", "inmemorychannel", channel, "-n", ns, asController, "--type=json", "-p",
		`[{"op":"add","path":"/spec/subscribers/-","value":{"uid":"`+uid+`","generation":1,"name":"default-t1-gone","subscriberUri":"http://nobody.`+ns+`.svc.cluster.local"}}]`)
	began := time.Now()
	r := km(t, "deadletter", "enable", "-n", ns, "--wait", "--wait-timeout", "2m")
	wantExit(t, r, 1, `lists subscriber "default-t1-gone" with uid `+uid+", which no Subscription has")
	if !strings.Contains(r.Stderr, "kubectl edit inmemorychannel "+channel+" -n "+ns+" "+asController) {
		t.Fatalf("want how to remove it: %s", r)
	}
	if took := time.Since(began); took > time.Minute {
		t.Fatalf("enable --wait took %s to name the stale subscriber, want its window (5s), not the timeout", took)
	}
	r = km(t, "doctor", "-n", ns)
	if r.Code != 1 || !strings.Contains(r.Stdout, "FAIL  channel subscribers: InMemoryChannel \""+channel+"\" (broker \"default\"'s channel) lists subscriber \"default-t1-gone\"") {
		t.Fatalf("doctor: want the stale subscriber failed: %s", r)
	}
	subs := strings.Fields(testbed.MustKubectl(t, "get", "inmemorychannel", channel, "-n", ns, "-o", "jsonpath={.spec.subscribers[*].uid}"))
	for i, u := range subs {
		if u == uid {
			testbed.MustKubectl(t, "patch", "inmemorychannel", channel, "-n", ns, asController, "--type=json", "-p", fmt.Sprintf(`[{"op":"remove","path":"/spec/subscribers/%d"}]`, i))
		}
	}
	mustKM(t, "deadletter", "enable", "-n", ns, "--wait")
	if r := km(t, "doctor", "-n", ns); strings.Contains(r.Stdout, "channel subscribers") {
		t.Fatalf("doctor after the entry was removed: %s", r)
	}
}

// enable and disable on a shared namespace: a Broker's dead-letter sink set
// by someone else is named and kept without --force-conflicts; a Service of
// the store's name made by kubectl stops enable before anything is applied;
// a server dry run writes nothing; enable twice changes nothing; disable
// keeps the claim (and its volume) unless --delete-data, which lets the
// provisioner delete the volume.
func TestDeadLetterEnableDisableOnTheTestBed(t *testing.T) {
	ns := testbed.Namespace(t)
	mustKM(t, "broker", "create", "default", "-n", ns, "--wait")
	mustKM(t, "broker", "create", "theirs", "-n", ns, "--dl-sink", "svc:their-dls") // never ready: the sink does not resolve

	wantExit(t, km(t, "deadletter", "list", "-n", ns), 1, "has no dead-letter store")
	r := mustKM(t, "doctor", "-n", ns)
	if !strings.Contains(r.Stdout, "WARN  dead-letter sink: broker "+ns+"/default has none") ||
		!strings.Contains(r.Stdout, "fix: kubectl kymamesh deadletter enable -n "+ns+" --broker default") ||
		!strings.Contains(r.Stdout, "PASS  dead-letter sink: set for broker theirs") {
		t.Fatalf("doctor: want a warning about the Broker without a dead-letter sink:\n%s", r)
	}
	wantExit(t, km(t, "deadletter", "enable", "-n", ns, "--broker", "theirs"), 1, "svc:their-dls")
	if !notFound(t, "pvc", "kymamesh-deadletter", "-n", ns) || !notFound(t, "deployment", "kymamesh-deadletter", "-n", ns) {
		t.Fatal("a refused enable applied something")
	}
	r = mustKM(t, "deadletter", "enable", "-n", ns, "--dry-run=server")
	if !strings.Contains(r.Stdout, "(server dry run)") {
		t.Fatalf("want the server dry run said: %s", r)
	}
	for _, kind := range []string{"pvc", "deployment", "service"} {
		if !notFound(t, kind, "kymamesh-deadletter", "-n", ns) {
			t.Fatalf("a server dry run made the %s", kind)
		}
	}
	if dls := testbed.MustKubectl(t, "get", "broker", "default", "-n", ns, "-o", "jsonpath={.spec.delivery.deadLetterSink}"); dls != "" {
		t.Fatalf("a server dry run set the Broker's dead-letter sink: %s", dls)
	}

	mustKM(t, "deadletter", "enable", "-n", ns, "--size", "32Mi")
	waitStore(t, ns)
	r = mustKM(t, "deadletter", "enable", "-n", ns, "--size", "32Mi")
	if strings.Count(r.Stdout, " unchanged") != 4 {
		t.Fatalf("enable twice: want four unchanged, got %s", r)
	}
	// Another --size: smaller is refused (a claim cannot shrink), and larger
	// too, the test bed's StorageClass (as many) not allowing expansion:
	// one line each, nothing applied, in a server dry run too.
	for _, c := range []struct{ size, want string }{{"16Mi", "is 32Mi and a claim cannot shrink"}, {"64Mi", "does not allow expansion (allowVolumeExpansion)"}} {
		wantExit(t, km(t, "deadletter", "enable", "-n", ns, "--broker", "theirs", "--force-conflicts", "--size", c.size), 1, c.want)
		wantExit(t, km(t, "deadletter", "enable", "-n", ns, "--broker", "theirs", "--force-conflicts", "--size", c.size, "--dry-run=server"), 1, c.want)
	}
	if dls := testbed.MustKubectl(t, "get", "broker", "theirs", "-n", ns, "-o", "jsonpath={.spec.delivery.deadLetterSink}"); strings.Contains(dls, "kymamesh-deadletter") {
		t.Fatalf("a refused enable pointed the Broker at the store: %s", dls)
	}
	// Without --size, enable for another Broker keeps the claim as it is.
	r = mustKM(t, "deadletter", "enable", "-n", ns, "--broker", "theirs", "--force-conflicts")
	if !strings.Contains(r.Stdout, "persistentvolumeclaim/kymamesh-deadletter unchanged") || !strings.Contains(r.Stdout, "deployment.apps/kymamesh-deadletter unchanged") ||
		!strings.Contains(r.Stdout, "broker.eventing.knative.dev/theirs configured") || !strings.Contains(r.Stdout, "svc:their-dls") {
		t.Fatalf("--force-conflicts without --size: want the claim and Deployment unchanged, the Broker configured and its old sink named: %s", r)
	}
	if size := testbed.MustKubectl(t, "get", "pvc", "kymamesh-deadletter", "-n", ns, "-o", "jsonpath={.spec.resources.requests.storage}"); size != "32Mi" {
		t.Fatalf("the claim after a second enable without --size: %s, want 32Mi", size)
	}
	pv := strings.TrimSpace(testbed.MustKubectl(t, "get", "pvc", "kymamesh-deadletter", "-n", ns, "-o", "jsonpath={.spec.volumeName}"))
	dir := strings.TrimSpace(testbed.MustKubectl(t, "get", "pv", pv, "-o", "jsonpath={.spec.local.path}"))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || !strings.HasPrefix(dir, testbed.State()) {
		t.Fatalf("volume %s: want a directory under the test bed's state, got %q: %v", pv, dir, err)
	}

	// Someone else's Service of the store's name in another namespace.
	other := testbed.Namespace(t)
	mustKM(t, "broker", "create", "default", "-n", other, "--wait")
	applyYAML(t, "apiVersion: v1\nkind: Service\nmetadata: {name: kymamesh-deadletter, namespace: "+other+"}\nspec:\n  ports: [{port: 80}]\n")
	wantExit(t, km(t, "deadletter", "enable", "-n", other), 1, "is not the plugin's dead-letter store")
	if !notFound(t, "pvc", "kymamesh-deadletter", "-n", other) {
		t.Fatal("a refused enable made the claim")
	}

	mustKM(t, "deadletter", "disable", "-n", ns, "--dry-run=server")
	if notFound(t, "deployment", "kymamesh-deadletter", "-n", ns) ||
		!strings.Contains(testbed.MustKubectl(t, "get", "broker", "default", "-n", ns, "-o", "jsonpath={.spec.delivery.deadLetterSink}"), "kymamesh-deadletter") {
		t.Fatal("a server dry run of disable changed something")
	}
	r = mustKM(t, "deadletter", "disable", "-n", ns)
	if !strings.Contains(r.Stdout, "broker/theirs") || notFound(t, "deployment", "kymamesh-deadletter", "-n", ns) {
		t.Fatalf("disable for one Broker while another still sends to the store: want the store kept and the other named: %s", r)
	}
	r = mustKM(t, "deadletter", "disable", "-n", ns, "--broker", "theirs")
	if !strings.Contains(r.Stdout, "--delete-data") {
		t.Fatalf("want the kept claim and how to delete it: %s", r)
	}
	eventually(t, 30*time.Second, "the store's Deployment and Service to go", func() bool {
		return notFound(t, "deployment", "kymamesh-deadletter", "-n", ns) && notFound(t, "service", "kymamesh-deadletter", "-n", ns)
	})
	if phase := testbed.MustKubectl(t, "get", "pvc", "kymamesh-deadletter", "-n", ns, "-o", "jsonpath={.status.phase}"); phase != "Bound" {
		t.Fatalf("disable without --delete-data: the claim is %q, want it kept Bound", phase)
	}
	mustKM(t, "deadletter", "disable", "-n", ns, "--broker", "theirs", "--delete-data")
	eventually(t, 60*time.Second, "the claim, its volume and its directory to go", func() bool {
		_, err := os.Stat(dir)
		return notFound(t, "pvc", "kymamesh-deadletter", "-n", ns) && notFound(t, "pv", pv) && os.IsNotExist(err)
	})
}
