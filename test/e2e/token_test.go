//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// An application's token, for real: the adapter (run by the test bed's
// kubelet, its credentials Secret mounted and updated while it runs) refuses
// events without the token once it is made, takes them with it (send --to
// app:APP presents it itself) all the way to a Trigger's subscriber, takes
// Kyma's legacy events with it too, refuses a revoked token, and unwire
// removes the Secret with the rest.
func TestTokenCreateSendRevoke(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	sub, legacy := testbed.NewReceiver(t), testbed.NewReceiver(t)
	in := []string{"--integration-namespace", integration}
	mustKM(t, append([]string{"wire", "shop", "--to", user, "--legacy-events", "--trigger", "created", "--filter", "type=order.created",
		"--sink", sub.URL, "--wait", "--wait-timeout", "90s"}, in...)...)
	mustKM(t, "trigger", "create", "legacy", "-n", user, "--filter", "type=order.created", "--filter", "eventtypeversion=v1", "--sink", legacy.URL, "--wait")
	adapterURL := "http://shop-adapter." + integration + ".svc.cluster.local/"
	// Without credentials, as before: no token needed.
	eventually(t, 60*time.Second, "the adapter to take an event without a token", func() bool {
		return postEvent(t, adapterURL, "open-1", "order.created") == http.StatusAccepted
	})

	r := mustKM(t, append([]string{"source", "token", "create", "shop", "-o", "json"}, in...)...)
	var tok struct{ ID, Token string }
	if err := json.Unmarshal([]byte(r.Stdout), &tok); err != nil || !strings.HasPrefix(tok.Token, "kmt_") {
		t.Fatalf("token create -o json: %s", r)
	}
	eventually(t, 30*time.Second, "the adapter to refuse an event without the token", func() bool {
		return postEvent(t, adapterURL, "no-token", "order.created") == http.StatusUnauthorized
	})
	r = km(t, append([]string{"send", "--to", "app:shop", "--type", "order.created", "--id", "tok-1", "-v"}, in...)...)
	if r.Code != 0 || !strings.Contains(r.Stderr, "presenting application shop's newest token") {
		t.Fatalf("send presenting the application's token itself: %s", r)
	}
	if ev := sub.WaitFor(t, "tok-1", 30*time.Second); ev.Source != "shop" {
		t.Fatalf("the event arrived as %+v", ev)
	}
	r = km(t, append([]string{"send", "--to", "app:shop", "--type", "order.created", "--id", "bad-1", "--token", "kmt_not-the-one"}, in...)...)
	if r.Code != 1 || !strings.Contains(r.Stderr, "HTTP 401") {
		t.Fatalf("send with a wrong token: %s", r)
	}

	// Kyma's legacy API, with the token: 200 {"event-id"}, and the CloudEvent
	// Kyma made of it reaches a Trigger filtering on eventtypeversion.
	body := `{"event-type":"order.created","event-type-version":"v1","event-id":"6d0f1e4e-8f4c-4c1a-9a55-0b5a3c1f2e01","event-time":"2026-01-02T03:04:05Z","data":{"id":7}}`
	if code, answer := postLegacy(t, adapterURL+"shop/v1/events", "", body); code != http.StatusUnauthorized || !strings.Contains(answer, `"type":"unauthorized"`) {
		t.Fatalf("a legacy event without the token: %d %s", code, answer)
	}
	if code, answer := postLegacy(t, adapterURL+"shop/v1/events", tok.Token, body); code != http.StatusOK || !strings.Contains(answer, `"event-id":"6d0f1e4e-8f4c-4c1a-9a55-0b5a3c1f2e01"`) {
		t.Fatalf("a legacy event with the token: %d %s", code, answer)
	}
	ev := legacy.WaitFor(t, "6d0f1e4e-8f4c-4c1a-9a55-0b5a3c1f2e01", 30*time.Second)
	if ev.Source != "shop" || ev.Header.Get("Ce-Eventtypeversion") != "v1" || ev.Header.Get("Ce-Type") != "order.created" || ev.Body != `{"id":7}` {
		t.Fatalf("the legacy event arrived as %+v", ev)
	}

	// status and describe say the application requires a token.
	r = mustKM(t, append([]string{"status", "-n", user}, in...)...)
	if !strings.Contains(r.Stdout, "tokens required (1 valid)") {
		t.Fatalf("status: %s", r)
	}
	r = mustKM(t, append([]string{"source", "describe", "shop"}, in...)...)
	if !strings.Contains(r.Stdout, "Tokens:       required (1 valid)") {
		t.Fatalf("source describe: %s", r)
	}

	// Revoked: the adapter refuses the token without a restart.
	mustKM(t, append([]string{"source", "token", "revoke", "shop", tok.ID}, in...)...)
	eventually(t, 30*time.Second, "the adapter to refuse the revoked token", func() bool {
		r := km(t, append([]string{"send", "--to", "app:shop", "--type", "order.created", "--token", tok.Token, "--timeout", "5s"}, in...)...)
		return r.Code == 1 && strings.Contains(r.Stderr, "HTTP 401")
	})

	mustKM(t, append([]string{"unwire", "shop", "--from", user, "--delete-in-use"}, in...)...)
	if !notFound(t, "secret", "shop-adapter-credentials", "-n", integration) {
		t.Fatal("unwire left the credentials Secret")
	}
}

// postLegacy posts a Kyma legacy event through the test bed's proxy, with
// the bearer token if given.
func postLegacy(t *testing.T, target, token, body string) (int, string) {
	t.Helper()
	proxy, err := url.Parse(testbed.HTTPProxy())
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	req, _ := http.NewRequest(http.MethodPost, target, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("posting to %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
