package source_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

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
	cmdtest.Expect(t, f, "source token revoke shop "+firstID, 0, "token "+firstID+" revoked\n", "")
	cmdtest.Expect(t, f, "source token revoke shop "+firstID, 1, "", `error: TOKEN-ID: application "shop" has no token "`+firstID+`" (kubectl kymamesh source token list shop)`+"\n")
	cmdtest.Expect(t, f, "source token revoke shop --all", 0, "token "+nt.ID+" revoked\n",
		`application "shop" now refuses every event until a token is made (kubectl kymamesh source token create shop)`+"\n")
	cmdtest.Expect(t, f, "source token list shop", 0, "", `No tokens: application "shop" refuses every event until a token is made.`+"\n")
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
	cmdtest.ExpectUsageErrors(t, 12, []cmdtest.BadInput{
		{Args: cmdtest.SplitArgs("source token create"), Want: "APP is required (see 'kubectl kymamesh source token create -h')"},
		{Args: cmdtest.SplitArgs("source token create Shop"), Want: `APP: "Shop"`},
		{Args: cmdtest.SplitArgs("source token create shop --integration-namespace Bad"), Want: `--integration-namespace: "Bad"`},
		{Args: cmdtest.SplitArgs("source token create shop -o table"), Want: `--output: "table"`},
		{Args: cmdtest.SplitArgs("source token rotate shop --grace -1m"), Want: "--grace: -1m0s: must not be negative (0 ends the old tokens at once)"},
		{Args: cmdtest.SplitArgs("source token rotate shop --grace 1000h"), Want: "--grace: 1000h0m0s: at most 720h; a rotated-out token should not outlive a month"},
		{Args: cmdtest.SplitArgs("source token rotate shop --grace soon"), Want: `invalid argument "soon" for "--grace" flag`},
		{Args: cmdtest.SplitArgs("source token revoke shop"), Want: "TOKEN-ID: give the ids of the tokens to revoke (kubectl kymamesh source token list shop), or --all"},
		{Args: cmdtest.SplitArgs("source token revoke shop 1234 --all"), Want: "--all: revokes every token; give either token ids or --all"},
		{Args: cmdtest.SplitArgs("source token revoke shop Not_An_Id"), Want: `TOKEN-ID: "Not_An_Id" is not a token id (such as 3f9a2c1b, as ` + "`source token list`" + ` shows them)`},
		{Args: cmdtest.SplitArgs("source token list shop extra"), Want: `unexpected argument "extra"`},
		{Args: cmdtest.SplitArgs("source token create shop -n x"), Want: "the applications' namespace is --integration-namespace"},
	})
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
		cmdtest.Expect(t, f, tc.args, 1, "", tc.want)
		for _, a := range f.Dyn.Actions() {
			if v := a.GetVerb(); v != "get" && v != "list" {
				t.Errorf("%s: sent %s %s", tc.args, v, a.GetResource().Resource)
			}
		}
	}
	cmdtest.Expect(t, f, "source token list shop", 0, "", `No tokens: application "shop" takes events without a token.`+"\n")
	// source delete leaves another's Secret of the credentials' name alone.
	r := cmdtest.Run(t.Context(), f, "", "source", "delete", "theirs")
	if r.Code != 0 || strings.Contains(r.Stdout, "secret/") {
		t.Fatalf("source delete theirs: %+v", r)
	}
	if _, err := f.Dyn.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace("kyma-integration").Get(t.Context(), "theirs-adapter-credentials", metav1.GetOptions{}); err != nil {
		t.Fatalf("another's secret was deleted: %v", err)
	}
}
