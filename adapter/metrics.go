package adapter

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the sink latency histogram's upper bounds, in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics counts what the adapter did, in Prometheus' text format. It is kept
// small and lock-free on the hot path rather than pulling in a client library.
type Metrics struct {
	received  atomic.Uint64
	forwarded atomic.Uint64

	mu       sync.Mutex
	rejected map[string]*atomic.Uint64 // by reason; only on the error path
	// refused counts the events refused for their credentials, by reason
	// (missing, invalid, expired); never by token.
	refused map[string]*atomic.Uint64

	// responses by status class, indexed by code/100: every event counts here,
	// so no lock and no formatting.
	responses [6]atomic.Uint64

	buckets  []atomic.Uint64
	count    atomic.Uint64
	sumNanos atomic.Uint64

	live func() (inFlight, bodyBytes int64) // the handler's gauges, read when scraped
	// creds reads whether the application requires a token and how many of
	// its tokens are valid, when scraped; nil without a credentials folder.
	creds func() (required bool, valid int)
}

// gauges registers the function that reads the handler's live values.
func (m *Metrics) gauges(f func() (inFlight, bodyBytes int64)) { m.live = f }

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{rejected: map[string]*atomic.Uint64{}, refused: map[string]*atomic.Uint64{}, buckets: make([]atomic.Uint64, len(latencyBuckets))}
}

func counter(mu *sync.Mutex, m map[string]*atomic.Uint64, key string) *atomic.Uint64 {
	mu.Lock()
	defer mu.Unlock()
	c, ok := m[key]
	if !ok {
		c = &atomic.Uint64{}
		m[key] = c
	}
	return c
}

func (m *Metrics) reject(reason string) { counter(&m.mu, m.rejected, reason).Add(1) }

func (m *Metrics) refuse(reason string) { counter(&m.mu, m.refused, reason).Add(1) }

func (m *Metrics) respond(code int) {
	if c := code / 100; c > 0 && c < len(m.responses) {
		m.responses[c].Add(1)
	}
}

func (m *Metrics) observeSink(d time.Duration) {
	// One bucket per event; the cumulative counts are summed when scraped.
	s := d.Seconds()
	for i, b := range latencyBuckets {
		if s <= b {
			m.buckets[i].Add(1)
			break
		}
	}
	m.count.Add(1)
	m.sumNanos.Add(uint64(d.Nanoseconds()))
}

// ServeHTTP writes the metrics in Prometheus' text exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	m.write(w)
}

func (m *Metrics) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP kymamesh_adapter_events_received_total Events received.\n# TYPE kymamesh_adapter_events_received_total counter\nkymamesh_adapter_events_received_total %d\n", m.received.Load())
	fmt.Fprintf(w, "# HELP kymamesh_adapter_events_forwarded_total Events the sink accepted.\n# TYPE kymamesh_adapter_events_forwarded_total counter\nkymamesh_adapter_events_forwarded_total %d\n", m.forwarded.Load())
	writeLabelled(w, &m.mu, "kymamesh_adapter_events_rejected_total", "Events not forwarded, by reason.", "reason", m.rejected)
	writeLabelled(w, &m.mu, "kymamesh_adapter_auth_refused_total", "Events refused for their credentials (401), by reason: missing, invalid, expired.", "reason", m.refused)
	if m.creds != nil {
		required, valid := m.creds()
		req := 0
		if required {
			req = 1
		}
		fmt.Fprintf(w, "# HELP kymamesh_adapter_credentials_required Whether events need a bearer token (1) or not (0).\n# TYPE kymamesh_adapter_credentials_required gauge\nkymamesh_adapter_credentials_required %d\n", req)
		fmt.Fprintf(w, "# HELP kymamesh_adapter_credentials_valid Tokens valid now.\n# TYPE kymamesh_adapter_credentials_valid gauge\nkymamesh_adapter_credentials_valid %d\n", valid)
	}
	fmt.Fprintf(w, "# HELP kymamesh_adapter_responses_total Responses to senders, by status class.\n# TYPE kymamesh_adapter_responses_total counter\n")
	for c := 1; c < len(m.responses); c++ {
		if n := m.responses[c].Load(); n > 0 {
			fmt.Fprintf(w, "kymamesh_adapter_responses_total{class=\"%dxx\"} %d\n", c, n)
		}
	}
	fmt.Fprintf(w, "# HELP kymamesh_adapter_sink_latency_seconds Time the sink took to answer.\n# TYPE kymamesh_adapter_sink_latency_seconds histogram\n")
	var cum uint64
	for i, b := range latencyBuckets {
		cum += m.buckets[i].Load()
		fmt.Fprintf(w, "kymamesh_adapter_sink_latency_seconds_bucket{le=\"%g\"} %d\n", b, cum)
	}
	n := m.count.Load()
	fmt.Fprintf(w, "kymamesh_adapter_sink_latency_seconds_bucket{le=\"+Inf\"} %d\n", n)
	fmt.Fprintf(w, "kymamesh_adapter_sink_latency_seconds_sum %g\n", float64(m.sumNanos.Load())/1e9)
	fmt.Fprintf(w, "kymamesh_adapter_sink_latency_seconds_count %d\n", n)
	if m.live != nil {
		inFlight, bodyBytes := m.live()
		fmt.Fprintf(w, "# HELP kymamesh_adapter_requests_in_flight Requests being handled.\n# TYPE kymamesh_adapter_requests_in_flight gauge\nkymamesh_adapter_requests_in_flight %d\n", inFlight)
		fmt.Fprintf(w, "# HELP kymamesh_adapter_body_budget_used_bytes Memory held by event bodies in flight.\n# TYPE kymamesh_adapter_body_budget_used_bytes gauge\nkymamesh_adapter_body_budget_used_bytes %d\n", bodyBytes)
	}
	fmt.Fprintf(w, "# HELP go_goroutines Goroutines that currently exist.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
}

func writeLabelled(w io.Writer, mu *sync.Mutex, name, help, label string, m map[string]*atomic.Uint64) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	mu.Lock()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s{%s=%q} %d\n", name, label, k, counter(mu, m, k).Load())
	}
}
