package receiver

import (
	"bytes"
	"context"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// apiFiles writes a ServiceAccount mount for api (its CA, namespace shop and
// token) and points the in-cluster environment at it.
func apiFiles(t *testing.T, api *httptest.Server, token string) string {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	for name, content := range map[string][]byte{"ca.crt": ca, "namespace": []byte("shop"), "token": []byte(token)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(strings.TrimPrefix(api.URL, "https://"), ":")
	t.Setenv("KUBERNETES_SERVICE_HOST", host)
	t.Setenv("KUBERNETES_SERVICE_PORT", port)
	return dir
}

// The DELETE carries the ServiceAccount's token: a redirect from whatever
// answers at the API server's address is not followed (the token would go to
// wherever it points, another port of the same host included), and it is no
// removal.
func TestRemoveOwnerFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1) // the same test certificate: trusted, as a redirect target would be
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 303, 307, 308} {
		api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/apis/apps/v1/namespaces/shop/deployments/x", code)
		}))
		remove, err := removeOwner(apiFiles(t, api, "tok-1"), "x", quiet())
		if err != nil {
			t.Fatal(err)
		}
		err = remove(context.Background())
		api.Close()
		if err == nil || !strings.Contains(err.Error(), "HTTP "+strconv.Itoa(code)) {
			t.Fatalf("%d: want an error naming the redirect, got %v", code, err)
		}
		if n := elsewhere.Load(); n != 0 {
			t.Fatalf("%d: the redirect was followed (%d requests reached its target)", code, n)
		}
	}
}

// Line ends around the token are trimmed; a line break inside makes no valid
// header: the DELETE fails with that reason, and it is logged once, with the
// file's name and never the token.
func TestRemoveOwnerTokenWithLineBreaks(t *testing.T) {
	var auth atomic.Value
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusOK)
	}))
	defer api.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir := apiFiles(t, api, "\r\ntok-1\r\n")
	remove, err := removeOwner(dir, "x", log)
	if err != nil {
		t.Fatal(err)
	}
	if err := remove(context.Background()); err != nil || auth.Load() != "Bearer tok-1" {
		t.Fatalf("CR/LF around the token: %v, Authorization %q", err, auth.Load())
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("tok-secret-part1\r\npart2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := remove(context.Background()); err == nil || !strings.Contains(err.Error(), "line break") {
			t.Fatalf("a line break inside the token: want an error that says so, got %v", err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "line break"); n != 1 || !strings.Contains(out, filepath.Join(dir, "token")) || strings.Contains(out, "secret") {
		t.Fatalf("want one log line naming the file and not the token, got:\n%s", out)
	}
}
