package adapter

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// elsewhere is a server on another port of ip: another origin (and on
// 127.0.0.2 another host) for a redirect. It counts what reaches it.
func elsewhere(t *testing.T, ip string, tls bool) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	var n atomic.Int64
	var auth atomic.Value
	auth.Store("")
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if a := r.Header.Get("Authorization"); a != "" {
			auth.Store(a)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK) // what a health endpoint says to anything
	}))
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skip("no "+ip+" here:", err)
	}
	s.Listener.Close()
	s.Listener = ln
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s, &n, &auth
}

// A sink that answers with a redirect did not take the event: every sink
// client treats a 3xx as a failure (502 to the sender), follows none, and the
// OIDC token never goes to the redirect's host.
func TestSinkRedirectIsAFailureNeverFollowed(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("eyJ.oidc.sig\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ client, ip string }{{SinkClientPool, "127.0.0.1"}, {SinkClientPool, "127.0.0.2"},
		{SinkClientNetHTTP, "127.0.0.1"}, {SinkClientNetHTTP, "127.0.0.2"}, {"https", "127.0.0.1"}} { // the test certificate is for 127.0.0.1
		for _, code := range []int{301, 302, 303, 307, 308} {
			client := tc.client
			other, reached, leaked := elsewhere(t, tc.ip, client == "https")
			var took atomic.Int64
			sk := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				took.Add(1)
				_, _ = io.Copy(io.Discard, r.Body)
				http.Redirect(w, r, other.URL+"/healthz", code)
			}))
			cfg := Config{Source: "shop", MaxBodyBytes: 1024, SinkTimeout: 2 * time.Second, OIDCTokenFile: token, SinkClient: client}
			sc := NewSinkClient(cfg.SinkTimeout)
			if client == "https" {
				sk.StartTLS()
				cfg.SinkClient = SinkClientNetHTTP
				// Trust the test servers' certificate, keep the adapter's redirect policy.
				sc.Transport.(*http.Transport).TLSClientConfig = sk.Client().Transport.(*http.Transport).TLSClientConfig
			} else {
				sk.Start()
			}
			cfg.Sink = sk.URL + "/"
			a := httptest.NewServer(NewHandler(cfg, sc, NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil))))
			resp, _ := post(t, a.URL, binaryHeaders(nil), `{"order":1}`)
			if resp.StatusCode != http.StatusBadGateway || took.Load() != 1 || reached.Load() != 0 || leaked.Load() != "" {
				t.Errorf("%s, sink answers %d to %s: want 502, the sink asked once, nothing elsewhere; got %d, sink asked %d, elsewhere %d (Authorization %q)",
					client, code, tc.ip, resp.StatusCode, took.Load(), reached.Load(), leaked.Load())
			}
			a.Close()
			sk.Close()
		}
	}
}

// Only the event path acknowledges an event: a POST to the probes, the
// metrics or any other path gets 404 or 405, never 2xx, and GET / gets 405
// with Allow. The probes still answer GET (and HEAD).
func TestOnlyTheEventPathAcknowledges(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	srv := NewServer(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1024, SinkTimeout: time.Second},
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	srv.ready.Store(true)
	events := httptest.NewServer(srv.events.Handler)
	defer events.Close()
	mon := httptest.NewServer(srv.mon.Handler)
	defer mon.Close()
	for _, tc := range []struct {
		method, url string
		want        int
		allow       string
	}{
		{http.MethodPost, events.URL + "/healthz", 405, "GET, HEAD"},
		{http.MethodPost, events.URL + "/readyz", 405, "GET, HEAD"},
		{http.MethodPut, events.URL + "/healthz", 405, "GET, HEAD"},
		{http.MethodPost, events.URL + "/healthz/", 404, ""},
		{http.MethodPost, events.URL + "/events", 404, ""},
		{http.MethodPost, events.URL + "/metrics", 404, ""},
		{http.MethodPost, mon.URL + "/metrics", 405, "GET, HEAD"},
		{http.MethodPost, mon.URL + "/", 404, ""},
		{http.MethodGet, events.URL + "/", 405, "POST"},
		{http.MethodPut, events.URL + "/", 405, "POST"},
		{http.MethodGet, events.URL + "/healthz", 200, ""},
		{http.MethodHead, events.URL + "/readyz", 200, ""},
		{http.MethodGet, mon.URL + "/metrics", 200, ""},
		{http.MethodPost, events.URL + "/", 202, ""},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader("{}"))
		req.Header = binaryHeaders(nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || tc.allow != "" && resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: want %d (Allow %q), got %d (Allow %q)", tc.method, tc.url, tc.want, tc.allow, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if s.requests() != 1 {
		t.Fatalf("the sink got %d events, want the one posted to /", s.requests())
	}
}

// A structured event whose data is itself a CloudEvent in an event format
// (datacontenttype application/cloudevents+json and the like) would reach the
// sink in binary mode with that Content-Type, and the sink's SDK would read
// the inner event instead: another id, type and a forged source. The adapter
// refuses such events (400). The sink here reads as a Knative Channel does.
func TestNoEventInsideAnEventReachesTheSink(t *testing.T) {
	var read []*event.Event
	sk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		read = append(read, ev)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sk.Close()
	a, _ := adapterFor(t, sk.URL, func(c *Config) { c.MaxBodyBytes = 8192 })
	inner := `{"specversion":"1.0","id":"forged","type":"admin.granted","source":"/bank","data":{"x":1}}`
	b64 := base64.StdEncoding.EncodeToString([]byte(inner))
	structured := http.Header{"Content-Type": {"application/cloudevents+json"}}
	outer := func(rest string) string {
		return `{"specversion":"1.0","id":"real","type":"order.created","source":"/app",` + rest + `}`
	}
	for name, tc := range map[string]struct {
		h    http.Header
		body string
		want int
	}{
		"structured, data": {structured, outer(`"datacontenttype":"application/cloudevents+json","data":` + inner), 400},
		"structured, data as a string": {structured, outer(`"datacontenttype":"application/cloudevents+json","data":` +
			strings.ReplaceAll(`"`+strings.ReplaceAll(inner, `"`, `\"`)+`"`, "\n", "")), 400},
		"structured, data_base64":          {structured, outer(`"datacontenttype":"application/cloudevents+json","data_base64":"` + b64 + `"`), 400},
		"structured, upper case, charset":  {structured, outer(`"datacontenttype":" Application/CloudEvents+JSON; charset=utf-8","data_base64":"` + b64 + `"`), 400},
		"structured, batch":                {structured, outer(`"datacontenttype":"application/cloudevents-batch+json","data":[` + inner + `]`), 400},
		"structured, protobuf":             {structured, outer(`"datacontenttype":"application/cloudevents+protobuf","data_base64":"AAE="`), 400},
		"binary, protobuf":                 {binaryHeaders(map[string]string{"Content-Type": "application/cloudevents+protobuf"}), "\x00\x01", 400},
		"binary, bare format":              {binaryHeaders(map[string]string{"Content-Type": "application/cloudevents"}), inner, 400},
		"binary, json data":                {binaryHeaders(nil), inner, 202},
		"binary, Ce-Datacontenttype":       {binaryHeaders(map[string]string{"Ce-Datacontenttype": "application/cloudevents+json"}), inner, 400},
		"structured, json data":            {structured, outer(`"datacontenttype":"application/json","data":` + inner), 202},
		"structured, data without type":    {structured, outer(`"data":` + inner), 202},
		"structured, data_base64 no type":  {structured, outer(`"data_base64":"` + b64 + `"`), 202},
		"structured, text data":            {structured, outer(`"datacontenttype":"text/plain","data":"application/cloudevents+json"`), 202},
		"structured, cloudevents-like ext": {structured, outer(`"datacontenttype":"application/cloudeventsx","data_base64":"` + b64 + `"`), 202},
	} {
		before := len(read)
		resp, body := post(t, a.URL, tc.h.Clone(), tc.body)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: want %d, got %d %s", name, tc.want, resp.StatusCode, body)
		}
		// Whatever the answer, the sink reads only the event the adapter forwarded.
		for _, ev := range read[before:] {
			if ev.Source() != "shop" || ev.Type() != "order.created" || (ev.ID() != "real" && ev.ID() != "e1") {
				t.Errorf("%s: the sink read another event: id %q type %q source %q", name, ev.ID(), ev.Type(), ev.Source())
			}
		}
		if resp.StatusCode == 202 && len(read) != before+1 {
			t.Errorf("%s: acknowledged, but the sink read %d events", name, len(read)-before)
		}
	}
}

// A sink's Retry-After on 429 and 503 reaches the sender with the same
// status, through both sink clients; a Retry-After that is not one is dropped.
func TestSinkRetryAfterIsPassedOn(t *testing.T) {
	for _, client := range []string{SinkClientPool, SinkClientNetHTTP} {
		for _, tc := range []struct {
			code       int
			retryAfter string
			want       int
			wantAfter  string
		}{
			{429, "7", 429, "7"},
			{503, "3", 503, "3"},
			{503, "Wed, 21 Oct 2037 07:28:00 GMT", 503, "Wed, 21 Oct 2037 07:28:00 GMT"},
			{503, "", 503, ""},
			{503, "soon", 503, ""},
			{500, "5", 502, ""},
		} {
			sk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.code)
			}))
			a, _ := adapterFor(t, sk.URL, func(c *Config) { c.SinkClient = client })
			resp, _ := post(t, a.URL, binaryHeaders(nil), "{}")
			if resp.StatusCode != tc.want || resp.Header.Get("Retry-After") != tc.wantAfter {
				t.Errorf("%s, sink %d Retry-After %q: want %d %q, got %d %q", client, tc.code, tc.retryAfter, tc.want, tc.wantAfter,
					resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			sk.Close()
		}
	}
}

// A token file with a line break inside the token cannot be sent as a header:
// no token is sent, and the log says why, once. Line ends around it are trimmed.
func TestOIDCTokenWithLineBreaks(t *testing.T) {
	dir := t.TempDir()
	trimmed := filepath.Join(dir, "trimmed")
	_ = os.WriteFile(trimmed, []byte("\r\neyJ.a.sig\r\n"), 0o600)
	if got := newOIDCToken(trimmed, nil).authorization(time.Now()); got != "Bearer eyJ.a.sig" {
		t.Fatalf("CR/LF around the token: %q", got)
	}
	broken := filepath.Join(dir, "broken")
	_ = os.WriteFile(broken, []byte("eyJ.a\r\n.sig\n"), 0o600)
	var logs syncBuffer
	tok := newOIDCToken(broken, slog.New(slog.NewJSONHandler(&logs, nil)))
	now := time.Now()
	for i := 0; i < 5; i++ {
		if got := tok.authorization(now.Add(time.Duration(i) * 1100 * time.Millisecond)); got != "" {
			t.Fatalf("a token with a line break inside was sent: %q", got)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), broken) || strings.Contains(logs.String(), "eyJ") {
		t.Fatalf("want one line naming the file (not the token), got %d:\n%s", n, logs.String())
	}
}
