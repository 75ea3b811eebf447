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

// BenchmarkServeCredentials is the pair behind docs/benchmarks.md's
// credentials row: binary-mode events through the adapter's Server to a
// loopback sink, "off" with an empty credentials folder (an application
// without credentials, as deployed) and "on" with three tokens (one in its
// rotation grace) and a valid token on every event. Both run in the same
// process, one after the other; the parent logs on/off as a throughput ratio.
//
//	go test -run '^$' -bench ServeCredentials -benchtime 3s -count 3 ./adapter/
func BenchmarkServeCredentials(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()
	off := b.TempDir()
	on := b.TempDir()
	grace := time.Now().Add(time.Hour)
	files, toks := secretFiles(b, map[string]*time.Time{"0001": &grace, "0002": nil, "0003": nil})
	mountSecret(b, on, files)
	nsPerOp := map[string]float64{}
	for _, c := range []struct{ name, dir, token string }{{"off", off, ""}, {"on", on, toks["0002"]}} {
		url := benchServer(b, sink.URL, c.dir)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		hdr := http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {"0f8c0d1e-1"}, "Ce-Type": {"order.created"},
			"Ce-Source": {"/client"}, "Content-Type": {"application/json"}}
		if c.token != "" {
			hdr.Set("Authorization", "Bearer "+c.token)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"order":1}`))
					req.Header = hdr.Clone()
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
			nsPerOp[c.name] = float64(time.Since(start).Nanoseconds()) / float64(b.N)
		})
	}
	if nsPerOp["on"] > 0 {
		b.Logf("throughput with credentials / without: %.3f", nsPerOp["off"]/nsPerOp["on"])
	}
}

// benchServer runs the adapter's Server with credentials read from dir and
// returns its event URL; it stops when b ends.
func benchServer(b *testing.B, sinkURL, dir string) string {
	b.Helper()
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, maddr := free(), free()
	srv := NewServer(Config{Source: "shop", Sink: sinkURL, MaxBodyBytes: 1 << 20, SinkTimeout: 5 * time.Second,
		ReadTimeout: 5 * time.Second, MaxConnections: 2000, CredentialsDir: dir}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, addr, maddr) }()
	b.Cleanup(func() { cancel(); <-done })
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return "http://" + addr + "/"
		}
		if i > 100 {
			b.Fatal("the adapter did not come up")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkCredentialCheck is what checking a token adds to each event: a
// SHA-256 of the presented token and three constant-time comparisons.
func BenchmarkCredentialCheck(b *testing.B) {
	dir := b.TempDir()
	grace := time.Now().Add(time.Hour)
	files, toks := secretFiles(b, map[string]*time.Time{"0001": &grace, "0002": nil, "0003": nil})
	mountSecret(b, dir, files)
	c := newCredentials(dir, time.Hour, nil)
	hdr := http.Header{"Authorization": {"Bearer " + toks["0002"]}}
	b.ReportAllocs()
	for b.Loop() {
		now := time.Now()
		if r := c.current(now).check(hdr, now); r != "" {
			b.Fatal(r)
		}
	}
}
