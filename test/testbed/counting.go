package testbed

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// RequestCounter is a reverse proxy in front of the test bed's API server
// that records every request a client sends through it, so that a test can
// count what one command costs the API server.
type RequestCounter struct {
	// Kubeconfig is the admin kubeconfig, pointed at the proxy.
	Kubeconfig string
	mu         sync.Mutex
	requests   []string
	// refuse answers every write 403 instead of passing it on (NewWriteRefuser).
	refuse bool
}

// NewWriteRefuser is a RequestCounter that never passes a write on: a
// create, update, patch or delete is recorded and answered 403, so a test can
// prove a command wrote nothing (and the cluster stays as it was even if it tried).
func NewWriteRefuser(t testing.TB) *RequestCounter {
	t.Helper()
	return newCounter(t, true)
}

// Writes returns the requests recorded so far that were not reads.
func (rc *RequestCounter) Writes() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, r := range rc.requests {
		if m, _, _ := strings.Cut(r, " "); m != http.MethodGet && m != "WATCH" && m != http.MethodHead {
			out = append(out, r)
		}
	}
	return out
}

// NewRequestCounter starts the proxy for the test.
func NewRequestCounter(t testing.TB) *RequestCounter {
	t.Helper()
	return newCounter(t, false)
}

func newCounter(t testing.TB, refuse bool) *RequestCounter {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	cluster := cfg.Clusters[ctx.Cluster]
	target, err := url.Parse(cluster.Server)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(cluster.CertificateAuthority)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	rc := &RequestCounter{refuse: refuse}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: false}
	proxy.FlushInterval = -1 // watches stream
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		what := r.Method + " " + r.URL.Path
		if r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" {
			what = "WATCH " + r.URL.Path
		}
		rc.mu.Lock()
		rc.requests = append(rc.requests, what)
		rc.mu.Unlock()
		if rc.refuse && r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"the test's proxy refuses writes: %s"}`, what)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cluster.Server, cluster.CertificateAuthority, cluster.InsecureSkipTLSVerify = srv.URL, "", true
	rc.Kubeconfig = filepath.Join(t.TempDir(), "counted.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, rc.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	return rc
}

// Take returns the requests recorded since the last Take and forgets them.
func (rc *RequestCounter) Take() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.requests
	rc.requests = nil
	return out
}

func (rc *RequestCounter) String() string { return fmt.Sprint(rc.requests) }
