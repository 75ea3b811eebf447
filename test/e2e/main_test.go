//go:build e2e

// Package e2e runs the built kubectl-kymamesh through real kubectl plugin
// discovery against the test bed: a real kube-apiserver with Knative Eventing's
// CRDs, webhooks, controllers and data plane.
package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Main(m)) }

// km runs "kubectl kymamesh ARGS" as a user would.
func km(t *testing.T, args ...string) testbed.Result {
	t.Helper()
	return testbed.Run(t, nil, "kubectl", append([]string{"kymamesh"}, args...)...)
}

// mustKM runs km and fails the test unless it exits 0.
func mustKM(t *testing.T, args ...string) testbed.Result {
	t.Helper()
	r := km(t, args...)
	if r.Code != 0 {
		t.Fatalf("kubectl kymamesh %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// wantExit checks the exit code and that stderr holds one line containing want.
func wantExit(t *testing.T, r testbed.Result, code int, want string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Fatalf("want stderr to contain %q, got %s", want, r)
	}
	if strings.Count(strings.TrimRight(r.Stderr, "\n"), "\n") > 0 && code == 2 {
		t.Fatalf("want a one-line error, got %q", r.Stderr)
	}
}

// getJSON reads an object as a generic map.
func getJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	out := testbed.MustKubectl(t, append(args, "-o", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	return m
}

// field walks a decoded object along the path.
func field(obj any, path ...string) any {
	for _, p := range path {
		m, ok := obj.(map[string]any)
		if !ok {
			return nil
		}
		obj = m[p]
	}
	return obj
}

// notFound says whether kubectl get finds nothing of that name.
func notFound(t *testing.T, args ...string) bool {
	t.Helper()
	r := testbed.Kubectl(t, append([]string{"get"}, args...)...)
	return r.Code != 0 && strings.Contains(r.Stderr, "NotFound")
}

// eventually retries check until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postEvent sends a binary-mode CloudEvent to an in-cluster URL through the test
// bed's proxy and returns the HTTP status.
func postEvent(t *testing.T, target, id, typ string) int {
	t.Helper()
	proxy, err := url.Parse(testbed.HTTPProxy())
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewBufferString(`{"hello":"mesh"}`))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": typ, "Ce-Source": "/e2e", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("posting event %s to %s: %v", id, target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
