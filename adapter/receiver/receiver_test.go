package receiver

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// post sends a binary-mode event and returns the status.
func post(t *testing.T, url, id string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"n":"`+id+`"}`))
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "order.created", "Ce-Source": "shop",
		"Ce-Subject": "s-" + id, "Ce-Region": "eu", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type line struct {
	ID, Type, Source, Subject, Region string
	Data                              map[string]string
}

// watch opens GET /events and returns its lines as they come.
func watch(t *testing.T, ctx context.Context, base string) <-chan line {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan line, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Errorf("a line that is not JSON: %q", sc.Text())
				return
			}
			out <- l
		}
		close(out)
	}()
	return out
}

func next(t *testing.T, c <-chan line) line {
	t.Helper()
	select {
	case l := <-c:
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no event on the stream")
		return line{}
	}
}

// Events sent before anyone watches wait in the backlog and come first, in
// order; then each event is streamed as it arrives, as a structured
// CloudEvent in JSON with its extensions and data.
func TestStreamsBacklogThenLiveEvents(t *testing.T) {
	srv := httptest.NewServer(Handler(newHub(10), quiet()))
	defer srv.Close()
	for _, id := range []string{"b-1", "b-2"} {
		if code := post(t, srv.URL, id); code != http.StatusAccepted {
			t.Fatalf("POST %s: %d", id, code)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watch(t, ctx, srv.URL)
	if post(t, srv.URL, "l-1") != http.StatusAccepted {
		t.Fatal("live event refused")
	}
	for _, want := range []string{"b-1", "b-2", "l-1"} {
		got := next(t, events)
		if got.ID != want || got.Type != "order.created" || got.Source != "shop" || got.Subject != "s-"+want ||
			got.Region != "eu" || got.Data["n"] != want {
			t.Fatalf("want %s, got %+v", want, got)
		}
	}
}

// What the receiver cannot hold is refused with 503 (the Broker retries),
// never acknowledged and dropped: a full backlog, and a watcher that is behind.
func TestRefusesWhatItCannotHold(t *testing.T) {
	h := newHub(2)
	srv := httptest.NewServer(Handler(h, quiet()))
	defer srv.Close()
	codes := []int{post(t, srv.URL, "1"), post(t, srv.URL, "2"), post(t, srv.URL, "3")}
	if codes[0] != 202 || codes[1] != 202 || codes[2] != 503 {
		t.Fatalf("backlog of 2: got %v", codes)
	}
	// A watcher that never reads: its queue (backlog + 2) fills, then 503.
	q := h.watch()
	if len(q) != 2 {
		t.Fatalf("the backlog did not go to the watcher: %d", len(q))
	}
	codes = []int{post(t, srv.URL, "4"), post(t, srv.URL, "5"), post(t, srv.URL, "6")}
	if codes[0] != 202 || codes[1] != 202 || codes[2] != 503 {
		t.Fatalf("a watcher behind: got %v", codes)
	}
	if code := func() int {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}(); code != http.StatusBadRequest {
		t.Fatalf("not a CloudEvent: %d", code)
	}
}

// Nobody watching for the idle time: the owner is removed, once. While a
// watcher is connected, it is not.
func TestWatchdogRemovesTheOwnerOnlyWhenNobodyWatches(t *testing.T) {
	h := newHub(10)
	var removed atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := h.watch()
	go watchdog(ctx, h, 300*time.Millisecond, quiet(), func(context.Context) error { removed.Add(1); return nil })
	time.Sleep(time.Second)
	if removed.Load() != 0 {
		t.Fatal("removed while watched")
	}
	h.leave(q)
	deadline := time.Now().Add(5 * time.Second)
	for removed.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if removed.Load() != 1 {
		t.Fatalf("removed %d times, want 1", removed.Load())
	}
}

// The self-removal is a DELETE of the owner Deployment with Background
// propagation, authenticated with the mounted token and checked against the
// mounted CA; an owner already gone is fine, a refusal is an error.
func TestRemoveOwnerDeletesTheDeploymentAsTheServiceAccount(t *testing.T) {
	var got struct{ method, path, auth, body string }
	status := http.StatusOK
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.auth, got.body = r.Method, r.URL.Path, r.Header.Get("Authorization"), string(b)
		w.WriteHeader(status)
	}))
	defer api.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	for name, content := range map[string][]byte{"ca.crt": ca, "namespace": []byte("shop"), "token": []byte("tok-1\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(strings.TrimPrefix(api.URL, "https://"), ":")
	t.Setenv("KUBERNETES_SERVICE_HOST", host)
	t.Setenv("KUBERNETES_SERVICE_PORT", port)
	remove, err := removeOwner(dir, "kymamesh-tail-x1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remove(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodDelete || got.path != "/apis/apps/v1/namespaces/shop/deployments/kymamesh-tail-x1" ||
		got.auth != "Bearer tok-1" || !strings.Contains(got.body, `"propagationPolicy":"Background"`) {
		t.Fatalf("request: %+v", got)
	}
	status = http.StatusNotFound
	if err := remove(context.Background()); err != nil {
		t.Fatalf("an owner already gone: %v", err)
	}
	status = http.StatusForbidden
	if err := remove(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("a refusal: %v", err)
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if _, err := removeOwner(dir, "x"); err == nil || !strings.Contains(err.Error(), "KUBERNETES_SERVICE_HOST") {
		t.Fatalf("outside a pod: %v", err)
	}
}
