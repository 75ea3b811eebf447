package adapter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runServer runs the adapter's Server, as main does, on free loopback ports
// and returns its events and metrics addresses.
func runServer(t *testing.T, cfg Config) (addr, metrics string) {
	t.Helper()
	return runServerWith(t, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

// runServerWith is runServer logging to log.
func runServerWith(t *testing.T, cfg Config, log *slog.Logger) (addr, metrics string) {
	t.Helper()
	addr, metrics, _ = startServer(t, cfg, log)
	return addr, metrics
}

// startServer is runServerWith that also returns the Server, for tests that
// look at its state.
func startServer(t *testing.T, cfg Config, log *slog.Logger) (addr, metrics string, srv *Server) {
	t.Helper()
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, metrics = free(), free()
	srv = NewServer(cfg, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, addr, metrics) }()
	t.Cleanup(func() { cancel(); <-done })
	waitUp(t, "http://"+addr+"/healthz")
	// waitUp's connection would stay open, kept alive, and count as one.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	return addr, metrics, srv
}

var budgetLine = regexp.MustCompile(`(?m)^kymamesh_adapter_body_budget_used_bytes (\d+)`)

// budgetUsed reads the memory budget in use from the adapter's metrics.
func budgetUsed(t *testing.T, metrics string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := budgetLine.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no budget gauge in the metrics:\n%s", b)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// eventHead is a binary-mode event's request line and headers, n more
// header fields of size bytes each, and no blank line yet.
func eventHead(id string, n, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "POST / HTTP/1.1\r\nHost: a\r\nCe-Specversion: 1.0\r\nCe-Id: %s\r\nCe-Type: t\r\nContent-Type: application/json\r\n", id)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "X-F%d: %s\r\n", i, strings.Repeat("v", max(size-8, 1)))
	}
	return b.String()
}

// answerOf reads one answer from c.
func answerOf(t *testing.T, c net.Conn) (*http.Response, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A request's head is paid from the memory budget from its first bytes until
// it is answered: heads still arriving on 50 connections hold their share,
// and a head larger than the adapter takes (more than 128 fields, more than
// 64 KiB) is refused with 431 before it is parsed. Before, heads cost the
// budget nothing and net/http took up to 1 MiB of them, however many lines.
func TestRequestHeadsArePaidFromTheBudget(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	addr, metrics := runServer(t, Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1 << 20, SinkTimeout: 2 * time.Second,
		ReadTimeout: 10 * time.Second, MaxConnections: 200})
	var conns []net.Conn
	for i := 0; i < 50; i++ {
		c := dial(t, addr)
		io.WriteString(c, eventHead("h"+strconv.Itoa(i), 100, 500))
		conns = append(conns, c)
	}
	// 50 heads of about 50 KiB in 106 lines each: at least 50 x (50 KiB + 106 x 200).
	want := int64(50 * (100*500 + 106*headLineCost))
	deadline := time.Now().Add(5 * time.Second)
	used := budgetUsed(t, metrics)
	for used < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		used = budgetUsed(t, metrics)
	}
	t.Logf("50 heads arriving hold %.2f MiB of the budget", float64(used)/(1<<20))
	if used < want {
		t.Fatalf("50 heads arriving hold %d bytes of the budget, want at least %d", used, want)
	}
	io.WriteString(conns[0], "Content-Length: 2\r\n\r\n{}")
	if resp, body := answerOf(t, conns[0]); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("a head inside the limits: want 202, got %d %s", resp.StatusCode, body)
	}
	for _, c := range conns {
		c.Close()
	}
	deadline = time.Now().Add(5 * time.Second)
	for budgetUsed(t, metrics) != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if used := budgetUsed(t, metrics); used != 0 {
		t.Fatalf("after the connections closed the budget still holds %d bytes", used)
	}
	for name, head := range map[string]string{
		"129 fields":      eventHead("many", 129-4, 10),
		"a 70 KiB header": eventHead("long", 1, 70<<10),
		"4 MiB of fields": eventHead("flood", 500000, 8),
	} {
		c := dial(t, addr)
		go io.WriteString(c, head+"Content-Length: 2\r\n\r\n{}")
		resp, body := answerOf(t, c)
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(body, "128 fields") {
			t.Fatalf("%s: want 431 naming the limits, got %d %s", name, resp.StatusCode, body)
		}
	}
	if n := s.requests(); n != 1 {
		t.Fatalf("the sink got %d events, want the one inside the limits", n)
	}
}

// When heads in flight have spent the budget, the next head is refused with
// 503 and Retry-After while it arrives, and served once memory is free.
func TestHeadsBeyondTheBudgetAre503(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	addr, metrics := runServer(t, Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 64 << 10, BodyBudget: 256 << 10,
		SinkTimeout: 2 * time.Second, ReadTimeout: 10 * time.Second, MaxConnections: 200})
	var holders []net.Conn
	for i := 0; i < 3; i++ { // about 72 KiB each: 60 KB in 66 lines
		c := dial(t, addr)
		io.WriteString(c, eventHead("hold"+strconv.Itoa(i), 60, 1000))
		holders = append(holders, c)
	}
	waitFor(t, "three heads to hold the budget", func() bool { return budgetUsed(t, metrics) > 200<<10 })
	c := dial(t, addr)
	go io.WriteString(c, eventHead("fourth", 60, 1000)+"Content-Length: 2\r\n\r\n{}")
	resp, body := answerOf(t, c)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("a head past the budget: want 503 with Retry-After, got %d %v %s", resp.StatusCode, resp.Header, body)
	}
	for _, h := range holders {
		h.Close()
	}
	waitFor(t, "the budget to come back", func() bool { return budgetUsed(t, metrics) == 0 })
	c = dial(t, addr)
	go io.WriteString(c, eventHead("fifth", 60, 1000)+"Content-Length: 2\r\n\r\n{}")
	if resp, body := answerOf(t, c); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("once memory is free: want 202, got %d %s", resp.StatusCode, body)
	}
}

// At MAX_CONNECTIONS, kept-alive connections waiting for their next request
// give way to a new sender (the one idle longest is closed), where before the
// new one waited in the listen queue until they timed out (two minutes).
// Connections in the middle of a request never give way: a new sender then
// waits until one is done.
func TestIdleConnectionsGiveWayAtTheLimit(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	addr, _, srv := startServer(t, Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1 << 20, SinkTimeout: 2 * time.Second,
		ReadTimeout: 10 * time.Second, MaxConnections: 4}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	// waitUp's connection, closed by its client, holds a place until the
	// server notices; under load that can be after the connections below.
	untilTrue(t, "the probe's connection gone from the gate", func() bool { return srv.gate.openCount() == 0 })
	var idle []net.Conn
	var want []string
	for i := 0; i < 4; i++ {
		c := dial(t, addr)
		io.WriteString(c, eventHead("idle"+strconv.Itoa(i), 0, 0)+"Content-Length: 2\r\n\r\n{}")
		if resp, _ := answerOf(t, c); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("want 202, got %d", resp.StatusCode)
		}
		// net/http reports a connection idle after its answer is written, so
		// the sender can read it first: wait until the gate has this one idle
		// behind the earlier ones, so that idle[0] is the one idle longest
		// however late the server's goroutines run on a loaded machine.
		want = append(want, c.LocalAddr().String())
		untilTrue(t, "connections idle in the gate in the order they were answered", func() bool {
			return slices.Equal(srv.gate.idleRemotes(), want)
		})
		idle = append(idle, c) // kept alive, idle
	}
	// No client timeout: the test's own deadline bounds it, not the machine's load.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	send := func(id string) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(`{}`))
		req.Header = binaryHeaders(map[string]string{"Ce-Id": id})
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := send("new"); err != nil || code != http.StatusAccepted {
		t.Fatalf("a new sender at the limit, beside 4 idle connections: %d %v", code, err)
	}
	if d, ok := t.Deadline(); ok {
		_ = idle[0].SetReadDeadline(d.Add(-5 * time.Second)) // a message rather than a panic if it never closes
	}
	if _, err := idle[0].Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("the connection idle longest: want it closed (EOF), got %v", err)
	}
	// Now four connections in the middle of a request: none gives way.
	for _, c := range idle {
		c.Close()
	}
	for i := 0; i < 4; i++ {
		slowConn(t, addr, 100)
	}
	client.Timeout = 500 * time.Millisecond // a sender that got through now would be a failure, however slow
	if _, err := send("waits"); err == nil {
		t.Fatal("a new sender got an answer while 4 requests were being read: one of them gave way")
	}
}

// idleRemotes lists the senders' addresses of the kept-alive connections in
// the gate's idle list, the one idle longest first.
func (g *connGate) idleRemotes() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var r []string
	for c := g.idle; c != nil; c = c.next {
		r = append(r, c.RemoteAddr().String())
	}
	return r
}

// openCount is how many connections hold a place in the gate.
func (g *connGate) openCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// untilTrue waits for cond with no deadline of its own (the test's bounds it),
// so that a loaded machine makes the test slower, never failing.
func untilTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	d, ok := t.Deadline()
	for !cond() {
		if ok && time.Until(d) < 5*time.Second {
			t.Fatalf("still waiting for %s at the test's deadline", what)
		}
		time.Sleep(time.Millisecond)
	}
}
