package adapter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSinkPoolReusesConnections(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	sink := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	sink.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns[c.RemoteAddr().String()] = true
			mu.Unlock()
		}
	}
	sink.Start()
	defer sink.Close()
	p := newSinkPool(sink.URL, time.Second, http.ProxyFromEnvironment)
	if p == nil || p.target != "/" {
		t.Fatalf("a loopback HTTP sink gets a direct pool, got %+v", p)
	}
	for i := 0; i < 50; i++ {
		if code, _, err := p.roundTrip(&outEvent{header: http.Header{}, source: "shop", body: []byte("{}")}); err != nil || code != 202 {
			t.Fatalf("round trip %d: %d %v", i, code, err)
		}
	}
	if len(conns) != 1 {
		t.Fatalf("50 sequential events used %d connections, want 1", len(conns))
	}
}

// Through a proxy, requests go in absolute form to the proxy's address, which
// is how the test bed reaches *.svc.cluster.local sinks.
func TestSinkPoolThroughProxy(t *testing.T) {
	var got *http.Request
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r; w.WriteHeader(http.StatusOK) }))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	sinkURL := "http://shop-kn-channel.kyma-integration.svc.cluster.local/"
	p := newSinkPool(sinkURL, time.Second, func(*http.Request) (*url.URL, error) { return proxyURL, nil })
	if code, _, err := p.roundTrip(&outEvent{header: http.Header{}, source: "shop", body: []byte("{}")}); err != nil || code != 200 {
		t.Fatalf("%d %v", code, err)
	}
	if got.URL.String() != sinkURL || got.Host != "shop-kn-channel.kyma-integration.svc.cluster.local" {
		t.Fatalf("proxy got %s with Host %s", got.URL, got.Host)
	}
	if newSinkPool("https://secure.example.com/", time.Second, http.ProxyFromEnvironment) != nil {
		t.Fatal("an https sink must use the net/http client")
	}
}

// A sink that closes an idle keep-alive connection without saying so: the next
// event finds the pooled connection dead and goes out once more on a new one.
func TestSinkPoolRetriesAConnectionTheSinkClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	accepted := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted++
			mu.Unlock()
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				// Keep-alive is implied, then the connection is closed anyway.
				_, _ = io.WriteString(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	p := newSinkPool("http://"+ln.Addr().String()+"/", time.Second, http.ProxyFromEnvironment)
	for i := 0; i < 3; i++ {
		if code, _, err := p.roundTrip(&outEvent{header: http.Header{}, source: "shop", body: []byte("{}")}); err != nil || code != 202 {
			t.Fatalf("event %d: %d %v", i, code, err)
		}
		time.Sleep(50 * time.Millisecond) // idle past peekAfter: the close is found before the event is written
	}
	mu.Lock()
	defer mu.Unlock()
	if accepted != 3 {
		t.Fatalf("want each event on a new connection after the old one died, got %d connections", accepted)
	}
}

// The request the pool writes is what a net/http server reads back: headers
// filtered, source replaced, exact body length, chunked or long sink answers
// drained so that the connection is reused.
func TestSinkPoolWritesAWellFormedRequest(t *testing.T) {
	var got *http.Request
	var body []byte
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 100; i++ { // no Content-Length: a chunked answer
			_, _ = io.WriteString(w, "0123456789")
			w.(http.Flusher).Flush()
		}
	}))
	defer sink.Close()
	p := newSinkPool(sink.URL+"/in?x=1", time.Second, http.ProxyFromEnvironment)
	hdr := http.Header{"Ce-Id": {"1"}, "Ce-Source": {"/client"}, "Ce-Myext": {"a", "b"}, "Content-Type": {"application/json"},
		"Authorization": {"Bearer secret"}, "Traceparent": {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}
	for i := 0; i < 2; i++ {
		if code, _, err := p.roundTrip(&outEvent{header: hdr, source: "shop", body: []byte(`{"n":1}`)}); err != nil || code != 200 {
			t.Fatalf("%d %v", code, err)
		}
	}
	if got.URL.String() != "/in?x=1" || string(body) != `{"n":1}` || got.ContentLength != 7 {
		t.Fatalf("sink got %s, body %q (length %d)", got.URL, body, got.ContentLength)
	}
	for k, want := range map[string][]string{"Ce-Id": {"1"}, "Ce-Source": {"shop"}, "Ce-Myext": {"a", "b"},
		"Content-Type": {"application/json"}, "Authorization": nil, "Traceparent": hdr["Traceparent"]} {
		if g := got.Header.Values(k); strings.Join(g, ",") != strings.Join(want, ",") {
			t.Errorf("sink got %s=%q, want %q", k, g, want)
		}
	}
	if len(p.idle) != 1 {
		t.Fatalf("want the connection back in the pool after a chunked answer, %d idle", len(p.idle))
	}
}
