package sender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	inputerr "github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

func spec() EventSpec {
	return EventSpec{Type: "order.created", Source: "/test", ID: "e1", Mode: ModeBinary, Data: []byte(`{"a":1}`),
		Extensions: []string{"region=eu"}, Time: "2026-01-02T03:04:05Z"}
}

// receiver is a real loopback HTTP receiver that records requests.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	hdrs []http.Header
	body []string
	n    atomic.Int64
}

func newReceiver(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.n.Add(1)
		rc.mu.Lock()
		rc.hdrs = append(rc.hdrs, r.Header.Clone())
		rc.body = append(rc.body, string(b))
		rc.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func accept(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }

func TestSendBinaryAndStructured(t *testing.T) {
	rc := newReceiver(t, accept)
	ev, err := BuildEvent(spec())
	if err != nil {
		t.Fatal(err)
	}
	res := New(Target{URL: rc.URL, Name: "t"}, ModeBinary, 1, time.Second).Send(t.Context(), ev)
	if !res.ACK || res.StatusCode != 202 || res.ID != "e1" {
		t.Fatalf("binary: %+v", res)
	}
	h := rc.hdrs[0]
	for k, v := range map[string]string{"Ce-Id": "e1", "Ce-Type": "order.created", "Ce-Source": "/test", "Ce-Region": "eu",
		"Ce-Specversion": "1.0", "Ce-Time": "2026-01-02T03:04:05Z", "Content-Type": "application/json"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if rc.body[0] != `{"a":1}` {
		t.Errorf("body %q", rc.body[0])
	}
	s := spec()
	s.Mode = ModeStructured
	ev, _ = BuildEvent(s)
	if res := New(Target{URL: rc.URL}, ModeStructured, 1, time.Second).Send(t.Context(), ev); !res.ACK {
		t.Fatalf("structured: %+v", res)
	}
	if ct := rc.hdrs[1].Get("Content-Type"); ct != "application/cloudevents+json" || !strings.Contains(rc.body[1], `"data":{"a":1}`) {
		t.Fatalf("structured request: %s %s", ct, rc.body[1])
	}
}

func TestSendNackUndeliveredAndReply(t *testing.T) {
	ev, _ := BuildEvent(spec())
	for code, ack := range map[int]bool{200: true, 204: true, 400: false, 429: false, 500: false, 503: false} {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
		res := New(Target{URL: rc.URL}, ModeBinary, 1, time.Second).Send(t.Context(), ev)
		if res.ACK != ack || res.StatusCode != code {
			t.Errorf("HTTP %d: %+v", code, res)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	if res := New(Target{URL: closed, Name: "gone"}, ModeBinary, 1, time.Second).Send(t.Context(), ev); res.ACK || !strings.Contains(res.Error, "connection refused") {
		t.Errorf("closed port: %+v", res)
	}
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Ce-Specversion", "1.0")
		w.Header().Set("Ce-Id", "r1")
		w.Header().Set("Ce-Type", "order.confirmed")
		w.Header().Set("Ce-Source", "/handler")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"ok":true}`)
	})
	res := New(Target{URL: rc.URL}, ModeBinary, 1, time.Second).Send(t.Context(), ev)
	if res.Reply == nil || res.Reply.ID() != "r1" || string(res.Reply.Data()) != `{"ok":true}` {
		t.Fatalf("reply: %+v", res)
	}
	slow := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { time.Sleep(300 * time.Millisecond); w.WriteHeader(202) })
	if res := New(Target{URL: slow.URL}, ModeBinary, 1, 50*time.Millisecond).Send(t.Context(), ev); res.ACK || res.Error == "" {
		t.Fatalf("timeout: %+v", res)
	}
}

func TestHostOverrideForPortForward(t *testing.T) {
	var host string
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { host = r.Host; w.WriteHeader(202) })
	ev, _ := BuildEvent(spec())
	New(Target{URL: rc.URL, Host: "shop-kn-channel.ns.svc.cluster.local"}, ModeBinary, 1, time.Second).Send(t.Context(), ev)
	if host != "shop-kn-channel.ns.svc.cluster.local" {
		t.Fatalf("Host = %q", host)
	}
}

func TestLoadCountsEveryOutcome(t *testing.T) {
	var i atomic.Int64
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		if i.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	ev, _ := BuildEvent(spec())
	sum, err := New(Target{URL: rc.URL, Name: "rc"}, ModeBinary, 8, time.Second).Load(t.Context(), ev, LoadOptions{Count: 200, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 200 || sum.Acknowledged != 180 || sum.Failed != 20 || sum.ByStatus["503 Service Unavailable"] != 20 || rc.n.Load() != 200 {
		t.Fatalf("summary: %+v (received %d)", sum, rc.n.Load())
	}
	if sum.P50Millis <= 0 || sum.P99Millis < sum.P50Millis || sum.EventsPerSec <= 0 {
		t.Fatalf("latencies: %+v", sum)
	}
	ids := map[string]bool{}
	for _, h := range rc.hdrs {
		ids[h.Get("Ce-Id")] = true
	}
	if len(ids) != 200 || !ids["e1-0"] || !ids["e1-199"] {
		t.Fatalf("want 200 distinct ids e1-0..e1-199, got %d", len(ids))
	}
}

func TestLoadRateAndStructuredIDs(t *testing.T) {
	rc := newReceiver(t, accept)
	s := spec()
	s.Mode = ModeStructured
	ev, _ := BuildEvent(s)
	start := time.Now()
	sum, _ := New(Target{URL: rc.URL}, ModeStructured, 4, time.Second).Load(t.Context(), ev, LoadOptions{Count: 20, Concurrency: 4, Rate: 100})
	// 20 events at 100/s are spread over at least 190 ms (the last one is due at 190 ms).
	if sum.Acknowledged != 20 || time.Since(start) < 190*time.Millisecond {
		t.Fatalf("rate: %+v in %s", sum, time.Since(start))
	}
	if !strings.Contains(strings.Join(rc.body, ""), `"id":"e1-19"`) {
		t.Fatal("structured events did not get their own ids")
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { time.Sleep(20 * time.Millisecond); w.WriteHeader(202) })
	ev, _ := BuildEvent(spec())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	sum, _ := New(Target{URL: rc.URL}, ModeBinary, 2, time.Second).Load(ctx, ev, LoadOptions{Count: 100000, Concurrency: 2})
	if sum.Sent >= 100000 || rc.n.Load() > 100 {
		t.Fatalf("load did not stop: %+v", sum)
	}
}

func TestBuildEventRejects(t *testing.T) {
	for name, mutate := range map[string]func(*EventSpec){
		"no type":        func(s *EventSpec) { s.Type = "" },
		"bad mode":       func(s *EventSpec) { s.Mode = "batch" },
		"bad time":       func(s *EventSpec) { s.Time = "yesterday" },
		"bad ext":        func(s *EventSpec) { s.Extensions = []string{"noequals"} },
		"upper ext":      func(s *EventSpec) { s.Extensions = []string{"Region=eu"} },
		"long ext":       func(s *EventSpec) { s.Extensions = []string{"abcdefghijklmnopqrstuvwxyz=1"} },
		"reserved ext":   func(s *EventSpec) { s.Extensions = []string{"source=x"} },
		"bad json":       func(s *EventSpec) { s.Data = []byte("{oops") },
		"empty source":   func(s *EventSpec) { s.Source = "" },
		"bad dataschema": func(s *EventSpec) { s.DataSchema = "::not a uri" },
	} {
		s := spec()
		mutate(&s)
		if _, err := BuildEvent(s); !errors.Is(err, inputerr.Err) {
			t.Errorf("%s: want an invalid-event error, got %v", name, err)
		}
	}
	s := spec()
	s.ContentType, s.Data = "text/plain", []byte("not json")
	if _, err := BuildEvent(s); err != nil {
		t.Errorf("text data: %v", err)
	}
}

// --results: one JSON line per event, whose statuses join one to one with
// what the receiver answered each id (a dropped connection is status 0 with
// the error).
func TestLoadResultsJoinWithTheReceiver(t *testing.T) {
	var mu sync.Mutex
	answered := map[string]int{}
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Ce-Id")
		n, _ := strconv.Atoi(id[strings.LastIndex(id, "-")+1:])
		code := http.StatusAccepted
		switch n % 10 {
		case 3:
			code = http.StatusServiceUnavailable
		case 7: // read, then hang up without answering
			code = 0
		}
		mu.Lock()
		answered[id] = code
		mu.Unlock()
		if code == 0 {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.WriteHeader(code)
	})
	ev, _ := BuildEvent(spec())
	var out bytes.Buffer
	sum, err := New(Target{URL: rc.URL}, ModeBinary, 4, time.Second).Load(t.Context(), ev, LoadOptions{Count: 100, Concurrency: 4, Results: &out})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 100 || sum.Acknowledged != 80 {
		t.Fatalf("%d result lines, %d acknowledged; want 100 and 80", len(lines), sum.Acknowledged)
	}
	for _, l := range lines {
		var r EventResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		mu.Lock()
		want, ok := answered[r.ID]
		mu.Unlock()
		if !ok || r.Status != want || (want == 0) != (r.Error != "") || r.LatencyMillis <= 0 {
			t.Fatalf("result %+v, the receiver answered %d (seen: %v)", r, want, ok)
		}
	}
}

// A redirect is not an acknowledgement: send follows none, so a 3xx from
// the target (or whatever is in front of it) never becomes a 2xx from some
// other endpoint, such as a health check that answers 200 to anything.
func TestSendFollowsNoRedirect(t *testing.T) {
	health := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	ev, _ := BuildEvent(spec())
	for _, code := range []int{301, 302, 303, 307, 308} {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, health.URL+"/healthz", code) })
		s := New(Target{URL: rc.URL, Name: "rc"}, ModeBinary, 1, time.Second)
		if res := s.Send(t.Context(), ev); res.ACK || res.StatusCode != code {
			t.Errorf("single, %d: want no ACK and status %d, got %+v", code, code, res)
		}
		sum, err := s.Load(t.Context(), ev, LoadOptions{Count: 4, Concurrency: 2})
		if err != nil || sum.Acknowledged != 0 || sum.Failed != 4 {
			t.Errorf("load, %d: want 4 failed, got %+v %v", code, sum, err)
		}
	}
	if n := health.n.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

// Through the adapter (send --to app:) only the adapter's documented answer,
// 202, acknowledges an event; other targets (Brokers, URLs) ack with any 2xx.
func TestAdapterTargetAcksOnlyWithTheAdaptersAnswer(t *testing.T) {
	ev, _ := BuildEvent(spec())
	for _, code := range []int{200, 201, 202, 204} {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
		for _, tc := range []struct {
			acks []int
			want bool
		}{{nil, true}, {AdapterAcks, code == http.StatusAccepted}} {
			s := New(Target{URL: rc.URL, Name: "app:shop", Acks: tc.acks}, ModeBinary, 1, time.Second)
			if res := s.Send(t.Context(), ev); res.ACK != tc.want || res.StatusCode != code {
				t.Errorf("HTTP %d, acks %v: want ACK %v, got %+v", code, tc.acks, tc.want, res)
			}
			sum, _ := s.Load(t.Context(), ev, LoadOptions{Count: 3, Concurrency: 1})
			if want := map[bool]int{true: 3}[tc.want]; sum.Acknowledged != want || sum.Failed != 3-want {
				t.Errorf("load, HTTP %d, acks %v: want %d acknowledged, got %+v", code, tc.acks, want, sum)
			}
		}
	}
}

// A load's memory is bounded by its concurrency, not by --count: nothing is
// allocated per event up front (it was 16 bytes an event, 32 with --results,
// before the first was sent). A run stopped at once allocates next to nothing
// whatever the count.
func TestLoadMemoryDoesNotGrowWithCount(t *testing.T) {
	rc := newReceiver(t, accept)
	ev, _ := BuildEvent(spec())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, _ := New(Target{URL: rc.URL}, ModeBinary, 4, time.Second).Load(ctx, ev, LoadOptions{Count: 20_000_000, Concurrency: 4, Results: io.Discard})
	runtime.ReadMemStats(&after)
	if sum.Sent != 0 {
		t.Fatalf("a cancelled load sent %d", sum.Sent)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("a load of 20M events stopped at once allocated %d MB", alloc>>20)
	}
}

// A cancelled load does not wait for the next event --rate schedules: with
// one event every 20s, a cancel 100ms in ends it at once, and the event that
// was waiting is neither sent nor counted (issue 21).
func TestLoadCancelledDuringRateWaitStopsAtOnce(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(202) })
	ev, _ := BuildEvent(spec())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	sum, _ := New(Target{URL: rc.URL}, ModeBinary, 1, time.Second).Load(ctx, ev, LoadOptions{Count: 10, Concurrency: 1, Rate: 0.05})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a cancelled load waited %s for its next scheduled event", took)
	}
	if sum.Sent != 1 || rc.n.Load() != 1 {
		t.Fatalf("want the first event only, sent and counted: %+v (received %d)", sum, rc.n.Load())
	}
}
