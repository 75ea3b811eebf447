package adapter

import (
	"net/http"
	"testing"
)

// BenchmarkCheckBinaryHeaders is the per-event validation cost of the binary
// fast path, with the headers a typical sender (send, hey in test/bench) sets.
func BenchmarkCheckBinaryHeaders(b *testing.B) {
	hdr := http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {"0f8c0d1e-1"}, "Ce-Type": {"order.created"},
		"Ce-Source": {"/client"}, "Ce-Time": {"2026-11-23T07:00:00Z"}, "Content-Type": {"application/json"},
		"Content-Length": {"7"}, "User-Agent": {"hey/0.0.1"}, "Accept-Encoding": {"gzip"}}
	b.ReportAllocs()
	for b.Loop() {
		if p := checkBinaryHeaders(hdr); p != "" {
			b.Fatal(p)
		}
	}
}

// BenchmarkIsEventFormat is what refusing an event format as the data's type
// adds to every event that has a Content-Type.
func BenchmarkIsEventFormat(b *testing.B) {
	for b.Loop() {
		if isEventFormat("application/json") {
			b.Fatal("json is no event format")
		}
	}
}
