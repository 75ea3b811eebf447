package adapter

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// With Knative's OIDC authentication on, the SinkBinding mounts the adapter's
// token: the sink gets it as a Bearer token, through either sink client; the
// caller's own Authorization never travels on; without the file, none is sent.
func TestSinkGetsTheSinkBindingsOIDCToken(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("eyJ.first.sig\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, client := range []string{SinkClientPool, SinkClientNetHTTP} {
		s := newSink(t, http.StatusAccepted)
		a, _ := adapterFor(t, s.URL, func(c *Config) { c.OIDCTokenFile, c.SinkClient = token, client })
		resp, _ := post(t, a.URL, binaryHeaders(map[string]string{"Authorization": "Basic caller-secret"}), `{}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: want 202, got %d", client, resp.StatusCode)
		}
		if got := s.got[0].Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer eyJ.first.sig" {
			t.Fatalf("%s: the sink got Authorization %q", client, got)
		}
	}
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL, func(c *Config) { c.OIDCTokenFile = filepath.Join(t.TempDir(), "missing") })
	post(t, a.URL, binaryHeaders(map[string]string{"Authorization": "Basic caller-secret"}), `{}`)
	if got := s.got[0].Header.Get("Authorization"); got != "" {
		t.Fatalf("without a token file the sink got Authorization %q", got)
	}
}

// Knative rotates the token by rewriting the file: the new one is used once
// the file is looked at again (at most once a second); a removed file means
// no token.
func TestOIDCTokenFollowsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	tok := newOIDCToken(path, nil)
	now := time.Now()
	if got := tok.authorization(now); got != "" {
		t.Fatalf("no file yet: %q", got)
	}
	_ = os.WriteFile(path, []byte("one"), 0o600)
	if got := tok.authorization(now.Add(500 * time.Millisecond)); got != "" {
		t.Fatalf("looked again within the second: %q", got)
	}
	if got := tok.authorization(now.Add(1100 * time.Millisecond)); got != "Bearer one" {
		t.Fatalf("after a second: %q", got)
	}
	_ = os.WriteFile(path, []byte("two"), 0o600)
	later := time.Now().Add(time.Hour)
	_ = os.Chtimes(path, later, later)
	if got := tok.authorization(now.Add(2200 * time.Millisecond)); got != "Bearer two" {
		t.Fatalf("rotated: %q", got)
	}
	_ = os.Remove(path)
	if got := tok.authorization(now.Add(3300 * time.Millisecond)); got != "" {
		t.Fatalf("removed: %q", got)
	}
}
