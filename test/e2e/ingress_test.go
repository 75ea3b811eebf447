//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// An application exposed outside the cluster, for real: Traefik (a host
// process, outside the pod network, as a client outside the cluster is)
// serves the plugin's Ingress over TLS with the application's certificate,
// and then its HTTPRoute on a Gateway; the client is this test, on the
// host. With the token an event reaches a Trigger's subscriber; without one
// or with a wrong one the adapter answers 401, counts the refusal by reason
// in its metrics and forwards nothing; a Kyma legacy event arrives as its
// CloudEvent; a rotation under a load through the ingress refuses and loses
// nothing, and the old token works in its grace; unwire
// removes the route and the Secret; someone else's Ingress is left alone.
func TestIngressThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration, user, infra := testbed.Namespace(t), testbed.Namespace(t), testbed.Namespace(t)
	sub, legacy := testbed.NewReceiver(t), testbed.NewReceiver(t)
	in := []string{"--integration-namespace", integration}
	const host = "shop.kymamesh.test"
	mustKM(t, append([]string{"wire", "shop", "--to", user, "--legacy-events", "--trigger", "created", "--filter", "type=order.created",
		"--sink", sub.URL, "--wait", "--wait-timeout", "90s"}, in...)...)
	mustKM(t, "trigger", "create", "legacy", "-n", user, "--filter", "type=order.created", "--filter", "eventtypeversion=v1", "--sink", legacy.URL, "--wait")

	// Without a token the application is not exposed, and nothing is made.
	r := km(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class}, in...)...)
	wantExit(t, r, 1, "error: --allow-anonymous: application \"shop\" has no token")
	if !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatal("an Ingress was made for an application without a token")
	}
	r = mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, in...)...)
	var tok struct{ ID, Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &tok); err != nil {
		t.Fatalf("token create -o json: %s", r)
	}

	// A class or TLS Secret that does not exist: one line, nothing made.
	r = km(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", "nginx"}, in...)...)
	wantExit(t, r, 1, `error: --ingress-class: IngressClass "nginx" does not exist`)
	r = km(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class, "--tls-secret", "events-tls"}, in...)...)
	wantExit(t, r, 1, `error: --tls-secret: secret "events-tls" not found`)
	certFile, keyFile, pool := selfSigned(t, host)
	testbed.MustKubectl(t, "create", "secret", "tls", "events-tls", "-n", integration, "--cert", certFile, "--key", keyFile)
	expose := append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class, "--tls-secret", "events-tls"}, in...)
	// A server dry run: the API server admits the Ingress and stores nothing.
	r = mustKM(t, append(expose, "--dry-run=server")...)
	if !strings.Contains(r.Stdout, "ingress.networking.k8s.io/shop-adapter created (server dry run)") || !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatalf("expose --dry-run=server: %s", r)
	}
	if r := mustKM(t, expose...); r.Stdout != "ingress.networking.k8s.io/shop-adapter created\n" {
		t.Fatalf("expose: %s", r)
	}
	if r := mustKM(t, expose...); r.Stdout != "ingress.networking.k8s.io/shop-adapter unchanged\n" {
		t.Fatalf("expose again: %s", r)
	}
	r = mustKM(t, append([]string{"source", "describe", "shop"}, in...)...)
	if !strings.Contains(r.Stdout, "Exposed:      https://"+host+"/shop/events (TLS; ingress/shop-adapter, traefik)") || !strings.Contains(r.Stdout, "Tokens:       required (1 valid)") {
		t.Fatalf("source describe: %s", r)
	}

	// The adapter requires the token once the kubelet updated its Secret.
	eventually(t, 60*time.Second, "the adapter to refuse an event without the token", func() bool {
		return postEvent(t, "http://shop-adapter."+integration+".svc.cluster.local/", "in-cluster-probe", "order.created") == http.StatusUnauthorized
	})
	https := clientTo(tr.HTTPS, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
	url := "https://" + host + "/shop/events"
	last := -1
	eventually(t, 90*time.Second, "Traefik to route the Ingress to the adapter", func() bool {
		code := postThrough(t, https, url, "", "probe", "")
		if code != last {
			t.Logf("through the ingress without a token: %d", code)
			last = code
		}
		return code == http.StatusUnauthorized
	})
	// The adapter's metrics count each refusal by reason and forward only
	// the event with the token (deltas between two reads: nothing else
	// posts to the adapter meanwhile).
	before := adapterMetrics(t, integration, "shop")
	for id, token := range map[string]string{"none-1": "", "wrong-1": "kmt_not-the-one"} {
		if code := postThrough(t, https, url, "", id, token); code != http.StatusUnauthorized {
			t.Fatalf("%s through the ingress: %d, want 401", id, code)
		}
	}
	if code := postThrough(t, https, url, "", "ing-1", tok.Token); code != http.StatusAccepted {
		t.Fatalf("an event with the token through the ingress: %d", code)
	}
	after := adapterMetrics(t, integration, "shop")
	for name, want := range map[string]float64{
		`kymamesh_adapter_auth_refused_total{reason="missing"}`: 1,
		`kymamesh_adapter_auth_refused_total{reason="invalid"}`: 1,
		`kymamesh_adapter_events_received_total`:                3, // refused ones too
		`kymamesh_adapter_events_forwarded_total`:               1,
		`kymamesh_adapter_responses_total{class="4xx"}`:         2,
		`kymamesh_adapter_responses_total{class="2xx"}`:         1,
	} {
		if got := after[name] - before[name]; got != want {
			t.Errorf("adapter metric %s went up by %g, want %g", name, got, want)
		}
	}
	if ev := sub.WaitFor(t, "ing-1", 30*time.Second); ev.Source != "shop" {
		t.Fatalf("the event arrived as %+v", ev)
	}
	// The refused events were sent before ing-1 and never forwarded.
	for _, id := range []string{"probe", "none-1", "wrong-1"} {
		if sub.Has(id) {
			t.Fatalf("refused event %s reached the subscriber", id)
		}
	}
	// Kyma's legacy API through the ingress.
	body := `{"event-type":"order.created","event-type-version":"v1","event-id":"0c7d5a4e-1b2c-4d3e-9f00-aa11bb22cc33","event-time":"2026-01-02T03:04:05Z","data":{"id":8}}`
	if code := postThrough(t, https, "https://"+host+"/shop/v1/events", body, "", tok.Token); code != http.StatusOK {
		t.Fatalf("a legacy event through the ingress: %d", code)
	}
	if ev := legacy.WaitFor(t, "0c7d5a4e-1b2c-4d3e-9f00-aa11bb22cc33", 30*time.Second); ev.Header.Get("Ce-Eventtypeversion") != "v1" || ev.Body != `{"id":8}` {
		t.Fatalf("the legacy event arrived as %+v", ev)
	}

	// One rotation through the ingress: the new token is taken once the
	// kubelet updates the Secret; the old one still works in its grace.
	// It happens under a load through the ingress: the sender keeps the old
	// token until the new one is taken, then switches; no event of the load
	// may be refused or lost (joined by id at the subscriber).
	load := startIngressLoad(https, url, tok.Token)
	r = mustKM(t, append([]string{"source", "token", "rotate", "shop", "--grace", "5m", "-o", "json"}, in...)...)
	var rot struct{ Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &rot); err != nil {
		load.stop()
		t.Fatalf("rotate -o json: %s", r)
	}
	n := 0
	eventually(t, 90*time.Second, "the adapter to take the rotated-in token through the ingress", func() bool {
		n++
		return postThrough(t, https, url, "", fmt.Sprintf("rot-probe-%d", n), rot.Token) == http.StatusAccepted
	})
	load.token.Store(&rot.Token)
	time.Sleep(3 * time.Second)
	load.check(t, sub)
	if code := postThrough(t, https, url, "", "old-in-grace", tok.Token); code != http.StatusAccepted {
		t.Fatalf("the old token in its grace: %d", code)
	}
	sub.WaitFor(t, "old-in-grace", 30*time.Second)

	// The same through a Gateway API HTTPRoute, which replaces the Ingress.
	gw := `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: ` + infra + `}
spec:
  gatewayClassName: ` + tr.GatewayClass + `
  listeners:
  - {name: web, protocol: HTTP, port: ` + strconv.Itoa(tr.HTTPPort) + `, allowedRoutes: {namespaces: {from: All}}}
`
	f := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(f, []byte(gw), 0o600); err != nil {
		t.Fatal(err)
	}
	testbed.MustKubectl(t, "apply", "-f", f)
	r = mustKM(t, append([]string{"source", "expose", "shop", "--host", host, "--gateway", infra + "/public", "--path", "/apps/shop"}, in...)...)
	if r.Stdout != "httproute.gateway.networking.k8s.io/shop-adapter created\ningress.networking.k8s.io/shop-adapter deleted\n" {
		t.Fatalf("expose --gateway: %s", r)
	}
	plain := clientTo(tr.HTTP, nil)
	routeURL := "http://" + host + "/apps/shop/events"
	last = -1
	eventually(t, 90*time.Second, "Traefik to route the HTTPRoute to the adapter", func() bool {
		code := postThrough(t, plain, routeURL, "", "route-probe", "")
		if code != last {
			t.Logf("through the route without a token: %d", code)
			last = code
		}
		return code == http.StatusUnauthorized
	})
	if code := postThrough(t, plain, routeURL, "", "route-wrong", "kmt_not-the-one"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token through the route: %d", code)
	}
	if code := postThrough(t, plain, routeURL, "", "route-1", rot.Token); code != http.StatusAccepted {
		t.Fatalf("an event with the token through the route: %d", code)
	}
	sub.WaitFor(t, "route-1", 30*time.Second)
	body = strings.Replace(body, "0c7d5a4e-1b2c-4d3e-9f00-aa11bb22cc33", "1d8e6b5f-2c3d-4e4f-8a11-bb22cc33dd44", 1)
	if code := postThrough(t, plain, "http://"+host+"/apps/shop/v1/events", body, "", rot.Token); code != http.StatusOK {
		t.Fatalf("a legacy event through the route: %d", code)
	}
	legacy.WaitFor(t, "1d8e6b5f-2c3d-4e4f-8a11-bb22cc33dd44", 30*time.Second)
	for _, id := range []string{"route-probe", "route-wrong"} {
		if sub.Has(id) {
			t.Fatalf("refused event %s reached the subscriber", id)
		}
	}
	r = mustKM(t, append([]string{"status", "-n", user}, in...)...)
	if !strings.Contains(r.Stdout, "exposed http://"+host+"/apps/shop/events (without TLS; httproute/shop-adapter, gateway "+infra+"/public)") {
		t.Fatalf("status: %s", r)
	}
	r = km(t, append([]string{"doctor", "-o", "json"}, in...)...)
	if !strings.Contains(r.Stdout, "shop at http://"+host+"/apps/shop/events without TLS") {
		t.Fatalf("doctor: %s", r)
	}

	// unwire removes the route and the Secret with the rest.
	r = mustKM(t, append([]string{"unwire", "shop", "--from", user, "--delete-in-use"}, in...)...)
	if !strings.Contains(r.Stdout, "httproute.gateway.networking.k8s.io/shop-adapter deleted") ||
		!notFound(t, "httproute", "shop-adapter", "-n", integration) || !notFound(t, "secret", "shop-adapter-credentials", "-n", integration) {
		t.Fatalf("unwire: %s", r)
	}
	// Someone else's Ingress of the name is left alone.
	testbed.MustKubectl(t, "create", "ingress", "shop-adapter", "-n", integration, "--class", tr.Class, "--rule", host+"/shop*=other:80")
	r = km(t, append([]string{"source", "unexpose", "shop"}, in...)...)
	wantExit(t, r, 1, `error: ingress shop-adapter in namespace "`+integration+`" was not made by kubectl-kymamesh for application "shop": left alone`)
	if notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatal("unexpose deleted someone else's Ingress")
	}
}

// clientTo is an HTTP client that connects to addr whatever the URL's host
// (the host name goes into Host and SNI): DNS for the test's domain.
func clientTo(addr string, tlsConf *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: tlsConf,
	}}
}

// postThrough posts a binary CloudEvent (id set) or a legacy body (id
// empty) with the token if any, and returns the status (0, logged, for a
// transport error).
func postThrough(t *testing.T, c *http.Client, target, legacyBody, id, token string) int {
	t.Helper()
	body, hdr := legacyBody, map[string]string{"Content-Type": "application/json"}
	if id != "" {
		body, hdr = `{"hello":"mesh"}`, ceHeaders(id)
	}
	if token != "" {
		hdr["Authorization"] = "Bearer " + token
	}
	code, err := post(c, http.MethodPost, target, hdr, body)
	if err != nil {
		t.Logf("posting to %s: %v", target, err)
	}
	return code
}

// ceHeaders are a binary CloudEvent's headers as the tests through the
// ingress send it.
func ceHeaders(id string) map[string]string {
	return map[string]string{"Content-Type": "application/json", "Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "order.created", "Ce-Source": "/outside"}
}

// post sends one request and reads the answer whole; safe in a goroutine.
func post(c *http.Client, method, target string, hdr map[string]string, body string) (int, error) {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// selfSigned writes a certificate and key for host and returns their files
// and a pool that trusts the certificate.
func selfSigned(t *testing.T, host string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// What the API server decides of an exposure, without an ingress
// controller: it admits the Ingress the plugin builds (and a server dry run
// stores nothing), refusals make nothing (someone's Ingress for the same
// host and path among them), a second run converges, source
// delete removes the Ingress and the token Secret, someone else's Ingress is
// left alone.
func TestExposeObjectsOnTheAPIServer(t *testing.T) {
	integration := testbed.Namespace(t)
	in := []string{"--integration-namespace", integration}
	class := "e2e-" + integration
	f := filepath.Join(t.TempDir(), "class.yaml")
	if err := os.WriteFile(f, []byte("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: "+class+"}\nspec: {controller: example.com/none}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testbed.MustKubectl(t, "apply", "-f", f)
	t.Cleanup(func() { testbed.Kubectl(t, "delete", "ingressclass", class) })
	mustKM(t, append([]string{"source", "create", "http", "shop"}, in...)...)
	expose := append([]string{"source", "expose", "shop", "--host", "shop.example.com", "--ingress-class", class}, in...)
	wantExit(t, km(t, expose...), 1, `error: --allow-anonymous: application "shop" has no token`)
	mustKM(t, append([]string{"source", "token", "create", "shop"}, in...)...)
	// Someone's Ingress in another namespace already routes the host and
	// path through the class: refused, nothing made, in a dry run too.
	other := testbed.Namespace(t)
	testbed.MustKubectl(t, "create", "ingress", "storefront", "-n", other, "--class", class, "--rule", "shop.example.com/shop*=storefront:80")
	for _, dry := range []string{"--dry-run=none", "--dry-run=client", "--dry-run=server"} {
		wantExit(t, km(t, append(expose, dry)...), 1, "error: ingress "+other+"/storefront already routes shop.example.com/shop (IngressClass "+class+"): two routes for one host and path")
	}
	if !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatal("expose made an Ingress beside someone's for the same host and path")
	}
	testbed.MustKubectl(t, "delete", "ingress", "storefront", "-n", other)
	r := mustKM(t, append(expose, "--dry-run=server")...)
	if r.Stdout != "ingress.networking.k8s.io/shop-adapter created (server dry run)\n" || !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatalf("expose --dry-run=server: %s", r)
	}
	r = mustKM(t, append(expose, "--dry-run=client", "-o", "yaml")...)
	if !strings.Contains(r.Stdout, "kind: Ingress") || !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatalf("expose --dry-run=client: %s", r)
	}
	if r := mustKM(t, expose...); r.Stdout != "ingress.networking.k8s.io/shop-adapter created\n" {
		t.Fatalf("expose: %s", r)
	}
	if r := mustKM(t, expose...); r.Stdout != "ingress.networking.k8s.io/shop-adapter unchanged\n" {
		t.Fatalf("expose again: %s", r)
	}
	ing := getJSON(t, "get", "ingress", "shop-adapter", "-n", integration)
	if field(ing, "spec", "ingressClassName") != class || !strings.Contains(toJSONString(t, field(ing, "spec", "rules")), `"path":"/shop"`) {
		t.Fatalf("the Ingress the API server stored: %v", ing)
	}
	// Someone changed it: a conflict naming the manager, until --force-conflicts.
	testbed.MustKubectl(t, "patch", "ingress", "shop-adapter", "-n", integration, "--type=json", "-p", `[{"op":"replace","path":"/spec/rules/0/host","value":"evil.example.com"}]`)
	r = km(t, expose...)
	wantExit(t, r, 1, `error: conflict applying ingress "shop-adapter" in namespace "`+integration+`"`)
	if r := mustKM(t, append(expose, "--force-conflicts")...); r.Stdout != "ingress.networking.k8s.io/shop-adapter configured\n" {
		t.Fatalf("expose --force-conflicts: %s", r)
	}
	if h := field(getJSON(t, "get", "ingress", "shop-adapter", "-n", integration), "spec", "rules"); !strings.Contains(toJSONString(t, h), `"host":"shop.example.com"`) {
		t.Fatalf("the host was not taken back: %v", h)
	}
	// A Gateway that does not exist, or an API that is not served: one line.
	r = km(t, append([]string{"source", "expose", "shop", "--host", "shop.example.com", "--gateway", "nowhere/gw"}, in...)...)
	if r.Code != 1 || !strings.Contains(r.Stderr, "error: --gateway: ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("expose --gateway nowhere/gw: %s", r)
	}
	// source delete takes the Ingress and the token Secret.
	r = mustKM(t, append([]string{"source", "delete", "shop"}, in...)...)
	if !strings.HasPrefix(r.Stdout, "ingress.networking.k8s.io/shop-adapter deleted\n") || !notFound(t, "ingress", "shop-adapter", "-n", integration) ||
		!notFound(t, "secret", "shop-adapter-credentials", "-n", integration) {
		t.Fatalf("source delete: %s", r)
	}
}

func toJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ingressLoad sends events through the ingress from four senders, each
// with whatever token is current, and keeps every answer by event id.
type ingressLoad struct {
	token *atomic.Pointer[string]
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	codes map[string]int
}

func startIngressLoad(c *http.Client, target, token string) *ingressLoad {
	l := &ingressLoad{token: &atomic.Pointer[string]{}, done: make(chan struct{}), codes: map[string]int{}}
	l.token.Store(&token)
	for w := range 4 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; i < 1000; i++ { // a bound: the rotation takes seconds, not minutes
				select {
				case <-l.done:
					return
				default:
				}
				id := fmt.Sprintf("load-%d-%d", w, i)
				hdr := ceHeaders(id)
				hdr["Authorization"] = "Bearer " + *l.token.Load()
				code, _ := post(c, http.MethodPost, target, hdr, `{"hello":"mesh"}`) // 0 for a transport error
				l.mu.Lock()
				l.codes[id] = code
				l.mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	return l
}

func (l *ingressLoad) stop() {
	close(l.done)
	l.wg.Wait()
}

// check stops the load and fails unless every event was acknowledged (202)
// and arrived at sub.
func (l *ingressLoad) check(t *testing.T, sub *testbed.Receiver) {
	t.Helper()
	l.stop()
	byCode := map[int]int{}
	var acked []string
	for id, code := range l.codes {
		byCode[code]++
		if code == http.StatusAccepted {
			acked = append(acked, id)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	missing := 0
	for _, id := range acked {
		for !sub.Has(id) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if !sub.Has(id) {
			missing++
		}
	}
	t.Logf("rotation under load through the ingress: %d sent, answers by status %v, %d acknowledged, %d of them arrived", len(l.codes), byCode, len(acked), len(acked)-missing)
	if len(acked) != len(l.codes) || missing > 0 || len(acked) < 40 {
		t.Fatalf("rotation under load: %d of %d events acknowledged, %d acknowledged ones missing at the subscriber (answers by status %v)", len(acked), len(l.codes), missing, byCode)
	}
}

// adapterMetrics reads an application's adapter's metrics (its only pod,
// through the API server's pod proxy) as sample name -> value.
func adapterMetrics(t *testing.T, ns, app string) map[string]float64 {
	t.Helper()
	pods := strings.Fields(testbed.MustKubectl(t, "get", "pods", "-n", ns, "-l", "kymamesh.kyma-project.io/application="+app,
		"--field-selector", "status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}"))
	if len(pods) != 1 {
		t.Fatalf("want one running adapter pod of %s to read metrics from, have %v", app, pods)
	}
	text := testbed.MustKubectl(t, "get", "--raw", "/api/v1/namespaces/"+ns+"/pods/"+pods[0]+":9090/proxy/metrics")
	m := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(val, 64)
		if err == nil {
			m[name] = f
		}
	}
	return m
}
