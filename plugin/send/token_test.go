package send_test

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// send presents --token or --token-file as a bearer token, and verifies an
// https target with --certificate-authority (or not, when asked); a 401 says
// which flag to use.
func TestSendTokenAndTLS(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer kmt_good" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewTLSServer(handler)
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokFile, []byte("kmt_good\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "send --to "+srv.URL+" --type t --id e1 --certificate-authority "+ca+" --token kmt_good", 0, "", "event e1 accepted by "+srv.URL+" (HTTP 202)\n")
	cmdtest.Expect(t, f, "send --to "+srv.URL+" --type t --id e2 --insecure-skip-tls-verify --token-file "+tokFile, 0, "", "event e2 accepted by "+srv.URL+" (HTTP 202)\n")
	cmdtest.Expect(t, f, "send --to "+srv.URL+" --type t --id e3 --certificate-authority "+ca+" --token kmt_bad", 1, "",
		"error: event e3 was not acknowledged by "+srv.URL+": HTTP 401 (401: the token was refused: it is not, or no longer, valid)\n")
	cmdtest.Expect(t, f, "send --to "+srv.URL+" --type t --id e4 --certificate-authority "+ca, 1, "",
		"error: event e4 was not acknowledged by "+srv.URL+": HTTP 401 (401: the target requires a bearer token: give --token or --token-file)\n")
	r := cmdtest.Run(t.Context(), f, "", "send", "--to", srv.URL, "--type", "t", "--token", "kmt_good")
	if r.Code != 1 || !strings.Contains(r.Stderr, "certificate") {
		t.Fatalf("an https target not verified by the system's roots must fail: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "send", "--to", srv.URL, "--type", "t", "--count", "20", "--concurrency", "4", "--insecure-skip-tls-verify", "--token-file", tokFile)
	if r.Code != 0 {
		t.Fatalf("a load with --token-file: %+v", r)
	}
	mu.Lock()
	n := len(auths)
	mu.Unlock()
	if n != 24 {
		t.Fatalf("the target got %d events, want 24", n)
	}
	for _, tc := range []struct{ args, want string }{
		{"send --to " + srv.URL + " --type t --token a|b", ""},
		{"send --to " + srv.URL + " --type t --token kmt_a --token-file " + tokFile, "error: --token-file: cannot be combined with --token: give one\n"},
		{"send --to " + srv.URL + " --type t --token-file /no/such/file", "error: --token-file: /no/such/file: no such file or directory\n"},
		{"send --to http://127.0.0.1:1/ --type t --certificate-authority " + ca, `error: --certificate-authority: is for an https URL target; "http://127.0.0.1:1/" is not one (on send it is the target's TLS, not the API server's)` + "\n"},
		{"send --to app:shop --type t --insecure-skip-tls-verify", `error: --insecure-skip-tls-verify: is for an https URL target; "app:shop" is not one (on send it is the target's TLS, not the API server's)` + "\n"},
		{"send --to " + srv.URL + " --type t --certificate-authority " + tokFile, "error: --certificate-authority: " + tokFile + " holds no PEM certificate\n"},
		{"send --to " + srv.URL + " --type t --certificate-authority " + ca + " --insecure-skip-tls-verify", "error: --insecure-skip-tls-verify: cannot be combined with --certificate-authority: verify with the CA, or skip verifying\n"},
	} {
		args := cmdtest.SplitArgs(tc.args)
		if strings.Contains(tc.args, "a|b") {
			args = []string{"send", "--to", srv.URL, "--type", "t", "--token", "kmt_a\r\nX-Injected: 1"}
			tc.want = "error: --token: the token holds a space or control character (such as a line break) inside\n"
		}
		r := cmdtest.Run(t.Context(), f, "", args...)
		if r.Code != 2 || r.Stdout != "" || r.Stderr != tc.want {
			t.Errorf("%s: exit %d, stderr %q; want exit 2, %q", tc.args, r.Code, r.Stderr, tc.want)
		}
	}
}
