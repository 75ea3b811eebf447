package sender

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
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
}

// Load sends opts.Count copies of ev, each with its own id (the event's id with
// a sequence number), from opts.Concurrency workers over one connection pool.
// The event is encoded once; each request only gets a fresh id.
func (s *Sender) Load(ctx context.Context, ev *event.Event, opts LoadOptions) (Summary, error) {
	header, body, err := Encode(ctx, ev, s.mode)
	if err != nil {
		return Summary{}, err
	}
	structured := s.mode == ModeStructured
	var next atomic.Int64
	latencies := make([]time.Duration, opts.Count)
	codes := make([]int, opts.Count) // 0: no answer
	var errs []error                 // per event, only when results are asked for
	if opts.Results != nil {
		errs = make([]error, opts.Count)
	}
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
				if opts.Rate > 0 {
					due := start.Add(time.Duration(float64(i) / opts.Rate * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
				}
				h, b := header.Clone(), body
				id := ev.ID() + "-" + strconv.Itoa(i)
				if structured {
					c := ev.Clone()
					c.SetID(id)
					var encErr error // per worker: the workers run at once
					if _, b, encErr = Encode(ctx, &c, s.mode); encErr != nil {
						continue
					}
				} else {
					h.Set("Ce-Id", id)
				}
				t0 := time.Now()
				resp, err := s.post(ctx, h, b)
				latencies[i] = time.Since(t0)
				if err != nil {
					if errs != nil {
						errs[i] = err
					}
					if opts.Progress != nil {
						opts.Progress(false)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
				if opts.Progress != nil {
					opts.Progress(s.acked(codes[i]))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if opts.Results != nil {
		if err := WriteResults(opts.Results, eventResults(ev.ID(), latencies, codes, errs)); err != nil {
			return Summary{}, fmt.Errorf("writing results: %w", err)
		}
	}
	return summarize(s.target.Name, latencies, codes, elapsed, ctx.Err(), s.acked), nil
}

// eventResults lists the events that were sent, in sequence order.
func eventResults(baseID string, latencies []time.Duration, codes []int, errs []error) []EventResult {
	out := make([]EventResult, 0, len(codes))
	for i, c := range codes {
		if c == 0 && latencies[i] == 0 && errs[i] == nil {
			continue // never sent: interrupted
		}
		r := EventResult{ID: baseID + "-" + strconv.Itoa(i), Status: c, LatencyMillis: float64(latencies[i].Microseconds()) / 1000}
		if errs[i] != nil {
			r.Error = errs[i].Error()
		}
		out = append(out, r)
	}
	return out
}

func summarize(target string, latencies []time.Duration, codes []int, elapsed time.Duration, ctxErr error, acked func(int) bool) Summary {
	sum := Summary{Target: target, Seconds: elapsed.Seconds(), ByStatus: map[string]int{}}
	done := latencies[:0:0]
	for i, c := range codes {
		if latencies[i] == 0 && c == 0 && ctxErr != nil {
			continue // never sent: interrupted
		}
		sum.Sent++
		done = append(done, latencies[i])
		switch {
		case acked(c):
			sum.Acknowledged++
		case c == 0:
			sum.Failed++
			sum.ByStatus["no answer"]++
		default:
			sum.Failed++
			sum.ByStatus[strconv.Itoa(c)+" "+http.StatusText(c)]++
		}
	}
	if len(sum.ByStatus) == 0 {
		sum.ByStatus = nil
	}
	if sum.Seconds > 0 {
		sum.EventsPerSec = float64(sum.Sent) / sum.Seconds
	}
	slices.Sort(done)
	pct := func(p float64) float64 {
		if len(done) == 0 {
			return 0
		}
		return float64(done[min(len(done)-1, int(p*float64(len(done))))].Microseconds()) / 1000
	}
	sum.P50Millis, sum.P90Millis, sum.P99Millis = pct(0.50), pct(0.90), pct(0.99)
	return sum
}
