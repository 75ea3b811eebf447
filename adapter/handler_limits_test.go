package adapter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// slowConn opens a connection that announces a body of size bytes and sends
// one; the adapter must not set memory aside for what has not arrived.
func slowConn(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: a\r\nCe-Specversion: 1.0\r\nCe-Id: slow\r\nCe-Type: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", size)
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Connections that announce the largest body and send one byte hold a buffer
// of what arrived, not of what they announced; events on other connections
// go through meanwhile.
func TestAnnouncedBodiesTakeNoMemory(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	h := NewHandler(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1 << 20, SinkTimeout: 2 * time.Second},
		NewSinkClient(2*time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	a := newServer(t, h)
	for i := 0; i < 100; i++ {
		slowConn(t, a, 1<<20)
	}
	waitFor(t, "100 requests in flight", func() bool { return h.inFlight.Load() == 100 })
	if used := h.budget.used.Load(); used > 100*initialBody {
		t.Fatalf("100 bodies of 1 byte hold %d bytes of the budget, want at most %d", used, 100*initialBody)
	}
	for i := 0; i < 20; i++ {
		if resp, _ := post(t, "http://"+a+"/", binaryHeaders(nil), `{"n":1}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("an event beside the slow connections: want 202, got %d", resp.StatusCode)
		}
	}
}

// When the bodies in flight have taken the budget, the next event that needs
// more memory is turned away with 503 and Retry-After, and served again once
// memory is free.
func TestBudgetSpentAnswers503WithRetryAfter(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	h := NewHandler(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 64 << 10, BodyBudget: 64 << 10, SinkTimeout: 2 * time.Second},
		NewSinkClient(2*time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	a := newServer(t, h)
	c := slowConn(t, a, 60<<10)
	io.WriteString(c, strings.Repeat("x", 40<<10)) // grows its buffer to 64 KiB: all of the budget
	waitFor(t, "the budget to be spent", func() bool { return h.budget.used.Load() == 64<<10 })
	resp, _ := post(t, "http://"+a+"/", binaryHeaders(nil), `{"n":1}`)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("want 503 with Retry-After, got %d %v", resp.StatusCode, resp.Header)
	}
	c.Close()
	waitFor(t, "the budget to come back", func() bool { return h.budget.used.Load() == 0 })
	if resp, _ := post(t, "http://"+a+"/", binaryHeaders(nil), `{"n":1}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after the slow body left: want 202, got %d", resp.StatusCode)
	}
}

func TestRequestsInFlightAreCapped(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	h := NewHandler(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1024, MaxInFlight: 3, SinkTimeout: 2 * time.Second},
		NewSinkClient(2*time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	a := newServer(t, h)
	for i := 0; i < 3; i++ {
		slowConn(t, a, 100)
	}
	waitFor(t, "3 requests in flight", func() bool { return h.inFlight.Load() == 3 })
	resp, body := post(t, "http://"+a+"/", binaryHeaders(nil), `{}`)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, "limit") {
		t.Fatalf("want 503 with Retry-After, got %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

// A body trickled in, or never sent, gets 408 once READ_TIMEOUT has passed,
// and its connection and memory are let go.
func TestSlowBodyIsCutOffAtTheReadTimeout(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	srv := NewServer(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1 << 20, SinkTimeout: time.Second, ReadTimeout: 300 * time.Millisecond},
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:18311", "127.0.0.1:18312") }()
	defer func() { cancel(); <-done }()
	waitUp(t, "http://127.0.0.1:18311/healthz")
	c := slowConn(t, "127.0.0.1:18311", 1000)
	start := time.Now()
	go func() { // one byte now and then, each well inside the timeout
		for i := 0; i < 20; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("want 408, got %d", resp.StatusCode)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("the trickled body held its connection for %s", waited)
	}
	// Closed shows as EOF, or as a reset when the trickle's next byte reached
	// the closed socket first; a read deadline means it stayed open.
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("want the connection closed after the 408: %v", err)
	}
}

// After SIGTERM the adapter reports not ready but keeps taking events for the
// drain period (Kubernetes still routes to it), then stops.
func TestDrainKeepsServingWhileNotReady(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	srv := NewServer(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1024, SinkTimeout: time.Second, ReadTimeout: time.Second,
		DrainPeriod: 500 * time.Millisecond}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:18321", "127.0.0.1:18322") }()
	waitUp(t, "http://127.0.0.1:18321/healthz")
	cancel()
	waitFor(t, "not ready", func() bool { return !srv.ready.Load() })
	resp, err := http.Get("http://127.0.0.1:18321/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("draining: want /readyz 503, got %v %v", resp, err)
	}
	resp.Body.Close()
	if resp, _ := post(t, "http://127.0.0.1:18321/", binaryHeaders(nil), "{}"); resp.StatusCode != http.StatusAccepted || !resp.Close {
		t.Fatalf("draining: want the event taken (202) and the connection closed, got %d close=%v", resp.StatusCode, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.requests() != 1 {
		t.Fatalf("sink got %d events, want 1", s.requests())
	}
}

// A sink that fails every event does not make the adapter write a line per event.
func TestFailuresAreLoggedOncePerInterval(t *testing.T) {
	s := newSink(t, http.StatusInternalServerError)
	var logs syncBuffer
	h := NewHandler(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1024, SinkTimeout: time.Second},
		NewSinkClient(time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(&logs, nil)))
	a := newServer(t, h)
	for i := 0; i < 50; i++ {
		if resp, _ := post(t, "http://"+a+"/", binaryHeaders(nil), "{}"); resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("want 502, got %d", resp.StatusCode)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("50 failures wrote %d log lines, want 1:\n%s", n, logs.String())
	}
}

// The sink's password, user name and query (which can hold a token) never
// reach the log.
func TestSinkCredentialsAreNotLogged(t *testing.T) {
	var logs syncBuffer
	srv := NewServer(Config{Source: "shop", Sink: "http://user:hunter2@127.0.0.1:1/?access_token=s3cret&sig=abc#frag", MaxBodyBytes: 1024, SinkTimeout: time.Second,
		ReadTimeout: time.Second}, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:18331", "127.0.0.1:18332") }()
	waitUp(t, "http://127.0.0.1:18331/healthz")
	cancel()
	<-done
	if l := logs.String(); strings.Contains(l, "hunter2") || strings.Contains(l, "user") || strings.Contains(l, "s3cret") ||
		strings.Contains(l, "abc") || strings.Contains(l, "frag") || !strings.Contains(l, "http://xxxxx@127.0.0.1:1/?access_token=xxxxx") {
		t.Fatalf("the log shows the sink's password or no sink at all:\n%s", logs.String())
	}
}

// newServer serves h on a loopback listener and returns its address.
func newServer(t *testing.T, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
