package adapter

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
)

// mountSecret writes files into dir the way the kubelet updates a mounted
// Secret: a new timestamped folder, "..data" switched to it atomically, and
// each key a symlink through "..data". Keys left out are gone.
func mountSecret(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	version := fmt.Sprintf("..%d", time.Now().UnixNano())
	if err := os.MkdirAll(filepath.Join(dir, version), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(dir, version, k), v, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(version, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if name := e.Name(); !strings.HasPrefix(name, ".") {
			if _, keep := files[name]; !keep {
				_ = os.Remove(filepath.Join(dir, name))
			}
		}
	}
	for k := range files {
		if _, err := os.Lstat(filepath.Join(dir, k)); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", k), filepath.Join(dir, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// secretFiles is a credentials Secret's content: the marker and one file per token.
func secretFiles(t testing.TB, tokens map[string]*time.Time) (map[string][]byte, map[string]string) {
	t.Helper()
	files := map[string][]byte{credfile.RequiredKey: []byte("true\n")}
	values := map[string]string{}
	for id, exp := range tokens {
		tok, err := credfile.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		files[id] = credfile.Credential{Token: tok, Created: time.Now().UTC(), Expires: exp}.Marshal()
		values[id] = tok
	}
	return files, values
}

// credentialsAdapter is the adapter's Server (connection gate and all) with
// a credentials folder read every 20 ms, and its logs.
func credentialsAdapter(t *testing.T, sinkURL, dir string, mutate ...func(*Config)) (url, metrics string, logs *syncBuffer) {
	t.Helper()
	cfg := Config{Source: "shop", Sink: sinkURL, MaxBodyBytes: 1024, SinkTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		MaxConnections: 100, CredentialsDir: dir, CredentialsPoll: 20 * time.Millisecond}
	for _, m := range mutate {
		m(&cfg)
	}
	logs = &syncBuffer{}
	addr, maddr := runServerLogging(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	return "http://" + addr + "/", maddr, logs
}

func metricsText(t *testing.T, maddr string) string {
	t.Helper()
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func metricValue(t *testing.T, text, series string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Once an application has a credential, an event without a valid bearer
// token gets 401 with WWW-Authenticate, nothing reaches the sink, and each
// refusal is counted by its reason; a valid token passes; health and
// metrics need none; no token is ever logged.
func TestCredentialsAreEnforced(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	dir := t.TempDir()
	files, tokens := secretFiles(t, map[string]*time.Time{"a1b2c3d4": nil})
	mountSecret(t, dir, files)
	url, maddr, logs := credentialsAdapter(t, s.URL, dir)
	good := tokens["a1b2c3d4"]
	other, _ := credfile.NewToken()
	for _, tc := range []struct {
		name   string
		auth   []string
		reason string
	}{
		{"no header", nil, "missing"},
		{"empty bearer token", []string{"Bearer "}, "missing"},
		{"bearer without a token", []string{"Bearer"}, "missing"},
		{"wrong scheme", []string{"Basic " + good}, "invalid"},
		{"token without a scheme", []string{good}, "invalid"},
		{"wrong token", []string{"Bearer " + other}, "invalid"},
		{"the token with one character more", []string{"Bearer " + good + "x"}, "invalid"},
		{"two headers, one good", []string{"Bearer " + other, "Bearer " + good}, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := binaryHeaders(nil)
			h["Authorization"] = tc.auth
			before := metricValue(t, metricsText(t, maddr), `kymamesh_adapter_auth_refused_total{reason="`+tc.reason+`"}`)
			resp, body := post(t, url, h, `{"n":1}`)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Fatalf("got %d %q (WWW-Authenticate %q), want 401 with a Bearer challenge", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
			}
			after := metricValue(t, metricsText(t, maddr), `kymamesh_adapter_auth_refused_total{reason="`+tc.reason+`"}`)
			if after != before+1 {
				t.Errorf("auth_refused{reason=%q}: %d before, %d after; want one more", tc.reason, before, after)
			}
		})
	}
	if n := s.requests(); n != 0 {
		t.Fatalf("the sink got %d events from refused requests", n)
	}
	for _, auth := range []string{"Bearer " + good, "bearer " + good, "Bearer  " + good + " "} {
		h := binaryHeaders(nil)
		h.Set("Authorization", auth)
		if resp, body := post(t, url, h, `{"n":1}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("with the token (%q): %d %s, want 202", strings.Replace(auth, good, "TOKEN", 1), resp.StatusCode, body)
		}
	}
	if n := s.requests(); n != 3 {
		t.Fatalf("the sink got %d events, want 3", n)
	}
	if a := s.got[0].Header.Get("Authorization"); a != "" {
		t.Errorf("the caller's token went on to the sink: %q", a)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, err := http.Get(strings.TrimSuffix(url, "/") + p); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s without a token: %v %v, want 200", p, resp, err)
		}
	}
	mt := metricsText(t, maddr)
	if metricValue(t, mt, "kymamesh_adapter_credentials_required") != 1 || metricValue(t, mt, "kymamesh_adapter_credentials_valid") != 1 {
		t.Errorf("credential gauges wrong:\n%s", mt)
	}
	if strings.Contains(mt, good) || strings.Contains(logs.String(), good) || strings.Contains(logs.String(), other) {
		t.Fatal("a token is in the metrics or logs")
	}
	if !strings.Contains(logs.String(), "a1b2c3d4") {
		t.Errorf("the log does not say which token ids were loaded:\n%s", logs)
	}
}

// A refused event's body is never read: the adapter answers 401 from the
// head alone, while the announced body has not been sent.
func TestCredentialsRefuseBeforeTheBody(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	dir := t.TempDir()
	files, _ := secretFiles(t, map[string]*time.Time{"a1": nil})
	mountSecret(t, dir, files)
	url, _, _ := credentialsAdapter(t, s.URL, dir)
	c := dial(t, strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	fmt.Fprintf(c, "%sContent-Length: 1000\r\n\r\n{", eventHead("e1", 0, 0))
	resp, _ := answerOf(t, c)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("got %d, want 401 before the body", resp.StatusCode)
	}
}

// A huge Authorization header is bounded as every head is: beyond the
// adapter's head limit it gets 431 before it is parsed, below it 401.
func TestHugeAuthorizationHeader(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	dir := t.TempDir()
	files, _ := secretFiles(t, map[string]*time.Time{"a1": nil})
	mountSecret(t, dir, files)
	url, maddr, _ := credentialsAdapter(t, s.URL, dir)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	for _, tc := range []struct {
		size int
		want int
	}{{maxRequestHeadBytes + 1024, http.StatusRequestHeaderFieldsTooLarge}, {1 << 20, http.StatusRequestHeaderFieldsTooLarge}, {32 << 10, http.StatusUnauthorized}} {
		c := dial(t, addr)
		go fmt.Fprintf(c, "%sAuthorization: Bearer %s\r\nContent-Length: 2\r\n\r\n{}", eventHead("e1", 0, 0), strings.Repeat("x", tc.size))
		if resp, _ := answerOf(t, c); resp.StatusCode != tc.want {
			t.Errorf("Authorization of %d bytes: got %d, want %d", tc.size, resp.StatusCode, tc.want)
		}
	}
	if s.requests() != 0 {
		t.Fatal("an event reached the sink")
	}
	// What the heads paid goes back once each is answered.
	waitFor(t, "the heads' budget given back", func() bool { return budgetUsed(t, maddr) == 0 })
}

// The folder is read again while the adapter runs: a token added counts,
// one removed is refused, one rotated out counts until its expiry and is
// refused after it (reason expired), all without a restart; an application
// without credentials (or whose Secret is gone) takes events as before.
func TestCredentialsChangeWhileRunning(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	dir := t.TempDir()
	url, maddr, _ := credentialsAdapter(t, s.URL, dir)
	send := func(tok string) int {
		h := binaryHeaders(nil)
		if tok != "" {
			h.Set("Authorization", "Bearer "+tok)
		}
		resp, _ := post(t, url, h, `{}`)
		return resp.StatusCode
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(3 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("not within 3s: %s", what)
			}
		}
	}
	if code := send(""); code != http.StatusAccepted {
		t.Fatalf("without credentials: %d, want 202", code)
	}
	// First credentials: the token, and nothing else, gets in.
	files, toks := secretFiles(t, map[string]*time.Time{"0001": nil})
	mountSecret(t, dir, files)
	eventually("the first token is required", func() bool { return send("") == http.StatusUnauthorized })
	if code := send(toks["0001"]); code != http.StatusAccepted {
		t.Fatalf("with the first token: %d", code)
	}
	// Rotation: a new token, the old one valid for a short grace.
	expiry := time.Now().Add(400 * time.Millisecond)
	newTok, _ := credfile.NewToken()
	files["0001"] = credfile.Credential{Token: toks["0001"], Created: time.Now(), Expires: &expiry}.Marshal()
	files["0002"] = credfile.Credential{Token: newTok, Created: time.Now()}.Marshal()
	mountSecret(t, dir, files)
	eventually("the new token counts", func() bool { return send(newTok) == http.StatusAccepted })
	if time.Now().Before(expiry) {
		if code := send(toks["0001"]); code != http.StatusAccepted {
			t.Fatalf("the old token within its grace: %d", code)
		}
	}
	eventually("the old token expires by itself", func() bool { return send(toks["0001"]) == http.StatusUnauthorized })
	if n := metricValue(t, metricsText(t, maddr), `kymamesh_adapter_auth_refused_total{reason="expired"}`); n == 0 {
		t.Error("an expired token was not counted as expired")
	}
	// Revocation: the file goes; its token is refused at the next read.
	delete(files, "0002")
	third, _ := credfile.NewToken()
	files["0003"] = credfile.Credential{Token: third, Created: time.Now()}.Marshal()
	mountSecret(t, dir, files)
	eventually("the removed token is refused", func() bool { return send(newTok) == http.StatusUnauthorized })
	if code := send(third); code != http.StatusAccepted {
		t.Fatalf("the remaining token: %d", code)
	}
	// Every token revoked, the marker kept: nobody gets in.
	mountSecret(t, dir, map[string][]byte{credfile.RequiredKey: []byte("true\n")})
	eventually("no token left: everything refused", func() bool { return send(third) == http.StatusUnauthorized })
	if code := send(""); code != http.StatusUnauthorized {
		t.Fatalf("without a token after every token was revoked: %d, want 401", code)
	}
	// A file the adapter cannot parse keeps the last good reading.
	files = map[string][]byte{credfile.RequiredKey: []byte("true\n"), "0004": []byte("{half")}
	mountSecret(t, dir, files)
	time.Sleep(100 * time.Millisecond)
	if code := send(""); code != http.StatusUnauthorized {
		t.Fatalf("with a broken file: %d, want the last good reading (401)", code)
	}
	// The Secret gone (source deleted, or never made): events need no token.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	eventually("without the folder events need no token", func() bool { return send("") == http.StatusAccepted })
}

// runServerLogging is runServer with the adapter's log going to log.
func runServerLogging(t *testing.T, cfg Config, log *slog.Logger) (addr, metrics string) {
	t.Helper()
	return runServerWith(t, cfg, log)
}
