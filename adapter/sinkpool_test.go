package adapter

import (
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
	if p == nil || p.viaProxy {
		t.Fatalf("a loopback HTTP sink gets a direct pool, got %+v", p)
	}
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest(http.MethodPost, sink.URL, strings.NewReader("{}"))
		if code, err := p.roundTrip(req); err != nil || code != 202 {
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
	req, _ := http.NewRequest(http.MethodPost, sinkURL, strings.NewReader("{}"))
	if code, err := p.roundTrip(req); err != nil || code != 200 {
		t.Fatalf("%d %v", code, err)
	}
	if got.URL.String() != sinkURL || got.Host != "shop-kn-channel.kyma-integration.svc.cluster.local" {
		t.Fatalf("proxy got %s with Host %s", got.URL, got.Host)
	}
	if newSinkPool("https://secure.example.com/", time.Second, http.ProxyFromEnvironment) != nil {
		t.Fatal("an https sink must use the net/http client")
	}
}
