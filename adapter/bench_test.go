package adapter

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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

// BenchmarkServe is one event through the adapter's Server as main runs it
// (listener, connection gate, handler, pool) to a loopback sink, from
// kept-alive connections: what the request head metering and the extension
// checks add to the hot path shows here, per mode.
func BenchmarkServe(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	mln, _ := net.Listen("tcp", "127.0.0.1:0")
	maddr := mln.Addr().String()
	ln.Close()
	mln.Close()
	srv := NewServer(Config{Source: "shop", Sink: sink.URL, MaxBodyBytes: 1 << 20, SinkTimeout: 5 * time.Second,
		ReadTimeout: 5 * time.Second, MaxConnections: 2000}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, addr, maddr) }()
	defer func() { cancel(); <-done }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for i := 0; ; i++ {
		if resp, err := client.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			b.Fatal("the adapter did not come up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, mode := range []struct {
		name string
		hdr  http.Header
		body string
	}{
		{"binary", http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {"0f8c0d1e-1"}, "Ce-Type": {"order.created"},
			"Ce-Source": {"/client"}, "Ce-Region": {"eu"}, "Content-Type": {"application/json"}}, `{"order":1}`},
		{"structured", http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"0f8c0d1e-1","type":"order.created","source":"/client","region":"eu","data":{"order":1}}`},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(mode.body))
					req.Header = mode.hdr.Clone()
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		})
	}
}
