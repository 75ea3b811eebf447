package output

import (
	"bytes"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
)

func TestLoadSummary(t *testing.T) {
	var out bytes.Buffer
	LoadSummary(&out, sender.Summary{Sent: 200, Acknowledged: 180, Failed: 20, Seconds: 2, EventsPerSec: 100,
		P50Millis: 1, P90Millis: 2, P99Millis: 3.5, ByStatus: map[string]int{"503 Service Unavailable": 15, "no answer": 5}})
	want := "sent 200, acknowledged 180, failed 20 in 2.00s: 100 events/s; latency p50 1.00ms p90 2.00ms p99 3.50ms\n" +
		"  failed with 503 Service Unavailable: 15\n  failed with no answer: 5\n"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
}

func TestEventDryRunBinary(t *testing.T) {
	ev, err := sender.BuildEvent(sender.EventSpec{Type: "t", Source: "/s", ID: "1", Time: "2026-01-02T03:04:05Z", Mode: sender.ModeBinary, Data: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := EventDryRun(&out, ev, sender.ModeBinary); err != nil {
		t.Fatal(err)
	}
	want := "Ce-Id: 1\nCe-Source: /s\nCe-Specversion: 1.0\nCe-Time: 2026-01-02T03:04:05Z\nCe-Type: t\nContent-Type: application/json\n\n{\"a\":1}\n"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
}
