//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// An attacker outside the cluster, through Traefik, against an application
// exposed with a token (Ingress, no TLS: the scheme is not what is tested):
// other paths, methods, schemes, a token in the query string, a second
// Authorization header, a huge header, the legacy path: nothing is
// accepted and nothing reaches the subscriber. A Gateway whose listener
// admits routes from its own namespace only (the default) is refused.
func TestReview17AttacksThroughTraefik(t *testing.T) {
	tr := testbed.StartTraefik(t)
	integration, user, infra := testbed.Namespace(t), testbed.Namespace(t), testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	in := []string{"--integration-namespace", integration}
	const host = "attack.kymamesh.test"
	mustKM(t, append([]string{"wire", "shop", "--to", user, "--legacy-events", "--trigger", "all", "--sink", sub.URL, "--wait", "--wait-timeout", "90s"}, in...)...)
	r := mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, in...)...)
	var created struct{ Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &created); err != nil || created.Token == "" {
		t.Fatalf("token create -o json: %s", r)
	}
	tok := created.Token
	mustKM(t, append([]string{"source", "expose", "shop", "--host", host, "--ingress-class", tr.Class}, in...)...)
	c := clientTo(tr.HTTP, nil)
	base := "http://" + host
	// (a probe may be taken before the adapter read its token Secret: not checked)
	eventually(t, 90*time.Second, "Traefik to route to the adapter, requiring the token", func() bool {
		return postThrough(t, c, base+"/shop/events", "", "a-probe", "") == http.StatusUnauthorized
	})
	if code := postThrough(t, c, base+"/shop/events", "", "a-ok", tok); code != http.StatusAccepted {
		t.Fatalf("the token through the ingress: %d", code)
	}
	sub.WaitFor(t, "a-ok", 30*time.Second)

	do := func(id, method, target string, hdr map[string]string, body string) int {
		all := ceHeaders(id)
		maps.Copy(all, hdr)
		code, _ := post(c, method, target, all, body) // 0 for a transport error
		return code
	}
	ev := `{"hello":"mesh"}`
	for _, a := range []struct {
		id, method, path string
		hdr              map[string]string
		body             string
	}{
		{"a-app-root", "POST", "/shop", nil, ev},
		{"a-app-slash", "POST", "/shop/", nil, ev},
		{"a-double-slash", "POST", "/shop//events", nil, ev},
		{"a-dotdot", "POST", "/shop/x/../events", nil, ev},
		{"a-upper", "POST", "/SHOP/events", map[string]string{"Authorization": "Bearer " + tok}, ev},
		{"a-put", "PUT", "/shop/events", map[string]string{"Authorization": "Bearer " + tok}, ev},
		{"a-query", "POST", "/shop/events?access_token=" + tok, nil, ev},
		{"a-basic", "POST", "/shop/events", map[string]string{"Authorization": "Basic " + tok}, ev},
		{"a-bare", "POST", "/shop/events", map[string]string{"Authorization": tok}, ev},
		{"a-prefix", "POST", "/shop/events", map[string]string{"Authorization": "Bearer " + tok[:len(tok)-1]}, ev},
		{"a-huge", "POST", "/shop/events", map[string]string{"X-Pad": strings.Repeat("a", 60<<10)}, ev},
		{"a-legacy-none", "POST", "/shop/v1/events", nil, `{"event-type":"order.created","event-type-version":"v1","event-id":"9f1e2d3c-4b5a-4c6d-8e7f-001122334455","event-time":"2026-01-02T03:04:05Z","data":{}}`},
		{"a-legacy-wrong", "POST", "/shop/v1/events", map[string]string{"Authorization": "Bearer kmt_wrong"}, `{"event-type":"order.created","event-type-version":"v1","event-id":"9f1e2d3c-4b5a-4c6d-8e7f-001122334466","event-time":"2026-01-02T03:04:05Z","data":{}}`},
	} {
		if code := do(a.id, a.method, base+a.path, a.hdr, a.body); code >= 200 && code < 300 {
			t.Errorf("%s: %s %s answered %d", a.id, a.method, a.path, code)
		}
	}
	// Two Authorization headers, the valid one first: refused.
	req, _ := http.NewRequest(http.MethodPost, base+"/shop/events", bytes.NewBufferString(ev))
	req.Header["Authorization"] = []string{"Bearer " + tok, "Bearer kmt_wrong"}
	for k, v := range map[string]string{"Content-Type": "application/json", "Ce-Specversion": "1.0", "Ce-Id": "a-two", "Ce-Type": "order.created", "Ce-Source": "/outside"} {
		req.Header.Set(k, v)
	}
	if resp, err := c.Do(req); err == nil {
		_ = resp.Body.Close()
		if resp.StatusCode < 300 {
			t.Errorf("two Authorization headers: %d", resp.StatusCode)
		}
	}
	// A case change in the scheme is the same scheme (RFC 9110): taken.
	if code := do("a-lower", "POST", base+"/shop/events", map[string]string{"Authorization": "bearer " + tok}, ev); code != http.StatusAccepted {
		t.Errorf("lowercase bearer with the token: %d", code)
	}
	sub.WaitFor(t, "a-lower", 30*time.Second)
	for _, id := range []string{"a-app-root", "a-app-slash", "a-double-slash", "a-dotdot", "a-upper", "a-put", "a-query", "a-basic", "a-bare", "a-prefix", "a-huge", "a-two",
		"9f1e2d3c-4b5a-4c6d-8e7f-001122334455", "9f1e2d3c-4b5a-4c6d-8e7f-001122334466"} {
		if sub.Has(id) {
			t.Errorf("refused event %s reached the subscriber", id)
		}
	}

	// A Gateway in another namespace whose listener admits only its own
	// namespace's routes (allowedRoutes unset: from Same): refused, nothing made.
	gw := "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: own, namespace: " + infra + "}\nspec:\n  gatewayClassName: " + tr.GatewayClass +
		"\n  listeners:\n  - {name: web, protocol: HTTP, port: " + strconv.Itoa(tr.HTTPPort) + "}\n"
	f := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(f, []byte(gw), 0o600); err != nil {
		t.Fatal(err)
	}
	testbed.MustKubectl(t, "apply", "-f", f)
	r = km(t, append([]string{"source", "expose", "shop", "--host", host, "--gateway", infra + "/own"}, in...)...)
	wantExit(t, r, 1, "error: --gateway: Gateway "+infra+"/own has no HTTP or HTTPS listener for host")
	if !notFound(t, "httproute", "shop-adapter", "-n", integration) || notFound(t, "ingress", "shop-adapter", "-n", integration) {
		t.Fatal("a refused expose --gateway changed the exposure")
	}
}
