package testbed

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Event is what a Receiver recorded of one delivered CloudEvent (binary mode,
// the mode Knative delivers in).
type Event struct {
	ID, Type, Source string
	Header           http.Header
	Body             string
}

// Receiver is a subscriber on 127.0.0.1 that records the events delivered to it.
type Receiver struct {
	URL string
	mu  sync.Mutex
	got []Event
}

// NewReceiver starts a Receiver for the test's lifetime.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	r := &Receiver{URL: "http://" + ln.Addr().String() + "/"}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

// ServeHTTP records the event and accepts it.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, Event{ID: req.Header.Get("Ce-Id"), Type: req.Header.Get("Ce-Type"),
		Source: req.Header.Get("Ce-Source"), Header: req.Header.Clone(), Body: string(body)})
	r.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// Events returns what was received so far.
func (r *Receiver) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.got...)
}

// WaitFor waits until an event with the id arrived and returns it.
func (r *Receiver) WaitFor(t testing.TB, id string, timeout time.Duration) Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, e := range r.Events() {
			if e.ID == id {
				return e
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("event %q did not arrive at %s within %s; got %d other events", id, r.URL, timeout, len(r.Events()))
	return Event{}
}

// Has says whether an event with the id arrived.
func (r *Receiver) Has(id string) bool {
	for _, e := range r.Events() {
		if e.ID == id {
			return true
		}
	}
	return false
}
