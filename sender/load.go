package sender

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// LoadOptions bound a load run.
type LoadOptions struct {
	Count       int
	Concurrency int
	Rate        float64 // events per second; 0: as fast as the target takes them
	// Results, if set, gets one JSON line per event (EventResult), so that what
	// was acknowledged can be joined with what a sink received.
	Results io.Writer
	// Progress, if set, hears of each event as it is answered (from the workers).
	Progress func(acknowledged bool)
}

// EventResult is one event's outcome in a load run's --results file.
type EventResult struct {
	ID            string  `json:"id"`
	Status        int     `json:"status"` // 0: no answer
	LatencyMillis float64 `json:"latencyMillis"`
	Error         string  `json:"error,omitempty"`
	// Attempts is how many times it was sent (with retries; the last
	// attempt's status and error are above).
	Attempts int `json:"attempts,omitempty"`
}

// WriteResults writes one JSON line per event that was sent.
func WriteResults(w io.Writer, results []EventResult) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Summary is what a load run measured; -o json prints it.
type Summary struct {
	Target       string         `json:"target"`
	Sent         int            `json:"sent"`
	Acknowledged int            `json:"acknowledged"`
	Failed       int            `json:"failed"`
	ByStatus     map[string]int `json:"failedByStatus,omitempty"`
	Seconds      float64        `json:"seconds"`
	EventsPerSec float64        `json:"eventsPerSecond"`
	P50Millis    float64        `json:"p50Millis"`
	P90Millis    float64        `json:"p90Millis"`
	P99Millis    float64        `json:"p99Millis"`
	// With retries: events sent more than once, and the attempts refused
	// (503, 429 or a failed connection) that were retried.
	RetriedEvents int `json:"retriedEvents,omitempty"`
	Retries       int `json:"retries,omitempty"`
}

// Load sends opts.Count copies of ev, each with its own id (the event's id with
// a sequence number), from opts.Concurrency workers over one connection pool.
// The event is encoded once; each request only gets a fresh id. Its memory
// is bounded by the concurrency, not the count: outcomes are counted as they
// come (latencies in a fixed-size histogram) and each --results line is
// written as its event is answered, in that order.
func (s *Sender) Load(ctx context.Context, ev *event.Event, opts LoadOptions) (Summary, error) {
	header, body, err := Encode(ctx, ev, s.mode)
	if err != nil {
		return Summary{}, err
	}
	structured := s.mode == ModeStructured
	var next atomic.Int64
	t := newTally(opts.Results)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= opts.Count || ctx.Err() != nil {
					return
				}
				if opts.Rate > 0 && !waitUntil(ctx, start.Add(time.Duration(float64(i)/opts.Rate*float64(time.Second)))) {
					return // stopped while waiting: this event is not sent
				}
				h, b := header.Clone(), body
				id := ev.ID() + "-" + strconv.Itoa(i)
				if structured {
					c := ev.Clone()
					c.SetID(id)
					var encErr error // per worker: the workers run at once
					if _, b, encErr = Encode(ctx, &c, s.mode); encErr != nil {
						t.add(id, 0, 0, encErr, false, 0)
						continue
					}
				} else {
					h.Set("Ce-Id", id)
				}
				t0 := time.Now()
				resp, attempts, err := s.postRetrying(ctx, h, b)
				latency := time.Since(t0)
				code := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				acked := err == nil && s.acked(code)
				if s.retries == 0 {
					attempts = 0 // not written
				}
				t.add(id, code, latency, err, acked, attempts)
				if opts.Progress != nil {
					opts.Progress(acked)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := t.flush(); err != nil {
		return Summary{}, fmt.Errorf("writing results: %w", err)
	}
	return t.summary(s.target.Name, elapsed), nil
}

// waitUntil sleeps until due and says whether it got there; a cancelled ctx
// ends the wait at once (Ctrl-C must not wait for the next scheduled event,
// which at a low --rate is seconds away).
func waitUntil(ctx context.Context, due time.Time) bool {
	d := time.Until(due)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// tally is what the workers of a load found, counted as each event is
// answered, and the --results file written at the same time.
type tally struct {
	mu        sync.Mutex
	latencies histogram
	sum       Summary
	results   *bufio.Writer // nil: no --results
	enc       *json.Encoder
	writeErr  error
}

func newTally(results io.Writer) *tally {
	t := &tally{sum: Summary{ByStatus: map[string]int{}}}
	if results != nil {
		t.results = bufio.NewWriter(results)
		t.enc = json.NewEncoder(t.results)
	}
	return t
}

// add counts one event that was sent (or could not be: err, code 0).
func (t *tally) add(id string, code int, latency time.Duration, err error, acked bool, attempts int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sum.Sent++
	if attempts > 1 {
		t.sum.RetriedEvents++
		t.sum.Retries += attempts - 1
	}
	t.latencies.add(latency)
	switch {
	case acked:
		t.sum.Acknowledged++
	case code == 0:
		t.sum.Failed++
		t.sum.ByStatus["no answer"]++
	default:
		t.sum.Failed++
		t.sum.ByStatus[strconv.Itoa(code)+" "+http.StatusText(code)]++
	}
	if t.enc == nil || t.writeErr != nil {
		return
	}
	r := EventResult{ID: id, Status: code, LatencyMillis: float64(latency.Microseconds()) / 1000, Attempts: attempts}
	if err != nil {
		r.Error = err.Error()
	}
	t.writeErr = t.enc.Encode(r)
}

func (t *tally) flush() error {
	if t.results == nil || t.writeErr != nil {
		return t.writeErr
	}
	return t.results.Flush()
}

func (t *tally) summary(target string, elapsed time.Duration) Summary {
	sum := t.sum
	sum.Target, sum.Seconds = target, elapsed.Seconds()
	if len(sum.ByStatus) == 0 {
		sum.ByStatus = nil
	}
	if sum.Seconds > 0 {
		sum.EventsPerSec = float64(sum.Sent) / sum.Seconds
	}
	ms := func(p float64) float64 { return float64(t.latencies.percentile(p).Microseconds()) / 1000 }
	sum.P50Millis, sum.P90Millis, sum.P99Millis = ms(0.50), ms(0.90), ms(0.99)
	return sum
}
