package wiring

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// tk is a token of the plugin's shape, named for the test.
func tk(name string) string { return credfile.TokenPrefix + name + strings.Repeat("x", 43) }

func tokenSecret(app string, creds map[string]credfile.Credential) *corev1.Secret {
	data := map[string][]byte{credfile.RequiredKey: []byte("true\n")}
	for id, c := range creds {
		data[id] = c.Marshal()
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: CredentialsSecretName(app), Namespace: "ki",
		Labels: managedLabels(map[string]string{AppLabel: app, CredentialsLabel: "true"})}, Data: data}
}

// send presents the newest valid token, one without an expiry before one in
// its grace; none when the application has no credentials; and says when the
// user may not read them.
func TestNewestToken(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	soon, past := now.Add(time.Minute), now.Add(-time.Minute)
	spec := CredentialsSpec{App: "shop", Namespace: "ki"}
	dyn := typedfake.New(tokenSecret("shop", map[string]credfile.Credential{
		"old":     {Token: tk("old"), Created: now.Add(-time.Hour), Expires: &soon},
		"newer":   {Token: tk("newer"), Created: now.Add(-30 * time.Minute)},
		"newest":  {Token: tk("newest_in_grace"), Created: now.Add(-time.Minute), Expires: &soon},
		"expired": {Token: tk("expired"), Created: now, Expires: &past},
	}))
	if tok, err := NewestToken(context.Background(), dyn, spec, now); err != nil || tok != tk("newer") {
		t.Fatalf("newest valid token: %q, %v; want the newer (no expiry beats one in its grace)", tok, err)
	}
	if tok, err := NewestToken(context.Background(), typedfake.New(), spec, now); err != nil || tok != "" {
		t.Fatalf("without credentials: %q, %v", tok, err)
	}
	dyn = typedfake.New(tokenSecret("shop", map[string]credfile.Credential{"expired": {Token: tk("expired"), Created: now, Expires: &past}}))
	if _, err := NewestToken(context.Background(), dyn, spec, now); err == nil {
		t.Fatal("only expired tokens: want an error saying so")
	}
	forbidden := typedfake.New()
	forbidden.PrependReactor("*", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("secrets"), "", errors.New("no"))
	})
	if _, err := NewestToken(context.Background(), forbidden, spec, now); !errors.Is(err, ErrCannotReadCredentials) {
		t.Fatalf("forbidden: %v, want ErrCannotReadCredentials", err)
	}
	if _, readable, err := ListCredentialsStates(context.Background(), forbidden, "ki", now); readable || err != nil {
		t.Fatalf("forbidden list: readable %v, %v; want unreadable, no error", readable, err)
	}
	if st, err := GetCredentialsState(context.Background(), forbidden, "shop", "ki"); err != nil || st.Required != "Unknown" {
		t.Fatalf("forbidden get: %+v %v", st, err)
	}
}

// rotate gives every current token the grace's expiry (not a later one it
// already had shortened, nor an expired one kept), and drops expired ones.
func TestRotateSetsExpiries(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	past, later := now.Add(-time.Minute), now.Add(time.Hour)
	objs, err := BuildHTTPSource(HTTPSourceSpec{App: "shop", Namespace: "ki", Image: "example.com/a:1", Port: 8080})
	if err != nil {
		t.Fatal(err)
	}
	all := []runtime.Object{tokenSecret("shop", map[string]credfile.Credential{
		"a": {Token: tk("a"), Created: now.Add(-time.Hour)},
		"b": {Token: tk("b"), Created: now.Add(-time.Hour), Expires: &later},
		"c": {Token: tk("c"), Created: now.Add(-time.Hour), Expires: &past},
	})}
	for _, o := range objs {
		all = append(all, o)
	}
	dyn := typedfake.New(all...)
	nt, err := RotateToken(context.Background(), dyn, CredentialsSpec{App: "shop", Namespace: "ki"}, 5*time.Minute, now, DryRunNone, nil)
	if err != nil || len(nt.Rotated) != 2 {
		t.Fatalf("rotate: %+v %v", nt, err)
	}
	infos, _, err := ListTokens(context.Background(), dyn, CredentialsSpec{App: "shop", Namespace: "ki"})
	if err != nil || len(infos) != 3 {
		t.Fatalf("after rotate: %+v %v; want a, b and the new one", infos, err)
	}
	for _, ti := range infos {
		switch ti.ID {
		case "a", "b":
			if ti.Expires == nil || !ti.Expires.Equal(now.Add(5*time.Minute)) {
				t.Errorf("%s expires %v, want now+5m", ti.ID, ti.Expires)
			}
		case nt.ID:
			if ti.Expires != nil {
				t.Errorf("the new token expires %v", ti.Expires)
			}
		default:
			t.Errorf("unexpected token %s (the expired one must be dropped)", ti.ID)
		}
	}
}
