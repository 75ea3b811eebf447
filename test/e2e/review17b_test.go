//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// Another team on a shared cluster, with Ingress rights in its own
// namespace only, takes an exposed application's events and the senders'
// tokens through Traefik without touching anything the plugin made: an
// Ingress for a path under the exposure's (/shop/events: more specific, it
// wins over /shop), or for a wildcard host that covers the exposure's
// (Traefik ranks its longer rule first). Each is shown to take the traffic
// for real (the other team's adapter answers, the subscriber gets nothing),
// doctor names it, and expose refuses to make an exposure beside it (a
// server dry run too) until --force-conflicts. A TLS Secret deleted after
// expose leaves Traefik serving its own certificate: doctor names it.
// Tokens never show in what the plugin prints.
func TestReview17bClaimsThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration, user, team := testbed.Namespace(t), testbed.Namespace(t), testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	in := []string{"--integration-namespace", integration}
	const host = "shop.r17b.test"
	mustKM(t, append([]string{"wire", "shop", "--to", user, "--legacy-events", "--trigger", "all", "--sink", sub.URL, "--wait", "--wait-timeout", "90s"}, in...)...)
	r := mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, in...)...)
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &created); err != nil || created.Token == "" {
		t.Fatalf("token create -o json: %s", r)
	}
	tok := created.Token
	// The other team's backend: an adapter of its own (it answers 404 with
	// its own JSON on /shop/events), in its own namespace.
	mustKM(t, "source", "create", "http", "thief", "--integration-namespace", team, "--wait", "--wait-timeout", "90s")

	expose := append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class}, in...)
	mustKM(t, expose...)
	c := clientTo(tr.HTTP, nil)
	url := "http://" + host + "/shop/events"
	n := 0
	eventually(t, 90*time.Second, "Traefik to route the exposure to the adapter", func() bool {
		n++
		code, _ := answerThrough(c, url, fmt.Sprintf("warm-%d", n), tok)
		return code == http.StatusAccepted
	})

	// takenBy waits until the other team's adapter answers in the
	// exposure's place, with the token presented, and checks that nothing
	// of it reached the subscriber.
	takenBy := func(what string) {
		t.Helper()
		var ids []string
		eventually(t, 90*time.Second, what+" to take the exposure's events", func() bool {
			id := fmt.Sprintf("stolen-%d", len(ids))
			ids = append(ids, id)
			code, body := answerThrough(c, url, id, tok)
			return code == http.StatusNotFound && strings.Contains(body, "/thief/events")
		})
		t.Logf("%s took the events after %d tries", what, len(ids))
		time.Sleep(2 * time.Second)
		if sub.Has(ids[len(ids)-1]) {
			t.Errorf("an event answered by the other team's adapter reached the subscriber")
		}
	}
	refused := func(want string) {
		t.Helper()
		mustKM(t, append([]string{"source", "unexpose", "shop"}, in...)...)
		for _, dry := range []string{"--dry-run=server", "--dry-run=none"} {
			wantExit(t, km(t, append(expose, dry)...), 1, want)
		}
		if !notFound(t, "ingress", "shop-adapter", "-n", integration) {
			t.Fatal("a refused expose made the Ingress")
		}
	}
	apply := func(yaml string) {
		t.Helper()
		f := filepath.Join(t.TempDir(), "obj.yaml")
		if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		testbed.MustKubectl(t, "apply", "-f", f)
	}

	// 1. A path under the exposure's: theirs /shop/events (Exact).
	apply(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: grab, namespace: ` + team + `}
spec:
  ingressClassName: ` + tr.Class + `
  rules:
  - host: ` + host + `
    http:
      paths:
      - {path: /shop/events, pathType: Exact, backend: {service: {name: thief-adapter, port: {number: 80}}}}
`)
	takenBy("an Ingress for /shop/events")
	r = km(t, append([]string{"doctor", "-o", "json"}, in...)...)
	if !strings.Contains(r.Stdout, "whose traffic another route may take: ingress "+team+"/grab already routes "+host+"/shop/events (IngressClass "+tr.Class+"), under this exposure's /shop") {
		t.Errorf("doctor does not name the Ingress that takes the events: %s", r)
	}
	refused("error: ingress " + team + "/grab already routes " + host + "/shop/events (IngressClass " + tr.Class + "), under this exposure's /shop: it would take the events, and the tokens, senders post there; nothing was changed (pass --force-conflicts to expose it anyway)")
	testbed.MustKubectl(t, "delete", "ingress", "grab", "-n", team)

	// 2. A wildcard host over the exposure's, the same path.
	mustKM(t, expose...)
	eventually(t, 90*time.Second, "Traefik to route the exposure again", func() bool {
		n++
		code, _ := answerThrough(c, url, fmt.Sprintf("warm-%d", n), tok)
		return code == http.StatusAccepted
	})
	apply(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: wild, namespace: ` + team + `}
spec:
  ingressClassName: ` + tr.Class + `
  rules:
  - host: "*.r17b.test"
    http:
      paths:
      - {path: /shop, pathType: Prefix, backend: {service: {name: thief-adapter, port: {number: 80}}}}
`)
	takenBy("an Ingress for *.r17b.test/shop")
	r = km(t, append([]string{"doctor", "-o", "json"}, in...)...)
	if !strings.Contains(r.Stdout, "whose traffic another route may take: ingress "+team+"/wild already routes *.r17b.test/shop (IngressClass "+tr.Class+")") {
		t.Errorf("doctor does not name the wildcard Ingress: %s", r)
	}
	refused("error: ingress " + team + "/wild already routes *.r17b.test/shop (IngressClass " + tr.Class + "): two routes for one host and path")
	// With --force-conflicts the user takes the risk: made, as asked.
	if r := mustKM(t, append(expose, "--force-conflicts")...); r.Stdout != "ingress.networking.k8s.io/shop-adapter created\n" {
		t.Fatalf("expose --force-conflicts: %s", r)
	}
	testbed.MustKubectl(t, "delete", "ingress", "wild", "-n", team)

	// 3. The TLS Secret deleted after expose: Traefik serves its own
	// certificate; doctor says so.
	certFile, keyFile, pool := selfSigned(t, host)
	testbed.MustKubectl(t, "create", "secret", "tls", "shop-tls", "-n", integration, "--cert", certFile, "--key", keyFile)
	mustKM(t, append(expose, "--tls-secret", "shop-tls")...)
	https := clientTo(tr.HTTPS, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
	surl := "https://" + host + "/shop/events"
	eventually(t, 90*time.Second, "Traefik to serve the exposure with its certificate", func() bool {
		n++
		code, _ := answerThrough(https, surl, fmt.Sprintf("warm-%d", n), tok)
		return code == http.StatusAccepted
	})
	testbed.MustKubectl(t, "delete", "secret", "shop-tls", "-n", integration)
	eventually(t, 90*time.Second, "Traefik to drop the deleted certificate", func() bool {
		n++
		// a new connection each time: a kept one would not shake hands again
		fresh := clientTo(tr.HTTPS, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
		code, body := answerThrough(fresh, surl, fmt.Sprintf("warm-%d", n), tok)
		fresh.CloseIdleConnections()
		return code == 0 && strings.Contains(body, "certificate") // Traefik's own
	})
	r = km(t, append([]string{"doctor", "-o", "json"}, in...)...)
	if !strings.Contains(r.Stdout, `whose TLS Secret \"shop-tls\" is gone`) {
		t.Errorf("doctor does not name the deleted TLS Secret: %s", r)
	}

	// What the plugin prints never holds the token.
	for _, args := range [][]string{
		{"source", "token", "list", "shop", "-o", "yaml"},
		{"source", "describe", "shop", "-o", "yaml"},
		{"source", "describe", "shop"},
		{"status", "-n", user, "-o", "json"},
		{"doctor", "-o", "json"},
		{"source", "token", "rotate", "shop", "--dry-run=server", "-o", "yaml"},
		{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class, "--dry-run=client", "-o", "yaml"},
	} {
		r := km(t, append(args, in...)...)
		if strings.Contains(r.Stdout+r.Stderr, tok) {
			t.Errorf("kubectl kymamesh %s printed the token", strings.Join(args, " "))
		}
	}
	// A body larger than the adapter takes, through the ingress: 401
	// without the token (before the body is read), 413 with it.
	big := bytes.Repeat([]byte("a"), 5<<20)
	c2 := clientTo(tr.HTTP, nil)
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {tok, http.StatusRequestEntityTooLarge}} {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", "big")
		req.Header.Set("Ce-Type", "t")
		req.Header.Set("Ce-Source", "/outside")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := c2.Do(req)
		if err != nil {
			// An answer before the body is read may reach the client as a
			// reset while it still writes: not taken as a failure.
			t.Logf("a 5 MiB event (token %v): %v", c.token != "", err)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("a 5 MiB event (token %v) through the ingress: %d, want %d", c.token != "", resp.StatusCode, c.want)
		}
	}
	if sub.Has("big") {
		t.Error("the oversized event reached the subscriber")
	}
}

// answerThrough posts a binary CloudEvent with the token (if any) and
// returns the status and the answer's body; 0 for a transport error.
func answerThrough(c *http.Client, target, id, token string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(`{"hello":"mesh"}`))
	if err != nil {
		return 0, err.Error()
	}
	for k, v := range map[string]string{"Content-Type": "application/json", "Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "order.created", "Ce-Source": "/outside"} {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, string(b)
}

// The token commands' dry runs, client and server, store nothing on the
// API server (the Secret's resourceVersion and its keys stay); a server
// dry run of expose --gateway, which replaces the Ingress, and of unexpose
// leave the Ingress in place.
func TestReview17bDryRunsStoreNothingThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration, infra := testbed.Namespace(t), testbed.Namespace(t)
	in := []string{"--integration-namespace", integration}
	mustKM(t, append([]string{"source", "create", "http", "shop"}, in...)...)
	mustKM(t, append([]string{"source", "token", "create", "shop"}, in...)...)
	secret := func() (string, int) {
		t.Helper()
		s := getJSON(t, "get", "secret", "shop-adapter-credentials", "-n", integration)
		data, _ := s["data"].(map[string]any)
		return field(s, "metadata", "resourceVersion").(string), len(data)
	}
	rv, keys := secret()
	for _, args := range [][]string{
		{"source", "token", "create", "shop"},
		{"source", "token", "rotate", "shop", "--grace", "1m"},
		{"source", "token", "revoke", "shop", "--all"},
	} {
		for _, dry := range []string{"--dry-run=client", "--dry-run=server"} {
			r := mustKM(t, append(append(args, dry), in...)...)
			if strings.Contains(r.Stdout, "kmt_") {
				t.Errorf("%s %s printed a token: %s", strings.Join(args, " "), dry, r)
			}
			if v, n := secret(); v != rv || n != keys {
				t.Fatalf("%s %s changed the Secret (resourceVersion %s -> %s, keys %d -> %d): %s", strings.Join(args, " "), dry, rv, v, keys, n, r)
			}
		}
	}
	mustKM(t, append([]string{"source", "expose", "shop", "--host", "shop.dry.test", "--ingress-class", tr.Class}, in...)...)
	gw := `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: ` + infra + `}
spec:
  gatewayClassName: ` + tr.GatewayClass + `
  listeners:
  - {name: web, protocol: HTTP, port: ` + fmt.Sprint(tr.HTTPPort) + `, allowedRoutes: {namespaces: {from: All}}}
`
	f := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(f, []byte(gw), 0o600); err != nil {
		t.Fatal(err)
	}
	testbed.MustKubectl(t, "apply", "-f", f)
	ingRV := field(getJSON(t, "get", "ingress", "shop-adapter", "-n", integration), "metadata", "resourceVersion")
	for _, args := range [][]string{
		{"source", "expose", "shop", "--host", "shop.dry.test", "--gateway", infra + "/public", "--dry-run=server"},
		{"source", "expose", "shop", "--host", "shop.dry.test", "--gateway", infra + "/public", "--dry-run=client"},
		{"source", "unexpose", "shop", "--dry-run=server"},
		{"source", "unexpose", "shop", "--dry-run=client"},
	} {
		r := mustKM(t, append(args, in...)...)
		if !strings.Contains(r.Stdout, "ingress.networking.k8s.io/shop-adapter deleted") {
			t.Errorf("%s: %s", strings.Join(args, " "), r)
		}
		if notFound(t, "ingress", "shop-adapter", "-n", integration) || !notFound(t, "httproute", "shop-adapter", "-n", integration) ||
			field(getJSON(t, "get", "ingress", "shop-adapter", "-n", integration), "metadata", "resourceVersion") != ingRV {
			t.Fatalf("%s changed the exposure: %s", strings.Join(args, " "), r)
		}
	}
}

// A team that administers only the integration namespace (the admin role
// there, nothing cluster-wide: no IngressClasses, no Ingresses elsewhere) makes a
// token and exposes its application, and Traefik serves it: expose does not
// stop at the checks it may not make, nor at the HTTPRoutes the role does
// not cover (expose, unexpose and source delete failed on them). status
// shows the team the exposure.
func TestReview17bNamespaceAdminExposesThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration := testbed.Namespace(t)
	in := []string{"--integration-namespace", integration}
	mustKM(t, append([]string{"source", "create", "http", "shop", "--wait", "--wait-timeout", "90s"}, in...)...)
	// Kubernetes' own admin role, bound in the namespace, as a platform
	// team hands a namespace over (Knative's roles aggregate into it).
	applyYAML(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-admin, namespace: `+integration+`}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted}
`)
	as := append([]string{"--kubeconfig", testbed.RestrictedKubeconfig()}, in...)
	r := mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, as...)...)
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &created); err != nil || created.Token == "" {
		t.Fatalf("token create -o json as the namespace's admin: %s", r)
	}
	const host = "admin.r17b.test"
	if r := mustKM(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class}, as...)...); r.Stdout != "ingress.networking.k8s.io/shop-adapter created\n" {
		t.Fatalf("expose as the namespace's admin: %s", r)
	}
	c := clientTo(tr.HTTP, nil)
	url := "http://" + host + "/shop/events"
	n := 0
	eventually(t, 90*time.Second, "Traefik to route the namespace admin's exposure, requiring the token", func() bool {
		n++
		code, _ := answerThrough(c, url, fmt.Sprintf("probe-%d", n), "")
		return code == http.StatusUnauthorized
	})
	// The adapter has no Subscription here: accepted means past the token
	// (a 5xx from the Channel is not a 401).
	if code, body := answerThrough(c, url, "with-token", created.Token); code == http.StatusUnauthorized || code == http.StatusNotFound {
		t.Fatalf("the token through the namespace admin's exposure: %d %s", code, body)
	}
	r = mustKM(t, append([]string{"status", "-n", integration}, as...)...)
	t.Logf("status as the namespace's admin:\n%s", r)
	if !strings.Contains(r.Stdout, "exposed http://"+host+"/shop/events (without TLS; ingress/shop-adapter, "+tr.Class+")") || strings.Contains(r.Stdout, "Not shown") {
		t.Fatalf("status as the namespace's admin: %s", r)
	}
	// Unexposing and deleting do not stop at the HTTPRoutes the role does
	// not cover.
	if r := mustKM(t, append([]string{"source", "unexpose", "shop"}, as...)...); r.Stdout != "ingress.networking.k8s.io/shop-adapter deleted\n" {
		t.Fatalf("unexpose as the namespace's admin: %s", r)
	}
	// Not exposed as far as it may see: status says what it could not read.
	r = mustKM(t, append([]string{"status", "-n", integration}, as...)...)
	if !strings.Contains(r.Stdout, `Not shown: applications' exposures in namespace "`+integration+`": you may not list httproutes (`) {
		t.Fatalf("status as the namespace's admin, unexposed: %s", r)
	}
	mustKM(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class}, as...)...)
	r = mustKM(t, append([]string{"source", "delete", "shop"}, as...)...)
	if !strings.HasPrefix(r.Stdout, "ingress.networking.k8s.io/shop-adapter deleted\n") || !notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatalf("source delete as the namespace's admin: %s", r)
	}
}

// The same through a Gateway: another team's HTTPRoute on the same Gateway
// for a wildcard host over the exposure's does not take its events (the
// Gateway API ranks the exact host first, and Traefik does), so expose
// does not refuse it; one for a path under the exposure's does take them:
// doctor names it and expose refuses to make the route beside it.
func TestReview17bRoutesThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration, team, infra := testbed.Namespace(t), testbed.Namespace(t), testbed.Namespace(t)
	in := []string{"--integration-namespace", integration}
	const host = "shop.gw.r17b.test"
	mustKM(t, append([]string{"source", "create", "http", "shop", "--wait", "--wait-timeout", "90s"}, in...)...)
	r := mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, in...)...)
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &created); err != nil || created.Token == "" {
		t.Fatalf("token create -o json: %s", r)
	}
	tok := created.Token
	mustKM(t, "source", "create", "http", "thief", "--integration-namespace", team, "--wait", "--wait-timeout", "90s")
	applyYAML(t, `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: `+infra+`}
spec:
  gatewayClassName: `+tr.GatewayClass+`
  listeners:
  - {name: web, protocol: HTTP, port: `+fmt.Sprint(tr.HTTPPort)+`, allowedRoutes: {namespaces: {from: All}}}
`)
	expose := append([]string{"source", "expose", "shop", "--host", host, "--gateway", infra + "/public"}, in...)
	mustKM(t, expose...)
	c := clientTo(tr.HTTP, nil)
	url := "http://" + host + "/shop/events"
	n := 0
	ours := func() (int, string) {
		n++
		return answerThrough(c, url, fmt.Sprintf("probe-%d", n), tok)
	}
	eventually(t, 90*time.Second, "Traefik to route the HTTPRoute to the adapter", func() bool {
		code, _ := ours()
		return code != http.StatusNotFound && code != 0
	})
	route := func(name, hostname, match string) string {
		return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ` + name + `, namespace: ` + team + `}
spec:
  parentRefs: [{name: public, namespace: ` + infra + `}]
  hostnames: ["` + hostname + `"]
  rules:
  - matches: [{path: ` + match + `}]
    backendRefs: [{name: thief-adapter, port: 80}]
`
	}
	accepted := func(name string) {
		t.Helper()
		eventually(t, 60*time.Second, "route "+name+" to be accepted", func() bool {
			r := testbed.Kubectl(t, "get", "httproute", name, "-n", team, "-o", `jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}`)
			return strings.TrimSpace(r.Stdout) == "True"
		})
	}
	// A wildcard host, the same path: ours stays (checked for a while).
	applyYAML(t, route("wild", "*.gw.r17b.test", "{type: PathPrefix, value: /shop}"))
	accepted("wild")
	for i := 0; i < 30; i++ {
		if code, body := ours(); code == http.StatusNotFound && strings.Contains(body, "/thief/events") {
			t.Fatalf("a wildcard HTTPRoute took the exposure's events on Traefik: the claims check must count it")
		}
		time.Sleep(200 * time.Millisecond)
	}
	testbed.MustKubectl(t, "delete", "httproute", "wild", "-n", team)
	// A path under ours: it takes the events.
	applyYAML(t, route("grab", host, "{type: Exact, value: /shop/events}"))
	eventually(t, 90*time.Second, "the route for /shop/events to take the events", func() bool {
		code, body := ours()
		return code == http.StatusNotFound && strings.Contains(body, "/thief/events")
	})
	r = km(t, append([]string{"doctor", "-o", "json"}, in...)...)
	if !strings.Contains(r.Stdout, "whose traffic another route may take: httproute "+team+"/grab already routes "+host+"/shop/events (Gateway "+infra+"/public), under this exposure's /shop") {
		t.Errorf("doctor does not name the route that takes the events: %s", r)
	}
	mustKM(t, append([]string{"source", "unexpose", "shop"}, in...)...)
	wantExit(t, km(t, expose...), 1, "error: httproute "+team+"/grab already routes "+host+"/shop/events (Gateway "+infra+"/public), under this exposure's /shop")
	if !notFound(t, "httproute", "shop-adapter", "-n", integration) {
		t.Fatal("a refused expose made the route")
	}
}
