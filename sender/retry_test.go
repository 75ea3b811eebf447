package sender

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// Retries (send --retries): 503 and 429 are sent again, after Retry-After
// when given; other answers are final; every attempt is counted per event in
// the results and in the summary. Without retries nothing is sent twice and
// the results carry no attempts.
func TestLoadRetriesRefusalsOnly(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Ce-Id")
		mu.Lock()
		seen[id]++
		n := seen[id]
		mu.Unlock()
		switch {
		case strings.HasSuffix(id, "-0") && n <= 2: // refused twice, told to come back at once
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasSuffix(id, "-1") && n == 1: // too many, no Retry-After: the backoff
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.HasSuffix(id, "-2"): // a final answer: never again
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	ev := testEvent(t)
	for _, retries := range []int{0, 3} {
		mu.Lock()
		clear(seen)
		mu.Unlock()
		s := New(Target{URL: srv.URL, Name: "t"}, ModeBinary, 2, 5*time.Second)
		s.SetRetries(retries)
		var results bytes.Buffer
		sum, err := s.Load(context.Background(), ev, LoadOptions{Count: 4, Concurrency: 2, Results: &results})
		if err != nil {
			t.Fatal(err)
		}
		attempts := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(results.String()), "\n") {
			var r EventResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			attempts[r.ID[strings.LastIndex(r.ID, "-"):]] = r.Attempts
		}
		if retries == 0 {
			if sum.Acknowledged != 1 || sum.Retries != 0 || seen[ev.ID()+"-0"] != 1 || attempts["-0"] != 0 {
				t.Errorf("no retries: %+v, sent %v, attempts %v", sum, seen, attempts)
			}
			continue
		}
		if sum.Acknowledged != 3 || sum.Failed != 1 || sum.RetriedEvents != 2 || sum.Retries != 3 {
			t.Errorf("retries 3: %+v", sum)
		}
		if attempts["-0"] != 3 || attempts["-1"] != 2 || attempts["-2"] != 1 || attempts["-3"] != 1 || seen[ev.ID()+"-2"] != 1 {
			t.Errorf("attempts per event %v, sent %v", attempts, seen)
		}
	}
}

// A Retry-After is honoured (capped); a refused connection is retried up to
// the limit and reported with its attempts; a timeout is not retried.
func TestSendRetryAfterConnectionErrorsAndTimeouts(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s := New(Target{URL: srv.URL, Name: "t"}, ModeBinary, 1, 5*time.Second)
	s.SetRetries(2)
	t0 := time.Now()
	res := s.Send(context.Background(), testEvent(t))
	if !res.ACK || res.Attempts != 2 || time.Since(t0) < time.Second {
		t.Errorf("Retry-After 1: %+v after %s", res, time.Since(t0))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	s = New(Target{URL: "http://" + addr + "/", Name: "gone"}, ModeBinary, 1, 5*time.Second)
	s.SetRetries(2)
	res = s.Send(context.Background(), testEvent(t))
	if res.ACK || res.Attempts != 3 || !strings.Contains(res.Error, "refused") {
		t.Errorf("refused: %+v", res)
	}

	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	defer hang.Close()
	mu.Lock()
	n = 0
	mu.Unlock()
	s = New(Target{URL: hang.URL, Name: "slow"}, ModeBinary, 1, 200*time.Millisecond)
	s.SetRetries(3)
	res = s.Send(context.Background(), testEvent(t))
	mu.Lock()
	defer mu.Unlock()
	if res.ACK || res.Attempts != 1 || n != 1 {
		t.Errorf("timeout: %+v, %d requests", res, n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"": -1, "x": -1, "-1": -1, "0": 0, "2": 2 * time.Second, "9999": MaxRetryAfter,
		now.Add(3 * time.Second).Format(http.TimeFormat): 3 * time.Second, now.Add(-time.Hour).Format(http.TimeFormat): 0} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

func testEvent(t *testing.T) *event.Event {
	t.Helper()
	ev, err := BuildEvent(EventSpec{Type: "t", Source: "/s", ID: "e", Mode: ModeBinary, ContentType: "application/json", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
