package output

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
)

// EventDryRun prints what send would post: the structured-mode JSON, or the
// binary mode's CloudEvents headers followed by the body.
func EventDryRun(w io.Writer, ev *event.Event, mode string) error {
	if mode == sender.ModeStructured {
		b, err := format.JSON.Marshal(ev)
		if err != nil {
			return err
		}
		var out bytes.Buffer
		_ = json.Indent(&out, b, "", "  ")
		out.WriteByte('\n')
		_, err = w.Write(out.Bytes())
		return err
	}
	h, body, err := sender.Encode(context.Background(), ev, mode)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\n", k, h.Get(k))
	}
	fmt.Fprintf(w, "\n%s\n", body)
	return nil
}

// LoadSummary prints a load run's summary for people.
func LoadSummary(w io.Writer, s sender.Summary) {
	fmt.Fprintf(w, "sent %d, acknowledged %d, failed %d in %.2fs: %.0f events/s; latency p50 %.2fms p90 %.2fms p99 %.2fms\n",
		s.Sent, s.Acknowledged, s.Failed, s.Seconds, s.EventsPerSec, s.P50Millis, s.P90Millis, s.P99Millis)
	keys := make([]string, 0, len(s.ByStatus))
	for k := range s.ByStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  failed with %s: %d\n", k, s.ByStatus[k])
	}
	if s.RetriedEvents > 0 {
		fmt.Fprintf(w, "  retried: %d events, %d attempts refused (503, 429 or connection failed) and sent again\n", s.RetriedEvents, s.Retries)
	}
}
