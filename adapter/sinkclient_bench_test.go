package adapter

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkSinkClient compares, in one run against the same loopback sink,
// the ways the adapter could post an event to its sink: its own pool, Go's
// net/http Transport (tuned as NewSinkClient tunes it) and fasthttp's client
// (a test-only dependency: it is measured, not shipped). Reported per event;
// compare the ns/op and allocs of the three (docs/adapter.md, "The sink client").
func BenchmarkSinkClient(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()
	hdr := http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {"0f8c0d1e-1"}, "Ce-Type": {"order.created"},
		"Content-Type": {"application/json"}, "Traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}
	body := []byte(`{"order":1}`)
	check := func(b *testing.B, code int, err error) {
		if err != nil || code != http.StatusAccepted {
			b.Fatalf("%d %v", code, err)
		}
	}
	b.Run("pool", func(b *testing.B) {
		p := newSinkPool(sink.URL, 5*time.Second, http.ProxyFromEnvironment)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ev := &outEvent{header: hdr, source: "shop", body: body}
			for pb.Next() {
				code, _, err := p.roundTrip(ev)
				check(b, code, err)
			}
		})
	})
	b.Run("net-http", func(b *testing.B) {
		h := NewHandler(Config{Source: "shop", Sink: sink.URL, SinkClient: SinkClientNetHTTP, MaxBodyBytes: 1 << 20, SinkTimeout: 5 * time.Second},
			NewSinkClient(5*time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ev := &outEvent{header: hdr, source: "shop", body: body}
			for pb.Next() {
				code, _, err := h.send(context.Background(), ev)
				check(b, code, err)
			}
		})
	})
	b.Run("fasthttp", func(b *testing.B) {
		c := &fasthttp.Client{MaxConnsPerHost: 1000, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ev := &outEvent{header: hdr, source: "shop", body: body}
			for pb.Next() {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				req.SetRequestURI(sink.URL)
				req.Header.SetMethod(http.MethodPost)
				for k, vs := range ev.header {
					if forwardable(k) {
						for _, v := range vs {
							req.Header.Add(k, v)
						}
					}
				}
				req.Header.Set("Ce-Source", ev.source)
				req.SetBodyRaw(ev.body)
				err := c.Do(req, resp)
				check(b, resp.StatusCode(), err)
				fasthttp.ReleaseRequest(req)
				fasthttp.ReleaseResponse(resp)
			}
		})
	})
}
