package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// sink is a real HTTP sink on 127.0.0.1 that records requests and answers with code.
type sink struct {
	*httptest.Server
	mu    sync.Mutex
	got   []*http.Request
	body  []string
	code  int
	delay time.Duration
}

func newSink(t *testing.T, code int) *sink {
	s := newUnstartedSink(t, code)
	s.Start()
	return s
}

func newUnstartedSink(t *testing.T, code int) *sink {
	s := &sink{code: code}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		time.Sleep(s.delay)
		s.mu.Lock()
		s.got = append(s.got, r)
		s.body = append(s.body, string(b))
		s.mu.Unlock()
		w.WriteHeader(s.code)
		io.WriteString(w, `{"secret":"internal sink detail"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// adapterFor runs the handler on a real loopback listener in front of sinkURL.
func adapterFor(t *testing.T, sinkURL string, mutate ...func(*Config)) (*httptest.Server, *Metrics) {
	cfg := Config{Source: "shop", Sink: sinkURL, MaxBodyBytes: 1024, SinkTimeout: 2 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	m := NewMetrics()
	srv := httptest.NewServer(NewHandler(cfg, NewSinkClient(cfg.SinkTimeout), m, slog.New(slog.NewJSONHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv, m
}

func binaryHeaders(extra map[string]string) http.Header {
	h := http.Header{}
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "e1", "Ce-Type": "order.created",
		"Ce-Source": "/client/says", "Content-Type": "application/json"} {
		h.Set(k, v)
	}
	for k, v := range extra {
		h.Set(k, v)
	}
	return h
}

// withHeader adds one more value of key to h.
func withHeader(h http.Header, key, value string) http.Header {
	h.Add(key, value)
	return h
}

func post(t *testing.T, url string, h http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestBinaryEventIsForwardedWithSourceOverwritten(t *testing.T) {
	s := newSink(t, http.StatusOK)
	a, m := adapterFor(t, s.URL)
	resp, _ := post(t, a.URL, binaryHeaders(map[string]string{"Ce-Region": "eu", "Ce-Subject": "o-1",
		"Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}), `{"order":1}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("want 202, got %d", resp.StatusCode)
	}
	r := s.got[0]
	for k, want := range map[string]string{"Ce-Source": "shop", "Ce-Id": "e1", "Ce-Type": "order.created", "Ce-Region": "eu",
		"Ce-Subject": "o-1", "Ce-Specversion": "1.0", "Content-Type": "application/json",
		"Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("sink got %s=%q, want %q", k, got, want)
		}
	}
	if s.body[0] != `{"order":1}` {
		t.Errorf("sink got body %q", s.body[0])
	}
	if m.received.Load() != 1 || m.forwarded.Load() != 1 {
		t.Errorf("metrics: received %d forwarded %d", m.received.Load(), m.forwarded.Load())
	}
}

// An https sink goes through the net/http client rather than the adapter's own
// pool; what reaches it is the same.
func TestHTTPSSinkGetsTheSameEvent(t *testing.T) {
	s := newUnstartedSink(t, http.StatusAccepted)
	s.StartTLS()
	h := NewHandler(Config{Source: "shop", Sink: s.URL + "/in", MaxBodyBytes: 1024, SinkTimeout: time.Second}, s.Client(),
		NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if h.pool != nil {
		t.Fatal("an https sink must not use the plain-HTTP pool")
	}
	a := httptest.NewServer(h)
	defer a.Close()
	resp, _ := post(t, a.URL, binaryHeaders(map[string]string{"Ce-Region": "eu", "Authorization": "Bearer app-secret"}), `{"order":2}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("want 202, got %d", resp.StatusCode)
	}
	got := s.got[0]
	if got.URL.Path != "/in" || got.Header.Get("Ce-Source") != "shop" || got.Header.Get("Ce-Region") != "eu" ||
		got.Header.Get("Authorization") != "" || s.body[0] != `{"order":2}` {
		t.Fatalf("sink got %s %v %q", got.URL, got.Header, s.body[0])
	}
}

func TestStructuredEventIsForwarded(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL)
	ev := `{"specversion":"1.0","id":"s1","type":"t","source":"/x","myext":"v","datacontenttype":"application/json","data":{"a":1}}`
	tp := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	resp, _ := post(t, a.URL, http.Header{"Content-Type": {"application/cloudevents+json"}, "Traceparent": {tp}}, ev)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("want 202, got %d", resp.StatusCode)
	}
	r := s.got[0]
	if r.Header.Get("Ce-Source") != "shop" || r.Header.Get("Ce-Id") != "s1" || r.Header.Get("Ce-Myext") != "v" || s.body[0] != `{"a":1}` ||
		r.Header.Get("Traceparent") != tp || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("sink got headers %v body %q", r.Header, s.body[0])
	}
}

func TestRejections(t *testing.T) {
	s := newSink(t, http.StatusOK)
	a, m := adapterFor(t, s.URL)
	noID := binaryHeaders(nil)
	noID.Del("Ce-Id")
	for name, tc := range map[string]struct {
		method string
		h      http.Header
		body   string
		want   int
	}{
		"GET":                    {http.MethodGet, binaryHeaders(nil), "", http.StatusMethodNotAllowed},
		"binary specversion 0.3": {http.MethodPost, binaryHeaders(map[string]string{"Ce-Specversion": "0.3"}), "{}", http.StatusBadRequest},
		"binary specversion 2.0": {http.MethodPost, binaryHeaders(map[string]string{"Ce-Specversion": "2.0"}), "{}", http.StatusBadRequest},
		"structured specversion 0.3": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"0.3","id":"1","type":"t","source":"/s"}`, http.StatusBadRequest},
		"missing id":          {http.MethodPost, noID, "{}", http.StatusBadRequest},
		"blank type":          {http.MethodPost, binaryHeaders(map[string]string{"Ce-Type": "  "}), "{}", http.StatusBadRequest},
		"empty subject":       {http.MethodPost, binaryHeaders(map[string]string{"Ce-Subject": ""}), "{}", http.StatusBadRequest},
		"bad time":            {http.MethodPost, binaryHeaders(map[string]string{"Ce-Time": "yesterday"}), "{}", http.StatusBadRequest},
		"relative dataschema": {http.MethodPost, binaryHeaders(map[string]string{"Ce-Dataschema": "/schemas/order"}), "{}", http.StatusBadRequest},
		"bad extension name":  {http.MethodPost, binaryHeaders(map[string]string{"Ce-My_ext": "v"}), "{}", http.StatusBadRequest},
		"bad content type":    {http.MethodPost, binaryHeaders(map[string]string{"Content-Type": "json;;"}), "{}", http.StatusBadRequest},
		"bad JSON":            {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}}, `{"specversion":`, http.StatusBadRequest},
		"plain body":          {http.MethodPost, http.Header{"Content-Type": {"text/plain"}}, "hello", http.StatusUnsupportedMediaType},
		"batch":               {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents-batch+json"}}, "[]", http.StatusUnsupportedMediaType},
		"oversize":            {http.MethodPost, binaryHeaders(nil), strings.Repeat("x", 2000), http.StatusRequestEntityTooLarge},
		"gzip binary":         {http.MethodPost, withHeader(binaryHeaders(nil), "Content-Encoding", "gzip"), "\x1f\x8b", http.StatusUnsupportedMediaType},
		"gzip structured": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}, "Content-Encoding": {"gzip"}},
			"\x1f\x8b", http.StatusUnsupportedMediaType},
		"id twice":           {http.MethodPost, withHeader(binaryHeaders(nil), "Ce-Id", "e2"), "{}", http.StatusBadRequest},
		"specversion twice":  {http.MethodPost, withHeader(binaryHeaders(nil), "Ce-Specversion", "1.0"), "{}", http.StatusBadRequest},
		"content type twice": {http.MethodPost, withHeader(binaryHeaders(nil), "Content-Type", "text/plain"), "{}", http.StatusBadRequest},
		"structured extension 1.5": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"1","type":"t","source":"/s","ratio":1.5}`, http.StatusBadRequest},
		"structured extension beyond 32 bits": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"1","type":"t","source":"/s","big":4294967296}`, http.StatusBadRequest},
		"structured empty subject": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"1","type":"t","source":"/s","subject":""}`, http.StatusBadRequest},
		"structured data and data_base64": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"1","type":"t","source":"/s","data":{"a":1},"data_base64":"AAE="}`, http.StatusBadRequest},
		"oversize structured": {http.MethodPost, http.Header{"Content-Type": {"application/cloudevents+json"}},
			`{"specversion":"1.0","id":"1","type":"t","source":"/s","data":"` + strings.Repeat("x", 2000) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, a.URL, strings.NewReader(tc.body))
			req.Header = tc.h
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body errorBody
			if resp.StatusCode != tc.want {
				t.Fatalf("want %d, got %d", tc.want, resp.StatusCode)
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error == "" {
				t.Fatalf("want a short JSON error body, got %v %+v", err, body)
			}
		})
	}
	if s.requests() != 0 {
		t.Fatalf("rejected events reached the sink: %d", s.requests())
	}
	var buf bytes.Buffer
	m.write(&buf)
	for _, want := range []string{`kymamesh_adapter_events_rejected_total{reason="too_large"} 2`, `kymamesh_adapter_events_rejected_total{reason="specversion"} 4`,
		`kymamesh_adapter_events_rejected_total{reason="content_mode"} 2`, `kymamesh_adapter_events_rejected_total{reason="content_encoding"} 2`,
		`kymamesh_adapter_responses_total{class="4xx"} 25`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, buf.String())
		}
	}
}

// Header values reach the handler unchecked when it is not behind net/http's
// parser (or a control character hides in a structured event's attribute):
// they are refused, never written into the request to the sink.
func TestControlCharactersAreNotForwarded(t *testing.T) {
	s := newSink(t, http.StatusOK)
	h := NewHandler(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1024, SinkTimeout: time.Second}, NewSinkClient(time.Second),
		NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	binary := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	binary.Header = binaryHeaders(map[string]string{"Ce-Subject": "a\r\nX-Injected: 1"})
	structured := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"specversion":"1.0","id":"1","type":"t","source":"/s","subject":"a\u0000b"}`))
	structured.Header.Set("Content-Type", "application/cloudevents+json")
	for name, req := range map[string]*http.Request{"binary": binary, "structured": structured} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "subject") {
			t.Errorf("%s: want 400 naming the attribute, got %d %s", name, rec.Code, rec.Body.String())
		}
	}
	if s.requests() != 0 {
		t.Fatalf("%d requests reached the sink", s.requests())
	}
}

func TestOversizeChunkedBody(t *testing.T) {
	s := newSink(t, http.StatusOK)
	a, _ := adapterFor(t, s.URL)
	// No Content-Length: the limit must hold while reading.
	req, _ := http.NewRequest(http.MethodPost, a.URL, io.MultiReader(strings.NewReader(strings.Repeat("y", 4096))))
	req.Header = binaryHeaders(nil)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || s.requests() != 0 {
		t.Fatalf("want 413 and nothing forwarded, got %d, %d forwarded", resp.StatusCode, s.requests())
	}
}

func TestSinkAnswersMapToCallerAnswers(t *testing.T) {
	for sinkCode, want := range map[int]int{200: 202, 201: 202, 202: 202, 204: 202, 400: 400, 404: 404, 429: 429, 500: 502, 503: 503, 301: 502, 307: 502} {
		s := newSink(t, sinkCode)
		a, _ := adapterFor(t, s.URL)
		resp, body := post(t, a.URL, binaryHeaders(nil), "{}")
		if resp.StatusCode != want {
			t.Errorf("sink %d: want %d, got %d", sinkCode, want, resp.StatusCode)
		}
		if strings.Contains(body, "internal sink detail") {
			t.Errorf("sink %d: the sink's body leaked to the caller: %s", sinkCode, body)
		}
	}
}

func TestSinkDownSlowOrMissing(t *testing.T) {
	down := newSink(t, 200)
	down.Close()
	a, _ := adapterFor(t, down.URL)
	if resp, body := post(t, a.URL, binaryHeaders(nil), "{}"); resp.StatusCode != 503 || strings.Contains(body, "127.0.0.1") {
		t.Fatalf("sink down: want 503 without the sink's address, got %d %s", resp.StatusCode, body)
	}
	slow := newSink(t, 200)
	slow.delay = 500 * time.Millisecond
	a, m := adapterFor(t, slow.URL, func(c *Config) { c.SinkTimeout = 100 * time.Millisecond })
	if resp, _ := post(t, a.URL, binaryHeaders(nil), "{}"); resp.StatusCode != 503 {
		t.Fatalf("slow sink: want 503, got %d", resp.StatusCode)
	}
	var buf bytes.Buffer
	m.write(&buf)
	if !strings.Contains(buf.String(), `reason="sink_timeout"} 1`) {
		t.Fatalf("want a sink_timeout rejection counted:\n%s", buf.String())
	}
	a, _ = adapterFor(t, "", func(c *Config) { c.Sink = "" })
	if resp, _ := post(t, a.URL, binaryHeaders(nil), "{}"); resp.StatusCode != 503 {
		t.Fatalf("no sink: want 503, got %d", resp.StatusCode)
	}
}

func TestServerProbesAndGracefulShutdown(t *testing.T) {
	s := newSink(t, 200)
	s.delay = 300 * time.Millisecond
	srv := NewServer(Config{Source: "shop", Sink: s.URL, MaxBodyBytes: 1 << 20, SinkTimeout: 5 * time.Second},
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:18301", "127.0.0.1:18302") }()
	waitUp(t, "http://127.0.0.1:18301/healthz")
	for _, u := range []string{"http://127.0.0.1:18301/healthz", "http://127.0.0.1:18301/readyz", "http://127.0.0.1:18302/metrics"} {
		resp, err := http.Get(u)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", u, err, resp)
		}
		resp.Body.Close()
	}
	// An event in flight when SIGTERM (here: ctx) arrives is still forwarded and answered.
	result := make(chan int, 1)
	go func() {
		resp, _ := post(t, "http://127.0.0.1:18301/", binaryHeaders(nil), "{}")
		result <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if code := <-result; code != 202 {
		t.Fatalf("in-flight event: want 202, got %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://127.0.0.1:18301/healthz"); err == nil {
		t.Fatal("the listener is still open after shutdown")
	}
}

func waitUp(t *testing.T, url string) {
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", url)
}

func TestReadyzWithoutSink(t *testing.T) {
	srv := NewServer(Config{Source: "shop"}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	srv.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("want 503 without K_SINK, got %d", rec.Code)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"EVENT_SOURCE": "shop", "K_SINK": "http://s/", "PORT": "8081", "MAX_BODY_BYTES": "10"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.Port != 8081 || c.MetricsPort != 9090 || c.MaxBodyBytes != 10 || c.Sink != "http://s/" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, tc := range []struct{ key, value string }{{"EVENT_SOURCE", ""}, {"EVENT_SOURCE", "shop\r\nX-Injected: 1"},
		{"PORT", "x"}, {"MAX_BODY_BYTES", "-1"}, {"SINK_TIMEOUT", "soon"}, {"K_SINK", "ftp://channel.example/"},
		{"K_SINK", "not a url"}, {"READ_TIMEOUT", "0s"}, {"DRAIN_PERIOD", "-1s"}, {"MAX_IN_FLIGHT", "0"},
		{"MAX_CONNECTIONS", "many"}, {"BODY_BUDGET_BYTES", "1000"}, {"SINK_CLIENT", "curl"},
		{"K_SINK", "http://channel.example:99999/"}, {"K_SINK", "http://channel.example:65536/"}, {"K_SINK", "https://channel.example:0/"}} {
		bad := map[string]string{"EVENT_SOURCE": "shop", tc.key: tc.value}
		if _, err := ConfigFromEnv(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s=%q: want an error naming it, got %v", tc.key, tc.value, err)
		}
	}
}

// RFC 3339 allows a lower-case "t" and "z"; the SDK refuses them, so the
// adapter passes such a time on in upper case, in both modes.
func TestLowerCaseTimeIsAcceptedAndPassedOnInUpperCase(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL)
	if resp, body := post(t, a.URL, binaryHeaders(map[string]string{"Ce-Time": "2026-11-30t12:00:00.5z"}), "{}"); resp.StatusCode != 202 {
		t.Fatalf("binary: want 202, got %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, a.URL, http.Header{"Content-Type": {"application/cloudevents+json"}},
		`{"specversion":"1.0","id":"1","type":"t","source":"/s","time":"2026-11-30t12:00:00.5z"}`); resp.StatusCode != 202 {
		t.Fatalf("structured: want 202, got %d %s", resp.StatusCode, body)
	}
	for i, r := range s.got {
		if got := r.Header.Get("Ce-Time"); got != "2026-11-30T12:00:00.5Z" {
			t.Errorf("event %d: sink got time %q", i, got)
		}
	}
}

// A structured event's JSON data without datacontenttype is JSON (the JSON
// event format says so); in binary mode that has to travel as Content-Type.
func TestStructuredJSONDataKeepsItsType(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL)
	resp, _ := post(t, a.URL, http.Header{"Content-Type": {"application/cloudevents+json"}},
		`{"specversion":"1.0","id":"1","type":"t","source":"/s","data":{"a":[1,2]}}`)
	if resp.StatusCode != 202 || s.got[0].Header.Get("Content-Type") != "application/json" || s.body[0] != `{"a":[1,2]}` {
		t.Fatalf("got %d, sink got Content-Type %q body %q", resp.StatusCode, s.got[0].Header.Get("Content-Type"), s.body[0])
	}
}

// Header values of a structured event go to the sink as Knative's data plane
// (sdk-go, which does not percent-decode: sdk-go#1331) reads them back: a
// subject with a space and a percent sign arrives as it was sent.
func TestStructuredValuesArriveAsTheSDKReadsThem(t *testing.T) {
	var got *event.Event
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()
	a, _ := adapterFor(t, sink.URL)
	resp, _ := post(t, a.URL, http.Header{"Content-Type": {"application/cloudevents+json"}},
		`{"specversion":"1.0","id":"1","type":"t","source":"/s","subject":"order 100% ü","tag":"a b"}`)
	if resp.StatusCode != 202 || got == nil || got.Subject() != "order 100% ü" || got.Extensions()["tag"] != "a b" {
		t.Fatalf("got %d, the sink read %v", resp.StatusCode, got)
	}
}

// An exposed application's Ingress or HTTPRoute passes /APP/events on
// unchanged (source expose): the adapter takes CloudEvents there as on /,
// and on no other application's path.
func TestEventsOnTheApplicationsPath(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL)
	for path, want := range map[string]int{"/shop/events": 202, "/": 202, "/other/events": 404, "/shop/events/x": 404, "/shop": 404, "/events": 404} {
		if resp, b := post(t, a.URL+path, binaryHeaders(nil), "{}"); resp.StatusCode != want {
			t.Errorf("%s: %d %s, want %d", path, resp.StatusCode, b, want)
		}
	}
	if n := s.requests(); n != 2 {
		t.Fatalf("the sink got %d events, want 2", n)
	}
}
