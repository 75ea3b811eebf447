package send_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// tokenServer stands for the API server's TokenRequest: it hands out a token
// naming the ServiceAccount and audience asked for, for the ServiceAccounts
// it knows; others are NotFound, and "locked" is Forbidden.
type tokenServer struct {
	mu        sync.Mutex
	audiences []string
	ttl       []int64
}

func (s *tokenServer) serve(f *cmdtest.Factory) {
	f.Dyn.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		c := a.(k8stesting.CreateAction)
		if c.GetSubresource() != "token" {
			return false, nil, nil
		}
		u := c.GetObject().(*unstructured.Unstructured)
		name := u.GetName()
		gr := schema.GroupResource{Resource: "serviceaccounts"}
		switch name {
		case "locked":
			return true, nil, apierrors.NewForbidden(gr, name, errorString(`User "dev" cannot create resource "serviceaccounts/token" in API group "" in the namespace "`+a.GetNamespace()+`"`))
		case "sender", "other":
		default:
			return true, nil, apierrors.NewNotFound(gr, name)
		}
		auds, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "audiences")
		ttl, _, _ := unstructured.NestedInt64(u.Object, "spec", "expirationSeconds")
		s.mu.Lock()
		s.audiences = append(s.audiences, strings.Join(auds, ","))
		s.ttl = append(s.ttl, ttl)
		s.mu.Unlock()
		out := u.DeepCopy()
		_ = unstructured.SetNestedField(out.Object, "tok-"+a.GetNamespace()+"-"+name+"-"+strings.Join(auds, ","), "status", "token")
		return true, out, nil
	})
}

type errorString string

func (e errorString) Error() string { return string(e) }

func oidcBroker(name, url, audience string) *knapi.Broker {
	u, _ := apis.ParseURL(url)
	b := &knapi.Broker{TypeMeta: metav1.TypeMeta{APIVersion: "eventing.knative.dev/v1", Kind: "Broker"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "demo"}}
	b.Status.Address = &duckv1.Addressable{URL: u}
	if audience != "" {
		b.Status.Address.Audience = &audience
	}
	return b
}

// send --service-account presents a TokenRequest token of that
// ServiceAccount for the target's audience; a target without an audience
// (OIDC off), a ServiceAccount that does not exist or one the user may not
// make tokens for are one line each, and nothing is sent; the token is
// never printed, even with -v.
func TestSendServiceAccountToken(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a := r.Header.Get("Authorization")
		mu.Lock()
		auths = append(auths, a)
		mu.Unlock()
		switch a {
		case "Bearer tok-demo-sender-aud/secured", "Bearer tok-shop-sender-aud/url":
			w.WriteHeader(http.StatusAccepted)
		case "":
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	f := cmdtest.NewFactory("demo", oidcBroker("secured", srv.URL+"/demo/secured", "aud/secured"), oidcBroker("open", srv.URL+"/demo/open", ""))
	ts := &tokenServer{}
	ts.serve(f)

	r := cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --id e1 --service-account sender -v", 0, "",
		"sending to "+srv.URL+"/demo/secured directly\npresenting a token of serviceaccount demo/sender for audience aud/secured\nevent e1 accepted by broker:secured (HTTP 202)\n")
	if strings.Contains(r.Stdout+r.Stderr, "tok-") {
		t.Errorf("the token was printed: %+v", r)
	}
	if len(ts.audiences) != 1 || ts.audiences[0] != "aud/secured" || ts.ttl[0] != 3600 {
		t.Errorf("token requests: audiences %q, ttl %v; want one for aud/secured, 3600 s", ts.audiences, ts.ttl)
	}
	// A URL takes the audience given.
	cmdtest.Expect(t, f, "send --to "+srv.URL+"/x --type t --id e2 --service-account shop/sender --audience aud/url", 0, "",
		"event e2 accepted by "+srv.URL+"/x (HTTP 202)\n")
	// Valid token, no EventPolicy lets it in: the broker ingress's 403.
	cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --id e3 --service-account other", 1, "",
		"error: event e3 was not acknowledged by broker:secured: HTTP 403 (403: the token of serviceaccount demo/other was taken, but no EventPolicy on the target lets it send there)\n")

	// No token to a target that takes OIDC tokens: the 401 names the flag.
	cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --id e4", 1, "",
		`error: event e4 was not acknowledged by broker:secured: HTTP 401 (401: Knative's OIDC authentication is on and broker "secured" in namespace "demo" takes only tokens for audience aud/secured: give --service-account NS/NAME)`+"\n")

	mu.Lock()
	sent := len(auths)
	mu.Unlock()
	cmdtest.Expect(t, f, "send --to broker:open --via direct --type t --service-account sender", 1, "",
		`error: broker "open" in namespace "demo" has no OIDC audience (status.address.audience): Knative's authentication-oidc is off (or has not reached it yet), so it takes events without a token; leave out --service-account`+"\n")
	cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --service-account ghost", 1, "",
		`error: serviceaccount "ghost" not found in namespace "demo": serviceaccounts "ghost" not found`+"\n")
	cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --service-account locked", 1, "",
		`error: forbidden: cannot create a token for serviceaccount "locked" in namespace "demo": serviceaccounts "locked" is forbidden: User "dev" cannot create resource "serviceaccounts/token" in API group "" in the namespace "demo"`+"\n")
	mu.Lock()
	defer mu.Unlock()
	if len(auths) != sent {
		t.Errorf("events were sent after a token could not be made: %q", auths[sent:])
	}

	// A client dry run asks for no token: it needs no cluster.
	nc := cmdtest.NewFactory("demo")
	nc.NoCluster = true
	if r := cmdtest.Run(t.Context(), nc, "", "send", "--to", "broker:secured", "--type", "t", "--service-account", "sender", "--dry-run=client"); r.Code != 0 {
		t.Errorf("dry run with --service-account: %+v", r)
	}
}

// A send refused before it sends (no token could be made) leaves an earlier
// run's --results file as it was.
func TestSendRefusedKeepsResults(t *testing.T) {
	f := cmdtest.NewFactory("demo", oidcBroker("secured", "http://127.0.0.1:1/demo/secured", "aud/secured"))
	(&tokenServer{}).serve(f)
	path := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(path, []byte("earlier run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "send --to broker:secured --via direct --type t --service-account ghost --results "+path, 1, "",
		`error: serviceaccount "ghost" not found in namespace "demo": serviceaccounts "ghost" not found`+"\n")
	if b, err := os.ReadFile(path); err != nil || string(b) != "earlier run\n" {
		t.Fatalf("--results after a refused send: %q, %v", b, err)
	}
}
