package receiver

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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

// watch opens GET /events as the receiver's owner.
func watch(t *testing.T, ctx context.Context, base string) <-chan line {
	t.Helper()
	return watchAs(t, ctx, base, testToken)
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
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	for _, id := range []string{"b-1", "b-2"} {
		if code := post(t, base, id); code != http.StatusAccepted {
			t.Fatalf("POST %s: %d", id, code)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watch(t, ctx, base)
	if post(t, base, "l-1") != http.StatusAccepted {
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

// What the receiver cannot hold is refused with 503 + Retry-After (the
// Broker retries), never acknowledged and dropped; once the watcher took
// the backlog, events are taken again. One watcher at a time: a second
// gets 409 and takes nothing from the first. Events go to / only.
func TestRefusesWhatItCannotHold(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 16 << 10, BacklogBytes: 64 << 10})
	var acked []string
	for i := 0; ; i++ {
		id := "e-" + strconv.Itoa(i)
		req, _ := http.NewRequest(http.MethodPost, base, bytes.NewReader(make([]byte, 8<<10)))
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "t", "Ce-Source": "s"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			if resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("503 without Retry-After: %v", resp.Header)
			}
			break
		}
		if resp.StatusCode != http.StatusAccepted || i > 100 {
			t.Fatalf("%s: %d", id, resp.StatusCode)
		}
		acked = append(acked, id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watch(t, ctx, base)
	for _, want := range acked {
		if got := next(t, events); got.ID != want {
			t.Fatalf("got %s, want %s", got.ID, want)
		}
	}
	if code := post(t, base, "after"); code != http.StatusAccepted {
		t.Fatalf("after the backlog was read: %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("a second watcher: %d, want 409", resp.StatusCode)
	}
	if got := next(t, events); got.ID != "after" {
		t.Fatalf("the first watcher after the second tried: %+v", got)
	}
	for _, path := range []string{"/healthz", "/events", "/x"} {
		resp, err := http.Post(base+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
}

// Nobody watching for the idle time: the owner is removed, once. While a
// watcher is connected, it is not.
func TestWatchdogRemovesTheOwnerOnlyWhenNobodyWatches(t *testing.T) {
	h := newHub(1 << 20)
	var removed atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.claim()
	go watchdog(ctx, h, 300*time.Millisecond, quiet(), func(context.Context) error { removed.Add(1); return nil })
	time.Sleep(time.Second)
	if removed.Load() != 0 {
		t.Fatal("removed while watched")
	}
	h.leave()
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
	remove, err := removeOwner(dir, "kymamesh-tail-x1", quiet())
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
	if _, err := removeOwner(dir, "x", quiet()); err == nil || !strings.Contains(err.Error(), "KUBERNETES_SERVICE_HOST") {
		t.Fatalf("outside a pod: %v", err)
	}
}
