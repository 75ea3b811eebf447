package plugin_test

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// sourceObjects is what `source create http APP` makes, for the fake.
func sourceObjects(t *testing.T, app string) []runtime.Object {
	t.Helper()
	objs, err := wiring.BuildHTTPSource(wiring.HTTPSourceSpec{App: app, Namespace: "kyma-integration", Image: "example.com/adapter:1", Port: 8080})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]runtime.Object, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

func credentialsSecret(t *testing.T, f *cmdtest.Factory, app string) *corev1.Secret {
	t.Helper()
	u, err := f.Dyn.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace("kyma-integration").Get(t.Context(), wiring.CredentialsSecretName(app), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the credentials secret: %v", err)
	}
	var sec corev1.Secret
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sec); err != nil {
		t.Fatal(err)
	}
	return &sec
}

var tokenLine = regexp.MustCompile(`^kmt_[A-Za-z0-9_-]{43}\n$`)

// create prints the token once, on stdout alone, keeps it in a Secret marked
// as the plugin's and the application's, and never prints it again; rotate
// gives the old token an expiry; revoke removes tokens at once.
func TestTokenCommands(t *testing.T) {
	f := cmdtest.NewFactory("default", sourceObjects(t, "shop")...)
	r := cmdtest.Run(t.Context(), f, "", "source", "token", "create", "shop")
	if r.Code != 0 || !tokenLine.MatchString(r.Stdout) {
		t.Fatalf("create: %+v", r)
	}
	first := strings.TrimSpace(r.Stdout)
	sec := credentialsSecret(t, f, "shop")
	if !wiring.IsManaged(sec) || sec.Labels[wiring.AppLabel] != "shop" || sec.Labels[wiring.CredentialsLabel] != "true" || string(sec.Data[credfile.RequiredKey]) != "true\n" {
		t.Fatalf("the secret's marks: %v, keys %d", sec.Labels, len(sec.Data))
	}
	var firstID string
	for k, v := range sec.Data {
		if c, err := credfile.Parse(v); err == nil && c.Token == first && c.Expires == nil {
			firstID = k
		}
	}
	if firstID == "" {
		t.Fatal("the printed token is not in the secret")
	}
	if want := "token " + firstID + ` created for application "shop" in namespace "kyma-integration" (secret/shop-adapter-credentials); it is shown only now` + "\n"; r.Stderr != want {
		t.Fatalf("create stderr %q, want %q", r.Stderr, want)
	}
	// -o json, for scripts: the token and its id.
	r = cmdtest.Run(t.Context(), f, "", "source", "token", "rotate", "shop", "--grace", "10m", "-o", "json")
	var nt wiring.NewToken
	if err := json.Unmarshal([]byte(r.Stdout), &nt); err != nil || r.Code != 0 || r.Stderr != "" || !tokenLine.MatchString(nt.Token+"\n") ||
		len(nt.Rotated) != 1 || nt.Rotated[0].ID != firstID || nt.Rotated[0].Expires.Sub(nt.Created) != 10*time.Minute {
		t.Fatalf("rotate -o json: %+v (%+v)", r, nt)
	}
	// list: ids and dates, never a token.
	r = cmdtest.Run(t.Context(), f, "", "source", "token", "list", "shop")
	if r.Code != 0 || strings.Contains(r.Stdout, "kmt_") || !strings.HasPrefix(r.Stdout, "ID ") || strings.Count(r.Stdout, "\n") != 3 ||
		!strings.Contains(r.Stdout, nt.Rotated[0].Expires.Format(time.RFC3339)) || !strings.Contains(r.Stdout, nt.ID) {
		t.Fatalf("list: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "source", "token", "list", "shop", "-o", "json")
	if r.Code != 0 || strings.Contains(r.Stdout, "kmt_") || !strings.Contains(r.Stdout, `"required":true`) {
		t.Fatalf("list -o json: %+v", r)
	}
	expect(t, f, "source token revoke shop "+firstID, 0, "token "+firstID+" revoked\n", "")
	expect(t, f, "source token revoke shop "+firstID, 1, "", `error: TOKEN-ID: application "shop" has no token "`+firstID+`" (kubectl kymamesh source token list shop)`+"\n")
	expect(t, f, "source token revoke shop --all", 0, "token "+nt.ID+" revoked\n",
		`application "shop" now refuses every event until a token is made (kubectl kymamesh source token create shop)`+"\n")
	expect(t, f, "source token list shop", 0, "", `No tokens: application "shop" refuses every event until a token is made.`+"\n")
	if sec := credentialsSecret(t, f, "shop"); len(sec.Data) != 1 {
		t.Fatalf("after revoke --all the secret holds %d keys, want the marker alone", len(sec.Data))
	}
	// source delete takes the Secret with it.
	r = cmdtest.Run(t.Context(), f, "", "source", "delete", "shop")
	if r.Code != 0 || !strings.Contains(r.Stdout, "secret/shop-adapter-credentials deleted\n") {
		t.Fatalf("source delete: %+v", r)
	}
}

// Bad input: one line naming the flag or argument, exit 2 before any
// request; what only the cluster can tell (no such application, no
// credentials, no such token, another's Secret): one line, exit 1, nothing
// changed.
func TestTokenBadInput(t *testing.T) {
	nc := cmdtest.NewFactory("default")
	nc.NoCluster = true
	for _, tc := range []struct{ args, want string }{
		{"source token create", "error: APP is required (see 'kubectl kymamesh source token create -h')\n"},
		{"source token create Shop", `error: APP: "Shop"`},
		{"source token create shop --integration-namespace Bad", `error: --integration-namespace: "Bad"`},
		{"source token create shop -o table", `error: --output: "table"`},
		{"source token rotate shop --grace -1m", "error: --grace: -1m0s: must not be negative (0 ends the old tokens at once)\n"},
		{"source token rotate shop --grace 1000h", "error: --grace: 1000h0m0s: at most 720h; a rotated-out token should not outlive a month\n"},
		{"source token rotate shop --grace soon", `error: invalid argument "soon" for "--grace" flag`},
		{"source token revoke shop", "error: TOKEN-ID: give the ids of the tokens to revoke (kubectl kymamesh source token list shop), or --all\n"},
		{"source token revoke shop 1234 --all", "error: --all: revokes every token; give either token ids or --all\n"},
		{"source token revoke shop Not_An_Id", `error: TOKEN-ID: "Not_An_Id" is not a token id (such as 3f9a2c1b, as ` + "`source token list`" + ` shows them)` + "\n"},
		{"source token list shop extra", `error: unexpected argument "extra"`},
	} {
		r := cmdtest.Run(t.Context(), nc, "", splitArgs(tc.args)...)
		if r.Code != 2 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, tc.want) || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.Code, r.Stdout, r.Stderr, tc.want)
		}
	}
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "theirs-adapter-credentials", Namespace: "kyma-integration"}, Data: map[string][]byte{"x": []byte("y")}}
	f := cmdtest.NewFactory("default", append(append(sourceObjects(t, "shop"), sourceObjects(t, "theirs")...), other)...)
	for _, tc := range []struct{ args, want string }{
		{"source token create nope", `error: APP: source "nope" not found in namespace "kyma-integration" (kubectl kymamesh source list)` + "\n"},
		{"source token list nope", `error: APP: source "nope" not found in namespace "kyma-integration" (kubectl kymamesh source list)` + "\n"},
		{"source token rotate shop", `error: no credentials: application "shop" in namespace "kyma-integration" has no token to rotate; make one with: kubectl kymamesh source token create shop` + "\n"},
		{"source token revoke shop --all", `error: no credentials: application "shop" in namespace "kyma-integration" has no credentials; it takes events without a token` + "\n"},
		{"source token revoke shop 1234abcd", `error: no credentials: application "shop" in namespace "kyma-integration" has no credentials; it takes events without a token` + "\n"},
		{"source token create theirs", `error: secret "theirs-adapter-credentials" in namespace "kyma-integration" exists and was not made by kubectl-kymamesh for application "theirs": nothing was changed` + "\n"},
	} {
		f.Dyn.ClearActions()
		expect(t, f, tc.args, 1, "", tc.want)
		for _, a := range f.Dyn.Actions() {
			if v := a.GetVerb(); v != "get" && v != "list" {
				t.Errorf("%s: sent %s %s", tc.args, v, a.GetResource().Resource)
			}
		}
	}
	expect(t, f, "source token list shop", 0, "", `No tokens: application "shop" takes events without a token.`+"\n")
	// source delete leaves another's Secret of the credentials' name alone.
	r := cmdtest.Run(t.Context(), f, "", "source", "delete", "theirs")
	if r.Code != 0 || strings.Contains(r.Stdout, "secret/") {
		t.Fatalf("source delete theirs: %+v", r)
	}
	if _, err := f.Dyn.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace("kyma-integration").Get(t.Context(), "theirs-adapter-credentials", metav1.GetOptions{}); err != nil {
		t.Fatalf("another's secret was deleted: %v", err)
	}
}

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
	expect(t, f, "send --to "+srv.URL+" --type t --id e1 --certificate-authority "+ca+" --token kmt_good", 0, "", "event e1 accepted by "+srv.URL+" (HTTP 202)\n")
	expect(t, f, "send --to "+srv.URL+" --type t --id e2 --insecure-skip-tls-verify --token-file "+tokFile, 0, "", "event e2 accepted by "+srv.URL+" (HTTP 202)\n")
	expect(t, f, "send --to "+srv.URL+" --type t --id e3 --certificate-authority "+ca+" --token kmt_bad", 1, "",
		"error: event e3 was not acknowledged by "+srv.URL+": HTTP 401 (401: the token was refused: it is not, or no longer, valid)\n")
	expect(t, f, "send --to "+srv.URL+" --type t --id e4 --certificate-authority "+ca, 1, "",
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
		args := splitArgs(tc.args)
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
